"""Training options for class imbalance and variance: augmentation, losses, sampling, schedules."""
import math

import pytest
import torch
from torch.nn import functional as F

from heartbeat.augment import augment_beats
from heartbeat.imbalance import class_weights, epoch_order, focal_loss, make_loss
from heartbeat.model import BeatNet
from heartbeat.training import make_scheduler


def beats(n=64, length=187):
    t = torch.linspace(0, 1, length)
    x = torch.exp(-((t[None, :] - torch.rand(n, 1) * 0.5) / 0.05) ** 2)
    x[:, 150:] = 0  # zero padding, as in the CSV rows
    return x.unsqueeze(1)


def test_augmentation_stays_a_beat_and_is_seeded():
    x = beats()
    a = augment_beats(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1 + 1e-6
    assert torch.equal(a, augment_beats(x, torch.Generator().manual_seed(1)))
    assert not torch.equal(a, augment_beats(x, torch.Generator().manual_seed(2)))
    assert not torch.allclose(a, x, atol=1e-3)


def test_stretch_moves_the_peak_within_the_paper_range():
    x = torch.zeros(200, 1, 187)
    x[:, 0, 60] = 1.0
    peak = augment_beats(x, torch.Generator().manual_seed(0))[:, 0].argmax(1).float()
    assert peak.min() >= 60 * 5 / 6 - 1 and peak.max() <= 60 * 7 / 6 + 1
    assert peak.std() > 2  # the factors really vary


def test_class_weights_and_losses():
    y = torch.tensor([0] * 90 + [1] * 10)
    w = class_weights(y, 2)
    assert torch.allclose(w, torch.tensor([100 / 180, 100 / 20]))
    tempered = class_weights(y, 2, power=0.5)
    assert torch.isclose(tempered[1] / tempered[0], torch.tensor(3.0))  # sqrt(90 / 10)
    assert torch.isclose(tempered[y].mean(), torch.tensor(1.0))  # the average beat still weighs 1
    logits = torch.randn(100, 2)
    assert torch.isclose(focal_loss(logits, y, gamma=0.0), F.cross_entropy(logits, y))
    assert focal_loss(logits, y, gamma=2.0) < F.cross_entropy(logits, y)
    weighted = make_loss("weighted", y, 2, 2.0)
    assert torch.isclose(weighted(logits, y), F.cross_entropy(logits, y, weight=w))
    with pytest.raises(ValueError, match="unknown loss"):
        make_loss("hinge", y, 2, 2.0)


def test_balanced_sampler_draws_classes_equally():
    y = torch.tensor([0] * 9000 + [1] * 900 + [2] * 100)
    order = epoch_order(y, torch.Generator().manual_seed(0), "balanced")
    share = torch.bincount(y[order], minlength=3).float() / len(order)
    assert len(order) == len(y) and torch.allclose(share, torch.full((3,), 1 / 3), atol=0.02)
    shuffled = epoch_order(y, torch.Generator().manual_seed(0), "shuffle")
    assert sorted(shuffled.tolist()) == list(range(len(y)))


@pytest.mark.parametrize("schedule", ["step", "cosine", "onecycle"])
def test_schedules_cover_the_run(schedule):
    opt = torch.optim.Adam(BeatNet().parameters(), lr=1e-3)
    tc = {"schedule": schedule, "epochs": 4, "lr": 1e-3, "lr_decay": 0.5, "lr_decay_every": 10}
    sched = make_scheduler(opt, tc, steps_per_epoch=10)
    lrs = []
    for _ in range(40):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    if schedule == "step":
        assert math.isclose(lrs[-1], 1e-3 * 0.5 ** 4)
    else:
        assert lrs[-1] < 1e-5 and max(lrs) <= 1e-3 + 1e-12
