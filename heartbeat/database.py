"""Annotated ECG databases (WFDB records with reference beat labels): reading them for the dataset builder,
the AAMI grouping of beat symbols, and the MIT-BIH Arrhythmia Database's record lists."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wfdb

from . import UserError
from .segment import resample

# AAMI EC57 grouping of WFDB beat symbols into the five classes (label index in CLASSES); MIT-BIH uses all but B, n, r.
AAMI_LABEL = {
    "N": 0, "L": 0, "R": 0, "B": 0,          # N: normal, bundle branch blocks (B: of either side, unspecified),
    "e": 0, "j": 0, "n": 0,                  #    escapes (atrial, nodal, supraventricular)
    "A": 1, "a": 1, "J": 1, "S": 1,          # S: supraventricular ectopic
    "V": 2, "E": 2, "r": 2,                  # V: ventricular ectopic (r: R-on-T)
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


# WFDB annotation codes that mark no beat (rhythm and signal-quality changes, noise, artifacts, comments,
# flutter waves, P and T waves, ...): they stay anchors of the cutting rule but are no training rows. Any
# other symbol outside AAMI_LABEL (a beat type AAMI does not group, or a code of somebody's own) is unknown:
# counted and skipped.
NON_BEAT = frozenset('+~|x"[]!()ptu`\'^sT*D=@{}')
MIN_FS = 100.0  # Hz: below this a QRS complex is a handful of samples


class DatabaseError(UserError):
    pass


@dataclass
class AnnotatedRecord:
    """One lead of a record of an annotated database: raw ADC integers and all of its annotations."""

    name: str
    db: str                 # the database's folder name, e.g. "mitdb", "svdb"
    signal: np.ndarray      # (n_samples,) int, raw ADC units
    fs: float               # Hz
    lead: str               # signal name, e.g. "MLII", "ECG1"
    ann_samples: np.ndarray  # (n_ann,) int, every annotation, non-beat ones included
    ann_symbols: np.ndarray  # (n_ann,) str


def record_names(folder):
    """The annotated records of a database folder: its RECORDS file, else every .hea with a .atr beside it."""
    folder = Path(folder)
    names = _listed_records(folder, "database")
    missing = [n for n in names if not (folder / f"{n}.hea").is_file()]
    if missing:
        raise DatabaseError(f"{folder}: {len(missing)} of {len(names)} records missing, e.g. {missing[0]}.hea")
    unannotated = [n for n in names if not (folder / f"{n}.atr").is_file()]
    if unannotated:
        raise DatabaseError(f"{folder}: {len(unannotated)} of {len(names)} records have no reference beat "
                            f"annotations (.atr), e.g. {unannotated[0]}; only annotated records can be training data")
    return names


def _listed_records(folder, kind):
    """Record names of a folder: its RECORDS file, else every .hea in it."""
    if not folder.is_dir():
        raise DatabaseError(f"{folder}: no such {kind} folder")
    listed = folder / "RECORDS"
    names = listed.read_text().split() if listed.is_file() else sorted(p.stem for p in folder.glob("*.hea"))
    if not names:
        raise DatabaseError(f"{folder}: no WFDB records (no RECORDS file, no .hea files)")
    return names


def read_record(path, lead=0):
    """One lead (by index) of a WFDB record and its .atr annotations; `path` is the record path without extension.

    Lead 0 by default, because that is the lead Kaggle's beats were cut from (MLII, except V5 in MIT-BIH
    records 102, 104 and 114).
    """
    path = Path(path)
    if not path.with_suffix(".hea").exists():
        raise DatabaseError(f"no WFDB header {path.with_suffix('.hea')}")
    header = wfdb.rdheader(str(path))
    if not 0 <= lead < header.n_sig:
        raise DatabaseError(f"{path}: no lead {lead}; it has {header.n_sig} ({', '.join(header.sig_name)})")
    if header.fs < MIN_FS:
        raise DatabaseError(f"{path}: sampled at {header.fs:g} Hz; at least {MIN_FS:g} Hz is needed")
    rec = wfdb.rdrecord(str(path), channels=[lead], physical=False)
    ann = wfdb.rdann(str(path), "atr")
    return AnnotatedRecord(
        name=path.name,
        db=path.parent.resolve().name,
        signal=rec.d_signal[:, 0],
        fs=float(rec.fs),
        lead=rec.sig_name[0],
        ann_samples=np.asarray(ann.sample, dtype=np.int64),
        ann_symbols=np.asarray(ann.symbol),
    )


def aami_labels(symbols):
    """Label 0..4 for each annotation symbol; -1 for symbols that mark no beat (rhythm, noise, ...), -2 for
    unknown symbols (see NON_BEAT)."""
    return np.array([AAMI_LABEL.get(s, -1 if s in NON_BEAT else -2) for s in symbols], dtype=np.int64)


def rhythm_spans(path, fs, duration_s, rhythm="(AFIB", annotator="atr"):
    """[(start_s, end_s)] of one rhythm in a record's rhythm marks ('+' with aux "(AFIB" ...; each lasts
    until the next mark), or None when the record has no rhythm marks (SVDB's files here)."""
    ann = wfdb.rdann(str(path), annotator)
    marks = [(sample / fs, note.strip("\x00 ")) for sample, note in zip(ann.sample, ann.aux_note)
             if note.strip("\x00 ").startswith("(")]
    if not marks:
        return None
    ends = [t for t, _ in marks[1:]] + [duration_s]
    return [(t, end) for (t, name), end in zip(marks, ends) if name == rhythm]


def read_noise(folder, fs=360):
    """Every signal of every record of a noise folder (e.g. the noise stress test's bw, em, ma), at `fs`:
    {record name: (channels, n) float32}, physical units. For augment.RecorderNoise."""
    folder = Path(folder)
    out = {}
    for name in _listed_records(folder, "noise"):
        try:
            rec = wfdb.rdrecord(str(folder / name))
        except (OSError, ValueError) as e:
            raise DatabaseError(f"{folder / name}: cannot read this WFDB record ({e})") from None
        if rec.fs < MIN_FS:
            raise DatabaseError(f"{folder / name}: sampled at {rec.fs:g} Hz; at least {MIN_FS:g} Hz is needed")
        out[name] = np.stack([resample(rec.p_signal[:, c], rec.fs, fs)[0] for c in range(rec.n_sig)]).astype(np.float32)
    return out
