"""A long interval on the lead read is no pause when the second lead beats through it (heartbeat/witness.py)."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import ROOT, SVDB, needs_svdb
from heartbeat import witness
from heartbeat.checkpoint import load_checkpoint
from heartbeat.quality import Excluded
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.windows import Resampler

FS = 360


def judged(second_s, covered=(), before=8):
    """witnessed() on beats 1 s apart (`before` intervals), then a 4-s interval from 8 s, then 3 more beats; the
    second lead detects at second_s seconds after the interval's first beat. The intervals witnessed, in s."""
    peaks = np.r_[np.arange(before + 1), before + 4 + np.arange(4)] * FS
    second = np.array([(before + s) * FS for s in second_s], dtype=np.int64)
    return [(a / FS - before + 8, b / FS - before + 8) for a, b in witness.witnessed(peaks, second, list(covered), FS)]


def test_beats_at_the_rhythm_before_make_the_interval_an_artifact():
    assert judged([1.0, 2.0, 3.0]) == [(8.0, 12.0)]
    assert judged([1.1, 2.3, 3.1]) == [(8.0, 12.0)]  # within 1.5 x and 1 / 1.5 x the rhythm
    assert judged([0.1, 1.0, 2.0, 3.0, 3.9]) == [(8.0, 12.0)]  # detections at the ends are its own beats
    assert judged([1.0, 2.0, 3.0], before=witness.MIN_BEFORE) == [(8.0, 12.0)]


def test_what_a_real_pause_shows_on_another_lead_does_not():
    assert judged([]) == []                 # nothing: a pause on both leads
    assert judged([1.5]) == []              # a P wave or noise: 1.5 s and 2.5 s are no rhythm of 1 s
    assert judged([1.0, 2.0]) == []         # a beat missed on the second lead too: 2 s left
    assert judged([1.0, 1.4, 2.0, 3.0]) == []  # 0.4 s: too early for that rhythm


def test_an_interval_judged_already_or_without_a_rhythm_before_it_is_left():
    assert judged([1.0, 2.0, 3.0], covered=[(9 * FS, 10 * FS)]) == []       # noise, flutter, an artifact inside
    assert judged([1.0, 2.0, 3.0], covered=[(7 * FS, 8 * FS + 1)]) == []    # ... or reaching into it
    assert judged([1.0, 2.0, 3.0], covered=[(7 * FS, 8 * FS)]) == [(8.0, 12.0)]  # ending at its first beat: not
    assert judged([1.0, 2.0, 3.0], before=witness.MIN_BEFORE - 1) == []


@pytest.mark.parametrize("fs", [128, 250, 360, 500])
def test_artifacts_end_on_the_beats_of_the_table_at_any_rate(monkeypatch, fs):
    """artifacts() maps the segment's 360-Hz peaks to input samples as recording.beats_of does, so an artifact's
    ends are beats of the beats table; the second lead is read around the interval only, and its unreadable or
    noisy time witnesses nothing."""
    start = 12_345
    peaks = (np.r_[np.arange(21), 24 + np.arange(4)] * 0.9 * FS).astype(np.int64)  # 3.6 s from 18 s
    second_at = start + (18 + np.array([0.9, 1.8, 2.7])) * fs                       # input samples
    noise, reads = [], []

    def detect_segment(resampler):  # the second lead's detections in the stretch read, 360 Hz from its start
        reads.append((resampler.start, resampler.stop))
        return SimpleNamespace(peaks=np.round((second_at - resampler.start) * FS / fs).astype(np.int64),
                               noisy=[(int((x - resampler.start) * FS / fs), int((y - resampler.start) * FS / fs))
                                      for x, y in noise])

    monkeypatch.setattr(witness, "detect_segment", detect_segment)
    to_input = lambda x: start + np.round(np.asarray(x) * fs / FS).astype(np.int64)  # noqa: E731 (beats_of's rule)
    found = SimpleNamespace(peaks=peaks, flutter=[], noisy=[], artifacts=[])
    segment = Resampler(None, fs, start, start + 60 * fs)  # never read: detect_segment is the stand-in above
    rec = SimpleNamespace(second_excluded=[])
    assert witness.artifacts(found, segment, rec) == [(to_input(peaks[20]), to_input(peaks[21]))]
    context = witness.CONTEXT_S * fs
    assert reads == [(to_input(peaks[20]) - context, to_input(peaks[21]) + context)]
    rec.second_excluded = [Excluded(int(start + 19 * fs), int(start + 19.5 * fs), "lead-off")]
    assert witness.artifacts(found, segment, rec) == []
    rec.second_excluded, noise[:] = [], [(int(start + 19 * fs), int(start + 20 * fs))]
    assert witness.artifacts(found, segment, rec) == []


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
    assert any(e["reason"] == "second lead beats" and e["start_s"] < 50.5 and e["end_s"] > 61.5
               for e in report["excluded"])
