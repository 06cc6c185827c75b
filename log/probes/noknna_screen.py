"""NOKNNA screen (log/noknna-rule.txt): review adaptation, read with and without shape sharing, on the
validation patients of grouped run k (seed k).   python log/probes/group_screen.py K   (run from the repo root)"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.metrics import f1_score
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, "bench")
from cross_db import Pool, checkpoint_of, run, scenarios  # noqa: E402
from review_adapt import adapted, matched_labels, read  # noqa: E402

from heartbeat import review  # noqa: E402
from heartbeat.adapt import reviewed_beats  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats, per_class_sample  # noqa: E402
from heartbeat import recording  # noqa: E402
from heartbeat.recording import classify_recording, read_recording  # noqa: E402
from heartbeat.review import FIRST_MINUTES, first_minutes_count  # noqa: E402

k = int(sys.argv[1])
recipe, adapt_path = load_config("config/recording.json"), "config/adapt.json"
adapt_cfg = load_config(adapt_path)
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
svdb_records = list(dict.fromkeys(pools["svdb", 0].records))
train_records, _ = scenarios(svdb_records, ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
run_dir = Path("log/cross-db/recording-leads01") / f"grouped-fold{k}-seed{k}"
cfg = replace(recipe, train=replace(recipe.train, seed=k))
trained, val_patients, fitted = run(cfg, k, "grouped", train, patients, first_lead, run_dir, print)
replay = per_class_sample(fitted, adapt_cfg.train.replay, k)
power = adapt_cfg.train.weight_power if adapt_cfg.train.loss == "weighted" else 0.0

scored = {"mitdb": ([], [], []), "svdb": ([], [], [])}
for patient in val_patients:
    db, name = patient.split("/", 1)
    path = Path("../shared/data") / db / name
    rec = read(path)
    plain, vectors = read_recording(trained, rec, embed=True)
    n = first_minutes_count(plain)
    marked = review.marked(plain, vectors, n)
    x = StandardScaler().fit_transform(vectors)
    groups = KMeans(n_clusters=n, n_init=3, random_state=0).fit(x).labels_ if len(x) > n else np.arange(len(x))
    label, _ = matched_labels(marked, rec)
    picked = marked["review"].to_numpy()
    assert len(np.unique(groups[picked])) == picked.sum()  # one pick per cluster, as review.pick_for_review
    chosen = picked & (label >= 0)
    samples = marked["sample"].to_numpy()
    labels = dict(zip(samples[chosen], label[chosen]))
    group_class = {g: c for g, c in zip(groups[chosen], label[chosen])}
    model = adapted(checkpoint_of(run_dir, cfg), adapt_path, read(path), labels, replay, k,
                    run_dir / "review-adapt-validation" / f"review-{name}", trained.inputs)
    base_table = classify_recording(model, read(path))
    assert np.array_equal(base_table["sample"].to_numpy(), samples)  # the same detections as the picks' reading
    shared = recording.share_by_shape
    recording.share_by_shape = lambda proba, shapes: proba  # NOKNNA: no sharing for the adapted model
    try:
        prior_table = classify_recording(model, read(path))
    finally:
        recording.share_by_shape = shared
    assert np.array_equal(prior_table["sample"].to_numpy(), samples)
    out = []
    for table in (base_table, prior_table):
        _, match = matched_labels(table, rec)
        keep = (match >= 0) & (rec.ref_samples[:-1] / rec.fs >= 60 * FIRST_MINUTES)
        keep[keep] = ~np.isin(table["sample"].to_numpy()[match[keep]], samples[chosen])
        out.append((rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]))
    assert np.array_equal(out[0][0], out[1][0])
    for i, part in enumerate((out[0][0], out[0][1], out[1][1])):
        scored[db][i].append(part)
    wrong = [(y != pred).sum() for y, pred in out]
    print(f"seed {k} {patient}: scored {len(out[0][0])}; "
          f"wrong: adapted {wrong[0]} NOKNNA {wrong[1]}", flush=True)

f1s = {"adapted": [], "NOKNNA": []}
for db, (y, base, prior) in scored.items():
    y, base, prior = (np.concatenate(a) for a in (y, base, prior))
    for name, pred in (("adapted", base), ("NOKNNA", prior)):
        s, v = f1_score(y, pred, labels=[1, 2], average=None, zero_division=0)
        f1s[name] += [s, v]
        print(f"seed {k} {db} {name}: F1 S {s:.4f} V {v:.4f}")
print(f"seed {k} D_A adapted {np.mean(f1s['adapted']):.4f} NOKNNA {np.mean(f1s['NOKNNA']):.4f}")
