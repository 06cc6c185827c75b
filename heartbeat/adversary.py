"""A patient adversary (domain-adversarial training, Ganin et al. 2016, with the training patient as the domain).

A new patient's beats differ in shape from every training patient's. A small classifier learns to name each
training beat's patient from the network's conv (morphology) features; their gradient reaches the network
reversed, so the network learns features from which the patient cannot be read, and the beat class still can.
The adversary exists only during training: checkpoints hold the network alone.
"""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class _ReverseGradient(torch.autograd.Function):
    """Identity forward; backward multiplies the gradient by -weight."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.weight = weight
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.weight * grad, None


class PatientAdversary(nn.Module):
    """Names the patient of a beat from its conv features (B, width) -> (B, patients) logits.

    patients: (n,) the patient of each training beat (any hashable labels, e.g. 'mitdb/100'); weight: the
    largest reversal weight, reached by Ganin's ramp 2 / (1 + exp(-10 p)) - 1 over the share p of total_steps.
    """

    def __init__(self, patients, width, weight, total_steps, lr):
        super().__init__()
        names, index = np.unique(np.asarray(patients), return_inverse=True)
        if len(names) < 2:
            raise ValueError(f"a patient adversary needs beats of at least two patients, got {len(names)}")
        self.register_buffer("patient", torch.from_numpy(index.astype(np.int64)))  # (n,)
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.int64))
        self.net = nn.Sequential(nn.Linear(width, 64), nn.ReLU(), nn.Linear(64, len(names)))
        self.weight, self.total_steps = weight, max(1, total_steps)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr)

    def reversal_weight(self):
        p = min(1.0, self.steps_done.item() / self.total_steps)
        return self.weight * (2.0 / (1.0 + math.exp(-10.0 * p)) - 1.0)

    def loss(self, morphology, idx):
        """Cross-entropy of naming the patients of the beats idx from their conv features (B, width); its
        backward pass trains the adversary and sends the network the reversed gradient."""
        logits = self.net(_ReverseGradient.apply(morphology, self.reversal_weight()))  # (B, patients)
        return F.cross_entropy(logits, self.patient[idx])

    def step(self):
        """After the backward pass: update the adversary and advance the ramp."""
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.steps_done += 1

    def state(self):
        return {"module": self.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state(self, state):
        self.load_state_dict(state["module"])
        self.optimizer.load_state_dict(state["optimizer"])
