"""BURST probe: stretches of >= 2 consecutive early detections (interval < SHORT x the median of the up to 8 intervals
before, at least 4), true (every early detection has a reference beat within 0.15 s) or false, and what the second
lead shows across them. Reads log/probes/burst-cache (burst_cache.py)."""
import pickle
import sys
from pathlib import Path

import numpy as np

SHORT, MATCH_S, TOL, EDGE_S, RHYTHM, MIN_BEFORE = 0.7, 0.15, 1.5, 0.3, 8, 4
MIN_EARLY = int(sys.argv[1]) if len(sys.argv) > 1 else 2


def near(x, pts, tol):
    if not len(pts):
        return False
    i = np.searchsorted(pts, x)
    return any(0 <= j < len(pts) and abs(pts[j] - x) <= tol for j in (i - 1, i))


def in_any(a, b, spans):
    return any(x < b and a < y for x, y in spans)


rows = []
for path in sorted((Path(__file__).parent / "burst-cache").glob("*.pkl")):
    c = pickle.load(open(path, "rb"))
    fs, t = c["fs"], c["table"]
    ref = np.sort(c["ref_samples"])
    second = np.sort(c["second"])
    bad2 = [(a, b) for a, b, _ in c["second_excluded"]] + list(c["second_noisy"])
    tol, edge = int(MATCH_S * fs), int(EDGE_S * fs)
    for _, seg in t.groupby("segment"):
        s = seg["sample"].to_numpy()
        cls = seg["class"].to_numpy()
        rr = np.diff(s)
        k = MIN_BEFORE
        while k < len(rr):
            r = np.median(rr[max(0, k - RHYTHM):k])
            if rr[k] >= SHORT * r:
                k += 1
                continue
            j = k  # run of short intervals k..j-1, each against r of the run's start
            while j < len(rr) and rr[j] < SHORT * r:
                j += 1
            early = list(range(k + 1, j + 1))  # beats ending a short interval
            if len(early) >= MIN_EARLY and j < len(rr):
                a, b = int(s[k]), int(s[j + 1]) if j + 1 < len(s) else int(s[j])
                false = [e for e in early if not near(s[e], ref, tol)]
                inside = second[(second >= a + edge) & (second <= b - edge)]
                steps = np.diff(np.r_[a, inside, b])
                rhythm = bool(len(steps) > 1 and np.all(steps <= TOL * r) and np.all(steps >= r / TOL))
                bounded = near(a, second, tol) and near(b, second, tol)
                seen = sum(near(s[e], second, tol) for e in early)
                rows.append(dict(rec=path.stem, t=s[k] / fs, n=len(early), false=len(false), r=r / fs,
                                 fastest=60 * fs / rr[k:j].min(), classes="".join(cls[k:j + 2]),
                                 noisy2=in_any(a, b, bad2), rhythm=rhythm, bounded=bounded, seen=seen))
            k = j + 1
import pandas as pd  # noqa: E402
df = pd.DataFrame(rows)
pd.set_option("display.width", 250)
df["kind"] = np.where(df["false"] > 0, "false", "true")
print(df.groupby("kind").size())
rule = (~df["noisy2"]) & df["rhythm"]
print("rule rhythm & not noisy2:\n", df[rule].groupby("kind").size())
rule2 = rule & df["bounded"] & (df["seen"] == 0)
print("rule + bounded + none seen:\n", df[rule2].groupby("kind").size())
print(df[rule].to_string())
