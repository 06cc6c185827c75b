"""Beat cutting: one rule, the same code for the training CSVs and for recordings.

The rule the real Kaggle MIT-BIH rows follow (measured bit for bit on real rows): every 3rd sample of the
360 Hz signal (so 120 Hz, not the 125 Hz the paper states), from the beat's annotation to 20% of the
following interval past the next annotation, min-max scaled per beat, zero-padded to BEAT_LEN values.
(The paper's text taken literally, 125 Hz with per-window scaling, fits the Kaggle rows worse; it was
removed in issue 19, docs/data-and-detection.md has its numbers.)
"""
from fractions import Fraction

import numpy as np

from . import BEAT_LEN

KAGGLE_FS = 360      # Hz the Kaggle rule works on
KAGGLE_STEP = 3      # keep every 3rd sample -> 120 Hz beats
KAGGLE_TAIL = 0.2    # fraction of the following interval kept past the next annotation


def minmax_scale(segment):
    """Scale a 1-D segment to [0, 1] over its whole length: its minimum becomes exactly 0, its maximum 1.

    A flat segment (max == min) has no shape to scale and becomes all zeros.
    """
    segment = np.asarray(segment, dtype=np.float64)
    lo, hi = segment.min(), segment.max()
    if hi == lo:
        return np.zeros_like(segment)
    return (segment - lo) / (hi - lo)


def fit_length(segment, length=BEAT_LEN):
    """Keep the first `length` values and zero-pad the rest: (n,) -> (length,) float32."""
    out = np.zeros(length, dtype=np.float32)
    n = min(length, len(segment))
    out[:n] = segment[:n]
    return out


def kaggle_segment_end(anchors, k):
    """End (exclusive, in samples) of the segment of the beat at anchors[k], which must have a successor.

    anchors[k+1] + floor(0.2 * (anchors[k+2] - anchors[k+1])); where anchors[k+2] does not exist,
    the interval before the next anchor stands in for the one after it.
    """
    nxt = anchors[k + 1]
    following = anchors[k + 2] - nxt if k + 2 < len(anchors) else nxt - anchors[k]
    return int(nxt + np.floor(KAGGLE_TAIL * following))


def kaggle_beats(signal, anchors, beat_index):
    """Cut and scale beats by the Kaggle rule.

    signal: (n_samples,) at 360 Hz, any unit (raw ADC integers for the CSVs).
    anchors: (n_anchor,) sorted sample positions; for the CSVs every annotation, non-beat ones included.
    beat_index: positions k into `anchors` of the beats to cut; each needs a successor anchors[k+1].
    Returns (len(beat_index), BEAT_LEN) float32.
    """
    anchors = np.asarray(anchors, dtype=np.int64)
    beats = np.zeros((len(beat_index), BEAT_LEN), dtype=np.float32)
    for row, k in enumerate(beat_index):
        if k + 1 >= len(anchors):
            raise ValueError(f"beat {k} is the last anchor: the Kaggle rule needs the next one")
        segment = signal[anchors[k]:kaggle_segment_end(anchors, k):KAGGLE_STEP]
        beats[row] = fit_length(minmax_scale(segment))
    return beats


def kaggle_beat_index(labels):
    """Positions of the beats the Kaggle rule cuts: every beat annotation (label >= 0) but the last annotation."""
    labels = np.asarray(labels)
    index = np.flatnonzero(labels >= 0)
    return index[index < len(labels) - 1]


def resample_ratio(fs, fs_out):
    """fs_out / fs as the Fraction resample() uses: input sample `den * k` lands on output sample `num * k`."""
    return Fraction(fs_out / fs).limit_denominator(1000)


def resample(sig, fs, fs_out):
    """Polyphase resampling (anti-aliased): (sig, fs) -> (sig at fs_out, fs_out)."""
    if fs == fs_out:
        return np.asarray(sig, dtype=np.float64), fs_out
    from scipy import signal  # here, not at the top: it takes 1.8 s to import, and the scripts' beat-CSV paths
                              # (and their one-line errors) import this module without resampling anything

    ratio = resample_ratio(fs, fs_out)
    return signal.resample_poly(np.asarray(sig, dtype=np.float64), ratio.numerator, ratio.denominator), fs_out
