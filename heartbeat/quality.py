"""Where a recording cannot be analysed: gaps, lead-off (a flat line), saturation; the rest is split into
the analyzable segments the pipeline reads one by one.

Real Holter and patch recordings have stretches with no ECG in them. Refusing the whole recording for
one of them loses a day of data; reading through them invents beats, pauses and R-R intervals. So each
stretch is marked with its reason, no beat is cut across it, and an R-R interval that spans it is no
interval (report.py does not count it as a pause or in HRV).
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

GAP_MIN_S = 0.05        # a run of missing samples longer than this is a gap; shorter ones are interpolated
FLAT_BLOCK_S = 0.5      # the signal is checked for a flat line in blocks this long ...
FLAT_MIN_S = 1.0        # ... and a flat stretch must last this long
FLAT_FRACTION = 0.01    # flat: a block's peak-to-peak under this fraction of the recording's typical 2-s one
SATURATION_MIN_S = 0.15  # this long at exactly the recording's extreme value: the amplifier clipped
MARGIN_S = 0.5          # around a flat or clipped stretch, the signal is not trusted either
MIN_SEGMENT_S = 5.0     # an analyzable piece shorter than this holds too few beats to detect reliably


@dataclass(frozen=True)
class Excluded:
    start: int   # first sample (input rate)
    stop: int    # one past the last
    reason: str  # gap, lead-off, saturation, short

    def as_dict(self, fs):
        return {"start_s": round(self.start / fs, 3), "end_s": round(self.stop / fs, 3), "reason": self.reason}


def runs(mask):
    """(starts, stops) of the runs of True in a boolean array."""
    edges = np.diff(np.r_[0, np.asarray(mask, dtype=np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _long_runs(mask, min_len):
    starts, stops = runs(mask)
    keep = stops - starts >= min_len
    return list(zip(starts[keep], stops[keep]))


def gaps(sig, fs):
    """(start, stop) of the runs of NaN samples longer than GAP_MIN_S."""
    return _long_runs(np.isnan(sig), GAP_MIN_S * fs + 1e-9)


def flat_stretches(sig, fs):
    """(start, stop) of stretches of at least FLAT_MIN_S whose FLAT_BLOCK_S blocks barely move: lead-off."""
    block = max(1, int(round(FLAT_BLOCK_S * fs)))
    n = len(sig) // block
    if n < 2:
        return []
    blocks = sig[:n * block].reshape(n, block)
    ptp = np.full(n, np.nan)  # a block of a gap has none: it is a gap, not lead-off
    some = ~np.isnan(blocks).all(axis=1)
    ptp[some] = np.nanmax(blocks[some], axis=1) - np.nanmin(blocks[some], axis=1)
    window = max(1, int(round(2.0 / FLAT_BLOCK_S)))  # the typical 2-s peak-to-peak holds a QRS
    typical = pd.Series(ptp).groupby(np.arange(n) // window).max().median()
    flat = ptp <= FLAT_FRACTION * typical
    return [(a * block, b * block) for a, b in _long_runs(flat, FLAT_MIN_S / FLAT_BLOCK_S - 1e-9)]


def saturated_stretches(sig, fs):
    """(start, stop) of runs of at least SATURATION_MIN_S at exactly the signal's maximum or minimum."""
    out = []
    for extreme in (np.nanmax(sig), np.nanmin(sig)):
        out += _long_runs(sig == extreme, SATURATION_MIN_S * fs)
    return out


def excluded_stretches(sig, fs):
    """Sorted, merged Excluded stretches of a signal (n,) at fs Hz; pieces between them shorter than
    MIN_SEGMENT_S are excluded too ("short")."""
    margin = int(round(MARGIN_S * fs))
    marks = [(a, b, "gap") for a, b in gaps(sig, fs)]
    marks += [(a - margin, b + margin, "lead-off") for a, b in flat_stretches(sig, fs)]
    marks += [(a - margin, b + margin, "saturation") for a, b in saturated_stretches(sig, fs)]
    merged = []
    for a, b, reason in sorted((max(0, a), min(len(sig), b), r) for a, b, r in marks):
        if merged and a <= merged[-1][1]:
            prev = merged[-1]
            # the longer cause names an overlap of two
            keep = prev[2] if prev[1] - prev[0] >= b - a else reason
            merged[-1] = (prev[0], max(prev[1], b), keep)
        else:
            merged.append((a, b, reason))
    out, at = [], 0
    for a, b, reason in merged + [(len(sig), len(sig), None)]:
        if 0 < a - at < MIN_SEGMENT_S * fs:
            out.append(Excluded(at, a, "short"))
        if reason is not None:
            out.append(Excluded(a, b, reason))
        at = b
    return out


def analyzable_segments(n, excluded):
    """(start, stop) of the pieces of a signal of n samples between the Excluded stretches."""
    out, at = [], 0
    for e in sorted(excluded, key=lambda e: e.start):
        if e.start > at:
            out.append((at, e.start))
        at = max(at, e.stop)
    if at < n:
        out.append((at, n))
    return out
