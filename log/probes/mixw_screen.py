"""MIXW screen (log/mixw-rule.txt): validation patients of grouped run K (seed K) read with morphology_mix 0.3, 0.5,
0.7.   python log/probes/mixw_screen.py K   (from the repo root)"""
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat.recording import classify_recording  # noqa: E402

WEIGHTS = (0.3, 0.5, 0.7)
k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped",
                 runs=[k], pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {w: [] for w in WEIGHTS}
for _, patient, path, trained, *_ in held_out(args):
    db = patient.split("/")[0]
    rec = read(path)
    out = []
    for w in WEIGHTS:
        table = classify_recording(trained.read_with_mix(w), rec)
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[w].append((db, y, pred))
        out.append(f"{w} wrong {(y != pred).sum()}")
    print(f"run {k} {patient}: " + ", ".join(out), flush=True)
for w, parts in scored.items():
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in parts if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"mix {w} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: D " + ", ".join(f"mix {w} {decision_number(parts):.4f}" for w, parts in scored.items()))
