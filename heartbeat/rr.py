"""R-R interval context of each beat, and the model's optional R-R input features.

Morphology alone cannot tell a supraventricular ectopic beat (S) from a normal one in a patient the
model has never seen: what marks it is timing, a beat that comes early (short previous R-R) and is
followed by a pause. de Chazal et al. 2004 feed the previous, next and local/average R-R intervals;
dividing by the patient's own rhythm makes "early" mean the same at 50 and at 120 bpm.

The patient's rhythm is the mean R-R over 5 minutes around the beat. A median was tried first (it
shrugs off missed beats and pauses), but where premature beats are the prevailing rhythm (MIT-BIH record
232: atrial premature beats between long pauses) the median *is* the premature interval and those beats
no longer look early; the mean, pulled up by the pauses, still shows them early
(docs/results-inter-patient.md).

Timing misleads in atrial fibrillation, where every interval is irregular and an early beat is normal:
on validation patients most of MIT-BIH's N beats called S lay in its fibrillation records. The
irregularity input (median |successive R-R difference| / median R-R, over the 30 intervals around the
beat) says how far the rhythm around a beat can be trusted (docs/results-cross-database.md).

The same function computes the context for the training CSVs (from the reference annotations, written
into the .meta.csv sidecar) and for a recording (from the detected R peaks), so both agree.
"""
import numpy as np
import pandas as pd

LOCAL_BEATS = 10      # local rhythm: mean of the 10 R-R intervals around the beat
AVERAGE_WINDOW_S = 300.0  # patient's rhythm: R-R intervals within +-150 s of the beat
IRREGULARITY_INTERVALS = 30  # irregularity: over the 15 R-R intervals before the beat and the 15 from it on
CONTEXT_COLUMNS = ("rr_prev_s", "rr_next_s", "rr_local_s", "rr_mean_s")  # sidecar columns, in seconds
IRREGULARITY = "rr_irregularity"  # sidecar column and model input, dimensionless
# The model's R-R inputs, in this order; stored in checkpoints trained with them and checked on load.
FEATURE_NAMES = CONTEXT_COLUMNS[:3] + ("prev/local", "next/local", "prev/mean", "next/mean", "local/mean")


def rr_context(times_s, index=None):
    """Beat times in seconds of one record, in order (n,) -> DataFrame of CONTEXT_COLUMNS and IRREGULARITY,
    one row per beat, or per beat of `index` (sorted positions; the same rows, computed for those beats only).

    The first beat has no previous interval and the last no next one: each borrows its other neighbour,
    so every row is finite when there are at least two beats.
    """
    t = np.asarray(times_s, dtype=np.float64)
    if len(t) < 2:
        raise ValueError(f"R-R intervals need at least two beats, got {len(t)}")
    rr = np.diff(t)  # (n - 1,)
    prev = np.concatenate([[rr[0]], rr])
    nxt = np.concatenate([rr, [rr[-1]]])
    # local: intervals rr[i - 5] .. rr[i + 4], the 10 around beat i, fewer at the record's ends
    csum = np.concatenate([[0.0], np.cumsum(rr)])
    i = np.arange(len(t))
    lo = np.clip(i - LOCAL_BEATS // 2, 0, len(rr))
    hi = np.clip(i + LOCAL_BEATS // 2, 0, len(rr))
    hi = np.maximum(hi, lo + 1)  # at least one interval
    lo = np.minimum(lo, hi - 1)
    local = (csum[hi] - csum[lo]) / (hi - lo)
    # average: mean of the intervals ending within the window (at least one interval)
    mid = t[1:]  # time at which each interval ends
    start = np.minimum(np.searchsorted(mid, t - AVERAGE_WINDOW_S / 2, side="left"), len(rr) - 1)
    stop = np.maximum(np.searchsorted(mid, t + AVERAGE_WINDOW_S / 2, side="right"), start + 1)
    mean = (csum[stop] - csum[start]) / (stop - start)
    index = np.arange(len(t)) if index is None else np.asarray(index)
    columns = dict(zip(CONTEXT_COLUMNS, (prev[index], nxt[index], local[index], mean[index])))
    return pd.DataFrame({**columns, IRREGULARITY: irregularity(rr, index)})


def irregularity(rr, index):
    """R-R intervals (m,) of a record and sorted beat positions (k,) in 0..m -> (k,): the median absolute
    difference of successive intervals over median interval, among the intervals rr[i - 15] .. rr[i + 14]
    around each beat i (fewer at the record's ends). 0 for a steady rhythm, however fast; high in atrial
    fibrillation. Medians, so a lone premature beat (two odd intervals of 30) barely moves it.

    Computed over the slice of rr the beats' windows reach: one block of a long recording costs its length,
    not the recording's, and reads the values a pass over all beats would give.
    """
    half = IRREGULARITY_INTERVALS // 2
    if len(index) == 0:
        return np.zeros(0)
    lo, hi = max(0, index[0] - half), min(len(rr), index[-1] + half)
    pad = np.full(half, np.nan)
    padded = pd.Series(np.concatenate([pad, rr[lo:hi], pad]))  # pandas' rolling median skips the NaN padding
    at = index - lo  # beat i's window is padded[at .. at + 2 half - 1]
    median_rr = padded.rolling(2 * half, min_periods=1).median().to_numpy()[at + 2 * half - 1]
    # its successive differences: padded positions at .. at + 2 half - 2 (the first of each pair)
    steps = padded.diff().abs().shift(-1)
    median_step = steps.rolling(2 * half - 1, min_periods=1).median().to_numpy()[at + 2 * half - 2]
    return np.nan_to_num(median_step / median_rr, nan=0.0)  # NaN: a window of one interval, no difference


def rr_features(context):
    """DataFrame with CONTEXT_COLUMNS (n rows) -> (n, len(FEATURE_NAMES)) float32 model inputs."""
    prev, nxt, local, avg = (context[c].to_numpy(np.float64) for c in CONTEXT_COLUMNS)
    features = np.stack([prev, nxt, local, prev / local, nxt / local, prev / avg, nxt / avg, local / avg], axis=1)
    return features.astype(np.float32)
