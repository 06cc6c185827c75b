"""R-R context and features: the arithmetic, the sidecars, the model input, and agreement between the
sidecar (reference annotations) and the recording pipeline (detected peaks) on a real record."""
import numpy as np
import pandas as pd
import pytest
import torch

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.data import DataError, load_rr_features, meta_path
from heartbeat.model import BeatNet, num_parameters
from heartbeat.rr import CONTEXT_COLUMNS, FEATURES, rr_context, rr_features


def test_premature_beat_stands_out_against_its_local_rhythm():
    rr = [0.8] * 20 + [0.5, 1.1] + [0.8] * 20  # a premature beat and its compensatory pause
    t = np.concatenate([[0.0], np.cumsum(rr)])
    ctx = rr_context(t)
    f = pd.DataFrame(rr_features(ctx), columns=FEATURES)
    early = 21  # the beat that ends the 0.5 s interval
    assert ctx.loc[early, "rr_prev_s"] == pytest.approx(0.5) and ctx.loc[early, "rr_next_s"] == pytest.approx(1.1)
    assert f.loc[early, "prev/local"] < 0.7 and f.loc[early, "next/local"] > 1.3
    assert f.loc[early, "prev/avg"] == pytest.approx(0.5 / 0.8)  # the median ignores the pair
    normal = f.drop(index=[early - 1, early, early + 1])
    assert np.allclose(normal[["prev/avg", "next/avg"]], 1.0)
    assert np.isfinite(f.to_numpy()).all()  # first and last beat borrow their other neighbour
    assert ctx.loc[0, "rr_prev_s"] == ctx.loc[0, "rr_next_s"] == pytest.approx(0.8)


def test_average_follows_a_slow_change_of_rate():
    t = np.concatenate([np.arange(0, 600, 1.0), 600 + np.arange(1, 1200) * 0.5])  # 60 bpm, then 120 bpm
    ctx = rr_context(t)
    assert ctx["rr_avg_s"].iloc[100] == pytest.approx(1.0) and ctx["rr_avg_s"].iloc[-100] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="at least two"):
        rr_context([1.0])


def write_sidecar(csv, rows):
    pd.DataFrame(rows).to_csv(meta_path(csv), index=False)


def test_sidecar_errors(tmp_path):
    csv = tmp_path / "beats.csv"
    with pytest.raises(DataError, match="beats.meta.csv.*there is none"):
        load_rr_features(csv, 2)
    write_sidecar(csv, {"record": [1, 1], "rr_prev_s": [0.8, 0.8], "rr_next_s": [0.8, 0.8]})
    with pytest.raises(DataError, match="no column rr_local_s, rr_avg_s.*older prepare_data.py"):
        load_rr_features(csv, 2)
    good = {c: [0.8, 0.8] for c in CONTEXT_COLUMNS}
    write_sidecar(csv, good)
    with pytest.raises(DataError, match="2 rows for the 3 beats"):
        load_rr_features(csv, 3)
    write_sidecar(csv, {**good, "rr_avg_s": [0.8, 0.0]})
    with pytest.raises(DataError, match="line 3: R-R intervals must be positive"):
        load_rr_features(csv, 2)
    write_sidecar(csv, good)
    assert load_rr_features(csv, 2).shape == (2, len(FEATURES))


def test_model_with_rr_inputs():
    paper, rr_model = BeatNet(), BeatNet(rr_features=True)
    assert num_parameters(paper) == 55_013  # the paper's model is untouched
    assert num_parameters(rr_model) == 55_013 + len(FEATURES) * 32  # one fc1 weight per feature and unit
    x, rr = torch.rand(3, 1, 187), torch.rand(3, len(FEATURES))
    assert rr_model(x, rr).shape == (3, 5)
    with pytest.raises(ValueError, match="takes R-R features"):
        rr_model(x)
    with pytest.raises(ValueError, match="takes no R-R features"):
        paper(x, rr)
    rr_model.eval()
    # the R-R inputs matter: a different rhythm changes the output for the same beat
    assert not torch.allclose(rr_model(x, rr), rr_model(x, rr * 2))


def test_checkpoint_records_the_feature_list(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true"])
    model = BeatNet(**cfg["model"])
    ckpt = make_checkpoint(model, cfg, 1, {})
    assert ckpt["preprocessing"]["rr_features"] == FEATURES
    save_checkpoint(ckpt, tmp_path / "ok.pt")
    loaded, meta = load_checkpoint(tmp_path / "ok.pt")
    assert loaded.num_rr == len(FEATURES) and meta["model_args"]["rr_features"]
    ckpt["preprocessing"]["rr_features"] = FEATURES[:-1]  # trained on another feature set
    save_checkpoint(ckpt, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="trained with R-R features"):
        load_checkpoint(tmp_path / "other.pt")
    assert "rr_features" not in make_checkpoint(BeatNet(), load_config(ROOT / "config" / "config.json"), 1, {})[
        "preprocessing"]


@needs_mitdb
def test_sidecar_intervals_are_the_annotation_intervals(real_beats):
    import wfdb

    meta = real_beats.meta[real_beats.meta["record"] == "232"]
    ann = wfdb.rdann(str(MITDB / "232"), "atr")
    samples = np.asarray(ann.sample)
    i = np.searchsorted(samples, meta["sample"].to_numpy()[100])
    # 232 has only beat annotations around here: the neighbours are the previous and next annotations
    assert meta["rr_prev_s"].iloc[100] == pytest.approx((samples[i] - samples[i - 1]) / 360, abs=1e-6)
    assert meta["rr_next_s"].iloc[100] == pytest.approx((samples[i + 1] - samples[i]) / 360, abs=1e-6)
    assert (meta[CONTEXT_COLUMNS] > 0).all().all()


@needs_mitdb
def test_recording_pipeline_computes_the_sidecar_features(real_beats):
    """Record 232 (S beats, long pauses): R-R features from detected peaks match those of the reference."""
    from heartbeat.recording import beats_of, check_signal, read_wfdb

    rec = check_signal(read_wfdb(MITDB / "232"))
    samples, _, times = beats_of(rec)
    detected = rr_features(rr_context(times).iloc[:len(samples)])
    meta = real_beats.meta[real_beats.meta["record"] == "232"].reset_index(drop=True)
    reference = rr_features(meta)
    # match each reference beat to the detection within 150 ms
    j = np.clip(np.searchsorted(samples, meta["sample"]), 1, len(samples) - 1)
    j = np.where(np.abs(samples[j - 1] - meta["sample"]) < np.abs(samples[j] - meta["sample"]), j - 1, j)
    hit = np.abs(samples[j] - meta["sample"].to_numpy()) < 0.15 * 360
    assert hit.mean() > 0.99
    diff = np.abs(detected[j[hit]] - reference[hit])
    assert np.median(diff, axis=0).max() < 0.01  # seconds and ratios alike
