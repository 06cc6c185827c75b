"""A long interval on the lead read is no pause when the second lead beats through it (heartbeat/witness.py)."""
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, SVDB, needs_svdb
from heartbeat import witness
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.report import build_report

FS = 360


def judged(monkeypatch, second_lead_s, covered=(), before=8):
    """witnessed() on beats 1 s apart (`before` intervals), then a 4-s interval, then 3 more beats; the second lead
    'detects' at second_lead_s seconds after the interval's first beat. Returns the intervals witnessed, in s."""
    peaks = np.r_[np.arange(before + 1), before + 4 + np.arange(4)] * FS
    start = before * FS
    monkeypatch.setattr(witness, "second_lead_peaks",
                        lambda res, lo, hi: np.array([start + s * FS for s in second_lead_s if lo <= start + s * FS < hi],
                                                     dtype=np.int64))
    return [(a / FS, b / FS) for a, b in witness.witnessed(peaks, None, list(covered))]


def test_beats_at_the_rhythm_before_make_the_interval_an_artifact(monkeypatch):
    assert judged(monkeypatch, [1.0, 2.0, 3.0]) == [(8.0, 12.0)]
    assert judged(monkeypatch, [1.1, 2.3, 3.1]) == [(8.0, 12.0)]  # within 1.5 x and 1 / 1.5 x the rhythm


def test_what_a_real_pause_shows_on_another_lead_does_not(monkeypatch):
    assert judged(monkeypatch, []) == []                 # nothing: a pause on both leads
    assert judged(monkeypatch, [1.5]) == []              # a P wave or noise: 1.5 s and 2.5 s are no rhythm of 1 s
    assert judged(monkeypatch, [1.0, 2.0]) == []         # a beat missed on the second lead too: 2 s left
    assert judged(monkeypatch, [1.0, 1.4, 2.0, 3.0]) == []  # 0.4 s: too early for that rhythm
    assert judged(monkeypatch, [0.1, 1.0, 2.0, 3.0, 3.9]) == [(8.0, 12.0)]  # detections at the ends are its beats


def test_an_interval_judged_already_or_without_a_rhythm_before_it_is_left(monkeypatch):
    assert judged(monkeypatch, [1.0, 2.0, 3.0], covered=[(9 * FS, 10 * FS)]) == []  # noise, flutter, artifact
    assert judged(monkeypatch, [1.0, 2.0, 3.0], before=witness.MIN_BEFORE - 1) == []


@needs_svdb
def test_an_amplifier_block_is_no_pause_when_the_other_lead_beats_through_it():
    """SVDB 853 at 1,249.9 s: lead 0 jumps and blocks for 11.7 s while ECG2 shows the 13 beats the reference
    marks there. Read alone, lead 0 gives an 11.7-s pause; with ECG2 beside it, the interval is an artifact: no
    pause, excluded time. Two minutes around it are read."""
    from heartbeat.sources import read_wfdb

    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]
    full = read_wfdb(SVDB / "853", None, "ECG2")
    a, b = int(1200 * full.fs), int(1320 * full.fs)
    both = replace(full, signal=np.asarray(full.signal[a:b], dtype=np.float64),
                   second=np.asarray(full.second[a:b], dtype=np.float64))
    alone = replace(both, second=None, second_channel=None)

    def read(rec):
        return build_report(classify_recording(model, rec), rec).summary

    pauses = read(alone)["pauses"]
    assert [round(p["start_s"]) for p in pauses if p["duration_s"] > 10] == [50]
    report = read(both)
    assert not [p for p in report["pauses"] if p["duration_s"] >= 2.0]
    assert any(e["reason"] == "artifact" and e["start_s"] < 50.5 and e["end_s"] > 61.5 for e in report["excluded"])
