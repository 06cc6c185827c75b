"""The template channel: each beat's recording's median beat, from the .templates.csv file beside a beat
CSV (prepare_data.py writes it) or from the beats of a recording, and the checkpoints that take it."""
import numpy as np
import pandas as pd
import pytest

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.data import DataError, beat_csvs, load_beats, load_extra_inputs, load_templates
from heartbeat.features import recording_inputs
from heartbeat.model import BeatNet

CHANNEL = {"template_channel": True, "beat_len": 4}


def write_files(csv, records, templates, header="record,0,1,2,3"):
    """A sidecar naming each beat's record and a templates file: {record: 4 values}."""
    pd.DataFrame({"record": records}).to_csv(csv.with_name(csv.stem + ".meta.csv"), index=False)
    rows = [header] + [",".join([r] + [str(v) for v in t]) for r, t in templates.items()]
    csv.with_name(csv.stem + ".templates.csv").write_text("\n".join(rows) + "\n")


def test_each_beat_gets_its_records_template(tmp_path):
    csv = tmp_path / "beats.csv"
    write_files(csv, ["232", "100", "232"], {"100": [0, 1, 0, 0], "232": [0.5, 0.5, 1, 0]})
    t = load_templates(csv, 3, 4)
    assert t.dtype == np.float32 and t.tolist() == [[0.5, 0.5, 1, 0], [0, 1, 0, 0], [0.5, 0.5, 1, 0]]
    assert np.array_equal(load_extra_inputs(csv, 3, CHANNEL), t)  # no named features: the template alone
    assert load_extra_inputs(csv, 3, {}) is None


GOOD = "record,0,1,2,3"


@pytest.mark.parametrize("records, n_beats, templates, header, message", [
    (["100"], 1, {"232": [0, 1, 0, 0]}, GOOD, "no template for record 100, named in beats.meta.csv"),
    (["100"], 1, {"100": [0, 1, 0]}, "record,0,1,2", "must be 0 .. 3 .*beats of 4 values.*got 3 columns"),
    (["100"], 1, {"100": [0, 1, 0, 0]}, "record,3,2,1,0", "must be 0 .. 3"),  # reordered values
    (["100"], 1, {"100": [0, 1, 0, 0], "232": [0, "nan", 0, 0]}, GOOD, "line 3: a value that is not a number in"),
    (["100"], 1, {"100": [0, 1, 0, 0], "232": [0, "x", 0, 0]}, GOOD, "line 3: a value that is not a number in"),
    (["100"], 1, {"100": [0, 5, 0, 0]}, GOOD, r"line 2: a value that is not a number in \[0, 1\]"),
    (["100"], 1, {"100": [0, 1, 0, 0], "": [0, 1, 0, 0]}, GOOD, "a row without a record name"),
    (["100"], 1, {"100": [0, 1, 0, 0]}, "rec,0,1,2,3", "no 'record' column"),
    (["100", "100"], 3, {"100": [0, 1, 0, 0]}, GOOD, "2 rows for the 3 beats"),
])
def test_bad_templates_are_named(tmp_path, records, n_beats, templates, header, message):
    csv = tmp_path / "beats.csv"
    write_files(csv, records, templates, header)
    with pytest.raises(DataError, match=message):
        load_templates(csv, n_beats, 4)


def test_missing_templates_file_and_duplicate_records(tmp_path):
    csv = tmp_path / "beats.csv"
    with pytest.raises(DataError, match="beats.templates.csv beside the CSV; there is none.*prepare_data.py"):
        load_templates(csv, 1, 4)
    write_files(csv, ["100"], {"100": [0, 1, 0, 0]})
    (tmp_path / "beats.templates.csv").write_text("record,0,1,2,3\n100,0,1,0,0\n100,0,1,0,1\n")
    with pytest.raises(DataError, match="record 100 has two templates"):
        load_templates(csv, 1, 4)
    (tmp_path / "beats.meta.csv").unlink()
    with pytest.raises(DataError, match="each beat's record from the sidecar beats.meta.csv.*there is none"):
        load_templates(csv, 1, 4)


def test_sample_files_are_not_beat_csvs():
    names = [p.name for p in beat_csvs(ROOT / "samples")]
    assert names == ["mitbih_test_labelled.csv", "unlabelled.csv"]
    for name in names:  # the shipped samples carry their records' templates
        n = len(load_beats(ROOT / "samples" / name)[0])
        assert load_templates(ROOT / "samples" / name, n, 187).shape == (n, 187)


@needs_mitdb
def test_templates_are_the_whole_records_median_beat(tmp_path, real_beats):
    """A CSV of a few of a record's beats (a split, a sample file) still gets the median of all its beats;
    the recording pipeline takes the median of the beats it cut."""
    from heartbeat.build import random_split, write_kaggle_csv

    _, test = random_split(real_beats, seed=0)
    write_kaggle_csv(tmp_path / "t.csv", test)
    records = test.meta["record"].to_numpy()
    t = load_templates(tmp_path / "t.csv", len(test.y), 187)
    whole_208 = np.median(real_beats.x[real_beats.meta["record"] == "208"], axis=0)
    assert np.allclose(t[records == "208"], whole_208, atol=1e-6)
    assert not np.allclose(t[records == "208"][0], np.median(test.x[records == "208"], axis=0), atol=1e-4)
    header = (tmp_path / "t.templates.csv").read_text().splitlines()[0]
    assert header == "record," + ",".join(map(str, range(187)))

    beats = real_beats.x[real_beats.meta["record"] == "232"]
    times, index = np.arange(len(beats) + 1) * 0.8, np.arange(len(beats))
    inputs = recording_inputs({"template_channel": True, "beat_len": 187}, times, index, beats)
    assert inputs.shape == (len(beats), 187) and np.allclose(inputs, np.median(beats, axis=0), atol=1e-6)
    both = recording_inputs({"rr_features": True, "template_channel": True, "beat_len": 187}, times, index, beats)
    assert both.shape == (len(beats), 8 + 187) and np.array_equal(both[:, 8:], inputs)


def test_checkpoint_says_what_its_channel_is(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json", ["model.template_channel=true"])
    ckpt = make_checkpoint(BeatNet(**cfg["model"]), cfg, 1, {})
    assert ckpt["preprocessing"]["template_channel"]["stem_input"] == ["beat", "beat minus template"]
    save_checkpoint(ckpt, tmp_path / "c.pt")
    model, _ = load_checkpoint(tmp_path / "c.pt")
    assert model.config.template_channel and model.stem.in_channels == 2
    del ckpt["preprocessing"]["template_channel"]  # made by code that did not know what the channel holds
    save_checkpoint(ckpt, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="trained with template_channel None"):
        load_checkpoint(tmp_path / "foreign.pt")
