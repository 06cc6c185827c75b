"""Training options for class imbalance and variance: augmentation, losses, sampling, schedules."""
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from conftest import ROOT
from heartbeat.augment import augment_beats, stretch
from heartbeat.calibration import prior_offsets
from heartbeat.checkpoint import read_checkpoint
from heartbeat.config import load_config
from heartbeat.imbalance import class_weights, epoch_order, focal_loss, make_loss, prior_power
from heartbeat.model import BeatNet
from heartbeat.training import Beats, augment_batch, fit, make_scheduler


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


def test_stretch_by_a_given_factor():
    x = torch.zeros(3, 1, 187)
    x[:, 0, 60] = 1.0
    out = stretch(x, torch.tensor([[1.0], [1.1], [0.9]]))
    assert torch.equal(out[0], x[0])  # factor 1: unchanged
    assert out[1, 0].argmax() == 66 and out[2, 0].argmax() == 54  # the peak moves with the factor
    assert out[2, 0, 169:].eq(0).all()  # shrunk: the end is zero-padded


def test_stretch_moves_the_peak_within_the_paper_range():
    x = torch.zeros(200, 1, 187)
    x[:, 0, 60] = 1.0
    peak = augment_beats(x, torch.Generator().manual_seed(0))[:, 0].argmax(1).float()
    assert peak.min() >= 60 * 5 / 6 - 1 and peak.max() <= 60 * 7 / 6 + 1
    assert peak.std() > 2  # the factors really vary


def test_template_is_augmented_exactly_as_its_beat():
    x = beats(16)
    template = beats(16)[:, 0]  # (16, L): other shapes than the beats
    features = torch.rand(16, 3)
    extra = torch.cat([features, template], dim=1)  # (16, 3 + L): named features first, the template last
    xb, eb = augment_batch(x, extra, torch.Generator().manual_seed(5), with_template=True)
    # one draw per beat, shared: the template comes out as the beat would have, had it been the beat
    alone = augment_beats(template.unsqueeze(1), torch.Generator().manual_seed(5))[:, 0]
    assert torch.equal(xb, augment_beats(x, torch.Generator().manual_seed(5)))
    assert torch.equal(eb[:, 3:], alone) and not torch.allclose(eb[:, 3:], template, atol=1e-3)
    # the named features (R-R times, and template correlation and distance, measured on the real beats)
    # are left as they are
    assert torch.equal(eb[:, :3], features)
    xb2, eb2 = augment_batch(x, extra, torch.Generator().manual_seed(5), with_template=False)
    assert torch.equal(xb2, xb) and torch.equal(eb2, extra)


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


def test_balanced_sampler_power_half_draws_classes_by_square_root_of_count():
    y = torch.tensor([0] * 9000 + [1] * 900 + [2] * 100)
    order = epoch_order(y, torch.Generator().manual_seed(0), "balanced", power=0.5)
    share = torch.bincount(y[order], minlength=3).float() / len(order)
    root = torch.tensor([9000, 900, 100]).float().sqrt()
    assert torch.allclose(share, root / root.sum(), atol=0.02)


def test_prior_power_counts_each_tilt_of_the_training_priors():
    base = {"sampler": "shuffle", "loss": "ce", "weight_power": 0.5}
    assert prior_power(base) == 0
    assert prior_power({**base, "loss": "focal"}) == 0  # focal loss reweights hard beats, not classes
    assert prior_power({**base, "sampler": "balanced"}) == 0.5
    assert prior_power({**base, "sampler": "balanced", "loss": "weighted"}) == 1.0


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


def small_split(real_beats):
    """Real beats of every class (300 N, 40 S, 80 V, 20 F, 60 Q), alternately into train and val Beats."""
    rng = np.random.default_rng(0)
    take = np.concatenate([rng.permutation(np.flatnonzero(real_beats.y == c))[:n]
                           for c, n in enumerate([300, 40, 80, 20, 60])])
    data = Beats(real_beats.x[take].astype(np.float32), real_beats.y[take].astype(np.int64))
    return data.take(np.arange(0, len(take), 2)), data.take(np.arange(1, len(take), 2))


def test_balanced_training_validates_at_real_priors_and_resumes_exactly(tmp_path, real_beats):
    """best.pt of a tilted training carries the offsets back to the real class frequencies; the network
    itself trains without them, so a resumed run still matches an uninterrupted one."""
    train, val = small_split(real_beats)
    cfg = load_config(ROOT / "config" / "oversample.json",
                      ["train.epochs=2", "train.batch_size=32", "train.max_batches=3", "train.threads=1",
                       "train.schedule=step", "train.calibrate=false"])
    quiet = lambda *_: None  # noqa: E731
    fit(cfg, train, val, tmp_path / "full", log=quiet)
    fit({**cfg, "train": {**cfg["train"], "epochs": 1}}, train, val, tmp_path / "cut", log=quiet)
    fit(cfg, train, val, tmp_path / "cut", resume=True, log=quiet)

    full, cut = read_checkpoint(tmp_path / "full" / "last.pt"), read_checkpoint(tmp_path / "cut" / "last.pt")
    for key, value in full["model_state"].items():
        assert torch.equal(value, cut["model_state"][key]), key
    untilt = prior_offsets(np.bincount(train.y, minlength=5), 0.0, 0.5)
    assert (untilt[1:] < 0).all()
    best = read_checkpoint(tmp_path / "full" / "best.pt")
    assert np.allclose(best["model_state"]["logit_bias"].numpy(), untilt)

    tilted = {**cfg, "train": {**cfg["train"], "untilt_priors": False}}  # as the DS1 configs train
    fit(tilted, train, val, tmp_path / "tilted", log=quiet)
    assert not read_checkpoint(tmp_path / "tilted" / "best.pt")["model_state"]["logit_bias"].any()


def test_weight_average_is_what_gets_saved_and_resumes_exactly(tmp_path, real_beats):
    """With train.ema_decay d, best.pt/last.pt hold the running average of the weights after each step
    (w1, then d*avg + (1-d)*w), and --resume restores both the average and the weights being trained."""
    train, val = small_split(real_beats)
    d = 0.6
    base = load_config(ROOT / "config" / "ema.json",
                       ["train.epochs=1", "train.batch_size=32", "train.threads=1", "train.schedule=step",
                        "train.calibrate=false", f"train.ema_decay={d}"])
    quiet = lambda *_: None  # noqa: E731

    def run(name, max_batches, ema_decay=d, epochs=1, resume=False):
        cfg = {**base, "train": {**base["train"], "max_batches": max_batches, "ema_decay": ema_decay,
                                 "epochs": epochs}}
        fit(cfg, train, val, tmp_path / name, resume=resume, log=quiet)
        return read_checkpoint(tmp_path / name / "last.pt")

    # The weights after step k: the same seeded batches, cut after k of them (a constant LR for 3 steps).
    steps = [run(f"plain{k}", k, ema_decay=0.0)["model_state"] for k in (1, 2, 3)]
    averaged = run("ema", 3)
    for key, value in averaged["model_state"].items():
        if key == "logit_bias":
            continue
        expected = d * d * steps[0][key] + d * (1 - d) * steps[1][key] + (1 - d) * steps[2][key]
        assert torch.allclose(value, expected, atol=1e-6), key
        assert torch.equal(averaged["training_model_state"][key], steps[2][key]), key
    best = read_checkpoint(tmp_path / "ema" / "best.pt")
    assert all(torch.equal(best["model_state"][k], v) for k, v in averaged["model_state"].items())

    full = run("full", 3, epochs=2)
    run("cut", 3, epochs=1)
    cut = run("cut", 3, epochs=2, resume=True)
    for part in ("model_state", "training_model_state"):
        for key, value in full[part].items():
            assert torch.equal(value, cut[part][key]), (part, key)


def test_training_augments_the_template_with_its_beat_only_when_asked(tmp_path, real_beats):
    """With each beat as its own template, the beat-minus-template channel stays exactly zero in training only
    if the beat and its template get the same augmentation: then the stem's weights on that channel never
    get a gradient and keep their initial values; augmenting the beat alone moves them."""
    train, val = small_split(real_beats)
    train, val = (Beats(b.x, b.y, b.x.copy()) for b in (train, val))  # extra inputs: the template alone
    base = load_config(ROOT / "config" / "config.json",
                       ["model.template_channel=true", "train.epochs=1", "train.batch_size=32", "train.max_batches=3",
                        "train.threads=1", "train.calibrate=false"])
    assert base["train"]["augment"]
    torch.manual_seed(base["train"]["seed"])  # as fit() seeds before building the model
    initial = BeatNet(**base["model"]).stem.weight.detach().clone()  # (32, 2, k): on the beat, on the difference
    for together in (True, False):
        cfg = {**base, "train": {**base["train"], "augment_template": together}}
        fit(cfg, train, val, tmp_path / str(together), log=lambda *_: None)
        weights = read_checkpoint(tmp_path / str(together) / "last.pt")["model_state"]["stem.weight"]
        assert torch.equal(weights[:, 1], initial[:, 1]) == together
        assert not torch.equal(weights[:, 0], initial[:, 0])  # the weights on the beat itself did train
