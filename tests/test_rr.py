"""R-R and template context: the arithmetic, the sidecars, the model inputs, and agreement between the
sidecar (reference annotations) and the recording pipeline (detected peaks) on real records."""
import numpy as np
import pandas as pd
import pytest
import torch

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.data import DataError
from heartbeat.features import beat_context, context_features, recording_inputs
from heartbeat.model import BeatNet, InputSpec, ModelConfig, num_parameters

PAPER_INPUTS = ModelConfig().inputs  # the paper's model takes the beat alone
from heartbeat.rr import CONTEXT_COLUMNS, FEATURE_NAMES, rr_context, rr_features
from heartbeat.sidecar import load_inputs, meta_path, sidecar_features
from heartbeat.template import COLUMNS as TEMPLATE_COLUMNS, WINDOW, template_context

FEATURES = list(FEATURE_NAMES)
RR = ModelConfig(rr_features=True).inputs
TEMPLATE = ModelConfig(template_features=True).inputs
BOTH = ModelConfig(rr_features=True, template_features=True).inputs


def model_of(cfg):
    return BeatNet(**cfg.to_dict()["model"])


def as_version_1(ckpt):
    """A checkpoint as the code before issue 19 wrote it (format version 1): beat_len and num_classes in
    model_args, and the description of the extra inputs inside preprocessing."""
    old = {k: v for k, v in ckpt.items() if k != "inputs"}
    inputs, prep = ckpt["inputs"], dict(ckpt["preprocessing"])
    rr_names = [n for n in inputs["features"] if n not in TEMPLATE_COLUMNS]
    if rr_names:
        prep["rr_features"] = rr_names
    if "template_features" in inputs:
        prep["template_features"] = {"names": list(TEMPLATE_COLUMNS), **inputs["template_features"]}
    if "template_channel" in inputs:
        prep["template_channel"] = inputs["template_channel"]
    old.update(format_version=1, preprocessing=prep,
               model_args={"beat_len": 187, "num_classes": 5, **ckpt["model_args"]})
    return old


def test_premature_beat_stands_out_against_its_local_rhythm():
    rr = [0.8] * 20 + [0.5, 1.1] + [0.8] * 20  # a premature beat and its compensatory pause
    t = np.concatenate([[0.0], np.cumsum(rr)])
    ctx = rr_context(t)
    assert tuple(ctx.columns) == CONTEXT_COLUMNS
    f = pd.DataFrame(rr_features(ctx), columns=FEATURES)
    early = 21  # the beat that ends the 0.5 s interval
    assert ctx.loc[early, "rr_prev_s"] == pytest.approx(0.5) and ctx.loc[early, "rr_next_s"] == pytest.approx(1.1)
    assert f.loc[early, "prev/local"] < 0.7 and f.loc[early, "next/local"] > 1.3
    assert f.loc[early, "prev/mean"] == pytest.approx(0.5 / 0.8)  # the pair averages out to the usual 0.8 s
    normal = f.drop(index=[early - 1, early, early + 1])
    assert np.allclose(normal[["prev/mean", "next/mean"]], 1.0)
    assert np.isfinite(f.to_numpy()).all()  # first and last beat borrow their other neighbour
    assert ctx.loc[0, "rr_prev_s"] == ctx.loc[0, "rr_next_s"] == pytest.approx(0.8)


def test_average_follows_a_slow_change_of_rate():
    t = np.concatenate([np.arange(0, 600, 1.0), 600 + np.arange(1, 1200) * 0.5])  # 60 bpm, then 120 bpm
    ctx = rr_context(t)
    assert ctx["rr_mean_s"].iloc[100] == pytest.approx(1.0) and ctx["rr_mean_s"].iloc[-100] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="at least two"):
        rr_context([1.0])


def test_mean_average_still_shows_a_prevailing_premature_rhythm_early():
    """Runs of premature beats between long pauses (like record 232): the median interval is the premature
    one, so against it those beats would look on time; the mean, pulled up by the pauses, shows them early."""
    rr = [0.7, 0.7, 0.7, 2.0] * 100
    t = np.concatenate([[0.0], np.cumsum(rr)])
    ctx = rr_context(t)
    early = np.flatnonzero(ctx["rr_prev_s"].round(3) == 0.7)[50:-50]  # away from the record's ends
    assert np.median(rr) == pytest.approx(0.7)  # why the median was dropped: these beats would be on time
    f = pd.DataFrame(rr_features(ctx), columns=FEATURES)
    assert np.allclose(f.loc[early, "prev/mean"], 0.7 / np.mean(rr), atol=0.02)  # 0.68
    assert (f.loc[early, "prev/mean"] < 0.75).all()
    # the other five inputs are the intervals themselves and their ratios to the local rhythm
    expected = np.stack([ctx["rr_prev_s"], ctx["rr_next_s"], ctx["rr_local_s"], ctx["rr_prev_s"] / ctx["rr_local_s"],
                         ctx["rr_next_s"] / ctx["rr_local_s"]], axis=1)
    assert np.allclose(f.iloc[:, :5], expected, rtol=1e-6)


def write_sidecar(csv, rows):
    pd.DataFrame(rows).to_csv(meta_path(csv), index=False)


def beats(n):
    return np.zeros((n, 187), np.float32)


def load_rr_features(csv, n):
    return load_inputs(csv, beats(n), RR).features


def test_sidecar_errors(tmp_path):
    csv = tmp_path / "beats.csv"
    paper = load_inputs(csv, beats(2), PAPER_INPUTS)  # the paper's model needs no sidecar
    assert paper.features is None and paper.template is None and paper.beats.shape == (2, 187)
    with pytest.raises(DataError, match="beats.meta.csv.*there is none"):
        load_rr_features(csv, 2)
    write_sidecar(csv, {"record": [1, 1], "rr_prev_s": [0.8, 0.8], "rr_next_s": [0.8, 0.8]})
    with pytest.raises(DataError, match="no column rr_local_s, rr_mean_s.*older prepare_data.py"):
        load_rr_features(csv, 2)
    good = {c: [0.8, 0.8] for c in CONTEXT_COLUMNS}
    write_sidecar(csv, good)
    with pytest.raises(DataError, match="2 rows for the 3 beats"):
        load_rr_features(csv, 3)
    write_sidecar(csv, {**good, "rr_mean_s": [0.8, 0.0]})
    with pytest.raises(DataError, match="line 3: R-R intervals must be positive"):
        load_rr_features(csv, 2)
    write_sidecar(csv, good)
    assert load_rr_features(csv, 2).shape == (2, len(FEATURES))
    assert sidecar_features(csv, 2, RR).dtype == np.float32
    with pytest.raises(DataError, match="no column template_corr, template_rmse"):
        load_inputs(csv, beats(2), BOTH)
    # a sidecar of an older prepare_data.py (the median R-R, no mean) no longer serves an R-R model
    write_sidecar(csv, {"rr_prev_s": [0.8, 0.8], "rr_next_s": [0.8, 0.8], "rr_local_s": [0.8, 0.8],
                        "rr_avg_s": [0.8, 0.8]})
    with pytest.raises(DataError, match="no column rr_mean_s.*older prepare_data.py"):
        load_rr_features(csv, 2)
    write_sidecar(csv, {**good, "rr_mean_s": [0.8, 0.4]})
    assert load_rr_features(csv, 2)[1, 5] == pytest.approx(2.0)  # prev/mean of the second beat
    write_sidecar(csv, {**good, "template_corr": [0.9, float("nan")], "template_rmse": [0.1, 0.1]})
    with pytest.raises(DataError, match="line 3: a value that is not a finite number"):
        load_inputs(csv, beats(2), TEMPLATE)


def test_model_with_rr_inputs():
    paper, rr_model = BeatNet(), BeatNet(rr_features=True)
    assert num_parameters(paper) == 55_013  # the paper's model is untouched
    assert num_parameters(rr_model) == 55_013 + len(FEATURES) * 32  # one fc1 weight per feature and unit
    both = BeatNet(rr_features=True, template_features=True)
    assert both.inputs == BOTH and list(both.inputs.feature_names) == FEATURES + list(TEMPLATE_COLUMNS)
    assert both.inputs.context_columns == CONTEXT_COLUMNS + TEMPLATE_COLUMNS
    x, rr = torch.rand(3, 1, 187), torch.rand(3, len(FEATURES))
    assert rr_model(x, rr).shape == (3, 5)
    with pytest.raises(ValueError, match=r"takes 8 features \(rr_prev_s, .*local/mean\), got 0"):
        rr_model(x)
    with pytest.raises(ValueError, match=r"takes 0 features \(none\), got 8"):
        paper(x, rr)
    rr_model.eval()
    # the R-R inputs matter: a different rhythm changes the output for the same beat
    assert not torch.allclose(rr_model(x, rr), rr_model(x, rr * 2))


def test_checkpoint_records_the_feature_list(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true"])
    ckpt = make_checkpoint(model_of(cfg), cfg, 1, {})
    assert ckpt["inputs"]["features"] == FEATURES
    assert ckpt["inputs"]["features"][5:] == ["prev/mean", "next/mean", "local/mean"]
    assert "rr_features" not in ckpt["preprocessing"]  # the inputs are described apart from the cutting rule
    save_checkpoint(ckpt, tmp_path / "ok.pt")
    loaded, info = load_checkpoint(tmp_path / "ok.pt")
    assert loaded.inputs == RR and info["model_args"]["rr_features"] and info["inputs"]["features"] == FEATURES
    ckpt["inputs"] = {"features": FEATURES[:-1]}  # trained on another feature set
    save_checkpoint(ckpt, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="trained with the inputs"):
        load_checkpoint(tmp_path / "other.pt")
    # the names of the median set with the weights of today's model: the inputs would not mean the same
    ckpt["inputs"] = {"features": FEATURES[:5] + ["prev/avg", "next/avg", "local/avg"]}
    save_checkpoint(ckpt, tmp_path / "mixed.pt")
    with pytest.raises(CheckpointError, match="trained with the inputs"):
        load_checkpoint(tmp_path / "mixed.pt")
    ckpt["inputs"] = {"features": FEATURES}
    ckpt["model_args"]["rr_average"] = "mode"  # foreign or corrupted: no such model argument today
    save_checkpoint(ckpt, tmp_path / "mode.pt")
    with pytest.raises(CheckpointError, match="cannot build.*rr_average"):
        load_checkpoint(tmp_path / "mode.pt")
    paper = make_checkpoint(BeatNet(), load_config(ROOT / "config" / "config.json"), 1, {})["inputs"]
    assert paper == {"features": []}
    cfg = load_config(ROOT / "config" / "config.json", ["model.template_features=true"])
    stored = make_checkpoint(model_of(cfg), cfg, 1, {})["inputs"]
    assert stored["features"] == list(TEMPLATE_COLUMNS) and stored["template_features"]["window"] == WINDOW == 40


@needs_mitdb
def test_sidecar_intervals_are_the_annotation_intervals(real_beats):
    import wfdb

    assert list(real_beats.meta.columns) == ["db", "record", "lead", "sample", "time_s", "symbol", "rr_prev_s",
                                             "rr_next_s", "rr_local_s", "rr_mean_s", "template_corr", "template_rmse"]
    meta = real_beats.meta[real_beats.meta["record"] == "232"]
    ann = wfdb.rdann(str(MITDB / "232"), "atr")
    samples = np.asarray(ann.sample)
    i = np.searchsorted(samples, meta["sample"].to_numpy()[100])
    # 232 has only beat annotations around here: the neighbours are the previous and next annotations
    assert meta["rr_prev_s"].iloc[100] == pytest.approx((samples[i] - samples[i - 1]) / 360, abs=1e-6)
    assert meta["rr_next_s"].iloc[100] == pytest.approx((samples[i + 1] - samples[i]) / 360, abs=1e-6)
    assert (meta[list(CONTEXT_COLUMNS)] > 0).all().all()
    # 232's S beats are its prevailing rhythm: on time against the record's median interval, early against
    # the mean R-R the features divide by
    s_beats = meta[real_beats.y[real_beats.meta["record"] == "232"] == 1]
    assert len(s_beats) > 1000
    assert (s_beats["rr_prev_s"] / meta["rr_prev_s"].median()).median() > 0.9
    assert (s_beats["rr_prev_s"] / s_beats["rr_mean_s"]).median() < 0.8


@needs_mitdb
def test_recording_pipeline_computes_the_sidecar_features(real_beats):
    """Record 232 (S beats, long pauses): R-R features from detected peaks match those of the reference."""
    from heartbeat.recording import beats_of, check_signal
    from heartbeat.sources import read_wfdb

    rec = check_signal(read_wfdb(MITDB / "232"))
    found = beats_of(rec)
    samples, times = found.samples, found.times
    meta = real_beats.meta[real_beats.meta["record"] == "232"].reset_index(drop=True)
    # match each reference beat to the detection within 150 ms
    j = np.clip(np.searchsorted(samples, meta["sample"]), 1, len(samples) - 1)
    j = np.where(np.abs(samples[j - 1] - meta["sample"]) < np.abs(samples[j] - meta["sample"]), j - 1, j)
    hit = np.abs(samples[j] - meta["sample"].to_numpy()) < 0.15 * 360
    assert hit.mean() > 0.99
    detected = rr_features(rr_context(times).iloc[:len(samples)])
    diff = np.abs(detected[j[hit]] - rr_features(meta)[hit])
    assert np.median(diff, axis=0).max() < 0.01  # seconds and ratios alike


def test_template_features_single_out_the_odd_beat():
    t = np.linspace(0, 1, 187)
    usual = np.exp(-((t - 0.05) / 0.02) ** 2)  # a narrow spike at the start: the patient's usual QRS
    odd = np.exp(-((t - 0.12) / 0.06) ** 2)    # later and wider
    beats = np.stack([usual] * 9 + [odd])
    ctx = template_context(beats)
    assert tuple(ctx.columns) == TEMPLATE_COLUMNS
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
    times, index = np.arange(len(table.x) + 1) * 0.8, np.arange(len(table.x))
    ctx = beat_context(times, index, table.x)
    assert np.allclose(ctx["template_corr"], corr, atol=1e-6)
    features = context_features(ctx, BOTH)
    assert features.shape == (len(table.x), 10) and features.dtype == np.float32
    inputs = recording_inputs(BOTH, times, index, table.x)
    assert np.array_equal(inputs.features, features) and inputs.template is None
    assert np.array_equal(inputs.beats, table.x)
    paper = recording_inputs(PAPER_INPUTS, times, index, table.x)  # the paper's model: no context computed
    assert paper.features is None and paper.template is None and len(paper) == len(table.x)
    assert context_features(ctx, PAPER_INPUTS) is None


def test_checkpoints_from_before_the_new_model_keys_still_load(tmp_path):
    """A format-1 checkpoint saved before morphology_dropout and template_channel existed (no such model args)
    loads as a model without dropout or channel; one with R-R features divided by the median R-R (rr_average
    'median', or no rr_average: from before the mean existed) is refused, as this code no longer builds it."""
    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true"])
    ckpt = as_version_1(make_checkpoint(model_of(cfg), cfg, 1, {}))
    for key in ("morphology_dropout", "template_channel"):
        del ckpt["model_args"][key]
    save_checkpoint(ckpt, tmp_path / "before-median.pt")  # also from before rr_average: a median model
    with pytest.raises(CheckpointError, match="median"):
        load_checkpoint(tmp_path / "before-median.pt")
    save_checkpoint({**ckpt, "model_args": {**ckpt["model_args"], "rr_average": "median"}}, tmp_path / "median.pt")
    with pytest.raises(CheckpointError, match="median"):
        load_checkpoint(tmp_path / "median.pt")
    ckpt["model_args"]["rr_average"] = "mean"
    save_checkpoint(ckpt, tmp_path / "old.pt")
    model, info = load_checkpoint(tmp_path / "old.pt")
    assert model.config.rr_features and model.config.morphology_dropout == 0.0
    assert not model.config.template_channel and model.stem.in_channels == 1
    assert info["format_version"] == 2 and info["inputs"]["features"] == FEATURES
    assert "rr_average" not in info["model_args"] and "rr_features" not in info["preprocessing"]
    csv = tmp_path / "beats.csv"
    write_sidecar(csv, {c: [0.8, 0.4] for c in CONTEXT_COLUMNS})
    assert load_inputs(csv, beats(2), model.inputs).features.shape == (2, len(FEATURES))
    # the paper's model never had R-R features: without rr_average it is no median model
    paper = as_version_1(make_checkpoint(BeatNet(), load_config(ROOT / "config" / "config.json"), 1, {}))
    for key in ("morphology_dropout", "template_channel", "rr_features", "template_features"):
        del paper["model_args"][key]
    save_checkpoint(paper, tmp_path / "paper.pt")
    assert load_checkpoint(tmp_path / "paper.pt")[0].inputs == PAPER_INPUTS
    # the shipped DS1 model, written in format 1 with rr_average 'mean', loads with today's feature names;
    # the same file claiming the median R-R is refused
    raw = torch.load(ROOT / "models" / "mitbih_ds1.pt", weights_only=True)
    assert raw["format_version"] == 1 and raw["model_args"]["rr_average"] == "mean"
    model, info = load_checkpoint(ROOT / "models" / "mitbih_ds1.pt")
    assert model.inputs == InputSpec(True, True, True)
    assert info["inputs"]["features"] == FEATURES + list(TEMPLATE_COLUMNS)
    raw["model_args"]["rr_average"] = "median"
    save_checkpoint(raw, tmp_path / "shipped-median.pt")
    with pytest.raises(CheckpointError, match="median"):
        load_checkpoint(tmp_path / "shipped-median.pt")
