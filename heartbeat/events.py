"""Rhythm events from classified beats: ectopic runs, couplets, bigeminy and trigeminy, pauses, atrial
fibrillation, sustained bradycardia and tachycardia; heart rate and heart-rate variability. Pure functions of
beat times, classes and segments, so that the same code reads a pipeline's beats and a database's reference
annotations.

An R-R interval counts only between two beats of the same analyzable segment: one that spans a gap or
lead-off is not a pause, not a heart rate and not in HRV.
"""
import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from .detect import REFRACTORY_S

EVENT_COLUMNS = ("type", "start_s", "end_s", "beats", "rate_bpm")
# Atrial fibrillation from the ventricular response: irregularly irregular N-N intervals. Intervals next to an
# ectopic beat are left out (a premature beat and its pause make a sinus rhythm irregular: bigeminy, couplets),
# and medians make a lone missed one harmless. Chosen on the reference annotations of MIT-BIH's DS1 records
# only (docs/holter-report.md, "Atrial fibrillation"); DS2 is its test.
AF_IRREGULARITY = 0.1  # median |successive N-N difference| / median N-N above this ...
AF_INTERVALS = 30      # ... over this many N-N intervals around each
AF_JOIN_S = 30.0       # two stretches of it less than this apart are one episode (the ESC's shortest episode; the
                       # pipeline marks episodes with it, whatever a report's af_min_s)


@dataclass(frozen=True)
class Rules:
    """The clinical definitions, stated in every report; clinics differ on some, so each can be set."""
    run_min_beats: int = 3          # a run: at least this many ectopic beats in a row (2 is a couplet)
    fast_run_bpm: float = 100.0     # a run faster than this is VT (V) or SVT (S) ...
    sustained_s: float = 30.0       # ... sustained from this long (shorter: non-sustained, NSVT), as usual
    pattern_min_cycles: int = 3     # bigeminy / trigeminy: at least this many ectopic beats in the pattern
    pause_s: float = 2.0            # a pause: an R-R interval at least this long
    hr_average_beats: int = 8       # heart rate min / max: over this many consecutive intervals
    sdann_window_s: float = 300.0   # SDANN: standard deviation of the mean N-N over windows this long
    sdann_min_intervals: int = 10   # ... that hold at least this many N-N intervals
    nn_filter_pct: float = 20.0     # HRV leaves out N-N intervals this many % off the one before (0: none)
    af_min_s: float = 30.0          # an atrial fibrillation episode lasts at least this long (the pipeline marks 30 s)
    brady_bpm: float = 50.0         # bradycardia: the averaged heart rate below this (ACC/AHA/HRS 2018: 50) ...
    tachy_bpm: float = 100.0        # tachycardia: ... or above this ...
    rate_min_s: float = 30.0        # ... for at least this long
    diary_window_s: float = 60.0    # a diary entry is read against what lies this close to its time (diaries are
                                    # written to the minute, and after the symptom)

    def __post_init__(self):
        """One check for report.py's options and the app's inputs: ValueError naming the first bad one."""
        least = {"run_min_beats": 3, "pattern_min_cycles": 2, "hr_average_beats": 1, "sdann_min_intervals": 1,
                 "af_min_s": 30, "nn_filter_pct": 0}
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < least.get(f.name, 0) or (f.name not in least and value <= 0):
                bound = f">= {least[f.name]}" if f.name in least else "> 0"
                raise ValueError(f"{f.name.replace('_', '-')} must be a number {bound}, got {value}")
        if self.brady_bpm >= self.tachy_bpm:
            raise ValueError(f"brady-bpm ({self.brady_bpm:g}) must be below --tachy-bpm ({self.tachy_bpm:g})")


@dataclass
class Beats:
    """One recording's beats in time order: times (n,) s, classes (n,) str, segment (n,) int, and af (n,) bool
    where the pipeline marked atrial fibrillation (class_rules.no_s_in_af; None: found here, by af_stretches)."""
    times: np.ndarray
    classes: np.ndarray
    segment: np.ndarray
    af: np.ndarray = None

    @classmethod
    def from_table(cls, table):
        segment = table["segment"].to_numpy() if "segment" in table else np.zeros(len(table), dtype=np.int64)
        af = table["af"].to_numpy(bool) if "af" in table else None
        return cls(table["time_s"].to_numpy(np.float64), table["class"].to_numpy().astype(str), segment, af)

    def intervals(self):
        """(rr (n - 1,) s, valid (n - 1,) bool): interval k runs from beat k to beat k + 1."""
        return np.diff(self.times), np.diff(self.segment) == 0


def runs_of(hit, segment):
    """(first, last) indices of the maximal runs of True in hit (n,) bool whose members share one segment."""
    at = np.flatnonzero(hit)
    if len(at) == 0:
        return []
    breaks = np.flatnonzero((np.diff(at) != 1) | (np.diff(segment[at]) != 0))
    return list(zip(np.r_[at[0], at[breaks + 1]].tolist(), np.r_[at[breaks], at[-1]].tolist()))


def same_class_runs(beats, cls):
    """(first, last) beat indices of the maximal runs of class `cls` within one segment."""
    return runs_of(beats.classes == cls, beats.segment)


def _rate(beats, first, last):
    """The mean rate (bpm) from beat `first` to beat `last`, over their R-R intervals within a segment: an episode
    joined across excluded time does not count that time as one long interval."""
    rr, valid = beats.intervals()
    rr, valid = rr[first:last], valid[first:last]
    return 60.0 * valid.sum() / rr[valid].sum() if valid.any() else float("nan")


def ectopic_events(beats, cls, rules):
    """(summary dict, list of event rows) of class `cls` ("V" or "S")."""
    rows = []
    run_list = same_class_runs(beats, cls)
    lengths = np.array([b - a + 1 for a, b in run_list], dtype=np.int64)
    for a, b in run_list:
        n = b - a + 1
        if n >= 2:
            kind = "couplet" if n == 2 else "salvo" if n < rules.run_min_beats else "run"
            rows.append((f"{cls} {kind}", beats.times[a], beats.times[b], n, _rate(beats, a, b)))
    runs = [r for r in rows if r[0] == f"{cls} run"]
    singles = [a for (a, b), n in zip(run_list, lengths) if n == 1]
    for every, name in ((1, "bigeminy"), (2, "trigeminy")):
        rows += [(f"{cls} {name}", beats.times[a], beats.times[b], b - a + 1, _rate(beats, a, b))
                 for a, b in _patterns(beats, singles, every, rules.pattern_min_cycles)]
    summary = {
        "isolated": int((lengths == 1).sum()),
        "couplets": int((lengths == 2).sum()),
        "salvos": int(((lengths > 2) & (lengths < rules.run_min_beats)).sum()),  # none unless runs start above 3
        "runs": len(runs),
        "fast_runs": sum(r[4] > rules.fast_run_bpm for r in runs),
        "slow_runs": sum(not r[4] > rules.fast_run_bpm for r in runs),  # a V one: an idioventricular rhythm
        "sustained_runs": sum(r[4] > rules.fast_run_bpm and r[2] - r[1] >= rules.sustained_s for r in runs),
        "longest_run_beats": int(max((r[3] for r in runs), default=0)),
        "fastest_run_bpm": round(max((r[4] for r in runs), default=0.0), 1) or None,
        "bigeminy_episodes": sum(r[0] == f"{cls} bigeminy" for r in rows),
        "trigeminy_episodes": sum(r[0] == f"{cls} trigeminy" for r in rows),
        "burden_pct": round(100.0 * (beats.classes == cls).sum() / max(len(beats.classes), 1), 3),
    }
    return summary, rows


def _patterns(beats, singles, every, min_cycles):
    """(first, last) beat indices of episodes where isolated ectopic beats (`singles`) come after exactly
    `every` normal beats, at least min_cycles times in a row (bigeminy: every=1, trigeminy: every=2)."""
    out, chain = [], singles[:1]
    for prev, cur in zip(singles, singles[1:] + [None]):
        linked = (cur is not None and cur - prev == every + 1 and beats.segment[cur] == beats.segment[prev]
                  and (beats.classes[prev + 1:cur] == "N").all())
        if linked:
            chain.append(cur)
            continue
        if len(chain) >= min_cycles:
            out.append((chain[0], chain[-1]))
        chain = [cur] if cur is not None else []
    return out


def pause_events(beats, rules):
    rr, valid = beats.intervals()
    long = np.flatnonzero(valid & (rr >= rules.pause_s))
    return [("pause", beats.times[k], beats.times[k + 1], 2, np.nan) for k in long]  # no rate: one interval


def heart_rate_series(beats, rules):
    """DataFrame (time_s, bpm, beat, first): the rate over each hr_average_beats consecutive intervals of one
    segment, at the time (and index) of the beat that ends them; first: the index of the beat that starts them.
    A window holding an interval shorter than the detector's refractory period is none: two beats that close
    are a detection error (a wave or noise read as a beat; the reference annotations of MIT-BIH hold no interval
    under 0.25 s), and one such interval turns a burst of noise into the day's fastest heart rate."""
    rr, valid = beats.intervals()
    frame = pd.DataFrame({"time_s": beats.times[1:], "rr": rr, "segment": beats.segment[1:],
                          "beat": np.arange(1, len(beats.times))})[valid]
    window = frame.groupby("segment")["rr"]
    mean_rr = window.transform(lambda s: s.rolling(rules.hr_average_beats).mean())
    shortest = window.transform(lambda s: s.rolling(rules.hr_average_beats).min())
    mean_rr = mean_rr.where(shortest > REFRACTORY_S - 1e-6)  # 1 us: samples / fs in floating point
    return pd.DataFrame({"time_s": frame["time_s"], "bpm": 60.0 / mean_rr, "beat": frame["beat"],
                         "first": frame["beat"] - rules.hr_average_beats}).dropna().reset_index(drop=True)


def rate_events(beats, series, rules):
    """Event rows of sustained bradycardia and tachycardia: the union of the averaging windows (of
    heart_rate_series) whose rate is below rules.brady_bpm / above rules.tachy_bpm, as stretches of beats at least
    rules.rate_min_s long. Windows overlap (each spans hr_average_beats intervals), so two runs of such windows a
    few beats apart are one stretch; a window never crosses a segment, but two stretches less than rules.rate_min_s
    apart are one episode."""
    rows, starts, ends = [], series["first"].to_numpy(), series["beat"].to_numpy()
    for name, hit in (("bradycardia", series["bpm"].to_numpy() < rules.brady_bpm),
                      ("tachycardia", series["bpm"].to_numpy() > rules.tachy_bpm)):
        spans = []  # (first, last) beats
        for a, b in runs_of(hit, beats.segment[ends]):
            first, last = starts[a], ends[b]
            if spans and first <= spans[-1][1]:  # overlaps the previous stretch: one stretch
                spans[-1] = (spans[-1][0], last)
            else:
                spans.append((first, last))
        spans = [(a, b) for a, b in spans if beats.times[b] - beats.times[a] >= rules.rate_min_s]
        # as for AF: an interruption shorter than the shortest episode counted does not end one (MIT-BIH 213 read
        # its tachycardia over 99.9% of the record as 2 episodes)
        rows += [(name, beats.times[a], beats.times[b], b - a + 1, _rate(beats, a, b))
                 for a, b in _joined(spans, beats.times, rules.rate_min_s)]
    return rows


def heart_rate(beats, series):
    """min / max of the averaged rate `series` (heart_rate_series), mean from the mean R-R interval; None
    where there are too few intervals."""
    rr, valid = beats.intervals()
    out = {"min_bpm": None, "min_at_s": None, "mean_bpm": round(60.0 / rr[valid].mean(), 1) if valid.any() else None,
           "max_bpm": None, "max_at_s": None}
    if len(series):
        lo, hi = series["bpm"].idxmin(), series["bpm"].idxmax()
        out.update(min_bpm=round(series["bpm"][lo], 1), min_at_s=round(series["time_s"][lo], 2),
                   max_bpm=round(series["bpm"][hi], 1), max_at_s=round(series["time_s"][hi], 2))
    return out


def rates_between(beats, series, lo, hi):
    """(min, mean, max) heart rate in bpm over [lo, hi) s, rounded to 0.1, None where nothing falls there: min and
    max of the averaged rate `series` (heart_rate_series) at its times there, the mean from the R-R intervals
    that end there."""
    rr, valid = beats.intervals()
    ends = valid & (beats.times[1:] >= lo) & (beats.times[1:] < hi)
    trend = series["bpm"][(series["time_s"] >= lo) & (series["time_s"] < hi)]
    return (round(trend.min(), 1) if len(trend) else None, round(60.0 / rr[ends].mean(), 1) if ends.any() else None,
            round(trend.max(), 1) if len(trend) else None)


def nn_index(beats):
    """(m,) the N-N intervals, as the index k of their first beat: beats k and k + 1 both N, in one segment."""
    _, valid = beats.intervals()
    normal = beats.classes == "N"
    return np.flatnonzero(valid & normal[:-1] & normal[1:])


def nn_intervals(beats):
    """(end times (m,) s, N-N intervals (m,) s, adjacent (m - 1,) bool: interval j + 1 directly follows j)."""
    nn = nn_index(beats)
    return beats.times[nn + 1], np.diff(beats.times)[nn], np.diff(nn) == 1


def irregular_nn(beats):
    """(k (m,), irregular (m,) bool) of the N-N intervals (nn_index): whether the AF_INTERVALS N-N intervals
    around each, in its segment, are irregular."""
    k = nn_index(beats)
    if len(k) == 0:
        return k, np.zeros(0, dtype=bool)
    seg = beats.segment[k]
    nn = pd.Series(np.diff(beats.times)[k])
    steps = nn.groupby(seg).diff().abs().where(np.r_[False, np.diff(k) == 1])  # between adjacent intervals only
    half = AF_INTERVALS // 2

    def rolling_median(x):  # per segment, centred; NaN where fewer than `half` values
        return x.groupby(seg).rolling(2 * half, center=True, min_periods=half).median().droplevel(0).sort_index()

    ratio = (rolling_median(steps) / rolling_median(nn)).to_numpy()
    return k, ratio > AF_IRREGULARITY  # NaN compares False


def af_stretches(beats, rules):
    """(first, last) beat indices of the atrial fibrillation episodes, at least rules.af_min_s long: the runs of
    beats.af where the pipeline marked them, else the maximal runs of irregular N-N intervals within a segment
    (ectopic beats between two of them do not end a run; a regular N-N interval does), those of AF_JOIN_S or more.
    Two stretches less than AF_JOIN_S apart are one episode, across segments too: an interruption shorter than the
    shortest episode counted is no evidence of sinus rhythm (MIT-BIH 201 read 3 episodes in its first 378 s of
    annotated AF). Both ways give the same episodes: the pipeline's marks are made by the second."""
    if beats.af is not None:  # pieces of one marked episode, split by excluded time, join again
        spans = runs_of(beats.af, beats.segment)
    else:
        k, irregular = irregular_nn(beats)
        spans = [(k[a], k[b] + 1) for a, b in runs_of(irregular, beats.segment[k])]
        spans = [(a, b) for a, b in spans if beats.times[b] - beats.times[a] >= AF_JOIN_S]
    return [(a, b) for a, b in _joined(spans, beats.times, AF_JOIN_S)
            if beats.times[b] - beats.times[a] >= rules.af_min_s]


def _joined(spans, times, gap_s):
    """(first, last) spans in time order, those less than gap_s apart (times: seconds) joined."""
    out = []
    for a, b in spans:
        if out and times[a] - times[out[-1][1]] < gap_s:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def af_events(beats, rules):
    """Event rows of the atrial fibrillation episodes (af_stretches)."""
    return [("AF", beats.times[a], beats.times[b], b - a + 1, _rate(beats, a, b))
            for a, b in af_stretches(beats, rules)]


def all_events(beats, rules, series=None):
    """(ventricular summary, supraventricular summary, events DataFrame of EVENT_COLUMNS in time order);
    `series`: heart_rate_series(beats, rules), if already computed."""
    v, v_rows = ectopic_events(beats, "V", rules)
    s, s_rows = ectopic_events(beats, "S", rules)
    series = heart_rate_series(beats, rules) if series is None else series
    events = pd.DataFrame(v_rows + s_rows + pause_events(beats, rules) + af_events(beats, rules)
                          + rate_events(beats, series, rules), columns=list(EVENT_COLUMNS))
    events = events.sort_values(["start_s", "type"], kind="stable").reset_index(drop=True)
    return v, s, events
