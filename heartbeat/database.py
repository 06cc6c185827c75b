"""Annotated ECG databases (WFDB records with reference beat labels): reading them for the dataset builder,
the AAMI grouping of beat symbols, and the MIT-BIH Arrhythmia Database's record lists."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wfdb

# AAMI EC57 grouping of MIT-BIH beat symbols into the five classes (label index in CLASSES).
AAMI_LABEL = {
    "N": 0, "L": 0, "R": 0, "e": 0, "j": 0,  # N: normal, bundle branch blocks, escapes
    "A": 1, "a": 1, "J": 1, "S": 1,          # S: supraventricular ectopic
    "V": 2, "E": 2,                          # V: ventricular ectopic
    "F": 3,                                  # F: fusion of ventricular and normal
    "/": 4, "f": 4, "Q": 4,                  # Q: paced, fusion of paced and normal, unclassifiable
}

# The 48 records of the MIT-BIH Arrhythmia Database.
ALL_RECORDS = (
    "100 101 102 103 104 105 106 107 108 109 111 112 113 114 115 116 117 118 119 121 122 123 124 "
    "200 201 202 203 205 207 208 209 210 212 213 214 215 217 219 220 221 222 223 228 230 231 232 "
    "233 234"
).split()

# Inter-patient split of de Chazal et al. 2004; the paced records 102, 104, 107, 217 are in neither.
DS1 = ("101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 230").split()
DS2 = ("100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 234").split()

MITDB_FS = 360  # Hz, every MIT-BIH record


@dataclass
class AnnotatedRecord:
    """One record of an annotated database: a single channel of raw ADC integers and all of its annotations."""

    name: str
    signal: np.ndarray      # (n_samples,) int, raw ADC units
    fs: float               # Hz
    channel: str            # signal name, e.g. "MLII"
    ann_samples: np.ndarray  # (n_ann,) int, every annotation, non-beat ones included
    ann_symbols: np.ndarray  # (n_ann,) str


def read_record(path, channel=0):
    """Read a WFDB record and its .atr annotations. `path` is the record path without extension.

    Channel 0 by default, because that is the lead Kaggle's beats were cut from
    (MLII, except V5 in records 102, 104 and 114).
    """
    path = Path(path)
    if not path.with_suffix(".hea").exists():
        raise FileNotFoundError(f"no WFDB header {path.with_suffix('.hea')}")
    rec = wfdb.rdrecord(str(path), channels=[channel], physical=False)
    ann = wfdb.rdann(str(path), "atr")
    return AnnotatedRecord(
        name=path.name,
        signal=rec.d_signal[:, 0],
        fs=float(rec.fs),
        channel=rec.sig_name[0],
        ann_samples=np.asarray(ann.sample, dtype=np.int64),
        ann_symbols=np.asarray(ann.symbol),
    )


def aami_labels(symbols):
    """Label 0..4 for each annotation symbol, -1 for symbols that are not beats (rhythm, noise, ...)."""
    return np.array([AAMI_LABEL.get(s, -1) for s in symbols], dtype=np.int64)
