"""EDF and EDF+ files, the exchange format of most Holter and patch recorders, read slice by slice.

An EDF file is a fixed-width ASCII header, then data records of 16-bit samples: each record holds a block of
every signal in turn (https://www.edfplus.info/specs/edf.html). wfdb.io.convert.edf.read_edf reads a whole file
into memory; a week-long recording needs reading by slices, as signal_file.NpySignal and sources.WfdbSignal read
theirs, so the few lines that find a signal's samples are here. Samples outside a signal's declared digital range
are missing (NaN): the pipeline excludes them as a gap, as it does a WFDB record's invalid samples. EDF+ annotation
signals are not ECG and are never read; a discontinuous EDF+ file (EDF+D) and 24-bit BDF are refused with one line.
"""
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sources import Recording, SignalError, channel_index, is_ecg_name, unit_name

ANNOTATIONS = "EDF Annotations"
# per-signal header fields and their widths, in the order the header stores them (each field for every signal)
SIGNAL_FIELDS = (("label", 16), ("transducer", 80), ("dimension", 8), ("physical_min", 8), ("physical_max", 8),
                 ("digital_min", 8), ("digital_max", 8), ("prefiltering", 80), ("samples", 8), ("reserved", 32))


@dataclass
class EdfHeader:
    path: Path
    header_bytes: int
    records: int           # data records in the file
    record_s: float        # seconds per data record
    labels: list
    units: list            # each signal's physical dimension (e.g. "uV")
    samples: np.ndarray    # (signals,) samples of each signal per data record
    scale: np.ndarray      # (signals,) physical = digital * scale + offset
    offset: np.ndarray
    digital: np.ndarray    # (signals, 2) digital minimum and maximum: samples outside are missing (NaN)
    start: object          # a datetime, a time (EDF+ "Startdate X": date unknown), or None

    def fs(self, index):
        return self.samples[index] / self.record_s


def read_header(path):
    """The EdfHeader of an EDF or EDF+ (continuous) file; SignalError for anything else."""
    path = Path(path)
    if not path.is_file():
        raise SignalError(f"{path}: no such file")
    try:
        return _read_header(path)
    except OSError as e:
        raise SignalError(f"{path}: unreadable ({e.strerror or e})") from None


def _read_header(path):
    size = path.stat().st_size
    with open(path, "rb") as f:
        fixed = f.read(256)
        if len(fixed) < 256:
            raise SignalError(f"{path}: not an EDF file (shorter than an EDF header)")
        if fixed[:1] == b"\xff":
            raise SignalError(f"{path}: a 24-bit BDF file; only 16-bit EDF / EDF+ files are read")
        text = fixed.decode("latin-1")
        try:
            header_bytes, records, n = int(text[184:192]), int(text[236:244]), int(text[252:256])
            record_s = float(text[244:252])
        except ValueError:
            raise SignalError(f"{path}: not an EDF file (its header's sizes are not numbers)") from None
        if text[:8].strip() != "0" or n < 1 or header_bytes != 256 * (n + 1):
            raise SignalError(f"{path}: not an EDF file (version {text[:8].strip()!r}, {n} signals, "
                              f"{header_bytes} header bytes)")
        if not 0 < record_s < 1e6:  # EDF+ allows 0 for a file of annotations only: no signal to read either
            raise SignalError(f"{path}: its data records last {text[244:252].strip()} s; a signal needs a positive "
                              "duration")
        if size < header_bytes:
            raise SignalError(f"{path}: the file ends inside its own header ({size} of {header_bytes} bytes)")
        if text[192:197] == "EDF+D":
            raise SignalError(f"{path}: a discontinuous EDF+ file (EDF+D); export it as continuous EDF+C or EDF")
        block = f.read(256 * n).decode("latin-1")
    fields, at = {}, 0
    for name, width in SIGNAL_FIELDS:
        fields[name] = [block[at + i * width:at + (i + 1) * width].strip() for i in range(n)]
        at += n * width
    try:
        samples = np.array([int(s) for s in fields["samples"]], dtype=np.int64)
        phys = np.array([[float(a), float(b)] for a, b in zip(fields["physical_min"], fields["physical_max"])])
        dig = np.array([[float(a), float(b)] for a, b in zip(fields["digital_min"], fields["digital_max"])])
    except ValueError:
        raise SignalError(f"{path}: unreadable EDF signal header (a number field is not a number)") from None
    span = dig[:, 1] - dig[:, 0]
    if (samples < 1).any() or not (span > 0).all() or not np.isfinite(phys).all():
        raise SignalError(f"{path}: unreadable EDF signal header (samples per record or digital range not positive, "
                          "or a physical range not finite)")
    complete = (size - header_bytes) // (2 * int(samples.sum()))
    if records < 0:  # "-1": unknown while recording; the file's size tells
        records = complete
    elif complete < records:
        raise SignalError(f"{path}: the file is shorter than its header's {records} data records ({complete} whole)")
    scale = (phys[:, 1] - phys[:, 0]) / span
    return EdfHeader(path, header_bytes, records, record_s, fields["label"], fields["dimension"], samples, scale,
                     phys[:, 0] - dig[:, 0] * scale, dig, _start(text))


def edf_header(records, record_s, labels, samples, physical, digital, recording="", date="01.01.85",
               time="00.00.00", reserved="", patient="X X X X", dimension="mV"):
    """The header (bytes) of an EDF file holding these signals, laid out as read_header reads one: for writing
    test and benchmark files. samples: per data record, physical and digital: (min, max), one of each per signal."""
    n = len(labels)
    values = {"label": labels, "transducer": [""] * n, "dimension": [dimension] * n,
              "physical_min": [lo for lo, _ in physical], "physical_max": [hi for _, hi in physical],
              "digital_min": [lo for lo, _ in digital], "digital_max": [hi for _, hi in digital],
              "prefiltering": [""] * n, "samples": samples, "reserved": [""] * n}
    fields = [("0", 8), (patient, 80), (recording, 80), (date, 8), (time, 8), (256 * (n + 1), 8), (reserved, 44),
              (records, 8), (f"{record_s:g}", 8), (n, 4)]
    fields += [(v, width) for name, width in SIGNAL_FIELDS for v in values[name]]
    text = [f"{v!s:<{width}}" for v, width in fields]
    if any(len(t) != width for t, (_, width) in zip(text, fields)):
        raise ValueError("an EDF header field is longer than its width")
    return "".join(text).encode("latin-1")


def _start(text):
    """Start date dd.mm.yy and time hh.mm.ss (EDF: years 85-99 are 1985-1999, 00-84 are 2000-2084); an EDF+
    recording field "Startdate X" (no date after it) says the date is unknown: the time of day only."""
    try:
        day, month, year = (int(v) for v in text[168:176].split("."))
        hour, minute, second = (int(v) for v in text[176:184].split("."))
        time = dt.time(hour, minute, second)
    except ValueError:
        return None
    recording = text[88:168].split()
    if recording[:1] == ["Startdate"]:  # EDF+: "Startdate dd-MMM-yyyy ...", or "X" (or any non-date) when unknown
        try:
            dt.datetime.strptime(recording[1] if len(recording) > 1 else "", "%d-%b-%Y")
        except ValueError:
            return time
    try:
        return dt.datetime.combine(dt.date(year + (1900 if year >= 85 else 2000), month, day), time)
    except ValueError:
        return time


class EdfSignal:
    """One signal of an EDF file in physical units, read from disk slice by slice (plain file reads: what was
    read is not kept resident)."""

    def __init__(self, header, index):
        self.header, self.index = header, index
        self.per_record = int(header.samples[index])
        self.first = int(header.samples[:index].sum())  # this signal's offset inside a data record, in samples
        self.record_samples = int(header.samples.sum())

    def __len__(self):
        return self.header.records * self.per_record

    def __getitem__(self, where):
        if not isinstance(where, slice) or where.step not in (None, 1):
            raise TypeError("an EdfSignal is read by contiguous slices")
        a, b, _ = where.indices(len(self))
        if b <= a:
            return np.zeros(0)
        r0, r1 = a // self.per_record, (b - 1) // self.per_record + 1  # the data records the slice touches
        with open(self.header.path, "rb") as f:
            f.seek(self.header.header_bytes + 2 * r0 * self.record_samples)
            raw = np.fromfile(f, dtype="<i2", count=(r1 - r0) * self.record_samples)
        digital = raw.reshape(r1 - r0, self.record_samples)[:, self.first:self.first + self.per_record].ravel()
        d = digital[a - r0 * self.per_record:b - r0 * self.per_record]
        x = d * self.header.scale[self.index] + self.header.offset[self.index]  # float64
        low, high = self.header.digital[self.index]
        x[(d < low) | (d > high)] = np.nan  # outside the declared range: no sample (padding, lead-off markers)
        return x


def signal_indices(path, header):
    """Indices of the signals that are not EDF+ annotations."""
    signals = [i for i, n in enumerate(header.labels) if n != ANNOTATIONS]
    if not signals:
        raise SignalError(f"{path}: no signal, only EDF+ annotations")
    return signals


def other_signal(path, channel=None):
    """The first signal named as an ECG lead other than the one read_edf(path, channel) reads, at its rate (an
    index string), or None."""
    header = read_header(path)
    signals = signal_indices(path, header)
    index = channel_index(path, header.labels, channel, signals)
    return next((str(i) for i in signals if i != index and is_ecg_name(header.labels[i])
                 and header.fs(i) == header.fs(index)), None)


def read_edf(path, channel=None, second=None):
    """An EDF / EDF+ file as a Recording; channel and second by label or index, as read_wfdb takes them
    (by default as sources.channel_index chooses). The file's annotation signal is no channel."""
    header = read_header(path)
    names, signals = header.labels, signal_indices(path, header)
    index = channel_index(path, names, channel, signals)
    other = None if second is None else channel_index(path, names, second, signals)
    if other == index:
        raise SignalError(f"{path}: the second channel is the channel read ({names[index]}); give another")
    if other is not None and header.fs(other) != header.fs(index):
        raise SignalError(f"{path}: {names[index]} is sampled at {header.fs(index):g} Hz and {names[other]} at "
                          f"{header.fs(other):g} Hz; both leads need one rate")
    out = Recording(EdfSignal(header, index), float(header.fs(index)), Path(path).stem, names[index],
                    unit_name(header.units[index]))
    out.start = header.start
    if other is not None:
        out.second, out.second_channel = EdfSignal(header, other), names[other]
    return out
