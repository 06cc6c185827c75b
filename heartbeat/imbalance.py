"""Class imbalance (N is 83% of the beats, F under 1%): class weights, focal loss, balanced sampling."""
from functools import partial

import torch
from torch.nn import functional as F

LOSSES = ("ce", "weighted", "focal")
SAMPLERS = ("shuffle", "balanced")


def class_weights(y, num_classes, power=1.0):
    """Inverse class frequency to a power, scaled so that the average weight over the beats is 1.

    power 1 gives n / (C * n_c); a smaller power tempers it, which matters when a class has only a
    handful of beats (Q has 8 in DS1: at power 1 each would weigh 5,700 N beats).
    """
    counts = torch.bincount(y, minlength=num_classes).clamp_min(1).double()
    w = counts ** -power
    return (w * len(y) / (w[y] if len(y) else w).sum()).float()


def focal_loss(logits, target, gamma=2.0):
    """Lin et al. 2017: cross-entropy scaled by (1 - p_true)^gamma, so easy beats count for little."""
    logp = F.log_softmax(logits, dim=1).gather(1, target[:, None])[:, 0]  # (B,)
    return (-(1 - logp.exp()) ** gamma * logp).mean()


def make_loss(name, y, num_classes, gamma, weight_power=1.0):
    """Loss function (logits (B, C), target (B,)) -> scalar, by its config name."""
    if name == "ce":
        return F.cross_entropy
    if name == "weighted":
        return partial(F.cross_entropy, weight=class_weights(y, num_classes, weight_power))
    if name == "focal":
        return partial(focal_loss, gamma=gamma)
    raise ValueError(f"unknown loss {name!r}; choose one of {LOSSES}")


def epoch_order(y, generator, sampler="shuffle", power=1.0):
    """Indices for one epoch of len(y) beats: a seeded shuffle, or drawn with replacement with each beat's
    chance proportional to (1 / its class count)^power ('balanced'): power 1 draws every class equally
    often, 0.5 draws class c in proportion to sqrt(count_c)."""
    if sampler == "shuffle":
        return torch.randperm(len(y), generator=generator)
    if sampler == "balanced":
        per_class = torch.bincount(y).clamp_min(1).double()
        return torch.multinomial(per_class[y] ** -power, len(y), replacement=True, generator=generator)
    raise ValueError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")


def prior_power(tc):
    """How far training tilted the class priors the network learns: it learns priors proportional to
    count_c^(1 - prior_power). A 'balanced' sampler and a 'weighted' loss each tilt by weight_power."""
    return tc["weight_power"] * ((tc["sampler"] == "balanced") + (tc["loss"] == "weighted"))
