"""The files prepare_data.py writes beside a beat CSV, and the model inputs read from them.

    mitbih_ds2.csv            the beats (data.py reads them)
    mitbih_ds2.meta.csv       one row per beat: db, record, lead, sample, time_s, symbol, R-R context,
                              template features
    mitbih_ds2.templates.csv  one row per recording (db, record, lead): its median beat (187 values)
"""
from pathlib import Path

import numpy as np
import pandas as pd

from . import BEAT_LEN
from .data import META_SUFFIX, RANGE_TOLERANCE, TEMPLATES_SUFFIX, DataError
from .features import context_features
from .model import BeatInputs

RECORDING_KEYS = ("db", "record", "lead")  # the recording a beat was cut from, in sidecars and templates files

def meta_path(csv_path):
    """The sidecar of a beat CSV: data/mitbih_test.csv -> data/mitbih_test.meta.csv."""
    csv_path = Path(csv_path)
    return csv_path.with_name(csv_path.stem + META_SUFFIX)


def load_inputs(csv_path, beats, spec):
    """BeatInputs of a beat CSV's beats (n, 187) for a model that takes `spec` (model.InputSpec): its named
    features from the .meta.csv sidecar, its template from the .templates.csv file, each read only when the
    model takes it. prepare_data.py writes both; a model that takes them needs them for every CSV it reads.
    """
    n = len(beats)
    features = sidecar_features(csv_path, n, spec) if spec.feature_names else None
    templates = load_templates(csv_path, n) if spec.template_channel else None
    return BeatInputs(beats, features, templates)


def sidecar_features(csv_path, n_beats, spec):
    """The named features (n_beats, k) float32 of a beat CSV's beats, from its sidecar."""
    columns = list(spec.context_columns)
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
    return context_features(pd.DataFrame(values, columns=columns), spec)


def templates_path(csv_path):
    """The median beats of a beat CSV's records: data/mitbih_ds2.csv -> data/mitbih_ds2.templates.csv."""
    csv_path = Path(csv_path)
    return csv_path.with_name(csv_path.stem + TEMPLATES_SUFFIX)


def load_templates(csv_path, n_beats):
    """The median beat of each beat's recording (n_beats, 187) float32.

    The .templates.csv file beside the CSV holds one row per recording (its RECORDING_KEYS columns, 'record'
    alone in files of older builds, then 187 values; prepare_data.py takes the median over all the
    recording's beats, also those in the other split, so a file of a few beats gets the same template as the
    whole recording); the sidecar names each beat's recording.
    """
    path = templates_path(csv_path)
    if not path.is_file():
        raise _none_beside(csv_path, f"also compares each beat with its recording's median beat, read from "
                                     f"{path.name} beside the CSV")
    if not meta_path(csv_path).is_file():
        raise _none_beside(csv_path, f"takes each beat's record from the sidecar {meta_path(csv_path).name} "
                                     f"beside the CSV")
    beats = load_keys(csv_path, n_beats)
    try:
        table = pd.read_csv(path, dtype={k: str for k in RECORDING_KEYS})
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: unreadable ({str(e).strip()[:120]})") from None
    keys = [k for k in RECORDING_KEYS if k in table.columns]
    if "record" not in keys or list(table.columns[:len(keys)]) != keys:
        raise DataError(f"{path}: no 'record' column first: the first columns name the recording "
                        f"({', '.join(RECORDING_KEYS)}, or 'record' alone), got {', '.join(table.columns[:3])} ...")
    if any(k not in beats.columns for k in keys):
        raise DataError(f"{path}: templates are per {', '.join(keys)}, but {meta_path(csv_path).name} lacks "
                        f"{', '.join(k for k in keys if k not in beats.columns)}; rebuild both with prepare_data.py")
    values = table.iloc[:, len(keys):]
    if list(values.columns) != [str(i) for i in range(BEAT_LEN)]:
        raise DataError(f"{path}: the columns after {keys[-1]!r} must be 0 .. {BEAT_LEN - 1} (the model takes beats "
                        f"of {BEAT_LEN} values), got {len(values.columns)} columns: {', '.join(values.columns[:3])} ...")
    if table[keys].isna().any().any():
        raise DataError(f"{path}: a row without a record name")
    names = pd.MultiIndex.from_frame(table[keys])  # a vectorised lookup: joining names row by row took ~10 s
    if names.duplicated().any():
        raise DataError(f"{path}: record {'/'.join(names[names.duplicated()][0])} has two templates")
    values = values.apply(pd.to_numeric, errors="coerce").to_numpy(np.float32)
    in_range = np.isfinite(values) & (values >= -RANGE_TOLERANCE) & (values <= 1 + RANGE_TOLERANCE)
    bad = np.flatnonzero(~in_range.all(axis=1))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + 2}: a value that is not a number in [0, 1] (templates are median "
                        f"beats, scaled as the beats are)")
    wanted = pd.MultiIndex.from_frame(beats[keys])
    row = names.get_indexer(wanted)  # (n_beats,) -1 where a recording has no template
    if (row < 0).any():
        raise DataError(f"{path}: no template for record {'/'.join(wanted[int(np.argmax(row < 0))])}, "
                        f"named in {meta_path(csv_path).name}")
    return values[row]


def _none_beside(csv_path, what):
    """The error for a file a model needs beside a beat CSV that is not there."""
    return DataError(f"{csv_path}: this model {what}; there is none. Rebuild the CSVs with prepare_data.py, "
                     f"or classify the raw recording with predict.py --record/--signal")


def load_keys(csv_path, n_beats):
    """Which recording each beat comes from: the RECORDING_KEYS columns of the .meta.csv sidecar (sidecars of
    older builds have 'record' alone), a DataFrame of str with n_beats rows."""
    path = meta_path(csv_path)
    if not path.is_file():
        raise DataError(f"{csv_path}: needs the sidecar {path.name} beside the CSV (the 'record' of each beat); "
                        f"rebuild the CSVs with prepare_data.py")
    try:
        present = [k for k in RECORDING_KEYS if k in pd.read_csv(path, nrows=0).columns]
        keys = pd.read_csv(path, usecols=present, dtype=str)[present]
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"{path}: unreadable sidecar ({str(e).strip()[:120]})") from None
    if "record" not in present:
        raise DataError(f"{path}: no 'record' column")
    if len(keys) != n_beats:
        raise DataError(f"{path}: {len(keys)} rows for the {n_beats} beats of {csv_path}")
    if keys.isna().any().any():
        raise DataError(f"{path} line {int(np.flatnonzero(keys.isna().any(axis=1))[0]) + 2}: empty record name")
    return keys


def load_records(csv_path, n_beats):
    """The patient of each beat (n_beats,) str: 'db/record' ('record' from sidecars of older builds); the blocks of a
    long recording (record@k, reviewed.reviewed_tables) are one patient."""
    keys = load_keys(csv_path, n_beats)
    record = keys["record"].astype(str).str.replace(r"@\d+$", "", regex=True)
    return (keys["db"] + "/" + record if "db" in keys else record).to_numpy()
