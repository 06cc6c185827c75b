"""Prior calibration: the choice of tau on validation data, and calibrated checkpoints."""
import numpy as np
import pytest
import torch

from conftest import ROOT
from sklearn.metrics import f1_score

from heartbeat.calibration import TAUS, calibrate, fit_prior_tau, prior_offsets
from heartbeat.checkpoint import load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.inference import predict_proba
from heartbeat.model import BeatInputs, BeatNet
from heartbeat.labelled import LabelledBeats
from heartbeat.training import calibrate_run


def test_offsets_favour_rare_classes():
    counts = [9000, 250, 600, 70, 700]
    assert np.array_equal(prior_offsets(counts, 0.0), np.zeros(5))
    b = prior_offsets(counts, 0.5)
    assert b[0] == 0 and (b[1:] > 0).all() and b[3] == b.max()  # F, the rarest, is moved most
    assert prior_offsets(counts, 1.0) == pytest.approx(np.log(9000 / np.array(counts)))


def test_tau_moves_an_under_predicted_class_and_leaves_a_good_model_alone():
    y = np.repeat([0, 1], [900, 100])
    p = np.full((1000, 2), 0.0)
    p[:, 0] = np.where(y == 0, 0.9, 0.6)  # the rare class is seen, but never wins the argmax
    p[:, 1] = 1 - p[:, 0]
    counts = [900, 100]
    tau = fit_prior_tau(np.log(p), y, counts)
    assert tau > 0 and f1_score(y, (np.log(p) + prior_offsets(counts, tau)).argmax(1), average="macro") == 1.0
    assert fit_prior_tau(np.log(np.eye(2)[y] * 0.98 + 0.01), y, counts) == TAUS[0]  # ties go to no change


def test_offsets_undo_the_priors_a_weighted_loss_tilted():
    counts = [9000, 250, 600, 70, 700]
    assert prior_offsets(counts, 0.5, trained_power=0.5) == pytest.approx(np.zeros(5))  # left as trained
    back = prior_offsets(counts, 0.0, trained_power=0.5)  # back to the real frequencies: rare classes pay
    assert (back[1:] < 0).all() and back[3] == back.min()
    assert prior_offsets(counts, 1.0, trained_power=0.5) == pytest.approx(-back)


def test_tau_reins_in_a_model_that_over_predicts_the_rare_class():
    y = np.repeat([0, 1], [900, 100])
    p = np.zeros((1000, 2))
    p[:, 1] = np.where(y == 1, 0.9, 0.6)  # every N beat leans to the rare class, less than the rare beats do
    p[:, 0] = 1 - p[:, 1]
    counts = [900, 100]
    tau = fit_prior_tau(np.log(p), y, counts, trained_power=1.0)
    assert tau < 1.0 and (np.log(p) + prior_offsets(counts, tau, 1.0)).argmax(1).tolist() == y.tolist()
    good = np.log(np.eye(2)[y] * 0.98 + 0.01)
    assert fit_prior_tau(good, y, counts, trained_power=0.5) == 0.5  # ties go to the model as trained


def calibrate_fresh_model(tmp_path, real_beats, overrides=()):
    """Save an untrained model under config.json (with `overrides`) as best.pt, calibrate it on every 7th real
    beat into cal.pt as a run does. Returns (validation beats, the Calibration)."""
    cfg = load_config(ROOT / "config" / "config.json", overrides)
    torch.manual_seed(0)
    model = BeatNet()
    save_checkpoint(make_checkpoint(model, cfg, 1, {}), tmp_path / "best.pt")
    val = LabelledBeats(BeatInputs(real_beats.x[::7]), real_beats.y[::7])
    return val, calibrate_run(model, cfg, 1, {}, real_beats.y, val, tmp_path / "cal.pt")


def test_calibrated_checkpoint_carries_its_offsets(tmp_path, real_beats):
    val, cal = calibrate_fresh_model(tmp_path, real_beats)
    assert cal.after["macro_f1"] >= cal.before["macro_f1"]
    model, info = load_checkpoint(tmp_path / "cal.pt")
    assert info["calibration"]["tau"] == cal.tau and info["metrics"]["val"] == cal.after
    assert info["metrics"]["val_uncalibrated"] == cal.before
    assert info["calibration"]["chosen_on"] == "validation split (beats of every training record), maximising macro-F1"
    assert np.allclose(model.logit_bias.numpy(), cal.offsets)
    assert np.allclose(cal.offsets, prior_offsets(np.bincount(real_beats.y, minlength=5), cal.tau))
    raw, _ = load_checkpoint(tmp_path / "best.pt")
    expected = (np.log(predict_proba(raw, val.inputs)) + cal.offsets).argmax(1)
    assert np.array_equal(predict_proba(model, val.inputs).argmax(1), expected)


def test_calibration_sets_the_models_offsets_in_place(real_beats):
    """calibrate() chooses tau on the plain logits whatever offsets the model had, and leaves its new offsets
    in model.logit_bias, where every consumer (and only evaluation) applies them."""
    torch.manual_seed(0)
    model = BeatNet().eval()
    inputs, y, counts = BeatInputs(real_beats.x[::7]), real_beats.y[::7], np.bincount(real_beats.y, minlength=5)
    plain = predict_proba(model, inputs)
    cal = calibrate(model, inputs, y, counts, 0.0)
    assert np.allclose(model.logit_bias.numpy(), cal.offsets) and cal.tau in TAUS
    assert np.array_equal(predict_proba(model, inputs).argmax(1), (np.log(plain) + cal.offsets).argmax(1))
    model.train()  # training learns the plain logits: no offsets
    x = torch.from_numpy(real_beats.x[:4]).unsqueeze(1)
    assert torch.allclose(model(x), model.eval()(x) - model.logit_bias, atol=1e-6)
    # a model that already has offsets (untilted priors) is calibrated from its plain logits all the same
    assert np.abs(cal.offsets).max() > 0  # else "already has offsets" would test nothing
    again = calibrate(model, inputs, y, counts, 0.0)
    assert again.tau == cal.tau and np.allclose(again.offsets, cal.offsets)
    assert again.before == cal.after


def test_checkpoints_from_before_calibration_load(tmp_path):
    """The shipped paper model is a format-1 checkpoint; saved before the logit_bias buffer existed, it
    loads with no offsets."""
    ckpt = torch.load(ROOT / "models" / "mitbih.pt", weights_only=True)
    assert ckpt["format_version"] == 1
    del ckpt["model_state"]["logit_bias"]  # as saved before the buffer existed
    save_checkpoint(ckpt, tmp_path / "old.pt")
    model, _ = load_checkpoint(tmp_path / "old.pt")
    assert torch.equal(model.logit_bias, torch.zeros(5))


def test_calibration_reads_the_tilt_from_the_runs_config(tmp_path, real_beats):
    _, cal = calibrate_fresh_model(tmp_path, real_beats, ["train.loss=weighted", "train.weight_power=0.5"])
    _, info = load_checkpoint(tmp_path / "cal.pt")
    assert info["calibration"]["trained_prior_power"] == 0.5
    counts = np.bincount(real_beats.y, minlength=5)
    assert info["calibration"]["train_class_counts"] == counts.tolist()
    assert np.allclose(cal.offsets, prior_offsets(counts, cal.tau, 0.5))
