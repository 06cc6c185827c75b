"""VOR screen (log/vor-rule.txt): a beat's V probability the larger of its two leads', on the validation patients of
grouped run K (seed K), against today's mean.   python log/probes/vor_screen.py K   (from the repo root)"""
import inspect
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import recording  # noqa: E402

TODAY = recording.block_proba
source = inspect.getsource(TODAY)
line = "            proba[at] = (proba[at] + other) / 2\n"
assert line in source
vor = ("            mean = (proba[at] + other) / 2\n"
       "            mean[:, 2] = np.maximum(proba[at][:, 2], other[:, 2])\n"
       "            proba[at] = mean / mean.sum(1, keepdims=True)\n")
namespace = dict(vars(recording))
exec(source.replace(line, vor), namespace)
VOR = namespace["block_proba"]

k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped",
                 runs=[k], pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {"today": [], "vor": []}
for _, patient, path, trained, *_ in held_out(args):
    db = patient.split("/")[0]
    rec = read(path)
    line_out = []
    for way, fn in (("today", TODAY), ("vor", VOR)):
        recording.block_proba = fn
        table = recording.classify_recording(trained, rec)
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[way].append((db, y, pred))
        line_out.append(f"{way} wrong {(y != pred).sum()}")
    print(f"run {k} {patient}: beats {keep.sum()}; " + ", ".join(line_out), flush=True)
for way, parts in scored.items():
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in parts if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"{way} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}")
print(f"run {k}: D today {decision_number(scored['today']):.4f}, D VOR {decision_number(scored['vor']):.4f}")
