"""report.html as a reader meets it: the strips chosen (key findings, clean example beats, one strip for the same
seconds), their axis unit, and the summary in words."""
import re

import numpy as np
import pandas as pd
import pytest

from conftest import MITDB, beat_times, needs_mitdb
from heartbeat.report import build_report
from heartbeat.sources import Recording, read_wfdb


def strip_report(events, beats, excluded=(), flutter=(), rate=None):
    from types import SimpleNamespace

    heart_rate = rate or {"min_bpm": None, "min_at_s": None, "max_bpm": None, "max_at_s": None}
    pauses = [{"start_s": round(a, 3), "duration_s": round(b - a, 3), "after": "V", "in_af": False}
              for kind, a, b, *_ in events if kind == "pause"]
    summary = {"excluded": list(excluded), "flutter": list(flutter), "heart_rate": heart_rate,
               "rules": {"hr_average_beats": 8}, "pauses": pauses, "rhythm_switches_s": []}
    return SimpleNamespace(events=pd.DataFrame(events, columns=["type", "start_s", "end_s", "beats", "rate_bpm"]),
                           beats=pd.DataFrame(beats), summary=summary)


def test_the_longest_pause_strip_says_how_long_it_is_and_what_it_follows():
    from heartbeat.report_html import strips

    report = strip_report([("pause", 10.0, 12.1, 2, 28.6), ("pause", 50.0, 55.87, 2, 10.4)],
                          {"class": ["N"], "time_s": [1.0], **{f"p_{c}": [0.2] for c in "NSVFQ"}})
    assert strips(report) == [("longest pause: 5.87 s after a V beat, at 50.0 s", 50.0, pytest.approx(5.87))]


def test_strips_show_flutter_af_the_heart_rate_extremes_and_clean_example_beats():
    from heartbeat.report_html import strips

    events = [("AF", 100.0, 400.0, 300, 95.0), ("AF", 500.0, 560.0, 60, 90.0), ("VF/flutter", 700.0, 712.0, 0, None)]
    beats = {"class": ["N", "V", "N", "V", "N"], "time_s": [20.0, 30.0, 31.0, 40.0, 41.0],
             "p_N": [.9, .0, .9, .0, .9], "p_S": [.0] * 5, "p_V": [.1, 1.0, .1, .8, .1], "p_F": [.0] * 5,
             "p_Q": [.0] * 5}
    rate = {"min_bpm": 40.0, "min_at_s": 300.0, "max_bpm": 150.0, "max_at_s": 20.0}
    # the most confident V beat (30 s) is cut across an artifact that starts before its next beat: the 0.8 one is shown
    titles = [t for t, *_ in strips(strip_report(events, beats, [{"start_s": 30.5, "end_s": 30.9}], rate=rate))]
    assert titles == ["longest VF/flutter: 12 s, at 700.0 s", "longest AF episode, its onset: 300 s, at 100.0 s",
                      "fastest heart rate: 150 bpm, at 20.0 s", "slowest heart rate: 40 bpm, at 300.0 s",
                      "example V beat (p=0.80) at 40.0 s"]
    # without the artifact the 1.0 beat is the example; strips sharing most of their seconds are one, with all titles
    same = strips(strip_report([("V run", 29.0, 31.0, 3, 120.0)], beats))
    assert [t for t, *_ in same] == ["longest V run: 3 beats, 120 bpm, at 29.0 s; fastest V run: 3 beats, 120 bpm, at "
                                     "29.0 s; example V beat (p=1.00) at 30.0 s"]
    apart = strips(strip_report([("V run", 20.0, 22.0, 3, 120.0)], beats))  # 7 of 8 s apart: two strips
    assert [t for t, *_ in apart][1:] == ["example V beat (p=1.00) at 30.0 s"]
    assert strips(strip_report([], {c: [] for c in beats}, [{"start_s": 1.0, "end_s": 2.0}])) == []  # no beats


def strip_unit(rec):
    from heartbeat.figures import strip_figure

    return strip_figure(rec.signal, rec.fs, np.array([100, 500]), np.array(["N", "V"]), units=rec.units).axes[0]


def test_a_bare_signal_strip_says_its_unit_is_not_given(tmp_path):
    from heartbeat.sources import open_recording

    np.save(tmp_path / "x.npy", np.zeros(3600))
    bare = open_recording(signal=tmp_path / "x.npy", fs=360.0)
    assert bare.units == "" and strip_unit(bare).get_ylabel() == "signal (unit not given)"


@needs_mitdb
def test_a_wfdb_strip_names_the_header_unit():
    record = read_wfdb(MITDB / "100")
    assert record.units == "mV" and strip_unit(record).get_ylabel() == "signal (mV)"


def test_the_html_reads_as_a_clinician_reads_it():
    """Summary labels in words (no report.json keys), durations as h:mm:ss, the beat classes defined, no salvo row
    unless runs start above 3 beats, and whole numbers without decimals."""
    from heartbeat.events import Rules
    from heartbeat.report_html import report_html

    table = pd.DataFrame({"time_s": np.arange(100) * 0.8, "class": ["N"] * 10 + ["V"] * 3 + ["N"] * 87, "segment": 0})
    rec = Recording(np.zeros(4000 * 36), 360.0, "x")
    page = report_html(build_report(table, rec))
    assert "slowest heart rate (bpm)" in page and "HRV RMSSD (ms)" in page and "AF burden (% of analyzable time)" in page
    assert not any(key in page for key in ("min_bpm", "rmssd_ms", "burden_pct", "longest_run_beats", "salvos"))
    assert "<th>duration (h:mm:ss)</th><td>0:06:40</td>" in page and "Q paced" in page
    assert re.search(r"<th>runs</th>\s*<td>1</td>", page)
    assert "<b>At a glance:</b> 97% of 100 beats N (normal); V 3 (3%; 0 couplets, 1 run, the longest 3 beats); no pause; " in page
    assert "salvos" in report_html(build_report(table, rec, Rules(run_min_beats=4)))


def test_a_rhythm_warned_of_a_two_to_one_switch_gets_a_strip_at_its_first_switch():
    """0.8-s intervals, ten at 1.6 s, 0.8 s again: two switches in report.json, the warning, and a strip at the first
    (8.0 s); the same rhythm that never switches back (one switch) gets none of them."""
    from heartbeat.report_html import strips

    def report_of(intervals):
        times = beat_times(intervals)
        return build_report(pd.DataFrame({"time_s": times, "class": "N", "segment": 0, "p_N": 1.0,
                                          **{f"p_{c}": 0.0 for c in "SVFQ"}}), Recording(np.zeros(40 * 360), 360.0, "x"))

    def switch_strips(report):  # a strip showing the same seconds as another carries both titles
        return [t for t, *_ in strips(report) if "switches" in t]

    warned = report_of([0.8] * 10 + [1.6] * 10 + [0.8] * 10)
    assert warned.summary["rhythm_switches_s"] == [8.0, 24.0]
    assert sum("2:1 pattern" in w for w in warned.summary["warnings"]) == 1
    [title] = switch_strips(warned)
    assert title.endswith("the rhythm switches between an interval and twice it (of 2, the first): a 2:1 pattern? "
                          "check the P waves, at 8.0 s")
    once = report_of([0.8] * 10 + [1.6] * 10)
    assert once.summary["rhythm_switches_s"] == [] and switch_strips(once) == []
    assert not any("2:1" in w for w in once.summary["warnings"])
