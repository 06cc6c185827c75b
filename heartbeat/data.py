"""Load and validate beat CSVs in the Kaggle MIT-BIH format, with a cache of the parsed arrays.

Format: one beat per row, 187 values in [0, 1], then the label 0..4 as a float (0.0 = N ... 4.0 = Q),
no header. Also accepted: a header row, a leading index column (as pandas' to_csv writes it),
and rows without the label (for prediction).
"""
import csv
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from . import BEAT_LEN, CLASSES, UserError
from .fileio import atomic_path

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
        raise DataError(f"{path}: no such file{_build_hint(path)}")
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


KAGGLE_CSVS = ("mitbih_train.csv", "mitbih_test.csv", "mitbih_ds1.csv", "mitbih_ds2.csv")  # what --mitdb writes


def _build_hint(path):
    """How to build a missing beat CSV that prepare_data.py writes ('' for any other name)."""
    if path.name in KAGGLE_CSVS:
        return (f"; build it with: python prepare_data.py --mitdb data/mitdb --out {path.parent} "
                "(--download fetches the records first)")
    if path.name in ("mitdb.csv", "mitdb_lead1.csv", "svdb.csv", "svdb_lead1.csv"):
        db = path.name.split(".")[0].removesuffix("_lead1")
        return f"; build it with: python prepare_data.py --db data/{db} --leads 0 1 --out {path.parent}"
    return ""


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
    try:  # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark, which would make line 1 look like a header
        with open(path, "r", newline="", encoding="utf-8-sig") as f:
            first_line = f.readline()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text CSV (a beat CSV holds 187 values per line; a .npy or binary signal "
                        "goes through predict.py --signal)") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from None
    if not first_line.strip():
        raise DataError(f"{path}: the file is empty (no beats)")
    has_header, has_index, has_labels, n_cols = _layout(path, first_line)
    try:
        table = pd.read_csv(path, header=None, skiprows=int(has_header), dtype=np.float64, encoding="utf-8-sig",
                            engine="c", skip_blank_lines=True).to_numpy()
    except pd.errors.EmptyDataError:  # (a ValueError too, so caught first)
        raise DataError(f"{path}: a header but no beats") from None
    except (ValueError, pd.errors.ParserError):  # (UnicodeDecodeError is a ValueError)
        table = None  # a malformed row: the diagnosis below names it
    if table is None or table.shape[1] != n_cols or not np.isfinite(table).all():
        raise DataError(_diagnose(path, n_cols, int(has_header)))

    first_row_line = 1 + int(has_header)  # file line number of table row 0
    values = table[:, int(has_index):int(has_index) + BEAT_LEN]
    bad = np.flatnonzero(((values < -RANGE_TOLERANCE) | (values > 1 + RANGE_TOLERANCE)).any(axis=1))
    if len(bad):
        raise DataError(_out_of_range(path, table, values, bad, first_row_line))
    x = np.ascontiguousarray(np.clip(values, 0.0, 1.0), dtype=np.float32)
    if not has_labels:
        return x, None
    labels = table[:, -1]
    bad = np.flatnonzero((labels != np.round(labels)) | (labels < 0) | (labels >= len(CLASSES)))
    if len(bad):
        raise DataError(f"{path} line {bad[0] + first_row_line}: label {labels[bad[0]]:g} is not an integer "
                        f"in 0..{len(CLASSES) - 1} ({', '.join(CLASSES)})")
    return x, labels.astype(np.int64)


def _out_of_range(path, table, values, bad, first_row_line):
    """The message for beat values outside [0, 1]: what pandas' to_csv leaves in a file (a row index, a header of
    column numbers) is named as such, anything else is taken for unscaled ECG."""
    counting = np.arange(len(table))
    if len(table) > 2 and np.array_equal(table[:, 0], counting + (table[0, 0] == 1)):
        return (f"{path}: the first column counts the rows (0, 1, 2, ...), an index column without a header; write "
                f"the CSV without it (pandas: to_csv(index=False)) or name it 'index' in a header line")
    if np.array_equal(table[0, :10], np.arange(10)) or np.array_equal(table[0, :10], np.arange(1, 11)):
        return (f"{path} line {first_row_line}: the column numbers (0, 1, 2, ...), a header line of numbers; write the "
                f"CSV without a header (pandas: to_csv(header=False)) or with names that are not numbers")
    row = values[bad[0]]
    return (f"{path} line {bad[0] + first_row_line}: values from {row.min():g} to {row.max():g}; beats must be "
            f"scaled to [0, 1] ({len(bad)} such rows). Raw ECG goes through predict.py --record/--signal, which "
            f"cuts and scales beats itself")


def _diagnose(path, n_cols, skip):
    """Walk the file line by line to name the first row pandas could not use (the slow path, errors only)."""
    with open(path, "r", newline="", encoding="utf-8-sig", errors="replace") as f:
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
