"""Continuous ECG in, labelled beats out: read, check, bring to 360 Hz, detect, cut as in training, classify.

The training beats follow the Kaggle rule on 360 Hz signals, so any input is resampled to 360 Hz
first and then cut by the very function that built the training CSVs (segment.kaggle_beats).
"""
from dataclasses import dataclass, field
from typing import NamedTuple
from pathlib import Path

import numpy as np
import pandas as pd

from . import CLASSES, UserError, quality, segment
from .database import AAMI_LABEL
from .detect import detect_beats
from .features import recording_inputs
from .inference import predict_proba, predictions_table

MIN_FS, MAX_FS = 100.0, 10_000.0  # Hz a signal may claim
MIN_SECONDS = 5.0                 # shorter than this holds too few beats to detect reliably
MIN_BEATS = 3


class SignalError(UserError):
    pass


@dataclass
class Recording:
    signal: np.ndarray   # (n,) float64, any unit
    fs: float            # Hz
    name: str
    channel: str = ""
    ref_samples: np.ndarray = None  # reference beat annotations (input samples), when there are any
    ref_labels: np.ndarray = None   # their AAMI labels 0..4
    excluded: list = field(default_factory=list)  # quality.Excluded stretches, set by check_signal
    segments: list = field(default_factory=list)  # (start, stop) of the analyzable pieces, set by check_signal
    flutter: list = field(default_factory=list)   # (start, stop) of flutter / fibrillation, set by classify_recording


class SegmentBeats(NamedTuple):
    samples: np.ndarray  # (n,) R peaks of the cut beats, input samples
    beats: np.ndarray    # (n, 187) float32, cut by the Kaggle rule
    times: np.ndarray    # (n + 1,) seconds of every detected beat (the last one is never cut)
    flutter: list        # (start, stop) input samples of each flutter / fibrillation episode


def read_signal_file(path, fs):
    """A plain signal: a one-column CSV (optional header) or a 1-D .npy, at `fs` Hz."""
    path = Path(path)
    if fs is None:
        raise SignalError(f"{path}: give the sampling rate with --fs HZ")
    if not path.is_file():
        raise SignalError(f"{path}: no such file")
    if path.suffix == ".npy":
        try:
            sig = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as e:
            raise SignalError(f"{path}: not a readable .npy array ({e})") from None
        if sig.ndim != 1 or not np.issubdtype(sig.dtype, np.number):
            raise SignalError(f"{path}: expected a 1-D numeric array, got {sig.dtype} of shape {sig.shape}")
    else:
        try:
            table = pd.read_csv(path, header=None, skip_blank_lines=True)
        except pd.errors.EmptyDataError:
            raise SignalError(f"{path}: the file is empty") from None
        except pd.errors.ParserError as e:
            raise SignalError(f"{path}: not a one-column CSV ({str(e).strip()[:120]})") from None
        if table.shape[1] != 1:
            raise SignalError(f"{path}: {table.shape[1]} columns; a signal file has one value per line")
        column = table.iloc[:, 0]
        if len(column) and pd.isna(pd.to_numeric(column.iloc[:1], errors="coerce")).all():
            column = column.iloc[1:]  # a header line
        numbers = pd.to_numeric(column, errors="coerce")
        bad = np.flatnonzero(numbers.isna() & column.notna() & ~column.astype(str).str.strip().str.lower()
                             .isin(["nan", ""]))
        if len(bad):
            line = bad[0] + 1 + (len(table) - len(column))
            raise SignalError(f"{path} line {line}: {str(column.iloc[bad[0]])[:20]!r} is not a number")
        sig = numbers.to_numpy(dtype=np.float64)
    return Recording(np.asarray(sig, dtype=np.float64), float(fs), path.stem)


def read_wfdb(path, channel=None):
    """A WFDB record (path without extension) in physical units; channel by name or index,
    default MLII where present, else the first. Reference beats come from a .atr beside it, if any."""
    import wfdb

    path = Path(path)
    if path.suffix in (".hea", ".dat", ".atr"):
        path = path.with_suffix("")
    if not path.with_suffix(".hea").is_file():
        raise SignalError(f"{path}.hea: no such WFDB header (give the record path without extension)")
    try:
        header = wfdb.rdheader(str(path))
        names = list(header.sig_name or [])
        if channel is None:
            index = names.index("MLII") if "MLII" in names else 0
        elif str(channel).isdigit():
            index = int(channel)
        elif channel in names:
            index = names.index(channel)
        else:
            raise SignalError(f"{path}: no channel {channel!r}; channels: {', '.join(names)}")
        if not 0 <= index < len(names):
            raise SignalError(f"{path}: channel {index} out of range; channels 0..{len(names) - 1}: {', '.join(names)}")
        rec = wfdb.rdrecord(str(path), channels=[index])
    except SignalError:
        raise
    except Exception as e:  # wfdb raises many kinds on damaged records
        raise SignalError(f"{path}: unreadable WFDB record ({str(e).strip()[:160]})") from None
    out = Recording(rec.p_signal[:, 0].astype(np.float64), float(rec.fs), path.name, names[index])
    if path.with_suffix(".atr").is_file():
        try:
            ann = wfdb.rdann(str(path), "atr")
        except Exception as e:  # as above: a damaged .atr fails in many ways
            raise SignalError(f"{path}.atr: unreadable annotations ({str(e).strip()[:160]})") from None
        labels = np.array([AAMI_LABEL.get(s, -1) for s in ann.symbol])
        out.ref_samples, out.ref_labels = ann.sample[labels >= 0], labels[labels >= 0]
    return out


def check_signal(rec):
    """Raise SignalError for a rate, length or content the pipeline cannot use; fill missing samples shorter
    than a gap; set rec.excluded (quality.Excluded stretches: gaps, lead-off, saturation) and rec.segments
    ((start, stop) of the analyzable pieces). A recording with nothing analyzable is an error."""
    if not MIN_FS <= rec.fs <= MAX_FS:
        raise SignalError(f"{rec.name}: sampling rate {rec.fs:g} Hz is implausible; expected {MIN_FS:g} to {MAX_FS:g} Hz")
    sig = rec.signal
    if len(sig) == 0:
        raise SignalError(f"{rec.name}: the signal is empty")
    if np.isinf(sig).any():
        raise SignalError(f"{rec.name}: infinite values at sample {np.flatnonzero(np.isinf(sig))[0]}")
    if len(sig) < MIN_SECONDS * rec.fs:
        raise SignalError(f"{rec.name}: {len(sig) / rec.fs:.1f} s of signal; at least {MIN_SECONDS:g} s is needed")
    nan = np.isnan(sig)
    if nan.all():
        raise SignalError(f"{rec.name}: every sample is missing (NaN)")
    if np.nanmax(sig) == np.nanmin(sig):
        raise SignalError(f"{rec.name}: the signal is flat")
    rec.excluded = quality.excluded_stretches(sig, rec.fs)
    rec.segments = quality.analyzable_segments(len(sig), rec.excluded)
    if not rec.segments:
        reasons = sorted({e.reason for e in rec.excluded})
        raise SignalError(f"{rec.name}: nothing to analyse: all {len(sig) / rec.fs:.1f} s are excluded "
                          f"({', '.join(reasons)})")
    if nan.any():  # what is left of them are glitches shorter than a gap: bridged
        idx = np.arange(len(sig))
        sig = sig.copy()
        sig[nan] = np.interp(idx[nan], idx[~nan], sig[~nan])
    rec.signal = sig
    return rec


def beats_of(rec, start=0, stop=None):
    """SegmentBeats of rec.signal[start:stop]: every detected beat that has a successor, cut by the rule
    that cut the training beats."""
    sig, fs = segment.resample(rec.signal[start:stop], rec.fs, segment.KAGGLE_FS)  # the rate the beats were cut at
    peaks, flutter = detect_beats(sig, fs)
    if len(peaks) < MIN_BEATS + 1:
        raise SignalError(f"{rec.name}: found {len(peaks)} beats; is this an ECG at {rec.fs:g} Hz?")
    index = np.arange(len(peaks) - 1)  # the last beat has no next one to end its segment

    def to_input(x):
        return start + np.round(np.asarray(x) * rec.fs / fs).astype(np.int64)

    return SegmentBeats(to_input(peaks[index]), segment.kaggle_beats(sig, peaks, index), start / rec.fs + peaks / fs,
                        [tuple(to_input(span)) for span in flutter])


def classify_recording(model, rec):
    """DataFrame with one row per beat: sample (input rate), time_s, segment, class, class_index, p_<class>...

    Beats of one segment are joined by R-R intervals; a new segment starts after excluded time and after
    a flutter / fibrillation episode (rec.flutter), whose waves are no beats. Each analyzable piece is
    read on its own, R-R context and template included: after a gap the electrodes may sit elsewhere.
    A piece with too few beats is excluded ("no beats"); if all are, that is an error.
    """
    check_signal(rec)
    tables, error, rec.flutter = [], None, []
    for start, stop in rec.segments:
        try:
            found = beats_of(rec, start, stop)
        except SignalError as e:
            rec.excluded.append(quality.Excluded(start, stop, "no beats"))
            error = e
            continue
        inputs = recording_inputs(model.inputs, found.times, np.arange(len(found.beats)), found.beats)
        table = predictions_table(predict_proba(model, inputs), CLASSES).drop(columns="row")
        table.insert(0, "sample", found.samples)
        table.insert(1, "time_s", found.samples / rec.fs)
        first = len(tables) + len(rec.flutter)  # segment numbers go on across pieces and episodes
        ends = np.array([b for _, b in found.flutter], dtype=np.int64)
        table.insert(2, "segment", first + np.searchsorted(ends, found.samples))
        rec.flutter += found.flutter
        tables.append(table)
    if not tables:
        raise error
    rec.excluded.sort(key=lambda e: e.start)
    return pd.concat(tables, ignore_index=True)


def mean_heart_rate(table):
    """Beats per minute from the median R-R interval (robust to a missed or extra beat) within segments."""
    rr = np.diff(table["time_s"].to_numpy())[np.diff(table["segment"].to_numpy()) == 0]
    return 60.0 / np.median(rr) if len(rr) else float("nan")


def reference_agreement(table, rec):
    """Detection and classification against the record's reference annotations (150 ms matching).

    Returns {"se", "ppv", "matched", "accuracy", "y_true", "y_pred"}; the last beat of the record is
    never cut (no successor), so the reference's last beat is left out of the comparison.
    """
    from wfdb.processing import compare_annotations

    ref = rec.ref_samples[:-1]
    det = table["sample"].to_numpy()
    cmp = compare_annotations(ref, det, int(round(0.15 * rec.fs)))
    match = cmp.matching_sample_nums  # for each reference beat: index into det, or -1
    hit = match >= 0
    y_true = rec.ref_labels[:-1][hit]
    y_pred = table["class_index"].to_numpy()[match[hit]]
    return {"se": cmp.tp / max(cmp.tp + cmp.fn, 1), "ppv": cmp.tp / max(cmp.tp + cmp.fp, 1),
            "matched": int(hit.sum()), "accuracy": float((y_true == y_pred).mean()) if hit.any() else float("nan"),
            "y_true": y_true, "y_pred": y_pred}
