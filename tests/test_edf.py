"""EDF / EDF+ recordings (heartbeat/edf.py): a real MIT-BIH record converted to EDF by wfdb reads back sample for
sample and gives the WFDB record's beats; small hand-made files check the format's corners and the one-line errors."""
import datetime as dt
import json

import numpy as np
import pytest

from conftest import MITDB, ROOT, needs_mitdb, run_main, run_script
from heartbeat.edf import edf_header, read_edf, read_header
from heartbeat.sources import SignalError, open_recording


def write_edf(path, signals, per_record, labels, record_s=1.0, digital=(-32768, 32767), physical=(-10.0, 10.0),
              reserved="", recording="", date="02.12.26", time="08.15.00", records=None):
    """A minimal EDF file: signals (list of int16 arrays, each a whole number of data records long)."""
    n = len(signals)
    count = len(signals[0]) // per_record[0]
    head = edf_header(count if records is None else records, record_s, labels, per_record, [physical] * n,
                      [digital] * n, recording, date, time, reserved)
    blocks = [np.concatenate([s[r * k:(r + 1) * k] for s, k in zip(signals, per_record)]) for r in range(count)]
    path.write_bytes(head + np.concatenate(blocks).astype("<i2").tobytes())
    return path


@pytest.fixture
def two_rates(tmp_path):
    """Signal 'ECG' at 200 Hz and 'Resp' at 100 Hz (0.1-s records), an EDF+ annotation signal, 3 records."""
    rng = np.random.default_rng(0)
    ecg, resp = rng.integers(-3000, 3000, 60).astype(np.int16), rng.integers(-3000, 3000, 30).astype(np.int16)
    ecg[7] = 4000  # outside the digital range declared below: a missing sample
    notes = np.zeros(3 * 6, dtype=np.int16)
    path = write_edf(tmp_path / "two.edf", [ecg, resp, notes], [20, 10, 6], ["ECG", "Resp", "EDF Annotations"],
                     record_s=0.1, digital=(-3000, 3000), physical=(-3.0, 3.0), reserved="EDF+C",
                     recording="Startdate 02-DEC-2026 X X X")
    return path, ecg, resp


def test_signals_of_two_rates_read_by_slices(two_rates):
    path, ecg, resp = two_rates
    rec = read_edf(path)
    assert (rec.channel, rec.fs, len(rec.signal), rec.name) == ("ECG", 200.0, 60, "two")
    expected = ecg / 1000.0  # physical -3..3 over digital -3000..3000
    expected[7] = np.nan
    np.testing.assert_allclose(rec.signal[0:60], expected)
    np.testing.assert_allclose(rec.signal[15:45], expected[15:45])  # a slice across data records
    assert len(rec.signal[60:70]) == 0
    other = read_edf(path, "Resp")
    assert other.fs == 100.0
    np.testing.assert_allclose(other.signal[5:25], resp[5:25] / 1000.0)
    assert rec.start == dt.datetime(2026, 12, 2, 8, 15)


def test_channel_errors_are_one_line(two_rates):
    path, _, _ = two_rates
    with pytest.raises(SignalError, match="channel 2 \\(EDF Annotations\\) holds no signal"):
        read_edf(path, "EDF Annotations")
    with pytest.raises(SignalError, match="ECG is sampled at 200 Hz and Resp at 100 Hz; both leads need one rate"):
        read_edf(path, None, "Resp")
    with pytest.raises(SignalError, match="no channel 'II'; channels: ECG, Resp, EDF Annotations"):
        read_edf(path, "II")
    with pytest.raises(SignalError, match="--fs is for --signal"):
        open_recording(record=str(path), fs=250)


def test_format_corners(tmp_path):
    ecg = np.arange(40, dtype=np.int16)
    with pytest.raises(SignalError, match=r"a discontinuous EDF\+ file \(EDF\+D\)"):
        read_edf(write_edf(tmp_path / "d.edf", [ecg], [10], ["ECG"], reserved="EDF+D"))
    (tmp_path / "b.bdf").write_bytes(b"\xffBIOSEMI" + b" " * 300)
    with pytest.raises(SignalError, match="a 24-bit BDF file"):
        open_recording(record=str(tmp_path / "b.bdf"))  # by its usual name too, not taken for a WFDB record
    with pytest.raises(SignalError, match="an EDF file carries its rate and channels: give it with --record"):
        open_recording(signal=str(tmp_path / "b.bdf"), fs=250)
    short = write_edf(tmp_path / "s.edf", [ecg], [10], ["ECG"])
    short.write_bytes(short.read_bytes()[:-4])  # the last data record cut short
    with pytest.raises(SignalError, match="shorter than its header's 4 data records \\(3 whole\\)"):
        read_edf(short)
    unknown = read_edf(write_edf(tmp_path / "u.edf", [ecg], [10], ["ECG"], records=-1))  # count left open
    assert len(unknown.signal) == 40
    with pytest.raises(SignalError, match="no signal, only EDF\\+ annotations"):
        read_edf(write_edf(tmp_path / "a.edf", [ecg], [10], ["EDF Annotations"]))
    no_date = read_edf(write_edf(tmp_path / "x.edf", [ecg], [10], ["ECG"], recording="Startdate X X X X"))
    assert no_date.start == dt.time(8, 15)
    old = read_edf(write_edf(tmp_path / "o.edf", [ecg], [10], ["ECG"], date="31.12.99"))
    assert old.start == dt.datetime(1999, 12, 31, 8, 15)
    (tmp_path / "t.edf").write_text("0       " + "not an edf header" * 20)
    with pytest.raises(SignalError, match="not an EDF file"):
        read_header(tmp_path / "t.edf")
    cut = write_edf(tmp_path / "c.edf", [ecg], [10], ["ECG"], records=-1)
    cut.write_bytes(cut.read_bytes()[:300])  # written while recording, cut inside its own header
    with pytest.raises(SignalError, match="ends inside its own header \\(300 of 512 bytes\\)"):
        read_edf(cut)
    with pytest.raises(SignalError, match="its data records last nan s"):
        read_edf(write_edf(tmp_path / "n.edf", [ecg], [10], ["ECG"], record_s=float("nan")))


@pytest.fixture
def record_100_as_edf(tmp_path):
    """The first 5 minutes of MIT-BIH 100, both leads, written by wfdb's own EDF writer."""
    if not (MITDB / "100.hea").exists():
        pytest.skip("MIT-BIH records not found")
    from wfdb.io.convert.edf import wfdb_to_edf

    path = tmp_path / "100.edf"
    wfdb_to_edf(str(MITDB / "100"), sampto=300 * 360, output_filename=str(path))
    return path


@needs_mitdb
def test_a_wfdb_record_written_as_edf_reads_back_and_gives_the_same_beats(record_100_as_edf):
    import wfdb

    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import classify_recording
    from heartbeat.sources import Recording

    rec = read_edf(record_100_as_edf, None, "V5")
    assert (rec.channel, rec.second_channel, rec.fs, rec.units) == ("MLII", "V5", 360.0, "mV")
    truth = wfdb.rdrecord(str(MITDB / "100"), sampto=300 * 360).p_signal
    np.testing.assert_allclose(rec.signal[:300 * 360], truth[:, 0], atol=1e-9)
    np.testing.assert_allclose(rec.second[:300 * 360], truth[:, 1], atol=1e-9)
    assert np.isnan(rec.signal[300 * 360:len(rec.signal)]).all()  # wfdb pads the last data record, out of range

    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]
    whole = Recording(rec.signal[0:len(rec.signal)], rec.fs, "100", second=rec.second[0:len(rec.second)])
    by_slices, at_once = classify_recording(model, rec), classify_recording(model, whole)
    np.testing.assert_array_equal(by_slices["sample"], at_once["sample"])
    np.testing.assert_array_equal(by_slices["class"], at_once["class"])
    assert len(by_slices) > 300


@needs_mitdb
def test_report_of_an_edf_file(record_100_as_edf, tmp_path):
    out = tmp_path / "report"
    result = run_script("report.py", "--record", record_100_as_edf, "--out", out)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["recording"]["channel"] == "MLII" and report["recording"]["sampling_rate_hz"] == 360
    assert report["recording"]["units"] == "mV"  # the EDF header's physical dimension, as on the strips' axis
    tail = report["excluded"][-1]  # wfdb pads the last data record with out-of-range samples: a gap
    assert tail["reason"] == "gap" and tail["start_s"] == pytest.approx(300, abs=0.5)
    bad = run_main("report.py", "--record", tmp_path / "missing.edf", "--out", tmp_path / "r2")
    assert bad.returncode != 0 and bad.stderr.strip() == f"error: {tmp_path / 'missing.edf'}: no such file"


def test_batch_finds_edf_files(two_rates):
    from heartbeat.batch import find_recordings

    path, _, _ = two_rates
    jobs = find_recordings(path.parent, channel="ECG")
    assert [(j.name, j.source, j.channel) for j in jobs] == [("two", str(path), "ECG")]


def test_the_default_channel_is_lead_ii_else_an_ecg_lead(tmp_path):
    """A 12-lead export: lead II is what the models learned on (MIT-BIH's MLII, SVDB's ECG1), not lead I. A sleep
    study's EEG, first in the file, is never read for an ECG."""
    import wfdb

    from heartbeat.sources import is_ecg_name, lead_ii, other_channel, read_wfdb

    assert lead_ii(["I", "ECG II", "V1"]) == 1 and lead_ii(["Lead II", "MLII"]) == 1 and lead_ii(["II", "MLIII"]) == 0
    assert lead_ii(["DI", "DII"]) == 1 and lead_ii(["ECG1", "ECG2", "III", "aVR"]) is None
    assert all(map(is_ecg_name, ["ECG1", "EKG", "V5", "MLIII", "CM5", "aVF", "D3"]))
    assert not any(map(is_ecg_name, ["EEG Fpz-Cz", "Resp", "SpO2", "EMG chin", "EOG"]))
    leads = [np.arange(40, dtype=np.int16) + 100 * k for k in range(3)]
    twelve = write_edf(tmp_path / "twelve.edf", leads, [10] * 3, ["ECG I", "ECG II", "ECG V1"])
    assert read_edf(twelve).channel == "ECG II"
    sleep = write_edf(tmp_path / "sleep.edf", leads, [10] * 3, ["EEG Fpz-Cz", "EKG", "Resp"])
    assert read_edf(sleep).channel == "EKG" and other_channel(sleep) is None  # no second ECG lead to average with
    unnamed = write_edf(tmp_path / "unnamed.edf", leads[:2], [10] * 2, ["EEG Fpz-Cz", "Resp"])
    with pytest.raises(SignalError, match="no channel is named as an ECG lead; give --channel \\(channels: EEG"):
        read_edf(unnamed)
    assert read_edf(unnamed, "Resp").channel == "Resp"  # named by the user: read as asked
    wfdb.wrsamp("twelve", fs=250, units=["mV"] * 3, sig_name=["I", "II", "V1"],
                p_signal=np.random.default_rng(0).normal(size=(500, 3)), fmt=["16"] * 3, write_dir=str(tmp_path))
    assert read_wfdb(tmp_path / "twelve").channel == "II"
