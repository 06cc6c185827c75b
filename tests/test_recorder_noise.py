"""Another recorder's augmentation (train.noise): real recorder noise at a set SNR, a band limit, and the
noise file prepare_data.py --noise writes from the noise stress test's records."""
import numpy as np
import pytest
import torch

from conftest import NSTDB, needs_nstdb, run_main, run_script
from heartbeat import augment, training
from heartbeat.augment import RecorderNoise, _gaussian_lowpass
from heartbeat.config import load_values
from heartbeat.data import DataError
from heartbeat.labelled import LabelledBeats
from heartbeat.model import BeatInputs


def beats(n=32, valid=150):
    t = torch.linspace(0, 1, 187)
    x = torch.exp(-((t[None, :] - 0.1 - 0.3 * torch.rand(n, 1)) / 0.03) ** 2) + 0.2 * torch.sin(6 * t)
    x = x[:, :valid]
    x = (x - x.min(1, keepdim=True).values) / (x.max(1, keepdim=True).values - x.min(1, keepdim=True).values)
    return torch.nn.functional.pad(x, (0, 187 - valid)).unsqueeze(1)  # (n, 1, 187), zero-padded as CSV rows


@pytest.fixture
def always(monkeypatch):
    """Every beat gets the noise; no low-pass unless a test sets LOWPASS_SIGMA."""
    monkeypatch.setattr(augment, "AUGMENT_PROB", 1.01)
    monkeypatch.setattr(augment, "LOWPASS_SIGMA", (0.0, 0.0))


def white_noise(seed=0):
    return np.random.default_rng(seed).normal(0, 3.0, size=(2, 30_000))  # any unit: scaled to unit RMS


def residual_rms(x, out):
    """RMS of what is left of out (n, L) once each beat's best fit a * x + b is taken away: the added noise,
    without the shift and scale of the min-max rescaling."""
    design = torch.stack([x, torch.ones_like(x)], -1).double()  # (n, L, 2)
    coef = torch.linalg.lstsq(design, out.double().unsqueeze(-1)).solution
    return (out.double() - (design @ coef).squeeze(-1)).pow(2).mean().sqrt().item()


def test_noise_at_the_set_snr(always, monkeypatch):
    x = beats()
    rms = {}
    for snr in (24.0, 4.0):
        monkeypatch.setattr(augment, "NOISE_SNR_DB", (snr, snr))
        out = RecorderNoise(white_noise())(x, torch.Generator().manual_seed(0))
        rms[snr] = residual_rms(x[:, 0, :150], out[:, 0, :150])
    # a sine of peak-to-peak 1 has power 1/8: at 24 dB the noise RMS is 0.0223 (rescaling moves it a little)
    assert rms[24.0] == pytest.approx(10 ** (-24 / 20) / np.sqrt(8), rel=0.2)
    assert rms[4.0] > 5 * rms[24.0]


def test_output_is_a_scaled_beat_with_its_padding(always):
    x = beats(valid=120)
    out = RecorderNoise(white_noise())(x, torch.Generator().manual_seed(1))
    assert out.shape == x.shape and not torch.isnan(out).any()
    assert torch.allclose(out[..., :120].amin(-1), torch.zeros(1)) and torch.allclose(out.amax(-1), torch.ones(1))
    assert out[..., 120:].eq(0).all()  # the zero padding stays zero padding
    again = RecorderNoise(white_noise())(x, torch.Generator().manual_seed(1))
    assert torch.equal(out, again)  # seeded


def test_off_leaves_the_beat(monkeypatch):
    monkeypatch.setattr(augment, "AUGMENT_PROB", 0.0)
    x = beats()
    assert torch.allclose(RecorderNoise(white_noise())(x, torch.Generator().manual_seed(0)), x, atol=1e-6)


def test_lowpass_damps_fast_changes_only():
    x = torch.zeros(2, 1, 187)
    x[:, 0, ::2] = 1.0  # 60 Hz at the beats' 120 Hz: the fastest a beat can change
    smooth = _gaussian_lowpass(x, torch.tensor([0.0, 0.8]))
    assert torch.allclose(smooth[0], x[0])  # sigma 0: unchanged
    assert smooth[1, 0, 20:-20].std() < 0.1 * x[1, 0].std()  # gain exp(-pi^2 sigma^2 / 2) = .04 at 60 Hz
    slow = torch.sin(torch.linspace(0, 3, 187)).expand(1, 1, 187)
    assert torch.allclose(_gaussian_lowpass(slow, torch.tensor([0.8]))[..., 5:-5], slow[..., 5:-5], atol=1e-3)


def test_train_py_with_a_missing_noise_file_leaves_no_run_folder(tmp_path, small_csvs):
    train_csv, _ = small_csvs
    args = ["--set", f"data.train_csv={train_csv}", f"train.noise={tmp_path / 'nope.npz'}", "train.epochs=1",
            f"run.log_dir={tmp_path / 'log'}", "run.name=r"]
    proc = run_main("train.py", *args)
    assert proc.returncode != 0 and "no such noise file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "log" / "r").exists()  # so the same command works once the file is there


@needs_nstdb
def test_prepare_data_writes_the_noise_file_and_training_uses_it(tmp_path, always, monkeypatch):
    done = run_script("prepare_data.py", "--noise", NSTDB, "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    with np.load(tmp_path / "noise.npz") as f:
        assert sorted(f.files) == ["bw", "em", "ma"] and all(f[k].shape == (2, 650_000) for k in f.files)
    refused = run_main("prepare_data.py", "--noise", NSTDB, "--out", tmp_path)
    assert refused.returncode != 0 and "--force" in refused.stderr
    noise = RecorderNoise.load(tmp_path / "noise.npz")
    assert noise.sources.shape == (6, 650_000 // 3 + 1)
    assert torch.allclose(noise.sources.std(1), torch.ones(6), atol=1e-3)

    # training with train.noise (and not the paper's augmentation) hands every batch's beats to that noise
    handed = []
    real_epoch = training.train_epoch

    def spy(*args, augment=None, **kwargs):
        handed.append(augment)
        return real_epoch(*args, augment=augment, **kwargs)

    monkeypatch.setattr(training, "train_epoch", spy)
    cfg = load_values({}, ["train.epochs=1", f"train.noise={tmp_path / 'noise.npz'}", "train.augment=false",
                           "data.val_fraction=0"], where="test")
    data = LabelledBeats(BeatInputs(beats(8)[:, 0].numpy()), np.zeros(8, dtype=np.int64))
    training.fit(cfg, data, data.take(np.arange(0)), tmp_path / "run", log=lambda *_: None)
    assert len(handed) == 1 and handed[0] is not None
    x = beats(8)
    assert residual_rms(x[:, 0], handed[0](x.clone())[:, 0]) > 0.01  # noise added, not only rescaled


def test_training_with_a_missing_noise_file_says_so(tmp_path):
    cfg = load_values({}, ["train.epochs=1", f"train.noise={tmp_path / 'nope.npz'}", "data.val_fraction=0"], where="test")
    data = LabelledBeats(BeatInputs(beats(8)[:, 0].numpy()), np.zeros(8, dtype=np.int64))
    with pytest.raises(DataError, match="no such noise file; write it with: python prepare_data.py --noise"):
        training.fit(cfg, data, data.take(np.arange(0)), tmp_path / "run", log=lambda *_: None)
    (tmp_path / "text.npz").write_text("not an npz\n")
    with pytest.raises(DataError, match="not a noise file"):
        RecorderNoise.load(tmp_path / "text.npz")
