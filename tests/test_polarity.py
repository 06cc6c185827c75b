"""Which way up a lead points (heartbeat/polarity.py), and the warning every output carries where it points down."""
import json

import numpy as np
import pytest
import wfdb

from conftest import MITDB, ROOT, SVDB, needs_mitdb, needs_svdb, run_script
from heartbeat.checkpoint import load_checkpoint
from heartbeat.polarity import DOWN_RATIO, qrs_down_ratio
from heartbeat.recording import classify_recording
from heartbeat.sources import read_record

SAMPLE_RECORD = ROOT / "samples" / "recording" / "208_min15"


def normal_beats(path):
    """Lead 0 of a record (physical units), its rate and the samples of its reference normal beats."""
    rec, ann = wfdb.rdrecord(str(path), channels=[0]), wfdb.rdann(str(path), "atr")
    return rec.p_signal[:, 0], rec.fs, ann.sample[np.isin(ann.symbol, ["N", "L", "R", "e", "j"])]


@needs_mitdb
@pytest.mark.parametrize("record, down", [("100", False), ("233", False), ("207", True)])
def test_mitbih_leads_point_as_their_median_beat_does(record, down):
    """MLII points up in 100 and 233 and down in 207 (its median QRS is a deep trough); negated, each turns round."""
    signal, fs, beats = normal_beats(MITDB / record)
    assert (qrs_down_ratio(signal, fs, beats) > DOWN_RATIO) == down
    assert (qrs_down_ratio(-signal, fs, beats) > DOWN_RATIO) == (not down)


@needs_svdb
def test_svdb_records_whose_ecg1_points_down():
    """At 128 Hz too: 841's and 857's ECG1 points down, 800's up; 802's is biphasic, neither clearly."""
    ratios = {r: qrs_down_ratio(*normal_beats(SVDB / r)) for r in ("800", "802", "841", "857")}
    assert ratios["841"] > DOWN_RATIO and ratios["857"] > DOWN_RATIO
    assert ratios["800"] < 1 and 0.5 < ratios["802"] < DOWN_RATIO


def test_too_few_beats_or_a_flat_line_say_nothing_and_a_pure_trough_is_down():
    peaks = np.arange(100, 36000, 300)  # 120 beats at 360 Hz
    assert np.isnan(qrs_down_ratio(np.sin(np.arange(5000) / 10), 360, peaks[:10]))
    assert np.isnan(qrs_down_ratio(np.zeros(36000), 360, peaks))
    troughs = np.zeros(36000)
    troughs[peaks] = -1.0  # a QRS that only falls: nothing rises above the baseline
    assert qrs_down_ratio(troughs, 360, peaks) == np.inf
    assert qrs_down_ratio(-troughs, 360, peaks) == 0.0


def test_a_recording_read_upside_down_is_warned_about(tmp_path):
    """The shipped sample upright: no warning; negated: one, naming the lead, in predict.py's output, report.json
    and report.html; the beats are classified all the same."""
    model, _ = load_checkpoint(ROOT / "models" / "recording.pt")
    upright = read_record(SAMPLE_RECORD)
    classify_recording(model, upright)
    assert upright.warnings == []

    negated = read_record(SAMPLE_RECORD)
    negated.signal = -np.asarray(negated.signal[:], dtype=np.float64)
    table = classify_recording(model, negated)
    assert len(table) > 100 and len(negated.warnings) == 1 and negated.warnings[0].startswith("lead MLII points down")

    np.savetxt(tmp_path / "negated.csv", negated.signal)
    proc = run_script("predict.py", "--signal", tmp_path / "negated.csv", "--fs", 360)
    assert proc.returncode == 0, proc.stderr
    assert "  warning: the lead points down" in proc.stdout  # a signal file names no lead
    proc = run_script("report.py", "--signal", tmp_path / "negated.csv", "--fs", 360, "--out", tmp_path / "report")
    assert proc.returncode == 0, proc.stderr
    warnings = json.loads((tmp_path / "report" / "report.json").read_text())["warnings"]
    assert [w for w in warnings if "points down" in w] == warnings[:1] and warnings[0].startswith("the lead points down")
    assert "<p class='warning'>Warning: the lead points down" in (tmp_path / "report" / "report.html").read_text()
    assert "warning: the lead points down" in proc.stdout
