"""VFV screen (log/vfv-rule.txt): on the validation patients of grouped run K (seed K), read as recordings on both
leads, V-run events and D today and with VFV.   python log/probes/vfv_screen.py K   (from the repo root)"""
import sys
from argparse import Namespace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from report_validation import validate_record  # noqa: E402
from review_adapt import decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import recording  # noqa: E402

RULE = recording.no_f_between_v  # VFV, as the pipeline has it since the adoption
changed = [0]


def today(table):
    return table  # the pipeline before VFV: no beat changed after no_s_in_af


def vfv(table):
    before = table["class"].to_numpy().copy()
    table = RULE(table)
    changed[0] += int((table["class"].to_numpy() != before).sum())
    return table


k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped",
                 runs=[k], pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
scored = {"today": [], "vfv": []}
events = {"today": np.zeros(4, int), "vfv": np.zeros(4, int)}
for _, patient, path, trained, *_ in held_out(args):
    db = patient.split("/")[0]
    out = []
    for way, fn in (("today", today), ("vfv", vfv)):
        recording.no_f_between_v = fn
        changed[0] = 0
        rec = read(path)
        table = recording.classify_recording(trained, rec)
        n_changed = changed[0]
        _, match = matched_labels(table, rec)
        keep = match >= 0
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored[way].append((db, y, pred))
        row = validate_record(trained, path, both_leads=True)
        ev = np.array([row[f"V run|{c}"] for c in ("ref", "hit_ref", "pred", "hit_pred")])
        events[way] += ev
        out.append(f"{way} wrong {(y != pred).sum()} changed {n_changed} V runs ref/hit/pred/hit {'/'.join(map(str, ev))}")
    print(f"run {k} {patient}: " + "; ".join(out), flush=True)
for way in scored:
    ref, hit_ref, pred, hit_pred = events[way]
    se, pp = hit_ref / max(ref, 1), hit_pred / max(pred, 1)
    f1 = 2 * se * pp / max(se + pp, 1e-12)
    print(f"run {k} {way}: V runs ref {ref} pred {pred} Se {se:.3f} +P {pp:.3f} F1 {f1:.4f}; "
          f"D {decision_number(scored[way]):.4f}; counts {ref} {hit_ref} {pred} {hit_pred}")
