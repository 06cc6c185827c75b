"""Training options for class imbalance and variance: augmentation, the weighted loss, schedules."""
import math
from dataclasses import asdict

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from conftest import ROOT, quiet, small_split
from heartbeat.augment import augment_beats, beat_augmentation, stretch
from heartbeat.calibration import prior_offsets
from heartbeat.checkpoint import read_checkpoint
from heartbeat.config import Config, ConfigError, TrainConfig, load_config
from heartbeat.imbalance import class_weights, make_loss, prior_power
from heartbeat.model import BeatInputs, BeatNet
from heartbeat.labelled import LabelledBeats
from heartbeat.training import fit, make_optimizer, train_epoch


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


class Recorder(BeatNet):
    """A BeatNet that keeps the batches training feeds it."""

    def __init__(self, **model_args):
        super().__init__(**model_args)
        self.seen = []

    def forward(self, beats, features=None, template=None):
        self.seen.append((beats.clone(), features.clone(), template.clone()))
        return super().forward(beats, features, template)


def test_training_augments_the_beat_alone():
    """The paper's augmentation stretches and warps each training beat; the template and the named features
    (R-R times, template correlation and distance, measured on the real beat) reach the model as they are."""
    x, template, features = beats(16), beats(16), torch.rand(16, 8)
    model = Recorder(rr_features=True, template_channel=True)
    inputs = {"beats": x, "features": features, "template": template}
    y = torch.zeros(16, dtype=torch.long)
    optimizer, scheduler = make_optimizer(model, TrainConfig(), 1)
    plan = [torch.arange(8), torch.arange(8, 16)]
    generator = torch.Generator().manual_seed(5)
    train_epoch(model, inputs, y, optimizer, scheduler, plan, augment=beat_augmentation(True, None, generator))
    expect = torch.Generator().manual_seed(5)
    for idx, (b, f, t) in zip(plan, model.seen):
        assert torch.equal(b, augment_beats(x[idx], expect)) and not torch.allclose(b, x[idx], atol=1e-3)
        assert torch.equal(t, template[idx]) and torch.equal(f, features[idx])
    model.seen.clear()
    train_epoch(model, inputs, y, optimizer, scheduler, plan)  # augment None: the beats as they are
    assert all(torch.equal(b, x[idx]) for idx, (b, _, _) in zip(plan, model.seen))


def test_class_weights_and_losses():
    y = torch.tensor([0] * 90 + [1] * 10)
    w = class_weights(y)
    assert w.shape == (5,) and torch.allclose(w[:2], torch.tensor([100 / 180, 100 / 20]))
    assert torch.isclose(w[y].mean(), torch.tensor(1.0))
    tempered = class_weights(y, power=0.5)
    assert torch.isclose(tempered[1] / tempered[0], torch.tensor(3.0))  # sqrt(90 / 10)
    assert torch.isclose(tempered[y].mean(), torch.tensor(1.0))  # the average beat still weighs 1
    logits = torch.randn(100, 5)
    assert make_loss(TrainConfig(), y) is F.cross_entropy
    weighted = make_loss(TrainConfig(loss="weighted", weight_power=1.0), y)
    assert torch.isclose(weighted(logits, y), F.cross_entropy(logits, y, weight=w))
    half = make_loss(TrainConfig(loss="weighted", weight_power=0.5), y)
    assert torch.isclose(half(logits, y), F.cross_entropy(logits, y, weight=tempered))
    for name in ("hinge", "focal"):  # focal loss was removed in issue 19
        with pytest.raises(ConfigError, match=f"train.loss = '{name}': must be one of ce, weighted"):
            Config.from_dict({"train": {"loss": name}})


def test_prior_power_counts_the_tilt_of_the_training_priors():
    assert prior_power(TrainConfig(loss="ce", weight_power=0.5)) == 0
    assert prior_power(TrainConfig(loss="weighted", weight_power=0.5)) == 0.5
    assert prior_power(TrainConfig(loss="weighted")) == 1.0


@pytest.mark.parametrize("schedule", ["step", "cosine"])
def test_schedules_cover_the_run(schedule):
    tc = TrainConfig(schedule=schedule, epochs=4, lr=1e-3, lr_decay=0.5, lr_decay_every=10, betas=[0.8, 0.99],
                     weight_decay=1e-4)
    opt, sched = make_optimizer(BeatNet(), tc, steps_per_epoch=10)
    group = opt.param_groups[0]
    assert group["lr"] == 1e-3 and group["betas"] == (0.8, 0.99) and group["weight_decay"] == 1e-4
    lrs = []
    for _ in range(40):
        opt.step()
        sched.step()
        lrs.append(group["lr"])
    if schedule == "step":
        assert math.isclose(lrs[-1], 1e-3 * 0.5 ** 4)
    else:
        assert lrs[-1] < 1e-5 and max(lrs) <= 1e-3 + 1e-12


def test_weighted_training_validates_at_real_priors_and_resumes_exactly(tmp_path, real_beats):
    """best.pt of a tilted training carries the offsets back to the real class frequencies; the network
    itself trains without them, so a resumed run still matches an uninterrupted one."""
    train, val = small_split(real_beats)
    base = ["train.loss=weighted", "train.weight_power=0.5", "train.batch_size=32", "train.max_batches=3",
            "train.threads=1", "train.schedule=step", "train.calibrate=false"]

    def config(*sets):
        return load_config(ROOT / "config" / "config.json", base + list(sets))

    assert config().train.untilt_priors and config().train.augment
    fit(config("train.epochs=2"), train, val, tmp_path / "full", log=quiet)
    fit(config("train.epochs=1"), train, val, tmp_path / "cut", log=quiet)
    fit(config("train.epochs=2"), train, val, tmp_path / "cut", resume=True, log=quiet)

    full, cut = read_checkpoint(tmp_path / "full" / "last.pt"), read_checkpoint(tmp_path / "cut" / "last.pt")
    assert full["epoch"] == cut["epoch"] == 2
    for key, value in full["model_state"].items():
        assert torch.equal(value, cut["model_state"][key]), key
    untilt = prior_offsets(np.bincount(train.y, minlength=5), 0.0, 0.5)
    assert (untilt[1:] < 0).all()
    best = read_checkpoint(tmp_path / "full" / "best.pt")
    assert np.allclose(best["model_state"]["logit_bias"].numpy(), untilt)

    # as the shipped DS1 recipe trains: validate and predict at the tilted priors
    fit(config("train.epochs=2", "train.untilt_priors=false"), train, val, tmp_path / "tilted", log=quiet)
    assert not read_checkpoint(tmp_path / "tilted" / "best.pt")["model_state"]["logit_bias"].any()


def test_training_augments_the_beat_but_not_its_template(tmp_path, real_beats):
    """With each beat as its own template, the beat-minus-template channel is exactly zero in training
    unless the beat is augmented (the template never is): without augmentation the stem's weights on that
    channel never get a gradient and keep their initial values; augmenting the beat moves them."""
    train, val = small_split(real_beats, template=True)
    sets = ["model.template_channel=true", "train.epochs=1", "train.batch_size=32", "train.max_batches=3",
            "train.threads=1", "train.calibrate=false"]
    base = load_config(ROOT / "config" / "config.json", sets)
    assert base.train.augment
    torch.manual_seed(base.train.seed)  # as fit() seeds before building the model
    initial = BeatNet(**asdict(base.model)).stem.weight.detach().clone()  # (32, 2, k): on the beat, on the difference
    for augment in (True, False):
        cfg = load_config(ROOT / "config" / "config.json", sets + [f"train.augment={str(augment).lower()}"])
        fit(cfg, train, val, tmp_path / str(augment), log=quiet)
        weights = read_checkpoint(tmp_path / str(augment) / "last.pt")["model_state"]["stem.weight"]
        assert torch.equal(weights[:, 1], initial[:, 1]) != augment
        assert not torch.equal(weights[:, 0], initial[:, 0])  # the weights on the beat itself did train


def test_resume_with_morphology_dropout_matches_an_uninterrupted_run(tmp_path):
    """Morphology dropout draws its masks from torch's global generator; last.pt keeps its state, so a
    resumed run draws the masks an uninterrupted one would."""
    rng = np.random.default_rng(0)
    x = rng.random((200, 187), dtype=np.float32)
    f = rng.random((200, 8), dtype=np.float32) + 0.5
    data = LabelledBeats(BeatInputs(x, f), np.repeat(np.arange(5), 40))
    train, val = data.take(np.arange(0, 200, 2)), data.take(np.arange(1, 200, 2))
    sets = ["model.rr_features=true", "model.morphology_dropout=0.5", "train.batch_size=32", "train.max_batches=2",
            "train.threads=1", "train.schedule=step", "train.calibrate=false", "train.augment=false"]

    def cfg(epochs):
        return load_config(ROOT / "config" / "config.json", sets + [f"train.epochs={epochs}"])

    fit(cfg(2), train, val, tmp_path / "full", log=quiet)
    fit(cfg(1), train, val, tmp_path / "cut", log=quiet)
    fit(cfg(2), train, val, tmp_path / "cut", resume=True, log=quiet)
    full, cut = (read_checkpoint(tmp_path / r / "last.pt")["model_state"] for r in ("full", "cut"))
    assert all(torch.equal(full[k], cut[k]) for k in full)


def test_weight_average_moves_one_minus_the_decay_of_the_way(tmp_path, real_beats, monkeypatch):
    """train.ema=0.9: the average starts at the first step's weights and then moves a tenth of the way to each
    step's (not nine tenths, and not an equal-weight mean)."""
    from torch.optim.swa_utils import AveragedModel

    seen = []  # the trained output layer at each update of the average
    real_update = AveragedModel.update_parameters

    def spy(self, model):
        seen.append(model.out.weight.detach().clone())
        return real_update(self, model)

    monkeypatch.setattr(AveragedModel, "update_parameters", spy)
    train, val = small_split(real_beats)
    cfg = load_config(ROOT / "config" / "config.json", [
        "train.batch_size=32", "train.max_batches=3", "train.threads=1", "train.calibrate=false",
        "train.augment=false", "train.schedule=step", "train.ema=0.9", "train.epochs=1"])
    fit(cfg, train, val, tmp_path / "run", log=quiet)
    expected = seen[0]
    for weights in seen[1:]:
        expected = 0.9 * expected + 0.1 * weights
    averaged = read_checkpoint(tmp_path / "run" / "last.pt")["average_state"]["module.out.weight"]
    assert len(seen) == 3 and torch.allclose(averaged, expected, atol=1e-6)
    assert not torch.allclose(averaged, torch.stack(seen).mean(0), atol=1e-6)


def test_weight_average_is_what_gets_validated_saved_and_resumed(tmp_path, real_beats):
    """With train.ema, best.pt holds the moving average of the weights (decay d: after each step the average
    moves (1 - d) of the way to the trained weights), not the weights as trained; last.pt keeps both, so a
    resumed run ends where an uninterrupted one does."""
    train, val = small_split(real_beats)
    sets = ["train.batch_size=32", "train.max_batches=3", "train.threads=1", "train.calibrate=false",
            "train.augment=false", "train.schedule=step", "train.ema=0.5"]

    def cfg(epochs):
        return load_config(ROOT / "config" / "config.json", sets + [f"train.epochs={epochs}"])

    def average(ckpt):  # the averaged weights in last.pt, by the model's own parameter names
        return {k.removeprefix("module."): v for k, v in ckpt["average_state"].items() if k.startswith("module.")}

    fit(cfg(1), train, val, tmp_path / "cut", log=quiet)  # one epoch: best.pt is that epoch's
    last, best = read_checkpoint(tmp_path / "cut" / "last.pt"), read_checkpoint(tmp_path / "cut" / "best.pt")
    assert int(last["average_state"]["n_averaged"]) == 3  # one per optimizer step
    assert not torch.equal(average(last)["out.weight"], last["model_state"]["out.weight"])
    assert all(torch.equal(best["model_state"][k], average(last)[k]) for k in best["model_state"])

    fit(cfg(2), train, val, tmp_path / "full", log=quiet)
    fit(cfg(2), train, val, tmp_path / "cut", resume=True, log=quiet)
    full, cut = (read_checkpoint(tmp_path / r / "last.pt") for r in ("full", "cut"))
    assert int(cut["average_state"]["n_averaged"]) == 6
    assert all(torch.equal(v, cut["average_state"][k]) for k, v in full["average_state"].items())
    with pytest.raises(ConfigError, match="train.ema"):
        load_config(ROOT / "config" / "config.json", ["train.ema=1.0"])
