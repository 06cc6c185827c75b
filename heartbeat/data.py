"""Load and validate beat CSVs in the Kaggle MIT-BIH format, with a cache of the parsed arrays.

Format: one beat per row, 187 values in [0, 1], then the label 0..4 as a float (0.0 = N ... 4.0 = Q),
no header. Also accepted: a header row, a leading index column (as pandas' to_csv writes it),
and rows without the label (for prediction).
"""
import csv
import io
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from . import BEAT_LEN, CLASSES, UserError
from .fileio import atomic_path
from .features import beat_features, join_inputs, needed_columns, template_channel

CACHE_VERSION = 1
RANGE_TOLERANCE = 1e-6  # beats are min-max scaled; allow float rounding around 0 and 1
INDEX_NAMES = ("", "unnamed: 0", "index", "id", "row")
META_SUFFIX = ".meta.csv"  # sidecar of a beat CSV: mitbih_test.csv -> mitbih_test.meta.csv
TEMPLATES_SUFFIX = ".templates.csv"  # each record's median beat: mitbih_test.csv -> mitbih_test.templates.csv


class DataError(UserError):
    """A beat CSV that cannot be used; the message names the file and the first bad row."""


def load_beats(path, cache=False):
    """Read a beat CSV -> (x (n, 187) float32, y (n,) int64 or None when the file has no labels).

    With cache=True the parsed arrays are kept beside the CSV in `<name>.cache.npy`, keyed on the
    CSV's size and modification time, so the next load of an unchanged file skips parsing.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    stat = path.stat()
    key = np.array([CACHE_VERSION, stat.st_size, stat.st_mtime_ns], dtype=np.int64)
    cache_file = path.with_name(path.name + ".cache.npy")
    if cache:
        hit = _read_cache(cache_file, key)
        if hit is not None:
            return hit
    x, y = _parse(path)
    if cache:
        _write_cache(cache_file, key, x, y)
    return x, y


# The cache is three .npy arrays one after the other in one file: key, labels (empty when the CSV
# has none), beats. Plain .npy reads at disk speed; a zipped .npz spends most of its time on CRCs.
def _read_cache(cache_file, key):
    try:
        with open(cache_file, "rb") as f:
            if not np.array_equal(np.load(f), key):
                return None  # the CSV changed since the cache was written
            y, x = np.load(f), np.load(f)
    except (OSError, ValueError, EOFError):
        return None  # no cache, or an unreadable one: parse the CSV
    return x, (y if len(y) == len(x) else None)


def _write_cache(cache_file, key, x, y):
    try:
        with atomic_path(cache_file) as tmp, open(tmp, "wb") as f:
            for array in (key, y if y is not None else np.zeros(0, np.int64), x):
                np.save(f, array)
    except OSError:
        pass  # a read-only data folder only costs the speed-up


def _layout(path, first_line):
    """(has_header, has_index, has_labels, n_columns) from the first line of the file."""
    fields = next(csv.reader([first_line]))
    has_header = not all(_is_number(f) for f in fields)
    n = len(fields)
    if has_header:
        has_index = fields[0].strip().lower() in INDEX_NAMES
    else:
        has_index = n == BEAT_LEN + 2  # 189 columns: index, 187 values, label
    values = n - has_index
    if values not in (BEAT_LEN, BEAT_LEN + 1):
        raise DataError(f"{path} line 1: {n} columns; expected {BEAT_LEN} beat values, then optionally "
                        f"the label (optionally after an index column)")
    return has_header, has_index, values == BEAT_LEN + 1, n


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _parse(path):
    with open(path, "r", newline="") as f:
        first_line = f.readline()
    if not first_line.strip():
        raise DataError(f"{path}: the file is empty (no beats)")
    has_header, has_index, has_labels, n_cols = _layout(path, first_line)
    try:
        table = pd.read_csv(path, header=None, skiprows=int(has_header), dtype=np.float64,
                            engine="c", skip_blank_lines=True).to_numpy()
    except pd.errors.EmptyDataError:  # (a ValueError too, so caught first)
        raise DataError(f"{path}: a header but no beats") from None
    except (ValueError, pd.errors.ParserError):
        table = None  # a malformed row: the diagnosis below names it
    if table is None or table.shape[1] != n_cols or not np.isfinite(table).all():
        raise DataError(_diagnose(path, n_cols, int(has_header)))

    first_row_line = 1 + int(has_header)  # file line number of table row 0
    values = table[:, int(has_index):int(has_index) + BEAT_LEN]
    bad = np.flatnonzero(((values < -RANGE_TOLERANCE) | (values > 1 + RANGE_TOLERANCE)).any(axis=1))
    if len(bad):
        row = values[bad[0]]
        raise DataError(f"{path} line {bad[0] + first_row_line}: values from {row.min():g} to {row.max():g}; "
                        f"beats must be scaled to [0, 1] ({len(bad)} such rows). Raw ECG goes through "
                        f"predict.py --record/--signal, which cuts and scales beats itself")
    x = np.ascontiguousarray(np.clip(values, 0.0, 1.0), dtype=np.float32)
    if not has_labels:
        return x, None
    labels = table[:, -1]
    bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) | (labels >= len(CLASSES)))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + first_row_line}: label {labels[bad[0]]:g} is not an integer "
                        f"in 0..{len(CLASSES) - 1} ({', '.join(CLASSES)})")
    return x, labels.astype(np.int64)


def _diagnose(path, n_cols, skip):
    """Walk the file line by line to name the first row pandas could not use (the slow path, errors only)."""
    with open(path, "r", newline="") as f:
        for line_no, line in enumerate(f, start=1):
            if line_no <= skip or not line.strip():
                continue
            fields = next(csv.reader(io.StringIO(line)))
            if len(fields) != n_cols:
                return f"{path} line {line_no}: {len(fields)} columns, expected {n_cols} as in the first row"
            for col, text in enumerate(fields, start=1):
                try:
                    value = float(text)
                except ValueError:
                    return f"{path} line {line_no}, column {col}: {text.strip()[:20]!r} is not a number"
                if not math.isfinite(value):
                    return f"{path} line {line_no}, column {col}: {text.strip()} (NaN or infinite value)"
    return f"{path}: could not be parsed as a beat CSV"


def beat_csvs(folder):
    """The beat CSVs in a folder, sorted, without the sidecar and template files beside them."""
    return sorted(p for p in Path(folder).glob("*.csv") if not p.name.endswith((META_SUFFIX, TEMPLATES_SUFFIX)))


def meta_path(csv_path):
    """The sidecar of a beat CSV: data/mitbih_test.csv -> data/mitbih_test.meta.csv."""
    csv_path = Path(csv_path)
    return csv_path.with_name(csv_path.stem + META_SUFFIX)


def load_extra_inputs(csv_path, n_beats, model_args):
    """The model's extra inputs (n_beats, k) float32 for the beats of a CSV, or None when the model (its
    constructor args) takes none: the features of features.feature_names from the .meta.csv sidecar, then,
    for a template_channel model, the median beat of each beat's recording from the .templates.csv file.

    prepare_data.py writes both; a model trained with extra inputs needs them for every CSV it reads.
    """
    features = sidecar_features(csv_path, n_beats, model_args) if needed_columns(model_args) else None
    templates = (load_templates(csv_path, n_beats, model_args.get("beat_len", BEAT_LEN))
                 if template_channel(model_args) else None)
    return join_inputs(features, templates)


def sidecar_features(csv_path, n_beats, model_args):
    """The R-R and template features (n_beats, k) float32 of a beat CSV's beats, from its sidecar."""
    columns = needed_columns(model_args)
    path = meta_path(csv_path)
    if not path.is_file():
        raise _none_beside(csv_path, f"also takes the beat's context (R-R intervals / template), read from the "
                                     f"sidecar {path.name} beside the CSV (columns {', '.join(columns)})")
    try:
        context = pd.read_csv(path)
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: unreadable sidecar ({str(e).strip()[:120]})") from None
    missing = [c for c in columns if c not in context.columns]
    if missing:
        raise DataError(f"{path}: no column {', '.join(missing)}; it was written by an older prepare_data.py, "
                        f"rebuild the CSVs")
    if len(context) != n_beats:
        raise DataError(f"{path}: {len(context)} rows for the {n_beats} beats of {csv_path}")
    values = context[columns].apply(pd.to_numeric, errors="coerce").to_numpy()
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + 2}: a value that is not a finite number")
    rr_columns = [i for i, c in enumerate(columns) if c.startswith("rr_")]
    bad = np.flatnonzero((values[:, rr_columns] <= 0).any(axis=1))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + 2}: R-R intervals must be positive numbers of seconds")
    return beat_features(pd.DataFrame(values, columns=columns), model_args)


def templates_path(csv_path):
    """The median beats of a beat CSV's records: data/mitbih_ds2.csv -> data/mitbih_ds2.templates.csv."""
    csv_path = Path(csv_path)
    return csv_path.with_name(csv_path.stem + TEMPLATES_SUFFIX)


def load_templates(csv_path, n_beats, beat_len):
    """The median beat of each beat's recording (n_beats, beat_len) float32.

    The .templates.csv file beside the CSV holds one row per record (a 'record' column, then beat_len values;
    prepare_data.py takes the median over all the record's beats, also those in the other split, so a file
    of a few beats gets the same template as the whole recording); the sidecar names each beat's record.
    """
    path = templates_path(csv_path)
    if not path.is_file():
        raise _none_beside(csv_path, f"also compares each beat with its recording's median beat, read from "
                                     f"{path.name} beside the CSV")
    if not meta_path(csv_path).is_file():
        raise _none_beside(csv_path, f"takes each beat's record from the sidecar {meta_path(csv_path).name} "
                                     f"beside the CSV")
    records = load_records(csv_path, n_beats)
    try:
        table = pd.read_csv(path, dtype={"record": str}).set_index("record")
    except (ValueError, KeyError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: unreadable, or no 'record' column ({str(e).strip()[:120]})") from None
    if list(table.columns) != [str(i) for i in range(beat_len)]:
        raise DataError(f"{path}: the columns after 'record' must be 0 .. {beat_len - 1} (the model takes beats "
                        f"of {beat_len} values), got {len(table.columns)} columns: {', '.join(table.columns[:3])} ...")
    if table.index.isna().any() or table.index.duplicated().any():
        bad = table.index[table.index.isna() | table.index.duplicated()][0]
        raise DataError(f"{path}: " + ("a row without a record name" if pd.isna(bad)
                                       else f"record {bad} has two templates"))
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(np.float32)
    in_range = np.isfinite(values) & (values >= -RANGE_TOLERANCE) & (values <= 1 + RANGE_TOLERANCE)
    bad = np.flatnonzero(~in_range.all(axis=1))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + 2}: a value that is not a number in [0, 1] (templates are median "
                        f"beats, scaled as the beats are)")
    row = table.index.get_indexer(records)  # (n_beats,) -1 where a record has no template
    if (row < 0).any():
        raise DataError(f"{path}: no template for record {records[np.argmax(row < 0)]}, "
                        f"named in {meta_path(csv_path).name}")
    return values[row]


def _none_beside(csv_path, what):
    """The error for a file a model needs beside a beat CSV that is not there."""
    return DataError(f"{csv_path}: this model {what}; there is none. Rebuild the CSVs with prepare_data.py, "
                     f"or classify the raw recording with predict.py --record/--signal")


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
    train, val = train_test_split(index[~rare], test_size=val_fraction, stratify=y[~rare], random_state=seed)
    return np.concatenate([train, index[rare]]), val  # order kept: it is the order training sees


def load_records(csv_path, n_beats):
    """The record (patient) of each beat (n_beats,) str, from the .meta.csv sidecar prepare_data.py writes."""
    path = meta_path(csv_path)
    if not path.is_file():
        raise DataError(f"{csv_path}: a validation split by record needs the sidecar {path.name} beside the CSV "
                        f"(its 'record' column); rebuild the CSVs with prepare_data.py")
    try:
        records = pd.read_csv(path, usecols=["record"], dtype=str)["record"]
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: no readable 'record' column ({str(e).strip()[:120]})") from None
    if len(records) != n_beats:
        raise DataError(f"{path}: {len(records)} rows for the {n_beats} beats of {csv_path}")
    if records.isna().any():
        raise DataError(f"{path} line {int(np.flatnonzero(records.isna())[0]) + 2}: empty record name")
    return records.to_numpy()
