"""The dataset builder on real MIT-BIH records (skipped without them)."""
import numpy as np
import pytest
import wfdb

from heartbeat.build import build_beats, patient_split, random_split, record_beats, write_kaggle_csv
from heartbeat.data import load_beats
from heartbeat.database import AAMI_LABEL, DS1, DS2

from conftest import MITDB, needs_mitdb, run_script


@needs_mitdb
def test_record_beats_match_the_reference_annotations():
    ann = wfdb.rdann(str(MITDB / "208"), "atr")
    beats = [i for i, s in enumerate(ann.symbol) if s in AAMI_LABEL and i < len(ann.symbol) - 1]
    table = record_beats(MITDB / "208")
    assert len(table.y) == len(beats)
    assert table.meta["sample"].tolist() == [ann.sample[i] for i in beats]
    assert table.y.tolist() == [AAMI_LABEL[ann.symbol[i]] for i in beats]
    assert table.x.dtype == np.float32 and table.x.shape == (len(beats), 187)
    # every Kaggle row reaches exactly 1.0 and has an exact 0 inside the beat
    assert (table.x.max(axis=1) == 1.0).all()
    assert (table.x.min(axis=1) == 0.0).all()


@needs_mitdb
def test_row_is_the_kaggle_rule_on_raw_adc_samples():
    rec = wfdb.rdrecord(str(MITDB / "100"), physical=False)
    ann = wfdb.rdann(str(MITDB / "100"), "atr")
    a = ann.sample
    k = 1  # the first beat; a[0] is the rhythm mark '+'
    seg = rec.d_signal[a[k]:a[k + 1] + int(0.2 * (a[k + 2] - a[k + 1])):3, 0].astype(np.float64)
    expected = np.zeros(187, np.float32)
    expected[:len(seg)] = ((seg - seg.min()) / (seg.max() - seg.min()))[:187]
    assert np.array_equal(record_beats(MITDB / "100").x[0], expected)


@needs_mitdb
def test_splits_and_csv_round_trip(tmp_path, real_beats):
    train, test = random_split(real_beats, seed=0)
    assert len(train.y) + len(test.y) == len(real_beats.y)
    assert abs(len(test.y) / len(real_beats.y) - 0.2) < 0.001
    for c in range(5):  # stratified: each class split 80/20 (to within one beat)
        n = (real_beats.y == c).sum()
        assert abs((test.y == c).sum() - n * 21892 / 109446) <= 1
    ds1, ds2 = patient_split(real_beats)
    # 208 is in DS1, 232 in DS2, and the paced 217 in neither
    assert set(ds1.meta["record"]) == {"208"} and set(ds2.meta["record"]) == {"232"}
    assert "208" in DS1 and "232" in DS2 and "217" not in DS1 + DS2

    write_kaggle_csv(tmp_path / "t.csv", test)
    x, y = load_beats(tmp_path / "t.csv")
    assert np.array_equal(x, test.x) and np.array_equal(y, test.y)  # float32 round-trips exactly
    meta = (tmp_path / "t.meta.csv").read_text().splitlines()
    assert meta[0] == ("record,sample,symbol,rr_prev_s,rr_next_s,rr_local_s,rr_mean_s,template_corr,template_rmse")
    assert len(meta) == len(y) + 1


@needs_mitdb
def test_build_reports_missing_records(tmp_path):
    with pytest.raises(FileNotFoundError, match="records missing"):
        build_beats(tmp_path, names=["100"])


def test_prepare_data_never_overwrites_an_output_without_force(tmp_path):
    (tmp_path / "mitbih_ds2.templates.csv").write_text("mine")
    proc = run_script("prepare_data.py", "--mitdb", tmp_path / "no-records", "--out", tmp_path)
    assert proc.returncode != 0 and "mitbih_ds2.templates.csv exists" in proc.stderr and "--force" in proc.stderr
    assert (tmp_path / "mitbih_ds2.templates.csv").read_text() == "mine"
