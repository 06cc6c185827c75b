"""Findings under noise: the noise ratio (quality.noise_ratio, kept for every 10-s window the noise rule reads) under
each event, pause and heart-rate extreme of a report, and the stretches analysed under noise. From NOISE_FLAG a finding
is marked for its strip to be checked; nothing is removed (windows from NOISE_RATIO are excluded as noise instead)."""
import numpy as np

from . import quality
from .quality import NOISE_FLAG, NOISE_RATIO


def noise_under(windows, starts, stops):
    """(n,) the median noise ratio of the judged (start, stop, ratio) `windows` (in time order, not overlapping) that
    overlap each [starts[i], stops[i]] (any unit, the same for both): the window's own for a finding within one, and
    for an episode of minutes what most of it lies in, not its noisiest moment. NaN where no window was judged.
    Found by bisection: a week holds some 60,000 windows and as many events."""
    lo, hi, ratio = (np.array([w[i] for w in windows], dtype=np.float64) for i in range(3))
    first = np.searchsorted(hi, np.asarray(starts, dtype=np.float64), side="right")  # the first window ending after
    last = np.searchsorted(lo, np.asarray(stops, dtype=np.float64), side="right")    # past the last starting by
    return np.array([np.nanmedian(ratio[a:b]) if b > a and not np.isnan(ratio[a:b]).all() else np.nan
                     for a, b in zip(first, last)])


def under_noise(ratio):
    """Whether a finding's noise ratio (a number, NaN or None) reaches NOISE_FLAG: check its strip."""
    return ratio is not None and ratio >= NOISE_FLAG


def noisy_counts(events, cls):
    """{"noisy_couplets", "noisy_runs"}: how many of a class's couplets and runs lie under noise (events' noise
    column, under_noise): for a reader to check their strips first."""
    noisy = events["noise"].map(under_noise)
    return {f"noisy_{key}": int((noisy & (events["type"] == f"{cls} {kind}")).sum())
            for key, kind in (("couplets", "couplet"), ("runs", "run"))}


def noisy_stretches(rec):
    """report.json's under_noise: the stretches analysed but under noise (under_noise: their findings are
    to be checked; from NOISE_RATIO they are excluded instead), windows joined where they touch, outside excluded
    time."""
    marks = quality.union((a, b, "") for a, b, r in rec.noise_windows if under_noise(r) and r < NOISE_RATIO)
    holes = [(e.start, e.stop) for e in rec.excluded]
    return [{"start_s": round(x / rec.fs, 3), "end_s": round(y / rec.fs, 3)}
            for a, b, _ in marks for x, y in quality.outside(a, b, holes)]


def seconds_under_noise(summary):
    """Seconds of report.json's under_noise stretches (`summary`: a report's summary)."""
    return sum(u["end_s"] - u["start_s"] for u in summary["under_noise"])


def heart_rate_noise(rate, trend, beats, rec):
    """heart_rate's dict (of `trend`, heart_rate_series) with min_noise and max_noise: the noise ratio under the
    intervals the slowest and the fastest window average, from its first beat to its last (None without one)."""
    rate.update(min_noise=None, max_noise=None)
    if len(trend):
        rows = trend.loc[[trend["bpm"].idxmin(), trend["bpm"].idxmax()]]  # the windows heart_rate picks
        ratios = noise_under(rec.noise_windows, beats.times[rows["first"].to_numpy(dtype=np.int64)] * rec.fs,
                             rows["time_s"].to_numpy() * rec.fs)
        rate.update({f"{key}_noise": round(float(r), 2) if r == r else None for key, r in zip(("min", "max"), ratios)})
    return rate
