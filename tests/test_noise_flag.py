"""Findings under noise the noise rule does not exclude are marked for a reader to check (quality.NOISE_FLAG)."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from conftest import MITDB, ROOT, needs_mitdb
from heartbeat.checkpoint import load_checkpoint
from heartbeat.noise_flag import noise_under
from heartbeat.quality import NOISE_FLAG, Excluded
from heartbeat.recording import classify_recording
from heartbeat.report import build_report, summary_lines
from heartbeat.report_html import strips
from heartbeat.report_words import at_a_glance
from heartbeat.sources import Recording, read_wfdb


def test_the_noise_under_a_span_is_the_median_of_its_windows():
    windows = [(0, 10, 0.1), (10, 20, 0.5), (20, 30, float("nan")), (30, 40, 0.2), (50, 60, 0.9)]
    under = noise_under(windows, [5, 31, 21, 41, 10, 0, 39], [12, 35, 29, 49, 10, 70, 40])
    assert under[:2].tolist() == [0.3, 0.2]  # within one window, its ratio; across two, their median
    assert np.isnan(under[2:4]).all()        # a window that could not be judged, or none, says nothing
    assert under[4:].tolist() == [0.5, 0.35, 0.2]  # an instant on a border belongs to the window it starts
    assert np.isnan(noise_under([], [1.0], [2.0])).all()  # a recording with no window judged


def test_a_strip_of_a_finding_under_noise_says_to_check_it():
    from types import SimpleNamespace

    events = pd.DataFrame([("V run", 10.0, 12.0, 4, 150.0, 0.55), ("S run", 50.0, 53.0, 5, 120.0, 0.1)],
                          columns=["type", "start_s", "end_s", "beats", "rate_bpm", "noise"])
    rate = {"min_bpm": 50.0, "min_at_s": 300.0, "min_noise": None, "max_bpm": 150.0, "max_at_s": 20.0,
            "max_noise": NOISE_FLAG}
    report = SimpleNamespace(events=events, beats=pd.DataFrame({"class": [], "time_s": []}),
                             summary={"excluded": [], "flutter": [], "heart_rate": rate, "pauses": [],
                                      "rules": {"hr_average_beats": 8}, "rhythm_switches_s": []})
    titles = "; ".join(t for t, *_ in strips(report))
    assert "longest V run: 4 beats, 150 bpm, at 10.0 s (noisy, ratio 0.55: check)" in titles
    assert "longest S run: 5 beats, 120 bpm, at 50.0 s" in titles
    assert f"fastest heart rate: 150 bpm, at 20.0 s (noisy, ratio {NOISE_FLAG:.2f}: check)" in titles
    assert "slowest heart rate: 50 bpm, at 300.0 s" in titles


def test_each_finding_of_a_report_carries_the_noise_under_it():
    """build_report reads the recording's windows: a pause at 20-23 s under a window of 0.5, one couplet under 0.1
    and one under a window that could not be judged."""
    times = np.r_[np.arange(0, 20.1, 0.8), 23.0 + np.arange(0, 20, 0.8)]
    classes = ["N"] * len(times)
    classes[3:5] = classes[40:42] = ["V", "V"]  # at 2.4 s and 34.2 s
    rec = Recording(np.zeros(int(45 * 360)), 360.0, "x",
                    noise_windows=[(0, 3600, 0.1), (3600, 7200, 0.1), (7200, 10800, 0.5), (10800, 14400, float("nan"))])
    report = build_report(pd.DataFrame({"time_s": times, "class": classes, "segment": 0}), rec)
    events = report.events.set_index("type")
    assert events.loc["pause", "noise"] == 0.5 and report.summary["pauses"][0]["noise"] == 0.5
    assert events.loc["V couplet", "noise"].iloc[0] == 0.1 and np.isnan(events.loc["V couplet", "noise"].iloc[1])
    assert report.summary["ventricular"]["noisy_couplets"] == 0
    assert report.summary["under_noise"] == [{"start_s": 20.0, "end_s": 30.0}]


def test_the_time_under_noise_is_what_is_analysed_there():
    """Windows from NOISE_FLAG to under NOISE_RATIO, joined where they touch, less the excluded time (a window from
    NOISE_RATIO is excluded as noise, not under it)."""
    rec = Recording(np.zeros(60 * 360), 360.0, "x", excluded=[Excluded(25 * 360, 27 * 360, "artifact")],
                    noise_windows=[(0, 3600, 0.3), (3600, 7200, 0.69), (7200, 10800, 0.1), (10800, 14400, 0.4),
                                   (14400, 18000, 0.8)])
    times = np.arange(0, 60, 0.8)
    report = build_report(pd.DataFrame({"time_s": times, "class": "N", "segment": 0}), rec)
    assert report.summary["under_noise"] == [{"start_s": 0.0, "end_s": 20.0}, {"start_s": 30.0, "end_s": 40.0}]
    rec.excluded = [Excluded(32 * 360, 34 * 360, "artifact")]
    assert build_report(pd.DataFrame({"time_s": times, "class": "N", "segment": 0}), rec).summary["under_noise"][1:] \
        == [{"start_s": 30.0, "end_s": 32.0}, {"start_s": 34.0, "end_s": 40.0}]
    assert "0.5 min of it under noise" in summary_lines(report)[0]


def test_the_heart_rates_noise_is_read_over_the_intervals_it_averages():
    """The fastest 8 intervals run from 16 to 20 s, over two windows (0.6 and 0.1): their median, not the
    window of the instant it is reported at (20 s)."""
    times = np.sort(np.r_[np.arange(0, 16), np.arange(16, 22, 0.5), np.arange(22, 60)])
    rec = Recording(np.zeros(60 * 360), 360.0, "x",
                    noise_windows=[(w * 360, (w + 10) * 360, 0.6 if w == 10 else 0.1) for w in range(0, 60, 10)])
    rate = build_report(pd.DataFrame({"time_s": times, "class": "N", "segment": 0}), rec).summary["heart_rate"]
    assert (rate["max_bpm"], rate["max_at_s"], rate["max_noise"]) == (120.0, 20.0, 0.35)
    assert rate["min_noise"] == 0.1


@pytest.fixture(scope="module")
def model():
    return load_checkpoint(ROOT / "models" / "recording.pt")[0]


def piece(name, lo, hi):
    full = read_wfdb(MITDB / name)
    a, b = int(lo * full.fs), int(hi * full.fs)
    return replace(full, signal=np.asarray(full.signal[a:b], dtype=np.float64), ref_samples=None, ref_labels=None)


@needs_mitdb
def test_108s_false_fastest_rate_is_marked_and_a_clean_record_is_not(model):
    """MIT-BIH 108 at 1,690-1,730 s: lead 0 reads its P waves and noise as beats (the reference has about 74 bpm
    there); 100's first minute is clean."""
    rec = piece("108", 1690, 1730)
    report = build_report(classify_recording(model, rec), rec)
    assert [(a, b) for a, b, _ in rec.noise_windows] == [(int(w * rec.fs), int((w + 10) * rec.fs))
                                                         for w in (0, 10, 20, 30)]
    rate = report.summary["heart_rate"]
    assert rate["max_bpm"] > 100 and rate["max_noise"] >= NOISE_FLAG
    couplets = report.events[report.events["type"] == "V couplet"]
    assert len(couplets) and (couplets["noise"] >= NOISE_FLAG).all()
    assert report.summary["ventricular"]["noisy_couplets"] == len(couplets)
    assert f"under noise {len(couplets)} couplet" in "\n".join(summary_lines(report))
    assert "fastest under noise: check the strip" in at_a_glance(report.summary)
    rec = piece("100", 0, 60)
    report = build_report(classify_recording(model, rec), rec)
    assert report.summary["heart_rate"]["max_noise"] < NOISE_FLAG
    assert report.summary["ventricular"]["noisy_couplets"] == report.summary["ventricular"]["noisy_runs"] == 0
    assert "under noise" not in at_a_glance(report.summary)


@needs_mitdb
def test_windows_are_judged_segment_by_segment_in_time_order(model):
    """100's first 2 minutes with 2 s missing at 60 s (a gap: two segments): every window lies inside one segment,
    from its start, in time order; a segment's last few seconds are not judged."""
    rec = piece("100", 0, 120)
    rec.signal[int(60 * rec.fs):int(62 * rec.fs)] = np.nan
    classify_recording(model, rec)
    windows = rec.noise_windows
    assert len(rec.segments) == 2 and all(b > a for a, b, _ in windows)
    assert all(b <= c for (_, b, _), (c, _, _) in zip(windows, windows[1:]))
    for start, stop in rec.segments:
        inside = [(a, b) for a, b, _ in windows if start <= a < stop]
        assert inside[0][0] == start and all(b <= stop for _, b in inside)
        assert stop - inside[-1][1] < 5 * rec.fs
