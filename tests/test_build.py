"""The dataset builder on real MIT-BIH records (skipped without them)."""
import numpy as np
import pytest
import wfdb

from heartbeat.build import build_beats, patient_split, random_split, record_beats, write_kaggle_csv
from heartbeat.data import load_beats
from heartbeat.database import AAMI_LABEL, DS1, DS2, DatabaseError

from conftest import MITDB, SVDB, needs_mitdb, needs_svdb, run_main, run_script


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
    assert meta[0] == ("db,record,lead,sample,time_s,symbol,rr_prev_s,rr_next_s,rr_local_s,rr_mean_s,template_corr,"
                       "template_rmse")
    assert all(line.startswith(("mitdb,208,MLII,", "mitdb,217,MLII,", "mitdb,232,MLII,")) for line in meta[1:])
    assert len(meta) == len(y) + 1


@needs_mitdb
def test_build_reports_missing_records(tmp_path):
    with pytest.raises(DatabaseError, match="records missing"):
        build_beats(tmp_path, names=["100"])


def test_prepare_data_never_overwrites_an_output_without_force(tmp_path):
    (tmp_path / "mitbih_ds2.templates.csv").write_text("mine")
    proc = run_main("prepare_data.py", "--mitdb", tmp_path / "no-records", "--out", tmp_path)
    assert proc.returncode != 0 and "mitbih_ds2.templates.csv exists" in proc.stderr and "--force" in proc.stderr
    assert (tmp_path / "mitbih_ds2.templates.csv").read_text() == "mine"


@needs_svdb
def test_another_database_at_128_hz_is_resampled_and_cut_by_the_same_rule():
    """SVDB record 800 (128 Hz): the signal is resampled to 360 Hz with resample_poly and the annotations moved
    to the nearest 360 Hz sample; each row is then exactly segment.kaggle_beats on that, the sidecar keeps the
    128 Hz sample, names the database and the lead, and the R-R context is in seconds of the record's rate."""
    from scipy.signal import resample_poly

    from heartbeat import segment

    table = record_beats(SVDB / "800")
    rec = wfdb.rdrecord(str(SVDB / "800"), channels=[0], physical=False)
    ann = wfdb.rdann(str(SVDB / "800"), "atr")
    beats = [i for i, s in enumerate(ann.symbol) if s in AAMI_LABEL and i < len(ann.symbol) - 1]
    assert len(table.y) == len(beats) and set(table.meta["lead"]) == {"ECG1"} and set(table.meta["db"]) == {"svdb"}
    assert table.meta["sample"].tolist() == [ann.sample[i] for i in beats]
    sig = resample_poly(rec.d_signal[:, 0].astype(np.float64), 45, 16)  # 128 -> 360 Hz
    anchors = np.round(ann.sample * 360 / 128).astype(np.int64)
    assert np.array_equal(table.x[:50], segment.kaggle_beats(sig, anchors, beats[:50]))
    k = beats[10]
    assert table.meta["rr_prev_s"][10] == pytest.approx((ann.sample[k] - ann.sample[k - 1]) / 128, abs=1e-9)
    lead1 = record_beats(SVDB / "800", lead=1)
    assert set(lead1.meta["lead"]) == {"ECG2"} and np.array_equal(lead1.y, table.y)
    assert not np.array_equal(lead1.x, table.x)


def test_database_errors_are_one_line(tmp_path):
    from heartbeat.database import aami_labels, record_names

    with pytest.raises(DatabaseError, match="no such database folder"):
        record_names(tmp_path / "none")
    with pytest.raises(DatabaseError, match="no WFDB records"):
        record_names(tmp_path)
    wfdb.wrsamp("r1", fs=360, units=["mV"], sig_name=["I"], p_signal=np.zeros((400, 1)), fmt=["16"],
                write_dir=str(tmp_path))
    with pytest.raises(DatabaseError, match="1 of 1 records have no reference beat annotations"):
        record_names(tmp_path)
    wfdb.wrann("r1", "atr", np.array([100, 200, 300]), np.array(["N", "N", "N"]), write_dir=str(tmp_path))
    assert record_names(tmp_path) == ["r1"]
    wfdb.wrsamp("slow", fs=50, units=["mV"], sig_name=["I"], p_signal=np.zeros((400, 1)), fmt=["16"],
                write_dir=str(tmp_path))
    with pytest.raises(DatabaseError, match="sampled at 50 Hz; at least 100 Hz"):
        record_beats(tmp_path / "slow")
    with pytest.raises(DatabaseError, match="no lead 1; it has 1"):
        record_beats(tmp_path / "r1", lead=1)
    # beats, marks that are no beat, and symbols of nobody's code
    # 'B' (bundle branch block, unspecified) and 'n' (supraventricular escape) are N by AAMI, 'r' (R-on-T) is V
    assert aami_labels(["N", "V", "+", "~", "B", "n", "r", "?", "Z"]).tolist() == [0, 2, -1, -1, 0, 0, 2, -2, -2]


def test_unknown_symbols_are_counted_and_skipped(tmp_path):
    t = np.arange(20_000) / 360
    ecg = np.sin(2 * np.pi * t) ** 31  # a narrow spike every second
    wfdb.wrsamp("r2", fs=360, units=["mV"], sig_name=["I"], p_signal=ecg[:, None], fmt=["16"], write_dir=str(tmp_path))
    symbols = ["N", "N", "?", "N", "?", "+", "N", "N"]  # '?' (not classified during learning): AAMI has no group
    wfdb.wrann("r2", "atr", np.arange(1, 9) * 360 + 90, np.array(symbols), write_dir=str(tmp_path))
    table = record_beats(tmp_path / "r2")
    assert table.meta["symbol"].tolist() == ["N", "N", "N", "N"]  # every N but the last annotation's neighbour
    assert dict(table.unknown) == {"?": 2}
    # a lead the records do not have: one line, and nothing written, so the corrected command needs no --force
    proc = run_main("prepare_data.py", "--db", tmp_path, "--leads", 0, 1, "--out", tmp_path / "out")
    assert proc.returncode == 1 and proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "no lead 1; it has 1" in proc.stderr and not (tmp_path / "out").exists()
    proc = run_script("prepare_data.py", "--db", tmp_path, "--out", tmp_path / "out")
    assert proc.returncode == 0 and "skipped 2 annotations with unknown symbols" in proc.stdout
    assert (tmp_path / "out" / f"{tmp_path.name}.csv").is_file()
