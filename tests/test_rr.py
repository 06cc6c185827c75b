"""R-R and template context: the arithmetic, the sidecars, the model inputs, and agreement between the
sidecar (reference annotations) and the recording pipeline (detected peaks) on real records."""
import numpy as np
import pandas as pd
import pytest
import torch

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.data import DataError, load_extra_inputs, meta_path
from heartbeat.features import beat_context, beat_features, feature_names, recording_inputs
from heartbeat.model import BeatNet, num_parameters
from heartbeat.rr import CONTEXT_COLUMNS, N_FEATURES, feature_names as rr_feature_names, rr_context, rr_features
from heartbeat.template import COLUMNS as TEMPLATE_COLUMNS, template_context

FEATURES = rr_feature_names()  # the median-based set of the first R-R models


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


def test_mean_average_still_shows_a_prevailing_premature_rhythm_early():
    """Runs of premature beats between long pauses (like record 232): the median interval is the premature
    one, so against it those beats look on time; the mean, pulled up by the pauses, shows them early."""
    rr = [0.7, 0.7, 0.7, 2.0] * 100
    t = np.concatenate([[0.0], np.cumsum(rr)])
    ctx = rr_context(t)
    early = np.flatnonzero(ctx["rr_prev_s"].round(3) == 0.7)[50:-50]  # away from the record's ends
    median = pd.DataFrame(rr_features(ctx), columns=rr_feature_names("median"))
    mean = pd.DataFrame(rr_features(ctx, "mean"), columns=rr_feature_names("mean"))
    assert np.allclose(median.loc[early, "prev/avg"], 1.0)
    assert np.allclose(mean.loc[early, "prev/mean"], 0.7 / np.mean(rr), atol=0.02)  # 0.68
    assert np.array_equal(mean.iloc[:, :5], median.iloc[:, :5])  # the other five inputs are shared


def write_sidecar(csv, rows):
    pd.DataFrame(rows).to_csv(meta_path(csv), index=False)


def load_rr_features(csv, n):
    return load_extra_inputs(csv, n, {"rr_features": True})


def test_sidecar_errors(tmp_path):
    csv = tmp_path / "beats.csv"
    assert load_extra_inputs(csv, 2, {}) is None  # the paper's model needs no sidecar
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
    with pytest.raises(DataError, match="no column template_corr, template_rmse"):
        load_extra_inputs(csv, 2, {"rr_features": True, "template_features": True})
    mean_model = {"rr_features": True, "rr_average": "mean"}
    write_sidecar(csv, {c: good[c] for c in CONTEXT_COLUMNS if c != "rr_mean_s"})  # an older prepare_data.py
    assert load_rr_features(csv, 2).shape == (2, N_FEATURES)  # a median model does not need the new column
    with pytest.raises(DataError, match="no column rr_mean_s.*older prepare_data.py"):
        load_extra_inputs(csv, 2, mean_model)
    write_sidecar(csv, {**good, "rr_mean_s": [0.8, 0.4]})
    assert load_extra_inputs(csv, 2, mean_model)[1, 5] == pytest.approx(2.0)  # prev/mean of the second beat
    write_sidecar(csv, {**good, "template_corr": [0.9, float("nan")], "template_rmse": [0.1, 0.1]})
    with pytest.raises(DataError, match="line 3: a value that is not a finite number"):
        load_extra_inputs(csv, 2, {"template_features": True})


def test_model_with_rr_inputs():
    paper, rr_model = BeatNet(), BeatNet(rr_features=True)
    assert num_parameters(paper) == 55_013  # the paper's model is untouched
    assert num_parameters(rr_model) == 55_013 + len(FEATURES) * 32  # one fc1 weight per feature and unit
    both = BeatNet(rr_features=True, template_features=True)
    assert both.num_extra == len(feature_names(both.model_args())) == len(FEATURES) + 2
    x, rr = torch.rand(3, 1, 187), torch.rand(3, len(FEATURES))
    assert rr_model(x, rr).shape == (3, 5)
    with pytest.raises(ValueError, match="takes 8 extra inputs .*got none"):
        rr_model(x)
    with pytest.raises(ValueError, match="takes no extra inputs"):
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
    assert loaded.num_extra == len(FEATURES) and meta["model_args"]["rr_features"]
    ckpt["preprocessing"]["rr_features"] = FEATURES[:-1]  # trained on another feature set
    save_checkpoint(ckpt, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="trained with rr_features"):
        load_checkpoint(tmp_path / "other.pt")
    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true", "model.rr_average=mean"])
    ckpt = make_checkpoint(BeatNet(**cfg["model"]), cfg, 1, {})
    assert ckpt["preprocessing"]["rr_features"][5:] == ["prev/mean", "next/mean", "local/mean"]
    save_checkpoint(ckpt, tmp_path / "mean.pt")
    assert load_checkpoint(tmp_path / "mean.pt")[1]["model_args"]["rr_average"] == "mean"
    ckpt["preprocessing"]["rr_features"] = FEATURES  # names of the median set, weights of a mean model
    save_checkpoint(ckpt, tmp_path / "mixed.pt")
    with pytest.raises(CheckpointError, match="trained with rr_features"):
        load_checkpoint(tmp_path / "mixed.pt")
    ckpt["model_args"]["rr_average"] = "mode"  # foreign or corrupted
    save_checkpoint(ckpt, tmp_path / "mode.pt")
    with pytest.raises(CheckpointError, match="cannot build.*rr_average 'mode'"):
        load_checkpoint(tmp_path / "mode.pt")
    paper = make_checkpoint(BeatNet(), load_config(ROOT / "config" / "config.json"), 1, {})["preprocessing"]
    assert "rr_features" not in paper and "template_features" not in paper
    cfg = load_config(ROOT / "config" / "config.json", ["model.template_features=true"])
    stored = make_checkpoint(BeatNet(**cfg["model"]), cfg, 1, {})["preprocessing"]["template_features"]
    assert stored["names"] == TEMPLATE_COLUMNS and stored["window"] == 40


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
    # 232's S beats are its prevailing rhythm: on time against the median, early against the mean
    s_beats = meta[real_beats.y[real_beats.meta["record"] == "232"] == 1]
    assert len(s_beats) > 1000
    assert (s_beats["rr_prev_s"] / s_beats["rr_avg_s"]).median() > 0.9
    assert (s_beats["rr_prev_s"] / s_beats["rr_mean_s"]).median() < 0.8


@needs_mitdb
def test_recording_pipeline_computes_the_sidecar_features(real_beats):
    """Record 232 (S beats, long pauses): R-R features from detected peaks match those of the reference."""
    from heartbeat.recording import beats_of, check_signal, read_wfdb

    rec = check_signal(read_wfdb(MITDB / "232"))
    samples, _, times = beats_of(rec)
    meta = real_beats.meta[real_beats.meta["record"] == "232"].reset_index(drop=True)
    # match each reference beat to the detection within 150 ms
    j = np.clip(np.searchsorted(samples, meta["sample"]), 1, len(samples) - 1)
    j = np.where(np.abs(samples[j - 1] - meta["sample"]) < np.abs(samples[j] - meta["sample"]), j - 1, j)
    hit = np.abs(samples[j] - meta["sample"].to_numpy()) < 0.15 * 360
    assert hit.mean() > 0.99
    for average in ("median", "mean"):
        detected = rr_features(rr_context(times).iloc[:len(samples)], average)
        diff = np.abs(detected[j[hit]] - rr_features(meta, average)[hit])
        assert np.median(diff, axis=0).max() < 0.01, average  # seconds and ratios alike


def test_template_features_single_out_the_odd_beat():
    t = np.linspace(0, 1, 187)
    usual = np.exp(-((t - 0.05) / 0.02) ** 2)  # a narrow spike at the start: the patient's usual QRS
    odd = np.exp(-((t - 0.12) / 0.06) ** 2)    # later and wider
    beats = np.stack([usual] * 9 + [odd])
    ctx = template_context(beats)
    assert list(ctx.columns) == TEMPLATE_COLUMNS
    assert np.allclose(ctx["template_corr"][:9], 1.0) and np.allclose(ctx["template_rmse"][:9], 0.0)
    assert ctx["template_corr"][9] < 0.5 and ctx["template_rmse"][9] > 0.1


@needs_mitdb
def test_template_features_on_a_bundle_branch_block_record():
    """Record 214 (left bundle branch block, and V beats): every beat is wide, yet its N beats match
    the record's median beat far better than its V beats do."""
    from heartbeat.build import record_beats

    table = record_beats(MITDB / "214")
    corr = table.meta["template_corr"].to_numpy()
    assert np.median(corr[table.y == 0]) > 0.95
    assert np.median(corr[table.y == 2]) < np.median(corr[table.y == 0]) - 0.2
    # the recording pipeline computes the same columns from its own beats
    ctx = beat_context(np.arange(len(table.x) + 1) * 0.8, np.arange(len(table.x)), table.x)
    assert np.allclose(ctx["template_corr"], corr, atol=1e-6)
    both = {"rr_features": True, "template_features": True}
    assert beat_features(ctx, both).shape == (len(table.x), 10)
    times, index = np.arange(len(table.x) + 1) * 0.8, np.arange(len(table.x))
    assert np.array_equal(recording_inputs(both, times, index, table.x), beat_features(ctx, both))
    assert recording_inputs({}, times, index, table.x) is None  # the paper's model: no context computed


def test_checkpoints_from_before_the_new_model_keys_still_load(tmp_path):
    """A checkpoint saved before rr_average, morphology_dropout and template_channel existed (no such model
    args) is a median-average model without dropout or channel, and still reads a sidecar without the
    rr_mean_s column."""
    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true"])
    ckpt = make_checkpoint(BeatNet(**cfg["model"]), cfg, 1, {})
    for key in ("rr_average", "morphology_dropout", "template_channel"):
        del ckpt["model_args"][key]
    save_checkpoint(ckpt, tmp_path / "old.pt")
    model, meta = load_checkpoint(tmp_path / "old.pt")
    assert model.config.rr_average == "median" and model.config.morphology_dropout == 0.0
    assert not model.config.template_channel and model.stem.in_channels == 1
    assert meta["preprocessing"]["rr_features"] == FEATURES
    csv = tmp_path / "beats.csv"
    write_sidecar(csv, {c: [0.8, 0.4] for c in CONTEXT_COLUMNS if c != "rr_mean_s"})
    assert load_extra_inputs(csv, 2, meta["model_args"]).shape == (2, N_FEATURES)
