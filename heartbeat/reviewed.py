"""Training beats from a recording's reviewed beats: the rows of predict.py's --out CSV marked `review` (by
`predict.py --review N`), with the class a person gave them, cut from the recording again by the pipeline that
classified it, so that a model adapted on them sees exactly the inputs it will be read with: each beat cut at its
detected R peak by the training rule, its R-R context from the detected beats around it, its template the median
beat of its block (recording.block_proba), on the first lead and, where given, the second.
"""
from pathlib import Path

import numpy as np
import pandas as pd

from . import BEAT_LEN, CLASSES, UserError
from .build import BeatTable, META_COLUMNS, write_kaggle_csv
from .features import beat_context
from .recording import _second_lead, beats_of, check_signal, in_spans, matched_labels
from .sidecar import RECORDING_KEYS
from .sources import SignalError
from .template import median_beat
from .windows import cut_block

DB = "reviewed"  # the sidecars' db key of such beats


class ReviewError(UserError):
    pass


def read_reviewed(csv):
    """reviewed_labels of the CSV file `csv` (predict.py --review's --out, its review rows' classes corrected)."""
    if not Path(csv).is_file():
        raise ReviewError(f"{csv}: no such file")
    try:
        table = pd.read_csv(csv)
    except (OSError, ValueError, pd.errors.ParserError) as e:
        raise ReviewError(f"{csv}: cannot read it as a CSV ({str(e).strip()[:120]})") from None
    return reviewed_labels(table, csv)


REVIEW_TRUE = ("true", "1", "yes")    # what a review cell may hold, as pandas or a spreadsheet writes it
REVIEW_FALSE = ("false", "0", "no", "")


def reviewed_labels(table, source):
    """{sample: class index} of the reviewed rows of a predictions table (predict.py --out of a recording)."""
    missing = [c for c in ("sample", "class", "review") if c not in table.columns]
    if missing:
        raise ReviewError(f"{source}: no column {', '.join(missing)}; give the --out CSV of predict.py --record / "
                          f"--signal with --review")
    flag = table["review"].fillna("").astype(str).str.strip().str.lower()
    bad = table.index[~flag.isin(REVIEW_TRUE + REVIEW_FALSE)]
    if len(bad):  # a tick the file's writer meant, or not: a correction must not be dropped unnoticed
        raise ReviewError(f"{source} line {bad[0] + 2}: review {table.loc[bad[0], 'review']!r} is neither true nor "
                          f"false")
    if "class_index" in table.columns:  # predict.py wrote class from class_index: a difference is a person's edit
        written = pd.to_numeric(table["class_index"], errors="coerce")
        shown = table["class"].fillna("").astype(str).str.strip().str.upper()
        edited = table.index[~flag.isin(REVIEW_TRUE) & written.isin(range(len(CLASSES)))
                             & (shown != written.map(dict(enumerate(CLASSES))))]
        if len(edited):
            first = edited[0]
            raise ReviewError(f"{source} line {first + 2}: class {table.loc[first, 'class']!r} changed from "
                              f"{CLASSES[int(written[first])]} in a row whose review is false ({len(edited)} such "
                              "rows); only reviewed rows are read: set their review to true, or undo the change")
    rows = table[flag.isin(REVIEW_TRUE)]
    if rows.empty:
        raise ReviewError(f"{source}: no row has review set; predict.py --review N marks the beats to label")
    classes = rows["class"].fillna("").astype(str).str.strip().str.upper()
    bad = rows.index[~classes.isin(CLASSES)]
    if len(bad):
        given = rows.loc[bad[0], "class"]
        raise ReviewError(f"{source} line {bad[0] + 2}: class " + ("is empty" if pd.isna(given) else
                                                                   f"{given!r} is not one of {', '.join(CLASSES)}"))
    samples = pd.to_numeric(rows["sample"], errors="coerce")
    bad = rows.index[~np.isfinite(samples) | (samples % 1 != 0)]
    if len(bad):  # e.g. a cell emptied in a spreadsheet
        value = rows.loc[bad[0], "sample"]
        raise ReviewError(f"{source} line {bad[0] + 2}: sample " + ("is empty" if pd.isna(value) else
                                                                    f"{str(value)!r} is not a whole number"))
    twice = rows.index[samples.duplicated()]
    if len(twice):
        raise ReviewError(f"{source} line {twice[0] + 2}: sample {int(samples[twice[0]])} is reviewed twice")
    return dict(zip(samples.astype(np.int64), classes.map(CLASSES.index)))


def kept_note(beats, changed, source=""):
    """How a report or a beats table says that `beats` reviewed beats keep a person's classes (`source`: where they
    were given, e.g. " in beats.csv"), `changed` of them against the model's reading."""
    return (f"{beats} beat{'s' * (beats != 1)} reviewed by a person keep{'s' * (beats == 1)} the "
            f"class{'es' * (beats != 1)} given{source} ({changed} changed from the model's)")


def reviewed_tables(rec, labels, db=DB, blocks=None):
    """(BeatTable of the first lead, BeatTable of the second lead or None) of the beats of recording `rec` at
    the samples of `labels` ({sample: class index}, reviewed_labels), their sidecars' database `db`. Every sample
    must be a beat of the recording as the pipeline reads it now; the second lead's table leaves out beats where
    it is unanalyzable. `blocks`: _blocks(rec), if the caller has read them already (detection is most of the work)."""
    wanted = np.fromiter(labels, dtype=np.int64)
    parts, count = ([], []), 0
    for block, found, index, second in (_blocks(rec) if blocks is None else blocks):
        count = block
        hit = np.isin(found.samples[index], wanted)
        if not hit.any():
            continue
        name = f"{rec.name}@{block}"
        parts[0].append(_block_table(rec, labels, found, index, hit, found.beats(index), name, rec.channel or "0", db))
        if second is not None:
            resampler, readable = second
            both = index[readable[index]]
            if len(both) >= 3:  # as block_proba: too few beats make no template
                beats = cut_block(resampler, found.peaks, both)
                parts[1].append(_block_table(rec, labels, found, both, np.isin(found.samples[both], wanted),
                                             beats, name, rec.second_channel, db))
    first = join_tables(parts[0])
    got = first.meta["sample"].to_numpy() if first is not None else np.zeros(0, np.int64)
    if len(got) < len(wanted):
        raise _no_beats(rec.name, wanted[~np.isin(wanted, got)], len(wanted))
    if count == 1:  # one block: the beats' recording is the recording itself
        for table in (first, join_tables(parts[1])):
            if table is not None:
                table.meta["record"] = rec.name
                table.templates["record"] = rec.name
    return first, join_tables(parts[1])


def annotated_tables(rec, db):
    """reviewed_tables of the beats the pipeline detects in `rec` that match a beat of its reference annotations
    (150 ms), each with that beat's class, and how many reference beats that is: training beats cut where
    predict.py cuts them, with the R-R context and templates it computes. An annotation file marks each beat
    somewhere on its QRS, not always where the pipeline cuts (SVDB's lie a median 5 samples at 360 Hz from the R
    peak), and a model adapted on beats cut at the annotations reads the pipeline's beats poorly."""
    if rec.ref_samples is None or len(rec.ref_samples) < 2:
        raise ReviewError(f"{rec.name}: no reference beat annotations (.atr) to label its beats with")
    blocks = list(_blocks(rec))  # detected once, read twice
    # the beats classify_recording reads: those of noisy stretches it drops
    samples = np.concatenate([found.samples[index][~in_spans(found.samples[index], found.noisy)]
                              for _, found, index, _ in blocks] or [np.zeros(0, np.int64)])
    if not len(samples):
        raise ReviewError(f"{rec.name}: the pipeline detects no beats to label")
    label, _ = matched_labels(rec, samples)
    labels = dict(zip(samples[label >= 0].tolist(), label[label >= 0].tolist()))
    if not labels:
        raise ReviewError(f"{rec.name}: none of its {len(rec.ref_samples)} reference beats is among the beats the "
                          "pipeline detects")
    return reviewed_tables(rec, labels, db, blocks), len(rec.ref_samples) - 1


def _blocks(rec):
    """(block number from 1, the segment's beats_of, the block's beat indices, the second lead's reader or None)
    of every block of beats the pipeline reads in `rec`, as classify_recording does."""
    check_signal(rec)
    block = 0
    for start, stop in rec.segments:
        try:
            found = beats_of(rec, start, stop)
        except SignalError:  # a piece with too few beats: classify_recording excluded it too
            continue
        second = _second_lead(rec, start, stop, found)
        for index in found.blocks:
            block += 1
            yield block, found, index, second


def apply_reviewed(table, labels, name):
    """(a copy of the beats table `table` (recording.classify_recording's) with the classes a person gave the beats
    at the samples of `labels` ({sample: class index}, reviewed_labels), how many of them that changes): a person's
    edits are final, whatever model reads the rest (report.py --reviewed). The p_ columns stay the model's.
    ReviewError, one line, where a sample is no beat of the table (`name`: the recording's)."""
    samples = table["sample"].to_numpy()
    wanted = np.fromiter(labels, dtype=np.int64)
    missing = wanted[~np.isin(wanted, samples)]
    if len(missing):
        raise _no_beats(name, missing, len(wanted))
    rows = np.flatnonzero(np.isin(samples, wanted))
    given = np.array([labels[s] for s in samples[rows]], dtype=np.int64)
    out = table.copy()
    out.loc[out.index[rows], "class_index"] = given
    out.loc[out.index[rows], "class"] = np.asarray(CLASSES)[given]
    out["reviewed"] = np.isin(samples, wanted)  # which classes are a person's, not the model's (its p_ columns)
    return out, int((table["class_index"].to_numpy()[rows] != given).sum())


def _no_beats(name, missing, total):
    """The error for reviewed beats (`missing`: their samples) that are no beats of the recording as read now."""
    n = len(missing)
    return ReviewError(f"{name}: {n} of the {total} reviewed beats {'is' if n == 1 else 'are'} no beat{'s' * (n != 1)} "
                       f"of this recording as read now, e.g. sample {int(np.min(missing))} (another recording, channel "
                       f"or model settings?)")


def second_lead_path(path):
    """The beat CSV of a recording's second lead beside that of its first: data/x_reviewed.csv ->
    data/x_reviewed_lead1.csv (as prepare_data.py --db names a database's other leads)."""
    path = Path(path)
    return path.with_name(f"{path.stem}_lead1.csv")


def write_reviewed(tables, path):
    """Write reviewed_tables' (first lead, second lead or None) as the beat CSV `path` and second_lead_path(path),
    each with its sidecars; returns {path written: its BeatTable}."""
    written = {}
    for table, target in zip(tables, (Path(path), second_lead_path(path))):
        if table is not None:
            write_kaggle_csv(target, table)
            written[target] = table
    return written


def _block_table(rec, labels, found, index, hit, beats, name, lead, db):
    """BeatTable of the reviewed beats (hit) among one block's beats (found.peaks[index], cut as `beats`)."""
    context = beat_context(found.times, index, beats).iloc[np.flatnonzero(hit)].reset_index(drop=True)
    samples = found.samples[index][hit]
    y = np.array([labels[s] for s in samples], dtype=np.int64)
    keys = dict(zip(RECORDING_KEYS, (db, name, str(lead))))
    meta = pd.concat([pd.DataFrame({**keys, "sample": samples, "time_s": samples / rec.fs,
                                    "symbol": np.asarray(CLASSES)[y]}), context], axis=1)[list(META_COLUMNS)]
    templates = pd.DataFrame([median_beat(beats)], columns=[str(i) for i in range(BEAT_LEN)])
    for i, key in enumerate(RECORDING_KEYS):
        templates.insert(i, key, keys[key])
    return BeatTable(np.asarray(beats, np.float32)[hit], y, meta, templates)


def join_tables(tables):
    """One BeatTable of several (the blocks of a recording, the records of a database; None ones left out), or None."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return None
    return BeatTable(np.concatenate([t.x for t in tables]), np.concatenate([t.y for t in tables]),
                     pd.concat([t.meta for t in tables], ignore_index=True),
                     pd.concat([t.templates for t in tables], ignore_index=True))
