"""A classified recording as a WFDB annotation file, the field's common format for beat labels.

Written beside a record (`predict.py --record data/208 --annotations data/208.ai`), the file opens in
PhysioNet's viewers and tools next to the signal (WAVE, LightWAVE, `wfdb.rdann`, `wfdb.plot_wfdb`) and can be
compared with a reference by WFDB's `bxb` (EC57's beat-by-beat comparison) or `wfdb.processing.compare_annotations`.
What it holds, by WFDB's annotation codes:

- each beat at its R peak (input samples), its class as the symbol: N, S, V, F and Q are WFDB beat codes;
- excluded time: `~` (signal quality change) with subtype -1 (every signal unreadable) where a stretch
  begins, the reason in its note (gap, lead-off, saturation, noise, artifact, ...), and `~` with subtype 0
  where it ends, the very next mark (bxb reads the pair so; it counts the reference beats inside as missed, apart);
- ventricular flutter / fibrillation: `[` where an episode begins, `]` where it ends; excluded time inside an
  episode is left out of the file (bxb skips all between `[` and `]`);
- atrial fibrillation: a rhythm change `+` noted `(AFIB` at the first beat of each episode the report counts
  (events.af_stretches under the report's rules) and `(N` at the next beat, or where excluded time or flutter
  begins if sooner. This pipeline reads no other rhythm, so `(N` says "no longer AF", not that the rhythm is sinus.
"""
import re
import tempfile
from bisect import bisect_left
from pathlib import Path

import numpy as np
import pandas as pd

from . import UserError, quality
from .events import Beats, Rules, af_stretches
from .fileio import atomic_path

ANNOTATOR = "ai"  # the annotator name batch.py and report.py give their files (100.ai); predict.py takes any
RECORDING_SUFFIXES = {"hea", "dat", "edf", "bdf", "csv", "npy", "json"}  # never an annotator: the input's own files
UNREADABLE = -1  # the `~` subtype for "every signal unreadable" (WFDB's NOISE code convention)
# at one sample: what ends there first, then a rhythm change, the beat, what begins there (flutter, excluded time);
# an unreadable mark last, so that its end mark follows it at once, as bxb reads them
_RANK = {("~", 0): 0, ("]", 0): 1, ("+", 0): 2, ("[", 0): 4, ("~", UNREADABLE): 5}
_BEAT_RANK = 3


def annotation_marks(table, rec, rules=None):
    """The annotations of a classified recording, sorted: DataFrame sample, symbol, subtype, aux_note.

    table: recording.classify_recording's (sample, segment, af, class); rec: the Recording it classified (its
    excluded stretches and flutter episodes, in input samples; nothing ends past its last sample); rules: the
    report's events.Rules (default Rules()), whose af_min_s says which AF episodes count."""
    n_samples, flutter = len(rec.signal), sorted(rec.flutter)
    rows = []  # (sample, symbol, subtype, note, rank): the few marks that are no beat; beats stay arrays
    for e in rec.excluded:
        for start, stop in quality.outside(e.start, e.stop, flutter):
            rows.append((int(start), "~", UNREADABLE, e.reason, _RANK["~", UNREADABLE]))
            if stop < n_samples:
                rows.append((int(stop), "~", 0, "", _RANK["~", 0]))
    for start, stop in flutter:
        rows.append((int(start), "[", 0, "", _RANK["[", 0]))
        if stop < n_samples:
            rows.append((int(stop), "]", 0, "", _RANK["]", 0]))
    samples, segment = table["sample"].to_numpy(np.int64), table["segment"].to_numpy()
    breaks = sorted([e.start for e in rec.excluded] + [start for start, _ in flutter])
    for first, last in af_stretches(Beats.from_table(table), rules or Rules()):  # the report's AF episodes
        rows.append((int(samples[first]), "+", 0, "(AFIB", _RANK["+", 0]))
        k = bisect_left(breaks, samples[last])  # excluded time or flutter from the last AF beat on
        if last + 1 < len(samples) and segment[last + 1] == segment[last]:
            rows.append((int(samples[last + 1]), "+", 0, "(N", _RANK["+", 0]))  # no break inside a segment
        elif k < len(breaks):  # after the last AF beat, which may stand where the break begins
            rows.append((int(breaks[k]), "+", 0, "(N", _BEAT_RANK + 0.5))
    other = pd.DataFrame(rows, columns=["sample", "symbol", "subtype", "aux_note", "rank"]).astype(
        {"sample": np.int64, "subtype": np.int64, "symbol": object, "aux_note": object, "rank": float})
    beats = pd.DataFrame({"sample": samples, "symbol": table["class"].to_numpy(object), "subtype": np.int64(0),
                          "aux_note": "", "rank": float(_BEAT_RANK)})
    marks = pd.concat([beats, other], ignore_index=True)
    order = np.lexsort((marks["rank"].to_numpy(), marks["sample"].to_numpy()))
    return marks.iloc[order].drop(columns="rank").reset_index(drop=True)


def annotation_target(path):
    """(folder, record name, annotator) of an annotation file path RECORD.ANNOTATOR; UserError for a name
    WFDB cannot write (the annotator is letters only, the record letters, digits, - and _)."""
    path = Path(path)
    record, annotator = path.stem, path.suffix[1:]
    if not annotator or not re.fullmatch(r"[A-Za-z]+", annotator):
        raise UserError(f"{path}: an annotation file is named RECORD.ANNOTATOR, the annotator in letters only "
                        "(e.g. 208.ai)")
    if annotator.lower() == "atr":  # never overwrite, even with --force, what people keep their reference labels in
        raise UserError(f"{path}: .atr holds a record's reference annotations by WFDB convention; name the "
                        f"pipeline's another way (e.g. {record}.ai)")
    if annotator.lower() in RECORDING_SUFFIXES:  # nor, beside a record, the recording itself
        raise UserError(f"{path}: .{annotator} is a recording's own file; name the annotations e.g. {record}.ai")
    if not re.fullmatch(r"[-\w]+", record, flags=re.ASCII):
        raise UserError(f"{path}: WFDB record names hold letters, digits, - and _ only; name the file e.g. "
                        f"{wfdb_record_name(record)}.{annotator}")
    return path.parent, record, annotator


def wfdb_record_name(name):
    """`name` with every character a WFDB record name cannot hold replaced by _ ("100.edf" -> "100_edf")."""
    return re.sub(r"[^-A-Za-z0-9_]", "_", name) or "record"


def annotation_file_name(name):
    """The annotation file of a recording called `name`, as batch.py and report.py name it: 100 -> 100.ai."""
    return f"{wfdb_record_name(name)}.{ANNOTATOR}"


def annotation_bytes(table, rec, record, annotator=ANNOTATOR, rules=None):
    """The WFDB annotation file RECORD.ANNOTATOR of a classified recording (annotation_marks), as bytes."""
    import wfdb

    marks = annotation_marks(table, rec, rules)
    with tempfile.TemporaryDirectory(prefix="wrann.") as work:  # wrann names its file itself, in write_dir
        wfdb.wrann(record, annotator, marks["sample"].to_numpy(np.int64), symbol=list(marks["symbol"]),
                   subtype=marks["subtype"].to_numpy(np.int64), aux_note=list(marks["aux_note"]),
                   fs=rec.fs, write_dir=work)
        return Path(work, f"{record}.{annotator}").read_bytes()


def write_annotations(path, table, rec, rules=None):
    """Write a classified recording's annotations (annotation_marks) as the WFDB annotation file `path`
    (RECORD.ANNOTATOR), atomically."""
    _, record, annotator = annotation_target(path)
    try:
        data = annotation_bytes(table, rec, record, annotator, rules)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None
