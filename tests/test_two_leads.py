"""A second lead: each beat classified on both leads of a record, the two leads' probabilities averaged."""
from dataclasses import replace

import numpy as np
import pytest

from conftest import MITDB, ROOT, needs_mitdb, run_script
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.sources import SignalError, open_recording, read_wfdb

MINUTES = 6


@pytest.fixture(scope="module")
def recording_model():
    return load_checkpoint(ROOT / "models" / "recording.pt")[0]


def first_minutes(rec):
    n = MINUTES * 60 * int(rec.fs)
    second = None if rec.second is None else np.asarray(rec.second[:n], dtype=np.float64)
    return replace(rec, signal=np.asarray(rec.signal[:n], dtype=np.float64), second=second)


def probabilities(table):
    return table[[c for c in table if c.startswith("p_")]].to_numpy()


@needs_mitdb
def test_a_second_lead_equal_to_the_first_changes_nothing(recording_model):
    """Both leads' beats are cut at the same R peaks with their own templates: the same signal twice must
    give the one-lead answer, beat for beat."""
    rec = first_minutes(read_wfdb(MITDB / "208"))
    alone = classify_recording(recording_model, rec)
    twice = classify_recording(recording_model, replace(rec, second=rec.signal.copy(), second_channel="MLII copy"))
    assert len(alone) > 300 and (alone["sample"] == twice["sample"]).all()
    np.testing.assert_allclose(probabilities(twice), probabilities(alone), atol=1e-6)


@needs_mitdb
def test_the_second_lead_votes_only_where_it_can_be_read(recording_model):
    """Record 208 (many V beats) with V1 beside MLII, V1 missing for a minute: the beats are those MLII
    finds; inside V1's gap a beat keeps MLII's probabilities, elsewhere both leads decide."""
    both = first_minutes(read_wfdb(MITDB / "208", "MLII", "V1"))
    assert both.second_channel == "V1"
    gap = slice(120 * 360, 180 * 360)
    both.second[gap] = np.nan
    alone = classify_recording(recording_model, replace(both, second=None, second_channel=""))
    fused = classify_recording(recording_model, both)
    assert (alone["sample"] == fused["sample"]).all()
    assert [(e.start, e.stop, e.reason) for e in both.second_excluded] == [(gap.start, gap.stop, "gap")]
    inside = (fused["sample"] >= gap.start) & (fused["sample"] < gap.stop)
    assert inside.sum() > 50
    np.testing.assert_array_equal(probabilities(fused)[inside], probabilities(alone)[inside])
    changed = np.abs(probabilities(fused)[~inside] - probabilities(alone)[~inside]).max(axis=1) > 1e-3
    assert changed.mean() > 0.5


@needs_mitdb
def test_bad_second_leads_are_one_line_errors(tmp_path, recording_model):
    with pytest.raises(SignalError, match="the second channel is the channel read"):
        read_wfdb(MITDB / "100", "MLII", "0")
    with pytest.raises(SignalError, match="no channel 'V9'"):
        read_wfdb(MITDB / "100", None, "V9")
    with pytest.raises(SignalError, match="a second channel needs a WFDB record"):
        open_recording(second="1", signal=tmp_path / "ecg.npy", fs=360)
    flat = first_minutes(read_wfdb(MITDB / "100", None, "V5"))
    flat.second[:] = 0.0
    with pytest.raises(SignalError, match=r"second channel V5\): the signal is flat"):
        classify_recording(recording_model, flat)
    proc = run_script("predict.py", "--record", MITDB / "100", "--second-channel", "MLII")
    assert proc.returncode != 0 and "the second channel is the channel read" in proc.stderr
    assert "Traceback" not in proc.stderr
