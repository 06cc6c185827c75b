"""The patient's diary against the recording (symptom-rhythm correlation): for each entry, what the recording shows
within Rules.diary_window_s of its time (heart rate, ectopic beats, events, excluded time), so that a symptom can be
matched with a rhythm or shown to come without one.

A diary is a CSV file with a `time` column and any others (symptom, activity, ...), one row per entry, in the order
written. A time is seconds into the recording (`754.5`), a time of day (`14:32`, `14:32:10`: needs the recording's
start; each is the first such moment at or after the entry before it, so a diary of several days needs no dates as
long as no two entries lie 12 h or more apart; one that would is refused rather than guessed), or a date and time
(`2026-12-01 14:32`: needs a dated start).
"""
import datetime as dt

import numpy as np
import pandas as pd

from . import UserError
from .events import rates_between
from .clock import parse_moment
from .quality import excluded_seconds


class DiaryError(UserError):
    """A diary file that cannot be read: its message names the file and, where one is to blame, the row."""


def read_diary(path, start, name=None):
    """DataFrame (time: str, note: str, at_s: float) of a diary CSV (a path or a file object; `name` for messages)
    of a recording that began at `start` (Recording.start); note: the row's other columns as "column: value; ...",
    at_s: seconds into the recording (entry_seconds)."""
    name = name or str(path)
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DiaryError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise DiaryError(f"{name}: not UTF-8 text; save it as UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DiaryError(f"{name}: not a CSV file ({str(e).strip().splitlines()[0]})") from None
    except OSError as e:
        raise DiaryError(f"{name}: cannot read it ({e.strerror or e})") from None
    rows.columns = [str(c).strip().lower() for c in rows.columns]
    twice = rows.columns[rows.columns.duplicated()]
    if len(twice):
        raise DiaryError(f"{name}: column {twice[0]!r} appears twice")
    rows = rows[(rows.map(str.strip) != "").any(axis=1)]  # blank rows, as spreadsheets leave at the end
    if "time" not in rows.columns:
        raise DiaryError(f"{name}: no 'time' column (columns: {', '.join(rows.columns)}); "
                         "expected a header like: time,symptom")
    if rows.empty:
        raise DiaryError(f"{name}: no entries")
    others = [c for c in rows.columns if c != "time"]
    notes = [("; ".join(f"{c}: {r[c].strip()}" for c in others if r[c].strip())) for _, r in rows.iterrows()]
    times = rows["time"].str.strip()
    return pd.DataFrame({"time": times, "note": notes, "at_s": entry_seconds(times, start, name)})


def entry_seconds(times, start, name="diary"):
    """(n,) float: seconds into the recording of each diary time (see the module's doc); `start` is
    Recording.start (None, a datetime.time or a datetime.datetime)."""
    out, previous = [], 0.0
    start_of_day = None if start is None else start.hour * 3600 + start.minute * 60 + start.second
    numbers = times.index if isinstance(times, pd.Series) else range(len(times))  # rows' places, blank rows left out
    for row, text in zip((int(i) + 2 for i in numbers), times):  # row 1 is the header, as a spreadsheet numbers them
        moment = parse_moment(text)
        if moment is None:
            try:
                seconds = float(text)
            except ValueError:
                raise DiaryError(f"{name} row {row}: time {text!r}: expected seconds into the recording, HH:MM[:SS] "
                                 "or YYYY-MM-DD HH:MM[:SS]") from None
            if not np.isfinite(seconds):
                raise DiaryError(f"{name} row {row}: time {text!r} is not a number of seconds")
        elif start is None:
            raise DiaryError(f"{name} row {row}: time {text!r} is a clock time, but the recording's start is not "
                             "known; give it with --start")
        elif isinstance(moment, dt.datetime):
            if not isinstance(start, dt.datetime):
                raise DiaryError(f"{name} row {row}: time {text!r} has a date, but the recording's start has none; "
                                 "give --start YYYY-MM-DD HH:MM")
            seconds = (moment - start).total_seconds()
        else:  # a time of day: the first such moment at or after the entry before
            of_day = moment.hour * 3600 + moment.minute * 60 + moment.second
            seconds = (of_day - start_of_day) % 86400
            seconds += 86400 * max(0.0, np.ceil((previous - seconds) / 86400))
            if seconds - previous > 12 * 3600:  # 07:55 for an 08:00 start, or entries out of order: not a day later
                raise DiaryError(f"{name} row {row}: time {text!r} would lie {(seconds - previous) / 3600:.1f} h after "
                                 "the entry before (or the start); write the entries in order, or give dates")
        out.append(seconds)
        previous = max(previous, seconds)
    return np.asarray(out, dtype=np.float64)


def correlate(diary, beats, trend, events, excluded, fs, duration_s, window_s):
    """One dict per read_diary entry: its time as written, at_s, note, and within window_s of at_s the heart rate
    (min / mean / max bpm), V and S beats, the event types, the excluded seconds, and a finding in words.
    `beats` an events.Beats, `trend` its heart_rate_series, `events` the report's events table, `excluded` the
    recording's quality.Excluded stretches (samples at `fs` Hz)."""
    out = []
    for time, note, at in diary[["time", "note", "at_s"]].itertuples(index=False):
        lo, hi = max(at - window_s, 0.0), min(at + window_s, duration_s)
        entry = {"time": time, "at_s": round(float(at), 1), "note": note}
        if at < 0 or at > duration_s:
            out.append({**entry, "finding": "outside the recording"})
            continue
        near = events[(events["start_s"] <= hi) & (events["end_s"] >= lo)]
        inside = (beats.times >= lo) & (beats.times < hi)
        blind = [e for e in excluded if e.start / fs < hi and e.stop / fs > lo]
        blind_s = excluded_seconds(blind, fs, lo, hi)
        hr_min, hr_mean, hr_max = rates_between(beats, trend, lo, hi)
        kinds = list(dict.fromkeys(near["type"]))  # in time order, each once
        counts = {c: int((beats.classes[inside] == c).sum()) for c in ("V", "S")}
        reasons = ", ".join(dict.fromkeys(e.reason for e in blind))
        if blind_s >= hi - lo - 1e-6:
            finding = f"not analyzable ({reasons})"
        else:
            finding = ", ".join(kinds) if kinds else \
                "isolated ectopic beats only" if counts["V"] or counts["S"] else "no arrhythmia found"
            finding += f"; {blind_s:.0f} s of the {hi - lo:.0f} excluded ({reasons})" if blind else ""
        out.append({**entry, "hr_min_bpm": hr_min, "hr_mean_bpm": hr_mean, "hr_max_bpm": hr_max, **counts,
                    "events": kinds, "excluded_s": round(blind_s, 1), "finding": finding})
    return out


def with_rhythm_finding(entries):
    """How many entries fall on an event (their finding names one), of those read."""
    read = [e for e in entries if "events" in e and not e["finding"].startswith("not analyzable")]
    return sum(bool(e["events"]) for e in read), len(read)
