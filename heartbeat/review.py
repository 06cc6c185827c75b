"""Which beats of a recording a person should label to adapt the model to it.

Holter editing reviews a recording by its beat templates: beats that look alike are labelled together. The same
idea picks the beats to label here: the recording's beats are grouped by k-means in the model's own representation
(Model.embed, both leads side by side where there are two) and the beat nearest each group's centre is picked, so the
labels cover every kind of beat the model tells apart, wherever in the recording it first appears. On validation
patients, the same number of labels picked so adapted the model better than the first 5 minutes' beats at each of
three seeds (docs/cross-database-log.md, "Labels picked across the recording").
"""
import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

BATCH = 256
FIRST_MINUTES = 5.0  # the validated labelling effort: as many picked beats as the first 5 minutes hold


def first_minutes_count(table):
    """The number of beats of a recording's beats table (time_s) in its first FIRST_MINUTES, at least 1: the
    number of picked labels that adapted better than those minutes' beats on validation patients."""
    return max(1, int((table["time_s"] < 60 * FIRST_MINUTES).sum()))


@torch.no_grad()
def embed(model, inputs):
    """model.BeatInputs of n beats -> (n, 32) float32: how the model's last layer sees each beat."""
    model.eval()
    parts = [model.embed(**inputs.as_tensors(slice(i, i + BATCH))) for i in range(0, len(inputs), BATCH)]
    return torch.cat(parts).numpy() if parts else np.zeros((0, model.config.hidden), np.float32)


def pick_for_review(embeddings, n, seed=0):
    """Indices (sorted) of n beats to label: k-means with n clusters over the standardised embeddings (n_beats,
    d), then the beat nearest each centre. All beats when there are no more than n."""
    if n < 1:
        raise ValueError("the number of beats to review must be at least 1")
    if len(embeddings) <= n:
        return np.arange(len(embeddings))
    x = StandardScaler().fit_transform(embeddings)
    kmeans = KMeans(n_clusters=n, n_init=3, random_state=seed).fit(x)
    distance = np.linalg.norm(x - kmeans.cluster_centers_[kmeans.labels_], axis=1)
    nearest = {}
    for i in np.argsort(distance, kind="stable"):  # the first beat seen of each cluster is its nearest
        nearest.setdefault(kmeans.labels_[i], i)
    return np.sort(np.fromiter(nearest.values(), dtype=np.int64))


def marked(table, embeddings, n):
    """A copy of the beats table `table` (recording.read_recording's) with column review: True for the n beats a
    person should label, picked by pick_for_review from the beats' embeddings (n_beats, d)."""
    out = table.copy()
    out["review"] = False
    out.loc[pick_for_review(embeddings, n), "review"] = True
    return out
