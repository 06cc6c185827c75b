"""Pipeline V runs (>= 3 consecutive beats called V in one segment; burst-cache, both leads' classes) and couplets:
the share of their beats the second lead has a detection within 0.15 s of, for runs that overlap a reference V run
(>= 3 consecutive reference V beats) and runs that do not; where the second lead is unreadable or noisy: apart."""
import pickle
from pathlib import Path
import numpy as np
from heartbeat import CLASSES


def runs_of(mask):
    out, k = [], 0
    while k < len(mask):
        if mask[k]:
            j = k
            while j < len(mask) and mask[j]:
                j += 1
            out.append((k, j))
            k = j
        else:
            k += 1
    return out


def near(x, pts, tol):
    i = np.searchsorted(pts, x)
    return any(0 <= j < len(pts) and abs(pts[j] - x) <= tol for j in (i - 1, i))


rows = []
for p in sorted((Path(__file__).parent / "burst-cache").glob("*.pkl")):
    c = pickle.load(open(p, "rb"))
    fs, t = c["fs"], c["table"]
    ref = c["ref_samples"]
    lab = np.asarray(CLASSES)[c["ref_labels"]]
    ref_runs = [(ref[a] - 0.1 * fs, ref[b - 1] + 0.1 * fs) for a, b in runs_of(lab == "V") if b - a >= 3]
    ref_any_v = ref[lab == "V"]
    second = np.sort(c["second"])
    bad = [(a, b) for a, b, _ in c["second_excluded"]] + list(c["second_noisy"])
    tol = 0.15 * fs
    for _, g in t.groupby("segment"):
        s, cl = g["sample"].to_numpy(), g["class"].to_numpy()
        for a, b in runs_of(cl == "V"):
            if b - a < 2:
                continue
            x0, x1 = s[a], s[b - 1]
            seen = np.mean([near(x, second, tol) for x in s[a:b]])
            noisy2 = any(u < x1 and x0 < v for u, v in bad)
            true = any(u < x1 and x0 < v for u, v in ref_runs) if b - a >= 3 else \
                sum(near(x, ref_any_v, tol) for x in s[a:b]) == 2
            rows.append((p.stem, round(x0 / fs, 1), b - a, true, round(seen, 2), noisy2))
import pandas as pd  # noqa: E402
df = pd.DataFrame(rows, columns=["rec", "t", "n", "true", "seen", "noisy2"])
df["kind"] = np.where(df["n"] >= 3, "run", "couplet")
for kind in ("run", "couplet"):
    d = df[(df["kind"] == kind) & ~df["noisy2"]]
    print(kind, "second lead readable:", len(d), "; noisy / unreadable:", ((df["kind"] == kind) & df["noisy2"]).sum())
    for lo in (0.34, 0.5, 0.67, 0.99):
        print(f"  seen < {lo}: true {((d['seen'] < lo) & d['true']).sum()} of {d['true'].sum()}, "
              f"false {((d['seen'] < lo) & ~d['true']).sum()} of {(~d['true']).sum()}")
print(df[(df["kind"] == "run") & ~df["noisy2"] & (df["seen"] < 0.67)].to_string())
