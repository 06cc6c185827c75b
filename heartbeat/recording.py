"""Continuous ECG in, labelled beats out: read, check, bring to 360 Hz, detect, cut as in training, classify.

The training beats follow the Kaggle rule on 360 Hz signals, so any input is resampled to 360 Hz
first and then cut by the very function that built the training CSVs (segment.kaggle_beats).
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import CLASSES, UserError, segment
from .database import AAMI_LABEL
from .detect import detect_r_peaks
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
    """Raise SignalError for a rate, length or content the pipeline cannot use; fill isolated NaNs."""
    if not MIN_FS <= rec.fs <= MAX_FS:
        raise SignalError(f"{rec.name}: sampling rate {rec.fs:g} Hz is implausible; expected {MIN_FS:g} to {MAX_FS:g} Hz")
    sig = rec.signal
    if len(sig) == 0:
        raise SignalError(f"{rec.name}: the signal is empty")
    if np.isinf(sig).any():
        raise SignalError(f"{rec.name}: infinite values at sample {np.flatnonzero(np.isinf(sig))[0]}")
    nan = np.isnan(sig)
    if nan.any():
        # a run of NaNs longer than 50 ms is a gap in the recording, not a glitch to paper over
        run = np.diff(np.flatnonzero(np.diff(np.r_[0, nan.astype(np.int8), 0])))[::2]
        if run.max() > 0.05 * rec.fs or nan.all():
            first = np.flatnonzero(nan)[0]
            raise SignalError(f"{rec.name}: {run.max()} missing (NaN) samples in a row from sample {first}; "
                              f"cut the gap out or split the recording")
        idx = np.arange(len(sig))
        sig = sig.copy()
        sig[nan] = np.interp(idx[nan], idx[~nan], sig[~nan])
    if len(sig) < MIN_SECONDS * rec.fs:
        raise SignalError(f"{rec.name}: {len(sig) / rec.fs:.1f} s of signal; at least {MIN_SECONDS:g} s is needed")
    if np.ptp(sig) == 0:
        raise SignalError(f"{rec.name}: the signal is flat")
    rec.signal = sig
    return rec


def beats_of(rec):
    """(peaks in input samples (n,), beats (n, 187) float32, times in seconds of all n + 1 detected beats)
    for every detected beat that has a successor, cut by the rule that cut the training beats."""
    sig, fs = segment.resample(rec.signal, rec.fs, segment.KAGGLE_FS)  # the rate the beats were cut at
    peaks = detect_r_peaks(sig, fs)
    if len(peaks) < MIN_BEATS + 1:
        raise SignalError(f"{rec.name}: found {len(peaks)} beats; is this an ECG at {rec.fs:g} Hz?")
    index = np.arange(len(peaks) - 1)  # the last beat has no next one to end its segment
    beats = segment.kaggle_beats(sig, peaks, index)
    in_samples = np.round(peaks[index] * rec.fs / fs).astype(np.int64)
    return in_samples, beats, peaks / fs


def classify_recording(model, rec):
    """DataFrame with one row per beat: sample (input rate), time_s, class, class_index, p_<class>..."""
    check_signal(rec)
    samples, beats, times = beats_of(rec)
    inputs = recording_inputs(model.inputs, times, np.arange(len(beats)), beats)
    table = predictions_table(predict_proba(model, inputs), CLASSES).drop(columns="row")
    table.insert(0, "sample", samples)
    table.insert(1, "time_s", samples / rec.fs)
    return table


def mean_heart_rate(table):
    """Beats per minute from the median R-R interval (robust to a missed or extra beat)."""
    rr = np.diff(table["time_s"].to_numpy())
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
