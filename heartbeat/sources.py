"""Where a recording comes from: a WFDB record, an EDF / EDF+ file (edf.py), a one-column CSV or a .npy
signal (signal_file.py), as a Recording.

A long recording is not loaded whole: a .npy file (signal_file.NpySignal), an EDF file (edf.EdfSignal) and a WFDB
record longer than LAZY_S (WfdbSignal) are read piece by piece, so that a week at 360 Hz fits in bounded memory.
Everything downstream reads a recording by slices (recording.read_span).
"""
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import UserError

MIN_FS, MAX_FS = 100.0, 10_000.0  # Hz a signal may claim
LAZY_S = 2 * 3600.0  # a WFDB record longer than this is read piece by piece


class SignalError(UserError):
    pass


@dataclass
class Recording:
    signal: np.ndarray   # (n,) any unit: an array, an NpySignal or a WfdbSignal; read it by slices
    fs: float            # Hz
    name: str
    channel: str = ""
    units: str = ""      # the signal's physical unit as its header names it (e.g. mV); "" for a bare signal file
    second: object = None  # another lead of the same samples (read like signal): each beat's class is the mean
    second_channel: str = ""  # of both leads' probabilities where this lead is analyzable (recording.py)
    ref_samples: np.ndarray = None  # reference beat annotations (input samples), when there are any
    ref_labels: np.ndarray = None   # their AAMI labels 0..4
    excluded: list = field(default_factory=list)  # quality.Excluded stretches, set by check_signal
    segments: list = field(default_factory=list)  # (start, stop) of the analyzable pieces, set by check_signal
    flutter: list = field(default_factory=list)   # (start, stop) of flutter / fibrillation, set by classify_recording
    noise_windows: list = field(default_factory=list)  # (start, stop, quality.noise_ratio) of the windows judged,
                                                       # likewise
    second_excluded: list = field(default_factory=list)  # the second lead's unanalyzable stretches, by check_signal
    warnings: list = field(default_factory=list)  # one-line warnings about the lead read, set by classify_recording
    start: object = None  # when it began: a datetime (date known), a time (time of day only), or None


class WfdbSignal:
    """One channel of a WFDB record in physical units, read from disk slice by slice."""

    def __init__(self, path, index, length):
        self.path, self.index, self.length = str(path), index, length

    def __len__(self):
        return self.length

    def __getitem__(self, where):
        import wfdb

        if not isinstance(where, slice) or where.step not in (None, 1):
            raise TypeError("a WfdbSignal is read by contiguous slices")
        a, b, _ = where.indices(self.length)
        if b <= a:
            return np.zeros(0)
        return wfdb.rdrecord(self.path, sampfrom=a, sampto=b, channels=[self.index]).p_signal[:, 0]


# a lead's name, once "ECG" / "EKG" / "Lead", spaces and dashes are dropped: limb and precordial leads, MIT-BIH's
# modified ones (MLII, MLIII), bipolar chest leads (CM5, CC5) and the European D notation (DII, D2)
LEAD_NAME = re.compile(r"(ML)?(I{1,3}|AV[RLF]|V[1-9])|C[MC]\d|D(I{1,3}|[123])")


def _plain(name):
    return re.sub(r"ECG|EKG|LEAD|[\s_:-]", "", str(name).upper())


def lead_ii(names):
    """Index of the first channel named as lead II (MLII before II, "ECG II", "Lead II", DII, D2), or None. The
    models learned on MIT-BIH's modified lead II and on SVDB's ECG1, placed roughly as one."""
    plain = [_plain(n) for n in names]
    return next((i for want in ("MLII", "II", "DII", "D2") for i, n in enumerate(plain) if n == want), None)


def is_ecg_name(name):
    """Whether a channel's name says it holds an ECG lead (ECG / EKG in it, or a lead's name: I, aVR, V1, CM5 ...)."""
    return any(k in str(name).upper() for k in ("ECG", "EKG")) or LEAD_NAME.fullmatch(_plain(name)) is not None


def is_edf(path):
    """An EDF file by its name; .bdf too, so that a BDF file gets edf.py's one-line refusal."""
    return Path(path).suffix.lower() in (".edf", ".bdf")


def channel_index(path, names, channel, signals=None):
    """Index of the channel to read, by name or index. None: lead II where a channel is named so, else the first
    named as an ECG lead, else the only one; a recording of several channels none of which is named as ECG (a sleep
    study's EEG first, say) needs --channel. `signals`: the indices that hold a signal (default: all)."""
    signals = list(range(len(names))) if signals is None else list(signals)
    if channel is None:
        named = [names[i] for i in signals]
        found = lead_ii(named)
        if found is None:
            found = next((k for k, n in enumerate(named) if is_ecg_name(n)), 0 if len(named) == 1 else None)
        if found is None:
            raise SignalError(f"{path}: no channel is named as an ECG lead; give --channel (channels: "
                              f"{', '.join(map(str, names))})")
        return signals[found]
    if str(channel).isdigit():
        index = int(channel)
    elif channel in names:
        index = names.index(channel)
    else:
        raise SignalError(f"{path}: no channel {channel!r}; channels: {', '.join(names)}")
    if not 0 <= index < len(names):
        raise SignalError(f"{path}: channel {index} out of range; channels 0..{len(names) - 1}: {', '.join(names)}")
    if index not in signals:
        raise SignalError(f"{path}: channel {index} ({names[index]}) holds no signal")
    return index


def _read_channel(path, header, index):
    import wfdb

    if header.sig_len and header.sig_len > LAZY_S * header.fs:
        signal = WfdbSignal(path, index, header.sig_len)
        signal[:1]  # a damaged record fails here, not in the middle of the analysis
        return signal
    return wfdb.rdrecord(str(path), channels=[index]).p_signal[:, 0].astype(np.float64)


def _wfdb_header(path):
    """(the record path without extension, its wfdb header); SignalError for a missing or damaged header."""
    import wfdb

    path = Path(path)
    if path.is_dir():
        raise SignalError(f"{path} is a folder; give one record's path without extension, or run batch.py on the "
                          "folder")
    if path.suffix in (".hea", ".dat", ".atr"):
        path = path.with_suffix("")
    elif path.suffix in (".csv", ".npy") and path.is_file():
        raise SignalError(f"{path}: a signal file goes with --signal and --fs HZ; --record reads WFDB records and "
                          "EDF files")
    if not path.with_suffix(".hea").is_file():
        raise SignalError(f"{path}.hea: no such WFDB header (give the record path without extension)")
    try:
        return path, wfdb.rdheader(str(path))
    except Exception as e:  # wfdb raises many kinds on damaged records
        raise SignalError(f"{path}: unreadable WFDB record ({str(e).strip()[:160]})") from None


def read_wfdb(path, channel=None, second=None):
    """A WFDB record (path without extension) in physical units; channel by name or index, by default as
    channel_index chooses; `second`: another channel to classify the same beats on (both leads'
    probabilities are averaged). Reference beats come from a .atr beside it, if any."""
    import wfdb

    # imported here, like wfdb: predict.py and report.py import this module at start-up, for --help and CSVs too
    from .database import AAMI_LABEL

    path, header = _wfdb_header(path)
    names = list(header.sig_name or [])
    try:
        index = channel_index(path, names, channel)
        other = None if second is None else channel_index(path, names, second)
        if other == index:
            raise SignalError(f"{path}: the second channel is the channel read ({names[index]}); give another")
        signal = _read_channel(path, header, index)
        second_signal = None if other is None else _read_channel(path, header, other)
    except SignalError:
        raise
    except Exception as e:  # wfdb raises many kinds on damaged records
        raise SignalError(f"{path}: unreadable WFDB record ({str(e).strip()[:160]})") from None
    units = header.units or [""] * len(names)
    out = Recording(signal, float(header.fs), path.name, names[index], unit_name(units[index]))
    if header.base_time is not None:  # the header's optional start time (and date)
        out.start = dt.datetime.combine(header.base_date, header.base_time) if header.base_date else header.base_time
    if other is not None:
        out.second, out.second_channel = second_signal, names[other]
    if path.with_suffix(".atr").is_file():
        try:
            ann = wfdb.rdann(str(path), "atr")
        except Exception as e:  # as above: a damaged .atr fails in many ways
            raise SignalError(f"{path}.atr: unreadable annotations ({str(e).strip()[:160]})") from None
        labels = np.array([AAMI_LABEL.get(s, -1) for s in ann.symbol])
        out.ref_samples, out.ref_labels = ann.sample[labels >= 0], labels[labels >= 0]
    return out


def unit_name(text):
    """A header's unit field as a strip's axis names it: blank, or WFDB's placeholder "NU", says nothing."""
    text = (text or "").strip()
    return "" if text.upper() in ("", "NU") else text


def read_record(path, channel=None, second=None):
    """A recording file with its own rate and channels: an EDF / EDF+ file (by its .edf suffix) or a WFDB record."""
    if is_edf(path):
        from .edf import read_edf  # edf.py imports this module

        return read_edf(path, channel, second)
    return read_wfdb(path, channel, second)


def channel_names(path, channel=None, second=None):
    """((index, name) of the channel, of the second channel or None) read_record(path, channel, second) would read,
    from the header alone: `--channel 0`, `--channel MLII` and no --channel may name the same lead, and two channels
    may share a name (an EDF file's "ECG", "ECG"), so the index says which."""
    if is_edf(path):
        from .edf import read_header, signal_indices

        header = read_header(path)
        names, signals = header.labels, signal_indices(path, header)
    else:
        path, header = _wfdb_header(path)
        names, signals = list(header.sig_name or []), None
    index = channel_index(path, names, channel, signals)
    other = None if second is None else channel_index(path, names, second, signals)
    return (index, names[index]), None if other is None else (other, names[other])


def other_channel(path, channel=None):
    """The first channel of a WFDB record or EDF file named as an ECG lead (is_ecg_name) other than the one
    read_record(path, channel) reads (as an index string), or None: the second lead the app's both-leads view reads."""
    if is_edf(path):
        from .edf import other_signal

        return other_signal(path, channel)
    path, header = _wfdb_header(path)
    names = list(header.sig_name or [])
    index = channel_index(path, names, channel)
    return next((str(i) for i, n in enumerate(names) if i != index and is_ecg_name(n)), None)


def add_channel_arguments(parser, second_help="each beat is classified on both leads and their probabilities "
                                             "averaged (detection stays on --channel); a long interval it beats "
                                             "through at the rhythm before is no pause but excluded time"):
    """The options open_recording takes beside --record / --signal, declared once for predict, report, prepare_data."""
    parser.add_argument("--channel", help="WFDB / EDF channel name or index (default: lead II, e.g. MLII, II or "
                        "'ECG II', if present, else the first named as an ECG lead)")
    parser.add_argument("--second-channel", help=f"another channel (name or index): {second_help}")
    parser.add_argument("--fs", type=float, help="sampling rate of --signal in Hz")


def open_recording(record=None, channel=None, second=None, signal=None, fs=None):
    """The Recording a script's arguments name: a WFDB record or an EDF file (its channel and second channel),
    or a signal file at fs Hz."""
    if record:
        if fs is not None:  # not silently ignored: the user believes the record is at that rate
            raise SignalError(f"{record}: --fs is for --signal; a WFDB or EDF header gives its rate")
        return read_record(record, channel, second)
    if second is not None:
        raise SignalError(f"{signal}: a second channel needs a WFDB record or EDF file; a signal file holds one lead")
    if channel is not None:  # not silently ignored, as --second-channel is not
        raise SignalError(f"{signal}: --channel picks a channel of a WFDB record or EDF file; a signal file holds one "
                          "lead")
    from .signal_file import read_signal_file  # signal_file.py imports this module

    return read_signal_file(signal, fs)
