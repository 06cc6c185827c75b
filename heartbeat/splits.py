"""Holding out validation beats from a training set: the one place the split is made."""
import warnings

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from .data import DataError


def train_val_split(y, val_fraction, seed, groups=None):
    """Seeded split of a training set into (train_index, val_index); the one place it is made.

    groups None: stratified by class over the beats. A class with fewer than two beats cannot be
    stratified: its beats all stay in training.
    groups (n,), e.g. the record of each beat: whole groups are held out, so validation sees only patients
    training did not. Of the round(1 / val_fraction) folds sklearn's StratifiedGroupKFold makes, the one
    that takes the smallest share of any class is held out: a class found in few records (in DS1, 373
    of the 415 F beats are record 208's) must not leave training altogether.
    """
    index = np.arange(len(y))
    if val_fraction <= 0:
        return index, index[:0]
    counts = np.bincount(y)
    if groups is not None:
        folds, n_groups = max(2, round(1 / val_fraction)), len(np.unique(groups))
        if n_groups < folds:
            raise DataError(f"holding out 1/{folds} of the records needs at least {folds} records, got {n_groups}")
        with warnings.catch_warnings():  # "least populated class has fewer members than folds": expected
            warnings.simplefilter("ignore", UserWarning)
            splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
            splits = list(splitter.split(index, y, groups))
        shares = [np.max(np.bincount(y[val], minlength=len(counts)) / np.maximum(counts, 1)) for _, val in splits]
        return splits[int(np.argmin(shares))]
    rare = counts[y] < 2
    try:
        train, val = train_test_split(index[~rare], test_size=val_fraction, stratify=y[~rare], random_state=seed)
    except ValueError:  # sklearn: either side would hold fewer beats than there are classes
        raise DataError(f"{len(y)} training beats are too few to hold out data.val_fraction={val_fraction:g} of them "
                        f"with every class on both sides; set data.val_fraction=0 (no validation: the training loss "
                        f"picks the best epoch) or give more beats") from None
    return np.concatenate([train, index[rare]]), val  # order kept: it is the order training sees
