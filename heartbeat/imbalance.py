"""Class imbalance (N is 83% of the beats, F under 1%): class-weighted loss, and the priors it tilts."""
from functools import partial

import torch
from torch.nn import functional as F

from . import CLASSES


def class_weights(y, power=1.0):
    """Inverse class frequency to a power, scaled so that the average weight over the beats is 1.

    power 1 gives n / (C * n_c); a smaller power tempers it, which matters when a class has only a
    handful of beats (Q has 8 in DS1: at power 1 each would weigh 5,700 N beats).
    """
    counts = torch.bincount(y, minlength=len(CLASSES)).clamp_min(1).double()
    w = counts ** -power
    return (w * len(y) / (w[y] if len(y) else w).sum()).float()


def make_loss(tc, y):
    """Loss function (logits (B, C), target (B,)) -> scalar of a TrainConfig, for training labels y."""
    if tc.loss == "weighted":
        return partial(F.cross_entropy, weight=class_weights(y, tc.weight_power))
    return F.cross_entropy


def prior_power(tc):
    """How far training tilted the class priors the network learns: it learns priors proportional to
    count_c ** (1 - prior_power). A 'weighted' loss tilts by its weight_power."""
    return tc.weight_power if tc.loss == "weighted" else 0.0
