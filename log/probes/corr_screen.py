"""CORR screen (log/corr-rule.txt): review adaptation with the corrected beats counted W = 10 times, against today's,
on the validation patients of grouped run K (seed K).   python log/probes/corr_screen.py K   (from the repo root)"""
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import train_or_reuse  # noqa: E402
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import review  # noqa: E402
from heartbeat.adapt import init_overrides, reviewed_beats  # noqa: E402
from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.recording import classify_recording, read_recording  # noqa: E402
from heartbeat.review import FIRST_MINUTES, first_minutes_count  # noqa: E402

W = 10
RECIPE = "config/adapt.json"


def adapted(checkpoint, rec_path, labels, corrected, replay, seed, run_dir, spec):
    cfg = load_config(RECIPE, init_overrides(checkpoint) + [f"train.seed={seed}"])
    parts = [reviewed_beats(read(rec_path), labels, spec)]
    if corrected:
        extra = reviewed_beats(read(rec_path), corrected, spec)
        parts += [extra] * (W - 1)
    tuning = LabelledBeats.concatenate(parts + [replay])
    fitted, _ = load_checkpoint(train_or_reuse(cfg, tuning, tuning.take(np.arange(0)), run_dir, lambda *_: None))
    return fitted.read_with_mix(cfg.model.morphology_mix)


k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt=RECIPE, leads=[0, 1], scenario="grouped", runs=[k],
                 pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {"as trained": [], "review": [], "corr": []}
fixed = {"review": 0, "corr": 0}
n_corrected = 0
for _, patient, path, trained, checkpoint, replay, adapt_dir in held_out(args):
    db, name = patient.split("/", 1)
    rec = read(path)
    plain, vectors = read_recording(trained, rec, embed=True)
    marked = review.marked(plain, vectors, first_minutes_count(plain))
    label, _ = matched_labels(marked, rec)
    samples = marked["sample"].to_numpy()
    chosen = marked["review"].to_numpy() & (label >= 0)
    labels = dict(zip(samples[chosen], label[chosen]))
    wrong = chosen & (label != marked["class_index"].to_numpy())
    corrected = dict(zip(samples[wrong], label[wrong]))
    n_corrected += len(corrected)
    tables = {"as trained": plain}
    for way, extra, folder in (("review", {}, f"review-{name}"), ("corr", corrected, f"corr{W}-{name}")):
        model = adapted(checkpoint, path, labels, extra, replay, k, adapt_dir / folder, trained.inputs)
        tables[way] = classify_recording(model, read(path))
    line = []
    for way, table in tables.items():
        _, match = matched_labels(table, rec)
        keep = (match >= 0) & (rec.ref_samples[:-1] / rec.fs >= 60 * FIRST_MINUTES)
        keep[keep] = ~np.isin(table["sample"].to_numpy()[match[keep]], samples[chosen])
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[way].append((db, y, pred))
        if way in fixed:
            now = table.set_index("sample")["class_index"].reindex(list(corrected)).to_numpy()
            fixed[way] += int((now == np.array(list(corrected.values()))).sum())
        line.append(f"{way} {(y != pred).sum()}")
    print(f"run {k} {patient}: labels {len(labels)}, corrected {len(corrected)}; scored {len(y)}; wrong: "
          + ", ".join(line), flush=True)
for way, parts in scored.items():
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in parts if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"{way} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: corrected beats {n_corrected}, read as labelled after review {fixed['review']}, after corr {fixed['corr']}")
print(f"run {k}: D_A " + ", ".join(f"{way} {decision_number(parts):.4f}" for way, parts in scored.items()))
