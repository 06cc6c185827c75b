"""SANDV screen (log/sandv-rule.txt): on the validation patients of grouped run K (seed K), read as recordings on both
leads, V-run events and D today and with SANDV.   python log/probes/sandv_screen.py K   (from the repo root)"""
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from report_validation import validate_record  # noqa: E402
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import recording, shapes  # noqa: E402

TODAY = recording.share_by_shape
N, S, F, V = 0, 1, 3, 2


def sandv(proba, vectors):
    q = TODAY(proba, vectors)
    cls = q.argmax(1)
    is_n = cls == N
    if is_n.sum() < shapes.NEIGHBOURS:
        return q
    template = np.median(vectors[is_n], axis=0)
    out = q.copy()
    for i in range(1, len(q) - 1):
        if cls[i] in (N, S, F) and cls[i - 1] == V and cls[i + 1] == V:
            mean = (vectors[i - 1] + vectors[i + 1]) / 2
            if np.linalg.norm(vectors[i] - mean) < np.linalg.norm(vectors[i] - template):
                out[i, shapes.SHARED] = (q[i - 1, shapes.SHARED] + q[i + 1, shapes.SHARED]) / 2
                rest = 1 - out[i, shapes.SHARED].sum()
                ns = q[i, N] + q[i, S]
                share = q[i, N] / ns if ns > 0 else 0.5
                out[i, N], out[i, S] = rest * share, rest * (1 - share)
    return out


k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped",
                 runs=[k], pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {"today": [], "sandv": []}
events = {"today": np.zeros(4, int), "sandv": np.zeros(4, int)}
for _, patient, path, trained, *_ in held_out(args):
    db = patient.split("/")[0]
    out = []
    for way, fn in (("today", TODAY), ("sandv", sandv)):
        recording.share_by_shape = fn
        rec = read(path)
        table = recording.classify_recording(trained, rec)
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[way].append((db, y, pred))
        row = validate_record(trained, path, both_leads=True)
        ev = np.array([row[f"V run|{c}"] for c in ("ref", "hit_ref", "pred", "hit_pred")])
        events[way] += ev
        out.append(f"{way} wrong {(y != pred).sum()} V runs ref/hit/pred/hit {'/'.join(map(str, ev))}")
    print(f"run {k} {patient}: " + "; ".join(out), flush=True)
for way in scored:
    ref, hit_ref, pred, hit_pred = events[way]
    se, pp = hit_ref / max(ref, 1), hit_pred / max(pred, 1)
    f1 = 2 * se * pp / max(se + pp, 1e-12)
    print(f"run {k} {way}: V runs ref {ref} pred {pred} Se {se:.3f} +P {pp:.3f} F1 {f1:.4f}; "
          f"D {decision_number(scored[way]):.4f}; counts {ref} {hit_ref} {pred} {hit_pred}")
