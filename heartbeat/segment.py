"""Beat cutting as small pure functions. The same code builds the training CSVs and serves inference.

Two methods:
- "kaggle": the rule the real Kaggle MIT-BIH rows follow (measured bit for bit on real rows):
  every 3rd raw 360 Hz sample (so 120 Hz, not the 125 Hz the paper states), from the beat's
  annotation to 20% of the following interval past the next annotation, min-max scaled per beat.
- "paper": the paper's text taken literally: resample to 125 Hz, scale each 10 s window to [0, 1],
  cut 1.2 x the window's median R-R from each R peak.
Both return rows of BEAT_LEN float32 values in [0, 1], zero-padded.
"""
import numpy as np
from scipy import signal as sps

from . import BEAT_LEN

KAGGLE_FS = 360      # Hz the Kaggle rule works on
KAGGLE_STEP = 3      # keep every 3rd sample -> 120 Hz beats
KAGGLE_TAIL = 0.2    # fraction of the following interval kept past the next annotation
PAPER_FS = 125       # Hz, as the paper states
PAPER_WINDOW_S = 10  # s, the paper's normalisation window
PAPER_RR_FACTOR = 1.2


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


def resample(sig, fs, fs_out):
    """Polyphase resampling (anti-aliased): (sig, fs) -> (sig at fs_out, fs_out)."""
    if fs == fs_out:
        return np.asarray(sig, dtype=np.float64), fs_out
    from fractions import Fraction

    ratio = Fraction(fs_out / fs).limit_denominator(1000)
    return sps.resample_poly(np.asarray(sig, dtype=np.float64), ratio.numerator, ratio.denominator), fs_out


def paper_beats(signal, fs, r_peaks):
    """The paper's literal beat extraction (Kachuee et al. 2018, section III-A).

    signal: (n_samples,) at `fs` Hz; r_peaks: sample positions of the beats at `fs`.
    Steps: resample to 125 Hz; split into 10 s windows and scale each to [0, 1]; in each window
    take the median R-R interval T and cut 1.2 T from every R peak; zero-pad to BEAT_LEN.
    Returns (len(r_peaks), BEAT_LEN) float32, one row per peak, in the order given.
    """
    sig, _ = resample(signal, fs, PAPER_FS)
    peaks = np.round(np.asarray(r_peaks, dtype=np.float64) * PAPER_FS / fs).astype(np.int64)
    win = PAPER_WINDOW_S * PAPER_FS
    beats = np.zeros((len(peaks), BEAT_LEN), dtype=np.float32)
    window_of = peaks // win
    for w in np.unique(window_of):
        rows = np.flatnonzero(window_of == w)
        scaled = minmax_scale(sig[w * win:(w + 1) * win])
        in_window = peaks[rows] - w * win
        rr = np.diff(in_window)
        # A window with one beat has no R-R of its own: borrow the record's median.
        period = np.median(rr) if len(rr) else np.median(np.diff(peaks)) if len(peaks) > 1 else PAPER_FS
        length = int(round(PAPER_RR_FACTOR * period))
        for row, r in zip(rows, in_window):
            beats[row] = fit_length(scaled[r:r + length])
    return beats
