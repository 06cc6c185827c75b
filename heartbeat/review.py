"""Which beats of a recording a person should label to adapt the model to it.

Holter editing reviews a recording by its beat templates: beats that look alike are labelled together. The same
idea picks the beats to label here: the recording's beats are grouped by k-means in the model's own representation
(BeatNet.scores_and_embedding, both leads side by side where there are two) and the beat nearest each group's
centre is picked, so the labels cover every kind of beat the model tells apart, wherever in the recording it first
appears. On validation
patients, the same number of labels picked so adapted the model better than the first 5 minutes' beats at each of
three seeds (docs/cross-database-log.md, "Labels picked across the recording").
"""
import warnings

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

FIRST_MINUTES = 5.0  # the validated labelling effort: as many picked beats as the first 5 minutes hold


def first_minutes_count(table):
    """The number of beats of a recording's beats table (time_s) in its first FIRST_MINUTES, at least 1: the
    number of picked labels that adapted better than those minutes' beats on validation patients."""
    return max(1, int((table["time_s"] < 60 * FIRST_MINUTES).sum()))


def review_groups(embeddings, n, seed=0):
    """(indices (sorted) of n beats to label; the group (n_beats,) of every beat, the index of the picked beat that
    stands for it): k-means with n clusters over the standardised embeddings (n_beats, d), then the beat nearest
    each centre. All beats, each its own group, when there are no more than n; fewer than n when fewer beats
    differ."""
    if n < 1:
        raise ValueError("the number of beats to review must be at least 1")
    if len(embeddings) <= n:
        return np.arange(len(embeddings)), np.arange(len(embeddings))
    x = StandardScaler().fit_transform(embeddings)
    with warnings.catch_warnings():  # fewer distinct beats than n: handled below, not a warning for the user
        warnings.simplefilter("ignore", ConvergenceWarning)
        kmeans = KMeans(n_clusters=n, n_init=3, random_state=seed).fit(x)
    distance = np.linalg.norm(x - kmeans.cluster_centers_[kmeans.labels_], axis=1)
    nearest = {}
    for i in np.argsort(distance, kind="stable"):  # the first beat seen of each cluster is its nearest
        nearest.setdefault(kmeans.labels_[i], i)
    # a recording with fewer distinct beats than n leaves clusters empty: they pick nothing
    stands_for = np.full(n, -1, dtype=np.int64)
    stands_for[list(nearest)] = list(nearest.values())
    return np.sort(np.fromiter(nearest.values(), dtype=np.int64)), stands_for[kmeans.labels_]


def marked(table, embeddings, n):
    """A copy of the beats table `table` (recording.read_recording's) with columns review: True for the n beats a
    person should label, picked by review_groups from the beats' embeddings (n_beats, d), and review_group: the
    sample of the picked beat whose group each beat is in (the picked beat's label stands for it)."""
    picked, group = review_groups(embeddings, n)
    out = table.copy()
    out["review"] = False
    out.loc[picked, "review"] = True
    out["review_group"] = out["sample"].to_numpy()[group]
    return out


def changed_labels(marked_table, classes):
    """{sample: class} of the reviewed beats of `marked_table` (marked's) whose class `classes` ({sample: class
    name}) changes from the table's; review rows missing from `classes` keep the table's."""
    review = marked_table[marked_table["review"].to_numpy()]
    labelled = pd.Series([classes.get(sample, own) for sample, own in zip(review["sample"], review["class"])],
                         index=review.index)  # not map().fillna(): an empty map gives floats that strings cannot fill
    changed = labelled != review["class"]
    return dict(zip(review["sample"][changed], labelled[changed]))


def changed_share(marked_table, classes):
    """(reviewed beats whose class `classes` ({sample: class name}) changes from the table's; the recording's beats
    in their groups, a share of all): how much of the recording the model as read gets wrong, as far as a review
    of one beat per group shows it."""
    changed = changed_labels(marked_table, classes)
    beats = int(marked_table["review_group"].isin(list(changed)).sum())
    return len(changed), beats / max(len(marked_table), 1)
