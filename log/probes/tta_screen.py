"""TTA screen (log/tta-rule.txt): validation patients of grouped run K (seed K) read as recordings on both leads,
today and with each beat's probabilities averaged over time stretches 0.9, 1.0, 1.1.
    python log/probes/tta_screen.py K    (from the repo root)"""
import sys
from argparse import Namespace
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, "bench")
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import recording  # noqa: E402
from heartbeat.augment import stretch  # noqa: E402
from heartbeat.inference import predict_proba  # noqa: E402

FACTORS = (0.9, 1.0, 1.1)


def tta_proba(model, inputs, **kw):
    base = predict_proba(model, inputs, **kw)
    proba, vectors = base if kw.get("embed") else (base, None)
    total = proba.astype(np.float64)
    for f in FACTORS:
        if f == 1.0:
            continue
        x = torch.as_tensor(np.asarray(inputs.beats, np.float32))[:, None, :]
        s = stretch(x, torch.full((len(x), 1), f))[:, 0].numpy()
        total += predict_proba(model, replace(inputs, beats=s))
    total = (total / len(FACTORS)).astype(np.float32)
    return (total, vectors) if kw.get("embed") else total


k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped",
                 runs=[k], pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {"today": [], "tta": []}
for _, patient, path, trained, *_ in held_out(args):
    db = patient.split("/")[0]
    rec = read(path)
    line = []
    for way in ("today", "tta"):
        recording.predict_proba = predict_proba if way == "today" else tta_proba
        table = recording.classify_recording(trained, rec)
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[way].append((db, y, pred))
        line.append(f"{way} wrong {(y != pred).sum()}")
    print(f"run {k} {patient}: beats {keep.sum()}; " + ", ".join(line), flush=True)
for way, parts in scored.items():
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in parts if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"{way} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: D today {decision_number(scored['today']):.4f}, D TTA {decision_number(scored['tta']):.4f}")
