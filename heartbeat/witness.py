"""A long interval on the lead read is no pause when the second lead shows the heart beating through it.

An amplifier that blocks after a jump of the baseline (SVDB 853 at 1,250 s: 13 beats hidden for 11.7 s)
looks on its own lead like a quiet pause: neither its span, its steepest change nor its QRS-band energy
tells it from a real one (docs/holter-report.md). The other lead of a Holter recording keeps beating
through it. A real pause has no beats on any lead; the other lead's detections inside it (a P wave in
V1, noise) do not fall at the rhythm before the pause.
"""
import numpy as np

from . import quality, segment
from .detect import SEARCHBACK_RR, energy_detection
from .verify import verified

CONTEXT_S = 10.0   # the second lead is read this far on either side of the interval: its thresholds settle
EDGE_S = 0.3       # its detections this close to either end are the beats that bound the interval
RHYTHM_BEATS = 8   # the rhythm before the interval: the median of this many intervals ...
MIN_BEFORE = 4     # ... of at least this many


def second_lead_peaks(resampler, lo, hi):
    """The second lead's detections (after the learned check) in [lo, hi), 360-Hz positions of the segment."""
    fs, context = segment.KAGGLE_FS, int(CONTEXT_S * segment.KAGGLE_FS)
    sig, first = resampler.samples(resampler.span(max(0, lo - context), hi + context))
    found = energy_detection(sig, fs)
    peaks = verified(found.wide, fs, found.peaks) + first
    return peaks[(peaks >= lo) & (peaks < hi)]


def witnessed(peaks, resampler, covered):
    """(beat, next beat) 360-Hz positions of the long intervals between `peaks` (360-Hz, of one segment) that the
    second lead (`resampler`) fills with beats at the rhythm before them. covered: (start, stop) 360-Hz stretches
    (flutter, noise, artifacts) whose intervals are judged already."""
    fs, out = segment.KAGGLE_FS, []
    rr = np.diff(peaks)
    edge = int(EDGE_S * fs)
    for k in np.flatnonzero(rr >= quality.LONG_RR_S * fs):
        a, b = int(peaks[k]), int(peaks[k + 1])
        if k < MIN_BEFORE or any(x < b and a < y for x, y in covered):
            continue
        r = np.median(rr[max(0, k - RHYTHM_BEATS):k])
        steps = np.diff(np.r_[a, second_lead_peaks(resampler, a + edge, b - edge + 1), b])
        if len(steps) > 1 and np.all(steps <= SEARCHBACK_RR * r) and np.all(steps >= r / SEARCHBACK_RR):
            out.append((a, b))
    return out


def artifacts(found, resampler, fs, start):
    """(beat, next beat) input samples of the intervals of a segment's beats (recording.SegmentBeats, read from
    input sample `start` at `fs` Hz) that the second lead fills: artifacts, as found.artifacts are."""
    def to_360(x):
        return int(round((x - start) * segment.KAGGLE_FS / fs))

    covered = [(to_360(x), to_360(y)) for x, y in found.flutter + found.noisy + found.artifacts]
    return [tuple(start + np.round(np.array(pair) * fs / segment.KAGGLE_FS).astype(np.int64))
            for pair in witnessed(found.peaks, resampler, covered)]
