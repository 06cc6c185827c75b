import sys
from argparse import Namespace
from pathlib import Path
import numpy as np
sys.path.insert(0, "bench")
from review_adapt import held_out, matched_labels, read
from heartbeat import CLASSES
from heartbeat.recording import classify_recording
k = int(sys.argv[1])
args = Namespace(recipe="config/recording.json", adapt="config/adapt.json", leads=[0, 1], scenario="grouped", runs=[k],
                 pipeline=Path("../shared/data"), data="data", out="log/cross-db", validation=True)
for _, patient, path, trained, *_ in held_out(args):
    rec = read(path)
    table = classify_recording(trained, rec)
    _, match = matched_labels(table, rec)
    keep = match >= 0
    y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
    af = table["af"].to_numpy()[match[keep]] if "af" in table else np.zeros(len(y), bool)
    fs = np.bincount(y[pred == 1], minlength=5)
    ms = np.bincount(pred[y == 1], minlength=5)
    print(f"{patient}: read S {(pred==1).sum()} (true " + " ".join(f"{c} {n}" for c, n in zip(CLASSES, fs)) + f"; in AF {int(af[(pred==1)&(y!=1)].sum())})"
          + f" | true S {(y==1).sum()} read " + " ".join(f"{c} {n}" for c, n in zip(CLASSES, ms)), flush=True)
