"""Trajectory noise of a one-run screen: the recording recipe on grouped fold K with the validation patients of seed K
(as every screen), trained with train.seed T instead of K; its validation patients read as recordings on both leads,
D printed as log/probes/screen_read.py prints it (tag exp-narrow).
    python log/probes/nuisance.py K T"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import Pool, scenarios, train_or_reuse  # noqa: E402
from review_adapt import decision_number, matched_labels, read  # noqa: E402

from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.recording import classify_recording  # noqa: E402
from heartbeat.splits import train_val_split  # noqa: E402

k, t = int(sys.argv[1]), int(sys.argv[2])
recipe = load_config("config/recording.json", [])
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
# the split of seed k, as bench/cross_db.py's run() makes it; only the training seed differs
_, val_idx = train_val_split(train.y[first_lead], recipe.data.val_fraction, k, patients[first_lead])
val_patients = np.unique(patients[first_lead][val_idx])
is_val = np.isin(patients, val_patients)
cfg = replace(recipe, train=replace(recipe.train, seed=t))
run_dir = Path("log/cross-db/nuisance-leads01") / f"grouped-fold{k}-split{k}-train{t}"
print(f"{run_dir}: validation patients {' '.join(val_patients)}", flush=True)
best = train_or_reuse(cfg, train.take(np.flatnonzero(~is_val)), train.take(np.flatnonzero(is_val)), run_dir, print)
trained, _ = load_checkpoint(best)
scored = []
for patient in val_patients:
    db, record = patient.split("/", 1)
    rec = read(Path("../shared/data") / db / record)
    table = classify_recording(trained, rec)
    _, match = matched_labels(table, rec)
    keep = match >= 0
    y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
    scored.append((db, y, pred))
for db in ("mitdb", "svdb"):
    y, pred = (np.concatenate([p[i] for p in scored if p[0] == db]) for i in (1, 2))
    se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
    pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
    print(f"train seed {t} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"fold {k} split {k} train seed {t}: D {decision_number(scored):.4f}")
