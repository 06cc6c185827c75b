"""Where a recording cannot be analysed: gaps, lead-off (a flat line), saturation; the rest is split into
the analyzable segments the pipeline reads one by one.

Real Holter and patch recordings have stretches with no ECG in them. Refusing the whole recording for
one of them loses a day of data; reading through them invents beats, pauses and R-R intervals. So each
stretch is marked with its reason, no beat is cut across it, and an R-R interval that spans it is no
interval (report.py does not count it as a pause or in HRV).
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

GAP_MIN_S = 0.05        # a run of missing samples longer than this is a gap; shorter ones are interpolated
FLAT_BLOCK_S = 0.5      # the signal is checked for a flat line in blocks this long ...
FLAT_MIN_S = 1.0        # ... and a flat stretch must last this long
FLAT_FRACTION = 0.01    # flat: a block's peak-to-peak under this fraction of the recording's typical 2-s one
SATURATION_MIN_S = 0.15  # this long at exactly the recording's extreme value: the amplifier clipped
MARGIN_S = 0.5          # around a flat or clipped stretch, the signal is not trusted either
RECOVERY_S = 3.2        # after a clip, an AC-coupled amplifier settles back: two time constants of the 0.1 Hz
                        # high-pass of Holter front ends (and of MIT-BIH's playback), in which QRS complexes
                        # shrink to a few percent and are missed (MIT-BIH 116 at 1,392 s: a false 3-s pause)
NO_SIGNAL = ("gap", "lead-off", "saturation")  # excluded for want of a signal, not for what it shows
MIN_SEGMENT_S = 5.0     # an analyzable piece shorter than this holds too few beats to detect reliably
CHUNK_S = 600.0         # the signal is read this much at a time: memory stays bounded on a week-long recording
NOISE_WINDOW_S = 10.0   # signal quality is judged in windows this long ...
NOISE_RATIO = 0.7       # ... noisy when the QRS-band energy between beats reaches this fraction of the beats'
NOISE_FLAG = 0.3        # a finding under windows from this ratio is marked for checking (noise_flag.py; set where,
                        # before it was built, 13 of MIT-BIH's 21 false V runs and 9 of its 44 true ones lay: a
                        # reading aid, docs/holter-report.md)
QRS_HALF_S = 0.12       # "between beats": further than this from every detected beat
LONG_RR_S = 1.5         # an R-R interval this long is checked for an artifact that hid its beats:
ARTIFACT_RATIO = 0.9    # one whose signal (0.2 s after its first beat to 0.1 s before the next) spans more
                        # than this many times the segment's median QRS peak-to-peak is no pause


@dataclass(frozen=True)
class Excluded:
    start: int   # first sample (input rate)
    stop: int    # one past the last
    reason: str  # gap, lead-off, saturation, short, no beats, noise, artifact, second lead beats (witness.py)

    def as_dict(self, fs):
        return {"start_s": round(self.start / fs, 3), "end_s": round(self.stop / fs, 3), "reason": self.reason}


def excluded_seconds(excluded, fs, lo=0.0, hi=np.inf):
    """Seconds of the Excluded stretches that fall within [lo, hi) s."""
    return float(sum(max(0.0, min(e.stop / fs, hi) - max(e.start / fs, lo)) for e in excluded))


def runs(mask):
    """(starts, stops) of the runs of True in a boolean array."""
    edges = np.diff(np.r_[0, np.asarray(mask, dtype=np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _long_runs(mask, min_len):
    starts, stops = runs(mask)
    keep = stops - starts >= min_len
    return list(zip(starts[keep], stops[keep]))


def chunks(n, size, overlap=0, align=1):
    """(read start, read stop, core start, core stop) covering n samples in cores of about `size`
    (multiples of `align`), each read `overlap` samples wider on both sides where the signal allows."""
    size = max(align, size // align * align)
    for a in range(0, n, size):
        b = min(n, a + size)
        yield max(0, a - overlap), min(n, b + overlap), a, b


class Scan(NamedTuple):
    excluded: list  # sorted Excluded stretches, without overlaps
    low: float      # the signal's smallest and largest value (inf, -inf when every sample is missing)
    high: float


def scan(signal, fs):
    """Scan of a signal (anything that slices to float arrays: an array, a memmap, a lazily read record),
    read CHUNK_S at a time: its Excluded stretches (gaps, lead-off, saturation; pieces between them shorter
    than MIN_SEGMENT_S: "short") and range. Raises ValueError("inf", sample) on an infinite value."""
    n, block = len(signal), max(1, int(round(FLAT_BLOCK_S * fs)))
    overlap = int(np.ceil(max(GAP_MIN_S, SATURATION_MIN_S) * fs)) + 1  # a run across a border is seen whole
    lo, hi, ptp, nan_runs, extreme_runs = np.inf, -np.inf, [], [], []
    for read_a, read_b, a, b in chunks(n, int(CHUNK_S * fs), overlap, align=block):
        sig = np.asarray(signal[read_a:read_b], dtype=np.float64)
        if np.isinf(sig).any():
            raise ValueError("inf", read_a + int(np.flatnonzero(np.isinf(sig))[0]))
        core = sig[a - read_a:b - read_a]
        blocks = core[:len(core) // block * block].reshape(-1, block)
        some = ~np.isnan(blocks).all(axis=1)  # a block of a gap has no peak-to-peak: it is a gap, not lead-off
        ptp.append(np.full(len(blocks), np.nan))
        ptp[-1][some] = np.nanmax(blocks[some], axis=1) - np.nanmin(blocks[some], axis=1)
        if np.isnan(sig).all():
            nan_runs.append((read_a, read_b))
            continue
        if not np.isnan(core).all():
            lo, hi = min(lo, np.nanmin(core)), max(hi, np.nanmax(core))
        nan_runs += [(read_a + x, read_a + y) for x, y in _long_runs(np.isnan(sig), GAP_MIN_S * fs + 1e-9)]
        for value in (np.nanmax(sig), np.nanmin(sig)):
            extreme_runs += [(read_a + x, read_a + y, value) for x, y in _long_runs(sig == value, SATURATION_MIN_S * fs)]
    margin = int(round(MARGIN_S * fs))
    marks = [(a, b, "gap") for a, b in nan_runs]
    marks += [(a * block - margin, b * block + margin, "lead-off") for a, b in flat_blocks(np.concatenate(ptp))]
    recovery = int(round(RECOVERY_S * fs))
    marks += [(a - margin, b + recovery, "saturation") for a, b, v in extreme_runs if v in (lo, hi)]
    return Scan(merged(marks, n, fs), lo, hi)


def flat_blocks(ptp):
    """(first, stop) block indices of at least FLAT_MIN_S of blocks whose peak-to-peak is under
    FLAT_FRACTION of the recording's typical 2-s one (which holds a QRS): lead-off."""
    window = max(1, int(round(2.0 / FLAT_BLOCK_S)))
    typical = pd.Series(ptp).groupby(np.arange(len(ptp)) // window).max().median()
    return _long_runs(ptp <= FLAT_FRACTION * typical, FLAT_MIN_S / FLAT_BLOCK_S - 1e-9)


def union(marks):
    """(start, stop, reason) marks -> sorted, without overlaps; the longer cause names an overlap of two."""
    out = []
    for a, b, reason in sorted(marks):
        if out and a <= out[-1][1]:
            prev = out[-1]
            keep = prev[2] if prev[1] - prev[0] >= b - a else reason
            out[-1] = (prev[0], max(prev[1], b), keep)
        else:
            out.append((a, b, reason))
    return out


def merged(marks, n, fs):
    """(start, stop, reason) marks -> sorted Excluded without overlaps, the pieces between them shorter
    than MIN_SEGMENT_S excluded as "short" (at the recording's ends too)."""
    result, at = [], 0
    for a, b, reason in union((max(0, a), min(n, b), r) for a, b, r in marks) + [(n, n, None)]:
        if 0 < a - at < MIN_SEGMENT_S * fs:
            result.append(Excluded(at, a, "short"))
        if reason is not None:
            result.append(Excluded(a, b, reason))
        at = b
    return result


def noise_ratio(energy, peaks, fs):
    """Signal quality of one window: the 95th percentile of its QRS-band energy (n,) at fs Hz away from the
    detected beats `peaks` (window samples) over the median energy at them. Clean ECG stays under about
    0.2 (T and P waves); noise that looks like QRS complexes to the detector (electrode motion above all)
    lifts it towards 1. NaN for a window with fewer than two beats: a long pause is no noise."""
    if len(peaks) < 2:
        return float("nan")
    away = np.ones(len(energy), dtype=bool)
    half = int(round(QRS_HALF_S * fs))
    for p in peaks:
        away[max(p - half, 0):p + half] = False
    if not away.any():
        return float("nan")
    return float(np.percentile(energy[away], 95) / max(np.median(energy[peaks]), 1e-12))


def window_noise(energy, peaks, first, lo, hi, fs):
    """(start, stop, noise_ratio) of the NOISE_WINDOW_S windows, on the grid of the segment's samples, that start in
    [lo, hi). energy and peaks are of a read that starts at segment sample `first` and covers such windows whole
    (the detection windows overlap by more). A window from NOISE_RATIO on is noisy: excluded."""
    step, end, out = int(NOISE_WINDOW_S * fs), first + len(energy), []
    for w in range(-(-lo // step) * step, int(min(hi, end)), step):
        if min(w + step, end) - w < step // 2:
            continue  # the segment's last few seconds: too short to judge
        inside = peaks[(peaks >= w - first) & (peaks < w + step - first)] - (w - first)
        out.append((w, min(w + step, end), noise_ratio(energy[w - first:w + step - first], inside, fs)))
    return out


def qrs_amplitudes(sig, peaks, fs):
    """Peak-to-peak amplitude within 50 ms of each peak (n,)."""
    half = int(round(0.05 * fs))
    return np.array([np.ptp(sig[max(p - half, 0):p + half]) for p in peaks])


def long_intervals(sig, peaks, core, fs):
    """(beat, next beat, peak-to-peak between them) of the intervals of at least LONG_RR_S that start at
    a beat of `core` (a mask over peaks): a real pause shows little more than P and T waves between its
    beats; an artifact that hid the beats (an amplifier blocked after a jump of the baseline: MIT-BIH 208
    near 1,384 s, 116 near 1,354 s) spans more than a QRS."""
    out = []
    for k in np.flatnonzero(core[:-1] & (np.diff(peaks) >= LONG_RR_S * fs)):
        a, b = peaks[k] + int(0.2 * fs), peaks[k + 1] - int(0.1 * fs)
        out.append((peaks[k], peaks[k + 1], float(np.ptp(sig[a:b])) if b > a else 0.0))
    return out


def analyzable_segments(n, excluded):
    """(start, stop) of the pieces of a signal of n samples between the Excluded stretches."""
    return outside(0, n, [(e.start, e.stop) for e in excluded])


def outside(start, stop, holes):
    """(start, stop) of the pieces of [start, stop) outside the (start, stop) holes (in any order, overlapping or
    not)."""
    out, at = [], start
    for a, b in sorted(holes):
        if a > at:
            out.append((at, min(a, stop)))
        at = max(at, b)
        if at >= stop:
            break
    if at < stop:
        out.append((at, stop))
    return out


def join_flutter(flutter, excluded, beat_samples, fs):
    """(flutter episodes, excluded stretches) of a whole recording, with (1) two episodes less than
    NOISE_WINDOW_S apart and no analyzable beat between them one episode, and (2) the noise stretches without
    the episodes' time. Flutter waves fill the QRS band between "beats" as noise does, so the noise rule excludes
    windows inside ventricular flutter, and the detector finds the episode in pieces around them (MIT-BIH 207:
    10 pieces of its 6 annotated episodes): a clinician must read that time as VF/flutter, never as noise. Pieces
    with a gap, lead-off or saturation between them stay apart.
    flutter: (start, stop) input samples; excluded: Excluded; beat_samples: sorted samples of the beats read."""
    off = [(e.start, e.stop) for e in excluded if e.reason in NO_SIGNAL]  # nothing to say the rhythm went on
    joined = []
    for a, b in sorted(flutter):
        last = joined[-1][1] if joined else None
        if last is not None and a - last < NOISE_WINDOW_S * fs \
                and np.searchsorted(beat_samples, a) == np.searchsorted(beat_samples, last) \
                and not any(x < a and y > last for x, y in off):
            joined[-1] = (joined[-1][0], max(b, last))
        else:
            joined.append((a, b))
    kept = [e for e in excluded if e.reason != "noise"]
    kept += [Excluded(a, b, "noise") for e in excluded if e.reason == "noise"
             for a, b in outside(e.start, e.stop, joined)]
    return joined, sorted(kept, key=lambda e: e.start)
