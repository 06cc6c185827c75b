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

The same function computes the context for the training CSVs (from the reference annotations, written
into the .meta.csv sidecar) and for a recording (from the detected R peaks), so both agree.
"""
import numpy as np
import pandas as pd

LOCAL_BEATS = 10      # local rhythm: mean of the 10 R-R intervals around the beat
AVERAGE_WINDOW_S = 300.0  # patient's rhythm: R-R intervals within +-150 s of the beat
CONTEXT_COLUMNS = ("rr_prev_s", "rr_next_s", "rr_local_s", "rr_mean_s")  # sidecar columns, in seconds
# The model's R-R inputs, in this order; stored in checkpoints trained with them and checked on load.
FEATURE_NAMES = CONTEXT_COLUMNS[:3] + ("prev/local", "next/local", "prev/mean", "next/mean", "local/mean")


def rr_context(times_s):
    """Beat times in seconds of one record, in order (n,) -> DataFrame of CONTEXT_COLUMNS, one row per beat.

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
    return pd.DataFrame(dict(zip(CONTEXT_COLUMNS, (prev, nxt, local, mean))))


def rr_features(context):
    """DataFrame with CONTEXT_COLUMNS (n rows) -> (n, len(FEATURE_NAMES)) float32 model inputs."""
    prev, nxt, local, avg = (context[c].to_numpy(np.float64) for c in CONTEXT_COLUMNS)
    features = np.stack([prev, nxt, local, prev / local, nxt / local, prev / avg, nxt / avg, local / avg], axis=1)
    return features.astype(np.float32)
