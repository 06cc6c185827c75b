"""Beats of the same shape in one recording share their ventricular probabilities.

A Holter reader groups a recording's beats by shape and labels each group; the model reads each beat
alone, so a noisy normal beat may be called V while its hundred look-alikes are N, and the beats of one
V run may be called V, F and N in turn. Here each beat's V, F and Q probabilities are averaged with
those of its nearest beats in shape (weighted by how near they are), while the split between N and S
stays the beat's own: N and S beats share a shape, and only timing tells them apart.

Adopted by a rule on validation patients (docs/results-cross-database.md, "Beats of the same shape share
their ventricular probabilities"); no constant below was chosen on data.
"""
import numpy as np
from sklearn.neighbors import NearestNeighbors

from . import CLASSES

SHAPE_SAMPLES = 50  # first 50 of the 187 input values: 0.40 s from the R peak, the QRS and T wave at normal rates
NEIGHBOURS = 10
BANDWIDTH = 2.0     # weights fall off over 2 x the recording's median distance between nearest beats
SHARED = [CLASSES.index(c) for c in "VFQ"]
N, S = CLASSES.index("N"), CLASSES.index("S")


def shape_vectors(*leads):
    """(n, 187) beats of each lead read, cut at the same R peaks -> (n, SHAPE_SAMPLES * leads) float32."""
    return np.concatenate([np.asarray(beats, dtype=np.float32)[:, :SHAPE_SAMPLES] for beats in leads], axis=1)


def share_by_shape(proba, shapes):
    """proba (n, 5) class probabilities, shapes (n, d) of one recording's beats -> (n, 5) probabilities.

    q_i = (p_i + sum_j w_ij p_j) / (1 + sum_j w_ij) over the NEIGHBOURS nearest beats j, for V, F and Q,
    with w_ij = exp(-d_ij^2 / 2h^2) and h = BANDWIDTH x the median nearest-beat distance: a beat unlike
    any other keeps its own probabilities. N and S share what is left in the ratio of the beat's own.
    """
    p = np.asarray(proba, dtype=np.float64)
    k = min(NEIGHBOURS, len(p) - 1)
    if k < 1:
        return p.astype(np.float32)
    dist, near = NearestNeighbors(n_neighbors=k).fit(shapes).kneighbors()  # (n, k) each, the beat itself left out
    h = BANDWIDTH * np.median(dist[:, 0])
    w = np.exp(-dist ** 2 / (2 * h ** 2)) if h > 0 else np.ones_like(dist)
    q = p.copy()
    q[:, SHARED] = (p[:, SHARED] + np.einsum("nk,nkc->nc", w, p[near][:, :, SHARED])) / (1 + w.sum(1, keepdims=True))
    rest = 1 - q[:, SHARED].sum(1)
    ns = p[:, N] + p[:, S]
    n_share = np.divide(p[:, N], ns, out=np.full(len(p), 0.5), where=ns > 0)
    q[:, N], q[:, S] = rest * n_share, rest * (1 - n_share)
    return q.astype(np.float32)
