"""HALVING probe (rule log/halving-rule.txt): switches of a steady N-N rhythm to double / half its interval, per
record, on the reference annotations and on the cached pipeline readings (log/probes/burst-cache)."""
import glob
import os
import pickle

import numpy as np

STEADY, SIDE, LO, HI = 0.10, 6, 1.8, 2.2


def switches(times, is_n, segment):
    t = np.asarray(times, float)
    ok = is_n[1:] & is_n[:-1] & (segment[1:] == segment[:-1])
    rr = np.diff(t)
    out = []
    for i in range(SIDE, len(rr) - SIDE + 1):
        a, b = rr[i - SIDE:i], rr[i:i + SIDE]
        if not (ok[i - SIDE:i].all() and ok[i:i + SIDE].all()):
            continue
        ma, mb = np.median(a), np.median(b)
        if np.all(np.abs(a - ma) <= STEADY * ma) and np.all(np.abs(b - mb) <= STEADY * mb):
            r = max(ma, mb) / min(ma, mb)
            if LO <= r <= HI:
                out.append(t[i])
    return out


import sys
KEEP = ("N", "S") if "--ns" in sys.argv else ("N",)
for path in sorted(glob.glob("log/probes/burst-cache/*.pkl")):
    d = pickle.load(open(path, "rb"))
    tab = d["table"]
    pipe = switches(tab["time_s"].to_numpy(), tab["class"].isin(KEEP).to_numpy(), tab["segment"].to_numpy())
    ref_t = d["ref_samples"] / d["fs"]
    ref = switches(ref_t, np.isin(d["ref_labels"], [0, 1] if "--ns" in sys.argv else [0]), np.zeros(len(ref_t), int))
    name = os.path.basename(path)[:-4]
    if pipe or ref:
        print(f"{name}: pipeline {len(pipe)} {[round(x, 1) for x in pipe[:12]]}  reference {len(ref)} "
              f"{[round(x, 1) for x in ref[:12]]}")
print("done")
