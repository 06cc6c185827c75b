"""A plain signal file: a one-column CSV (optional header) or a 1-D .npy array, at a rate the user gives."""
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .sources import Recording, SignalError, is_edf


class NpySignal:
    """A 1-D .npy file read slice by slice with plain file reads: unlike a memory map, what was read is
    not kept resident, so a week-long file passes through in bounded memory."""

    def __init__(self, path):
        self.path = str(path)
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            self.shape, _, self.dtype = read_header(f)
            self.offset = f.tell()
        if len(self.shape) == 2 and min(self.shape) == 1:  # one column or one row: the same values, in order
            self.shape = (max(self.shape),)
        self.ndim = len(self.shape)
        if self.ndim == 1 and Path(path).stat().st_size < self.offset + self.shape[0] * self.dtype.itemsize:
            raise ValueError(f"the file is shorter than its header's {self.shape[0]} values")

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, where):
        if not isinstance(where, slice) or where.step not in (None, 1):
            raise TypeError("an NpySignal is read by contiguous slices")
        a, b, _ = where.indices(len(self))
        with open(self.path, "rb") as f:
            f.seek(self.offset + a * self.dtype.itemsize)
            return np.fromfile(f, dtype=self.dtype, count=max(0, b - a))



def _skip_blank_lines(f):
    """(how many blank lines a text file `f` starts with, the position after them)."""
    blank = 0
    while True:
        start = f.tell()
        line = f.readline()
        if not line or line.strip():
            return blank, start
        blank += 1


def _european_hint(path):
    """A hint where a CSV's second line holds a semicolon or a decimal comma, as a spreadsheet set to a European
    locale writes them; else ""."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            lines = [f.readline() for _ in range(2)]
    except OSError:
        return ""
    if ";" in lines[-1] or re.fullmatch(r"\s*[-+]?\d+,\d+\s*", lines[-1]):
        return ("; if it was written with semicolons or decimal commas (a spreadsheet's European CSV), save one "
                "column with '.' as the decimal mark")
    return ""


def read_signal_file(path, fs):
    """A plain signal: a one-column CSV (optional header) or a 1-D .npy, at `fs` Hz."""
    path = Path(path)
    if is_edf(path):
        raise SignalError(f"{path}: an EDF file carries its rate and channels: give it with --record")
    if fs is None:
        raise SignalError(f"{path}: give the sampling rate with --fs HZ")
    if not path.is_file():
        raise SignalError(f"{path}: no such file")
    if path.suffix == ".npy":
        try:
            sig = NpySignal(path)  # read by slices: a week fits in memory
        except (ValueError, OSError, EOFError) as e:
            raise SignalError(f"{path}: not a readable .npy array ({str(e).strip()[:160]})") from None
        if sig.ndim != 1 or not (np.issubdtype(sig.dtype, np.integer) or np.issubdtype(sig.dtype, np.floating)):
            raise SignalError(f"{path}: expected a 1-D numeric array, got {sig.dtype} of shape {sig.shape}")
    else:
        try:  # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") would make the first value look like a header.
            # A blank line is an empty cell, a missing sample (NaN: a gap), not nothing: skipping it would move
            # every later sample earlier.
            with open(path, encoding="utf-8-sig") as f:
                leading, start = _skip_blank_lines(f)  # before the first value or header: not samples
                f.seek(start)
                table = pd.read_csv(f, header=None, skip_blank_lines=False)
        except pd.errors.EmptyDataError:
            raise SignalError(f"{path}: the file is empty") from None
        except pd.errors.ParserError as e:
            raise SignalError(f"{path}: not a one-column CSV ({str(e).strip()[:120]})" + _european_hint(path)) \
                from None
        except UnicodeDecodeError:
            raise SignalError(f"{path}: not a text file; a signal file is a one-column CSV or a 1-D .npy "
                              "(WFDB and EDF recordings go with --record)") from None
        except OSError as e:
            raise SignalError(f"{path}: cannot be read ({e.strerror})") from None
        if table.shape[1] != 1:
            raise SignalError(f"{path}: {table.shape[1]} columns; a signal file has one value per line"
                              + _european_hint(path))
        column = table.iloc[:, 0]
        filled = np.flatnonzero(column.notna().to_numpy())
        column = column.iloc[:filled[-1] + 1] if len(filled) else column.iloc[:0]  # blank lines at the end: none
        if len(column) and pd.isna(pd.to_numeric(column.iloc[:1], errors="coerce")).all():
            column = column.iloc[1:]  # a header line
        numbers = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero(numbers.isna() & column.notna() & ~column.astype(str).str.strip().str.lower()
                             .isin(["nan", ""]))
        if len(bad):
            line = leading + column.index[bad[0]] + 1
            raise SignalError(f"{path} line {line}: {str(column.iloc[bad[0]])[:20]!r} is not a number")
        sig = numbers.to_numpy(dtype=np.float64)
        if not len(sig):
            raise SignalError(f"{path}: no numbers, only a header line; a signal file has one value per line")
    return Recording(sig, float(fs), path.stem)
