"""The template channel: each beat's recording's median beat, from the .templates.csv file beside a beat
CSV (prepare_data.py writes it) or from the beats of a recording, and the checkpoints that take it."""
import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ROOT, needs_mitdb
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.data import DataError, beat_csvs, load_beats
from heartbeat.features import recording_inputs
from heartbeat.model import BeatNet, ModelConfig

PAPER_INPUTS = ModelConfig().inputs  # the paper's model takes the beat alone
from heartbeat.sidecar import load_inputs, load_templates, templates_path

CHANNEL = ModelConfig(template_channel=True).inputs
GOOD = "record," + ",".join(map(str, range(187)))


def beat(*head):
    """A 187-value template: the given values, then zeros (the padding of a beat row)."""
    return list(head) + [0] * (187 - len(head))


def write_files(csv, records, templates, header=GOOD):
    """A sidecar naming each beat's record and a templates file: {record: values}."""
    pd.DataFrame({"record": records}).to_csv(csv.with_name(csv.stem + ".meta.csv"), index=False)
    rows = [header] + [",".join([r] + [str(v) for v in t]) for r, t in templates.items()]
    csv.with_name(csv.stem + ".templates.csv").write_text("\n".join(rows) + "\n")


def test_each_beat_gets_its_records_template(tmp_path):
    csv = tmp_path / "beats.csv"
    write_files(csv, ["232", "100", "232"], {"100": beat(0, 1, 0, 0), "232": beat(0.5, 0.5, 1, 0)})
    assert templates_path(csv) == tmp_path / "beats.templates.csv"
    t = load_templates(csv, 3)
    assert t.dtype == np.float32 and t.shape == (3, 187)
    assert t[:, :4].tolist() == [[0.5, 0.5, 1, 0], [0, 1, 0, 0], [0.5, 0.5, 1, 0]] and not t[:, 4:].any()
    x = np.random.default_rng(0).random((3, 187), dtype=np.float32)
    inputs = load_inputs(csv, x, CHANNEL)  # no named features: the template alone
    assert np.array_equal(inputs.template, t) and inputs.features is None and np.array_equal(inputs.beats, x)
    assert load_inputs(csv, x, PAPER_INPUTS).template is None


@pytest.mark.parametrize("records, n_beats, templates, header, message", [
    (["100"], 1, {"232": beat(0, 1)}, GOOD, "no template for record 100, named in beats.meta.csv"),
    (["100"], 1, {"100": [0, 1, 0]}, "record,0,1,2", "must be 0 .. 186 .*beats of 187 values.*got 3 columns"),
    (["100"], 1, {"100": beat(0, 1)}, "record," + ",".join(map(str, range(186, -1, -1))),
     "must be 0 .. 186"),  # reordered values
    (["100"], 1, {"100": beat(0, 1), "232": beat(0, "nan")}, GOOD, "line 3: a value that is not a number in"),
    (["100"], 1, {"100": beat(0, 1), "232": beat(0, "x")}, GOOD, "line 3: a value that is not a number in"),
    (["100"], 1, {"100": beat(0, 5)}, GOOD, r"line 2: a value that is not a number in \[0, 1\]"),
    (["100"], 1, {"100": beat(0, 1), "": beat(0, 1)}, GOOD, "a row without a record name"),
    (["100"], 1, {"100": beat(0, 1)}, "rec" + GOOD[len("record"):], "no 'record' column"),
    (["100", "100"], 3, {"100": beat(0, 1)}, GOOD, "2 rows for the 3 beats"),
])
def test_bad_templates_are_named(tmp_path, records, n_beats, templates, header, message):
    csv = tmp_path / "beats.csv"
    write_files(csv, records, templates, header)
    with pytest.raises(DataError, match=message):
        load_templates(csv, n_beats)


def test_missing_templates_file_and_duplicate_records(tmp_path):
    csv = tmp_path / "beats.csv"
    with pytest.raises(DataError, match="beats.templates.csv beside the CSV; there is none.*prepare_data.py"):
        load_templates(csv, 1)
    write_files(csv, ["100"], {"100": beat(0, 1)})
    (tmp_path / "beats.templates.csv").write_text(
        GOOD + "\n" + ",".join(["100"] + list(map(str, beat(0, 1)))) + "\n"
        + ",".join(["100"] + list(map(str, beat(0, 1, 0, 1)))) + "\n")
    with pytest.raises(DataError, match="record 100 has two templates"):
        load_templates(csv, 1)
    (tmp_path / "beats.meta.csv").unlink()
    with pytest.raises(DataError, match="each beat's record from the sidecar beats.meta.csv.*there is none"):
        load_templates(csv, 1)


def test_sample_files_are_not_beat_csvs():
    names = [p.name for p in beat_csvs(ROOT / "samples")]
    assert names == ["mitbih_test_labelled.csv", "unlabelled.csv"]
    for name in names:  # the shipped samples carry their records' templates
        n = len(load_beats(ROOT / "samples" / name)[0])
        assert load_templates(ROOT / "samples" / name, n).shape == (n, 187)


@needs_mitdb
def test_templates_are_the_whole_records_median_beat(tmp_path, real_beats):
    """A CSV of a few of a record's beats (a split, a sample file) still gets the median of all its beats;
    the recording pipeline takes the median of the beats it cut."""
    from heartbeat.build import random_split, write_kaggle_csv

    _, test = random_split(real_beats, seed=0)
    write_kaggle_csv(tmp_path / "t.csv", test)
    records = test.meta["record"].to_numpy()
    t = load_templates(tmp_path / "t.csv", len(test.y))
    whole_208 = np.median(real_beats.x[real_beats.meta["record"] == "208"], axis=0)
    assert np.allclose(t[records == "208"], whole_208, atol=1e-6)
    assert not np.allclose(t[records == "208"][0], np.median(test.x[records == "208"], axis=0), atol=1e-4)
    header = (tmp_path / "t.templates.csv").read_text().splitlines()[0]
    assert header == "db,record,lead," + GOOD[len("record,"):]
    assert (tmp_path / "t.meta.csv").read_text().splitlines()[0] == (
        "db,record,lead,sample,time_s,symbol,rr_prev_s,rr_next_s,rr_local_s,rr_mean_s,template_corr,template_rmse")

    beats = real_beats.x[real_beats.meta["record"] == "232"]
    times, index = np.arange(len(beats) + 1) * 0.8, np.arange(len(beats))
    inputs = recording_inputs(CHANNEL, times, index, beats)
    assert inputs.features is None and inputs.template.shape == (len(beats), 187)
    assert inputs.template.dtype == np.float32 and np.allclose(inputs.template, np.median(beats, axis=0), atol=1e-6)
    both = recording_inputs(ModelConfig(rr_features=True, template_channel=True).inputs, times, index, beats)
    assert both.features.shape == (len(beats), 8) and np.array_equal(both.template, inputs.template)


def test_checkpoint_says_what_its_channel_is(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json", ["model.template_channel=true"])
    ckpt = make_checkpoint(BeatNet(**cfg.to_dict()["model"]), cfg, 1, {})
    assert ckpt["inputs"]["template_channel"]["stem_input"] == ["beat", "beat minus template"]
    save_checkpoint(ckpt, tmp_path / "c.pt")
    model, _ = load_checkpoint(tmp_path / "c.pt")
    assert model.config.template_channel and model.stem.in_channels == 2 and model.inputs == CHANNEL
    # the model takes the template as its own input, and only a model with the channel takes one
    x, template = torch.rand(3, 1, 187), torch.rand(3, 1, 187)
    assert model(x, template=template).shape == (3, 5)
    assert not torch.allclose(model(x, template=template), model(x, template=x))  # the template matters
    with pytest.raises(ValueError, match="takes the recording's median beat as template"):
        model(x)
    with pytest.raises(ValueError, match="takes no template"):
        BeatNet()(x, template=template)
    del ckpt["inputs"]["template_channel"]  # made by code that did not know what the channel holds
    save_checkpoint(ckpt, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="trained with the inputs"):
        load_checkpoint(tmp_path / "foreign.pt")
