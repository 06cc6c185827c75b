"""Reads the validation patients of a grouped run (fold K, seed K) of bench/cross_db.py as recordings on both leads,
and prints D (the mean F1 of S and V per database).
    python log/probes/screen_read.py K NAME [KEY=VALUE ...]   (NAME: the run folder's recipe name; the --set items)"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import Pool, run, scenarios  # noqa: E402
from review_adapt import decision_number, matched_labels, read  # noqa: E402

from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.recording import classify_recording  # noqa: E402

k, name, sets = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
recipe = load_config("config/recording.json", sets)
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
run_dir = Path("log/cross-db") / f"{name}-leads01" / f"grouped-fold{k}-seed{k}"
assert run_dir.is_dir(), run_dir
cfg = replace(recipe, train=replace(recipe.train, seed=k))
trained, val_patients, _ = run(cfg, k, "grouped", train, patients, first_lead, run_dir, print)
scored = []
for patient in val_patients:
    db, record = patient.split("/", 1)
    rec = read(Path("../shared/data") / db / record)
    table = classify_recording(trained, rec)
    _, match = matched_labels(table, rec)
    keep = match >= 0
    y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
    scored.append((db, y, pred))
    print(f"run {k} {patient}: beats {keep.sum()}, wrong {(y != pred).sum()}", flush=True)
for db in ("mitdb", "svdb"):
    y, pred = (np.concatenate([p[i] for p in scored if p[0] == db]) for i in (1, 2))
    se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
    pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
    print(f"{name} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: D {name} {decision_number(scored):.4f}")
