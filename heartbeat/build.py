"""Build Kaggle-format beat tables from MIT-BIH records: the random split and de Chazal's DS1/DS2."""
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from . import database, segment
from .sidecar import meta_path, templates_path
from .fileio import atomic_path
from .features import SIDECAR_COLUMNS
from .rr import rr_context
from .template import median_beat, template_context

# Kaggle's test split holds 21,892 of the 109,446 beats; keep that fraction so the counts match.
KAGGLE_TEST_FRACTION = 21892 / 109446
META_COLUMNS = ("record", "sample", "symbol") + SIDECAR_COLUMNS


@dataclass
class BeatTable:
    x: np.ndarray     # (n, 187) float32 in [0, 1]
    y: np.ndarray     # (n,) int64 labels 0..4
    meta: pd.DataFrame  # one row per beat: META_COLUMNS
    templates: pd.DataFrame  # one row per record (index: record name): the median of all its beats (187 values)

    def take(self, index):
        """The beats at index; the templates stay those of the whole records."""
        return BeatTable(self.x[index], self.y[index], self.meta.iloc[index].reset_index(drop=True), self.templates)


def record_beats(path):
    """Cut every labelled beat of one record by the Kaggle rule, from raw channel-0 ADC samples."""
    rec = database.read_record(path)
    labels = database.aami_labels(rec.ann_symbols)
    index = segment.kaggle_beat_index(labels)
    x = segment.kaggle_beats(rec.signal, rec.ann_samples, index)
    # R-R context between consecutive beat annotations (rhythm and noise marks are not beats).
    all_beats = np.flatnonzero(labels >= 0)
    context = rr_context(rec.ann_samples[all_beats] / rec.fs).iloc[np.searchsorted(all_beats, index)]
    meta = pd.DataFrame({"record": rec.name, "sample": rec.ann_samples[index], "symbol": rec.ann_symbols[index]})
    meta = pd.concat([meta, context.reset_index(drop=True), template_context(x)], axis=1)
    templates = pd.DataFrame([median_beat(x)], index=pd.Index([rec.name], name="record"))
    return BeatTable(x, labels[index], meta, templates)


def build_beats(mitdb_dir, names=database.ALL_RECORDS, workers=2, progress=None):
    """Beats of the named records, concatenated in record order. `progress` wraps the result iterator."""
    paths = [Path(mitdb_dir) / name for name in names]
    missing = [str(p) for p in paths if not p.with_suffix(".hea").exists()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} of {len(paths)} records missing in {mitdb_dir}, e.g. {missing[0]}.hea")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(record_beats, paths)
        tables = list(progress(results, total=len(paths)) if progress else results)
    return BeatTable(
        np.concatenate([t.x for t in tables]),
        np.concatenate([t.y for t in tables]),
        pd.concat([t.meta for t in tables], ignore_index=True),
        pd.concat([t.templates for t in tables]),
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
    the .templates.csv file (the median beat of each record in the table).

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
    write_templates(templates_path(path), table.templates.loc[table.meta["record"].unique()])


def write_templates(path, templates):
    """templates: DataFrame indexed by record, one median beat per row -> CSV with a 'record' column (atomic)."""
    with atomic_path(path) as tmp:
        templates.rename(columns=str).to_csv(tmp, index_label="record", float_format="%.9g")

