"""VAL10 screen (log/val10-rule.txt): on the validation patients V of grouped run k (seed k), (A) the ALLPAT run trained
on its training patients T minus 20% held out to choose the epoch, against (C) a run trained on T minus 10% held out.
    python log/probes/val10_screen.py K      (run from the repo root)"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import Pool, scenarios, train_or_reuse  # noqa: E402
from review_adapt import decision_number, matched_labels, read  # noqa: E402

from heartbeat.checkpoint import load_checkpoint, read_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.recording import classify_recording  # noqa: E402
from heartbeat.splits import train_val_split  # noqa: E402

k = int(sys.argv[1])
recipe = load_config("config/recording.json")
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
cfg = replace(recipe, train=replace(recipe.train, seed=k))


def held_out(index, fraction=cfg.data.val_fraction):
    """The patients the protocol holds out of the beats `index` (as bench/cross_db.py's run() splits)."""
    first = first_lead[index]
    _, val = train_val_split(train.y[index][first], fraction, k, patients[index][first])
    return np.unique(patients[index][first][val])


everyone = np.arange(len(train.y))
val_patients = held_out(everyone)
T = everyone[~np.isin(patients, val_patients)]
models = {}
for label, fraction, folder in (("A held 20%", 0.2, "allpat"), ("C held 10%", 0.1, "val10")):
    h_patients = held_out(T, fraction)
    is_h = np.isin(patients[T], h_patients)
    print(f"run {k}: V {len(val_patients)} patients, T {len(np.unique(patients[T]))}, of which held out in {label} "
          f"{len(h_patients)}: {' '.join(h_patients)}", flush=True)
    best = train_or_reuse(cfg, train.take(T[~is_h]), train.take(T[is_h]), Path("log/cross-db") / folder /
                          f"grouped-fold{k}-seed{k}", print)
    models[label] = load_checkpoint(best)[0]
    print(f"run {k} {label}: best epoch {read_checkpoint(best)['epoch']}", flush=True)
scored = {name: [] for name in models}
for patient in val_patients:
    db, record = patient.split("/", 1)
    for name, model in models.items():
        rec = read(Path("../shared/data") / db / record)
        table = classify_recording(model, rec)
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[name].append((db, y, pred))
    print(f"run {k} {patient}: wrong " + ", ".join(f"{n} {(p[-1][1] != p[-1][2]).sum()}" for n, p in scored.items()),
          flush=True)
for name, parts_ in scored.items():
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in parts_ if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"run {k} {name} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
    print(f"run {k}: D {name} {decision_number(parts_):.4f}", flush=True)
