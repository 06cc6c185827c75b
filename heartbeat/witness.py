"""A long interval on the lead read is no pause when the second lead shows the heart beating through it.

An amplifier that blocks after a jump of the baseline (SVDB 853 at 1,250 s: 13 beats hidden for 11.7 s)
looks on its own lead like a quiet pause: neither its span, its steepest change nor its QRS-band energy
tells it from a real one (docs/holter-report.md). The other lead of a Holter recording keeps beating
through it. A real pause has no beats on any lead; what another lead shows inside one (a P wave, noise)
seldom falls at the rhythm before it, but one such detection can (MIT-BIH 232: five intervals of 1.6-1.8 s).
"""
import numpy as np

from . import quality
from .windows import Resampler, detect_segment

REASON = "second lead beats"  # the excluded stretch's reason: the lead read shows no beat, the second lead does
TOLERANCE = 1.5    # every step within 1 / 1.5 and 1.5 times the rhythm before (as the detector's search-back
                   # calls 1.5 x the mean R-R a missed beat: detect.SEARCHBACK_RR; set equal, not tied to it)
CONTEXT_S = 10.0   # the second lead is detected this far on either side of an interval: its thresholds settle
EDGE_S = 0.3       # the second lead's detections this close to either end are the beats that bound the interval
RHYTHM_BEATS = 8   # the rhythm before the interval: the median of this many intervals ...
MIN_BEFORE = 4     # ... of at least this many


def candidates(peaks, covered, fs):
    """Indices k of the intervals peaks[k] -> peaks[k + 1] (one segment's beats, samples at fs Hz) of at least
    quality.LONG_RR_S, with MIN_BEFORE intervals before them, that no (start, stop) of `covered` overlaps."""
    rr = np.diff(peaks)
    return [k for k in np.flatnonzero(rr >= quality.LONG_RR_S * fs)
            if k >= MIN_BEFORE and not any(x < peaks[k + 1] and peaks[k] < y for x, y in covered)]


def witnessed(peaks, second, covered, fs):
    """(beat, next beat) of the candidates() intervals that the second lead's detections `second` (sorted
    samples) cut into steps at the rhythm before them."""
    out, rr, edge = [], np.diff(peaks), int(EDGE_S * fs)
    for k in candidates(peaks, covered, fs):
        a, b = int(peaks[k]), int(peaks[k + 1])
        r = np.median(rr[max(0, k - RHYTHM_BEATS):k])
        steps = np.diff(np.r_[a, second[(second >= a + edge) & (second <= b - edge)], b])
        if len(steps) > 1 and np.all(steps <= TOLERANCE * r) and np.all(steps >= r / TOLERANCE):
            out.append((a, b))
    return out


def artifacts(found, resampler, rec):
    """(beat, next beat) input samples of the intervals of a segment's beats (recording.SegmentBeats of the Recording
    `rec`) that its second lead (`resampler`, a windows.Resampler of the same segment) beats through: artifacts, as
    found.artifacts are. The second lead is detected as the first was, but only around the long intervals (from
    CONTEXT_S before to CONTEXT_S after each, such stretches merged); where it is itself unreadable
    (rec.second_excluded) or noisy it witnesses nothing."""
    fs, start, stop = resampler.fs, resampler.start, resampler.stop
    peaks = resampler.to_input(found.peaks)  # as recording.beats_of places them: the interval's ends are its beats
    covered = found.flutter + found.noisy + found.artifacts + [(e.start, e.stop) for e in rec.second_excluded]
    long = candidates(peaks, covered, fs)
    if not long:
        return []
    context, second = int(CONTEXT_S * fs), []
    around = ((max(start, peaks[k] - context), min(stop, peaks[k + 1] + context), "") for k in long)
    for a, b, _ in quality.union(around):
        piece = Resampler(resampler.read, fs, a, b)
        other = detect_segment(piece)
        second.append(piece.to_input(other.peaks))
        covered = covered + [tuple(piece.to_input(span)) for span in other.noisy]
    return witnessed(peaks, np.concatenate(second), covered, fs)
