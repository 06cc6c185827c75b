"""The patient's diary against the recording: times in seconds, of day or dated, placed in the recording; each entry
read against the events, heart rate and excluded time near it; bad diaries are one-line errors."""
import datetime as dt
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import MITDB, needs_mitdb, run_main, run_script
from heartbeat.diary import DiaryError, entry_seconds, read_diary
from heartbeat.events import Rules
from heartbeat.quality import Excluded
from heartbeat.report import build_report
from heartbeat.sources import Recording


def csv(text):
    return io.StringIO(text)


def test_times_in_seconds_of_day_and_dated():
    assert entry_seconds(["0", "754.5"], None).tolist() == [0.0, 754.5]
    start = dt.time(22, 0)
    # times of day, in the order written: each the first such moment at or after the one before (over midnight,
    # and a second day at the same time of day)
    assert entry_seconds(["22:30", "01:15:30", "09:00", "20:00", "06:00"], start).tolist() == \
        [1800.0, 3 * 3600 + 930.0, 11 * 3600.0, 22 * 3600.0, 32 * 3600.0]
    assert entry_seconds(["2026-12-02 00:00", "10"], dt.datetime(2026, 12, 1, 23, 0)).tolist() == [3600.0, 10.0]
    assert entry_seconds(["22:15"], dt.datetime(2026, 12, 1, 22, 0)).tolist() == [900.0]  # a dated start's time


@pytest.mark.parametrize("times, start, message", [
    (["8 am"], None, "diary row 2: time '8 am': expected seconds into the recording, HH:MM[:SS] or YYYY-MM-DD"),
    (["10", "nan"], None, "diary row 3: time 'nan' is not a number of seconds"),
    (["14:32"], None, "diary row 2: time '14:32' is a clock time, but the recording's start is not known; give it "
                      "with --start"),
    (["2026-12-01 14:32"], dt.time(8), "diary row 2: time '2026-12-01 14:32' has a date, but the recording's start "
                                       "has none"),
    (["07:55"], dt.time(8), "diary row 2: time '07:55' would lie 23.9 h after the entry before (or the start); write "
                            "the entries in order, or give dates"),  # written before hook-up: not the next morning
    (["14:35", "14:32"], dt.time(8), "diary row 3: time '14:32' would lie 23.9 h after"),  # out of order
])
def test_bad_times_name_their_row(times, start, message):
    with pytest.raises(DiaryError, match="^" + re.escape(message)):
        entry_seconds(times, start)


@pytest.mark.parametrize("text, message", [
    ("when,symptom\n10,dizzy\n", "d.csv: no 'time' column (columns: when, symptom); expected a header like: time,symptom"),
    ("time,symptom\n", "d.csv: no entries"),
    ("", "d.csv: not a CSV file"),
    ("time,Time\n10,20\n", "d.csv: column 'time' appears twice"),
    ("time,symptom\n10,dizzy\n,\nnoon,\n", "d.csv row 4: time 'noon'"),  # the blank row is left out, not renumbered
])
def test_bad_diary_files(text, message):
    with pytest.raises(DiaryError, match="^" + re.escape(message)):
        read_diary(csv(text), None, "d.csv")


def test_a_folder_or_non_utf8_file_is_one_line(tmp_path):
    with pytest.raises(DiaryError, match="cannot read it"):
        read_diary(tmp_path, None)
    (tmp_path / "d.csv").write_bytes("time,symptom\n10,vertige \xe0 la montée\n".encode("latin-1"))
    with pytest.raises(DiaryError, match="not UTF-8 text; save it as UTF-8 CSV"):
        read_diary(tmp_path / "d.csv", None)


def test_notes_join_the_other_columns():
    diary = read_diary(csv("Time, Symptom, Activity\n12.5, dizzy ,\n20,,stairs\n"), None, "d.csv")
    assert diary.to_dict(orient="list") == {"time": ["12.5", "20"], "note": ["symptom: dizzy", "activity: stairs"],
                                            "at_s": [12.5, 20.0]}


def test_each_entry_is_read_against_what_lies_near_it():
    """A synthetic hour of beats at 75 bpm with a 3-s pause at 600 s, a V couplet at 1500 s and a 60-s gap at
    2400 s: entries there find the pause, the couplet's beats, the gap; one in plain rhythm finds none; one after the
    end lies outside the recording."""
    times = list(np.arange(0, 600, 0.8)) + list(np.arange(603, 2400, 0.8)) + list(np.arange(2460, 3600, 0.8))
    classes = np.array(["N"] * len(times), dtype=object)
    couplet = int(np.searchsorted(times, 1500))
    classes[couplet:couplet + 2] = "V"
    segment = (np.asarray(times) >= 2460).astype(int)  # the gap splits the recording
    table = pd.DataFrame({"time_s": times, "class": classes, "segment": segment})
    rec = Recording(np.zeros(3600 * 100), 100.0, "x", excluded=[Excluded(2400 * 100, 2460 * 100, "gap")])
    diary = read_diary(csv("time,symptom\n610,dizzy\n1490,palpitations\n2430,faint\n1000,tired\n4000,late\n"), None)
    summary = build_report(table, rec, diary=diary).summary
    d = summary["diary"]
    found = {e["time"]: e for e in d["entries"]}
    assert summary["warnings"] == ["1 of the diary's 5 entries lie outside the recording (0 to 3600 s): check their "
                                   "times against the recording's start"]
    assert found["610"]["finding"] == "pause" and found["610"]["hr_min_bpm"] < 75 < found["610"]["hr_max_bpm"] + 0.1
    assert found["1490"]["finding"] == "V couplet" and found["1490"]["V"] == 2
    assert found["2430"]["finding"] == "no arrhythmia found; 60 s of the 120 excluded (gap)"
    assert found["2430"]["excluded_s"] == 60.0
    assert found["1000"]["finding"] == "no arrhythmia found" and found["1000"]["hr_mean_bpm"] == 75.0
    assert found["4000"]["finding"] == "outside the recording"
    assert (d["with_event"], d["read"], d["window_s"]) == (2, 4, 60.0)  # of the entries read: not 4000
    narrow = build_report(table, rec, Rules(diary_window_s=20), diary=diary).summary["diary"]
    assert narrow["entries"][2]["finding"] == "not analyzable (gap)" and narrow["read"] == 3
    assert build_report(table, rec).summary["diary"] is None and build_report(table, rec).summary["warnings"] == []


@needs_mitdb
def test_report_reads_a_diary_of_mitbih_201(tmp_path):
    """201's pause before its nodal rhythm (reference: an R-R of 3.8 s from 1,786.8 s) is the finding of a diary
    entry at 1,789 s given as a time of day; a diary with clock times needs --start, said in one line, before any
    work."""
    (tmp_path / "diary.csv").write_text("time,symptom\n08:29:49,dizzy\n")
    out = tmp_path / "report"
    result = run_main("report.py", "--record", MITDB / "201", "--diary", tmp_path / "diary.csv", "--out", out)
    assert result.returncode == 1 and not out.exists()
    assert result.stderr == f"error: {tmp_path / 'diary.csv'} row 2: time '08:29:49' is a clock time, but the " \
                            "recording's start is not known; give it with --start\n"
    result = run_script("report.py", "--record", MITDB / "201", "--diary", tmp_path / "diary.csv", "--start", "08:00",
                        "--out", out, "--diary-window-s", 2)
    assert result.returncode == 0, result.stderr
    assert "diary: 1 of 1 entries read have an event within 2 s" in result.stdout
    entry, = json.loads((out / "report.json").read_text())["diary"]["entries"]
    assert entry["at_s"] == 1789.0 and entry["clock"] == "08:29:49" and entry["finding"] == "AF, pause"
    assert entry["hr_mean_bpm"] == round(60 / (1790.542 - 1786.769), 1) and entry["note"] == "symptom: dizzy"
    page = (out / "report.html").read_text()
    assert "<h2>Patient diary</h2>" in page and "symptom: dizzy" in page
