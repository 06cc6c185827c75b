"""Beats of the same shape in one recording share their V, F and Q probabilities.

A Holter reader groups a recording's beats by shape and labels each group; the model reads each beat
alone, so a noisy normal beat may be called V while its hundred look-alikes are N, and the beats of one
V run may be called V, F and N in turn. Here each beat's V, F and Q probabilities (ventricular, fusion,
paced: the classes a beat's shape decides) are averaged with those of its nearest beats in shape,
weighted by how near they are, while the split between N and S stays the beat's own: N and S beats share
a shape, and only timing tells them apart.

Adopted by a rule on validation patients (docs/cross-database-log.md, "Beats of the same shape share
their ventricular probabilities"); no constant below was chosen on data.
"""
import numpy as np
from sklearn.neighbors import NearestNeighbors

from . import CLASSES

# first 50 of the 187 input values: 0.42 s from the R peak at 120 Hz, the QRS and T wave at normal rates (above 144 bpm
# the next beat's QRS falls inside too, as it does in the model's own input)
SHAPE_SAMPLES = 50
NEIGHBOURS = 10     # fewer beats than a full neighbourhood plus the beat itself are not shared at all
BANDWIDTH = 2.0     # weights fall off over 2 x the set's median distance between nearest beats
SHARED = [CLASSES.index(c) for c in "VFQ"]
N, S = CLASSES.index("N"), CLASSES.index("S")


def shape_vectors(*leads):
    """(n, 187) beats of each lead read, cut at the same R peaks -> (n, SHAPE_SAMPLES * leads) float32."""
    return np.concatenate([np.asarray(beats, dtype=np.float32)[:, :SHAPE_SAMPLES] for beats in leads], axis=1)


def share_by_shape(proba, shapes):
    """proba (n, 5) class probabilities, shapes (n, d) of one set of beats (the pipeline: a block of about 30
    minutes of one recording) -> (n, 5) probabilities.

    q_i = (p_i + sum_j w_ij p_j) / (1 + sum_j w_ij) over the NEIGHBOURS nearest beats j, for V, F and Q,
    with w_ij = exp(-d_ij^2 / 2h^2) and h = BANDWIDTH x the set's median nearest-beat distance: a beat
    unlike any other keeps its own probabilities. N and S share what is left in the ratio of the beat's
    own. A set too small to hold a full neighbourhood has no typical distance to judge "near" by, and
    keeps its probabilities; where h is 0 (most beats have an exact twin), only exact twins share.
    """
    p = np.asarray(proba, dtype=np.float64)
    if len(p) <= NEIGHBOURS:
        return p.astype(np.float32)
    dist, near = NearestNeighbors(n_neighbors=NEIGHBOURS).fit(shapes).kneighbors()  # (n, k), the beat itself left out
    h = BANDWIDTH * np.median(dist[:, 0])
    w = np.exp(-dist ** 2 / (2 * h ** 2)) if h > 0 else (dist == 0).astype(np.float64)  # h -> 0: twins only
    q = p.copy()
    q[:, SHARED] = (p[:, SHARED] + np.einsum("nk,nkc->nc", w, p[near][:, :, SHARED])) / (1 + w.sum(1, keepdims=True))
    rest = 1 - q[:, SHARED].sum(1)
    ns = p[:, N] + p[:, S]
    n_share = np.divide(p[:, N], ns, out=np.full(len(p), 0.5), where=ns > 0)
    q[:, N], q[:, S] = rest * n_share, rest * (1 - n_share)
    return q.astype(np.float32)
