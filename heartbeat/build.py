"""Build Kaggle-format beat tables from annotated WFDB databases: MIT-BIH's random split and de Chazal's
DS1/DS2, and the whole of any other annotated database (e.g. the MIT-BIH Supraventricular Arrhythmia
Database), from any lead and at any sampling rate."""
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from . import database, segment
from .features import SIDECAR_COLUMNS
from .fileio import atomic_path
from .rr import rr_context
from .sidecar import RECORDING_KEYS, meta_path, templates_path
from .template import median_beat, template_context

# Kaggle's test split holds 21,892 of the 109,446 beats; keep that fraction so the counts match.
KAGGLE_TEST_FRACTION = 21892 / 109446
META_COLUMNS = RECORDING_KEYS + ("sample", "time_s", "symbol") + SIDECAR_COLUMNS


@dataclass
class BeatTable:
    x: np.ndarray     # (n, 187) float32 in [0, 1]
    y: np.ndarray     # (n,) int64 labels 0..4
    meta: pd.DataFrame  # one row per beat: META_COLUMNS
    templates: pd.DataFrame  # one row per recording (columns RECORDING_KEYS, then the 187 values of its median beat)
    unknown: Counter = field(default_factory=Counter)  # annotation symbols skipped as unknown, with their counts

    def take(self, index):
        """The beats at index; the templates stay those of the whole recordings."""
        return BeatTable(self.x[index], self.y[index], self.meta.iloc[index].reset_index(drop=True), self.templates,
                         self.unknown)


def record_beats(path, lead=0):
    """Cut every labelled beat of one lead of a record by the Kaggle rule.

    The rule works on 360 Hz samples: a record at another rate is resampled to 360 Hz (scipy's polyphase
    resample_poly) and its annotations moved to the nearest 360 Hz sample; at 360 Hz the raw ADC integers are
    cut as they are, which is what makes the MIT-BIH rows bit-identical to Kaggle's. `sample` in the sidecar
    stays at the record's own rate.
    """
    rec = database.read_record(path, lead)
    labels = database.aami_labels(rec.ann_symbols)
    signal, anchors = rec.signal, rec.ann_samples
    if rec.fs != segment.KAGGLE_FS:
        signal, _ = segment.resample(signal, rec.fs, segment.KAGGLE_FS)
        anchors = np.round(anchors * segment.KAGGLE_FS / rec.fs).astype(np.int64)
    index = segment.kaggle_beat_index(labels)
    index = index[anchors[index + 1] > anchors[index]]  # an annotation on the very next one has no segment
    x = segment.kaggle_beats(signal, anchors, index)
    # R-R context between consecutive beat annotations (rhythm and noise marks are not beats).
    all_beats = np.flatnonzero(labels >= 0)
    context = rr_context(rec.ann_samples[all_beats] / rec.fs).iloc[np.searchsorted(all_beats, index)]
    keys = dict(zip(RECORDING_KEYS, (rec.db, rec.name, rec.lead)))
    meta = pd.DataFrame({**keys, "sample": rec.ann_samples[index], "time_s": rec.ann_samples[index] / rec.fs,
                         "symbol": rec.ann_symbols[index]})
    meta = pd.concat([meta, context.reset_index(drop=True), template_context(x)], axis=1)[list(META_COLUMNS)]
    templates = pd.DataFrame([{**keys, **dict(enumerate(median_beat(x)))}])
    return BeatTable(x, labels[index], meta, templates, Counter(rec.ann_symbols[labels == -2].tolist()))


def build_beats(folder, names=None, leads=(0,), workers=2, progress=None):
    """Beats of the named records of a database folder (default: all its annotated records), each lead in
    `leads` (indices) after the other, in record order. `progress` wraps the result iterator."""
    names = database.record_names(folder) if names is None else names
    jobs = [(Path(folder) / name, lead) for name in names for lead in leads]
    missing = [str(p) for p, _ in jobs if not p.with_suffix(".hea").exists()]
    if missing:
        raise database.DatabaseError(f"{len(set(missing))} of {len(names)} records missing in {folder}, "
                                     f"e.g. {missing[0]}.hea")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(record_beats, *zip(*jobs))
        tables = list(progress(results, total=len(jobs)) if progress else results)
    return BeatTable(
        np.concatenate([t.x for t in tables]),
        np.concatenate([t.y for t in tables]),
        pd.concat([t.meta for t in tables], ignore_index=True),
        pd.concat([t.templates for t in tables], ignore_index=True),
        sum((t.unknown for t in tables), Counter()),
    )


def random_split(table, seed=0):
    """Kaggle-style split: beats shuffled across patients, stratified by class, seeded."""
    test_size = round(len(table.y) * KAGGLE_TEST_FRACTION)
    train_idx, test_idx = train_test_split(
        np.arange(len(table.y)), test_size=test_size, stratify=table.y, random_state=seed)
    return table.take(train_idx), table.take(test_idx)


def patient_split(table):
    """de Chazal et al. 2004 inter-patient split: (DS1, DS2), each in record order; paced records dropped."""
    rec = table.meta["record"].to_numpy()
    return (table.take(np.flatnonzero(np.isin(rec, database.DS1))),
            table.take(np.flatnonzero(np.isin(rec, database.DS2))))


def write_kaggle_csv(path, table):
    """Write the Kaggle format (no header, 187 values then the label, as floats), the .meta.csv sidecar and
    the .templates.csv file (the median beat of each recording in the table).

    '%.9g' round-trips every float32 exactly, the label is written as '2.0'; all files are written atomically.
    """
    path = Path(path)
    data = np.concatenate([table.x.astype(np.float64), table.y[:, None].astype(np.float64)], axis=1)
    row_format = ",".join(["%.9g"] * table.x.shape[1] + ["%.1f"])
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write("\n".join(row_format % tuple(row) for row in data.tolist()))
        f.write("\n")
    with atomic_path(meta_path(path)) as tmp:
        table.meta.to_csv(tmp, index=False, float_format="%.6f")
    keys = list(RECORDING_KEYS)
    used = table.templates.merge(table.meta[keys].drop_duplicates(), on=keys)  # the recordings in this table
    with atomic_path(templates_path(path)) as tmp:
        used.to_csv(tmp, index=False, float_format="%.9g")
