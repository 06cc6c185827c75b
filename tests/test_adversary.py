"""The patient adversary (train.patient_adversary): a reversed gradient, Ganin's ramp, and training with it."""
import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from conftest import ROOT
from heartbeat.adversary import PatientAdversary
from heartbeat.checkpoint import read_checkpoint
from heartbeat.config import ConfigError, load_config
from heartbeat.model import BeatInputs
from heartbeat.training import LabelledBeats, fit


def test_the_network_gets_the_adversarys_gradient_reversed_and_ramped():
    torch.manual_seed(0)
    adversary = PatientAdversary(np.array(["mitdb/100", "svdb/800", "mitdb/100", "svdb/801"]), width=6, weight=0.5,
                                 total_steps=10, lr=1e-3)
    assert adversary.net[-1].out_features == 3
    assert adversary.reversal_weight() == 0.0  # the ramp starts at zero ...
    adversary.steps_done.fill_(10)
    assert math.isclose(adversary.reversal_weight(), 0.5 * (2 / (1 + math.exp(-10)) - 1))  # ... and ends near 0.5
    adversary.steps_done.fill_(25)
    assert adversary.reversal_weight() <= 0.5

    features = torch.randn(4, 6, requires_grad=True)
    adversary.loss(features, torch.arange(4)).backward()
    reversed_grad, adversary_grad = features.grad, adversary.net[0].weight.grad.clone()
    plain = features.detach().clone().requires_grad_()
    adversary.net.zero_grad()
    F.cross_entropy(adversary.net(plain), adversary.patient).backward()
    assert torch.allclose(reversed_grad, -adversary.reversal_weight() * plain.grad)
    assert torch.allclose(adversary_grad, adversary.net[0].weight.grad)  # the adversary itself learns as usual

    with pytest.raises(ValueError, match="two patients"):
        PatientAdversary(np.array(["a", "a"]), 6, 0.1, 10, 1e-3)


def beats_of_patients():
    """200 random beats with R-R features, 5 classes, 4 patients (a fixture for the training logic)."""
    rng = np.random.default_rng(0)
    x = rng.random((200, 187), dtype=np.float32)
    data = LabelledBeats(BeatInputs(x, rng.random((200, 8), dtype=np.float32) + 0.5), np.repeat(np.arange(5), 40),
                         np.tile(["mitdb/100", "mitdb/101", "svdb/800", "svdb/801"], 50))
    return data.take(np.arange(0, 200, 2)), data.take(np.arange(1, 200, 2))


def test_training_with_a_patient_adversary_saves_the_network_alone_and_resumes_exactly(tmp_path):
    train, val = beats_of_patients()
    sets = ["model.rr_features=true", "model.morphology_dropout=0.5", "train.batch_size=32", "train.max_batches=2",
            "train.threads=1", "train.schedule=step", "train.calibrate=false", "train.augment=false",
            "train.patient_adversary=0.1"]

    def cfg(epochs, *more):
        return load_config(ROOT / "config" / "config.json", sets + [f"train.epochs={epochs}", *more])

    class Interrupted(Exception):
        pass

    def stop_after_epoch_1(line):  # fit logs an epoch after writing its last.pt: the run stops as if killed there
        if line.startswith("epoch   1"):
            raise Interrupted

    fit(cfg(2), train, val, tmp_path / "full", log=print)
    with pytest.raises(Interrupted):
        fit(cfg(2), train, val, tmp_path / "cut", log=stop_after_epoch_1)
    assert read_checkpoint(tmp_path / "cut" / "last.pt")["epoch"] == 1
    fit(cfg(2), train, val, tmp_path / "cut", resume=True, log=print)
    full, cut = (read_checkpoint(tmp_path / r / "last.pt") for r in ("full", "cut"))
    assert int(full["adversary_state"]["module"]["steps_done"]) == 4  # one per optimizer step
    for key, value in full["adversary_state"]["module"].items():
        assert torch.equal(value, cut["adversary_state"]["module"][key]), key
    assert all(torch.equal(v, cut["model_state"][k]) for k, v in full["model_state"].items())

    fit(cfg(2, "train.patient_adversary=0"), train, val, tmp_path / "plain", log=print)
    plain = read_checkpoint(tmp_path / "plain" / "best.pt")["model_state"]
    assert read_checkpoint(tmp_path / "full" / "best.pt")["model_state"].keys() == plain.keys()

    with pytest.raises(ConfigError, match="patient of each training beat"):
        fit(cfg(1), LabelledBeats(train.inputs, train.y), val, tmp_path / "anonymous", log=print)
    assert not (tmp_path / "anonymous").exists()
