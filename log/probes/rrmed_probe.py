"""RRMED go/no-go probe (log/rrmed-rule.txt): do R-R features against the median of +-150 s tell S from N better than
the mean alone?   python log/probes/rrmed_probe.py   (from the repo root)"""
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from heartbeat.database import aami_labels
from heartbeat.rr import AVERAGE_WINDOW_S, rr_features

parts = []
for db in ("mitdb", "svdb"):
    meta = pd.read_csv(f"data/{db}.meta.csv", dtype={"record": str})
    meta["y"] = aami_labels(meta["symbol"].to_numpy())
    for record, m in meta.groupby("record", sort=False):
        t = m["time_s"].to_numpy()
        rr = np.diff(t)
        mid = t[1:]
        start = np.minimum(np.searchsorted(mid, t - AVERAGE_WINDOW_S / 2, side="left"), len(rr) - 1)
        stop = np.maximum(np.searchsorted(mid, t + AVERAGE_WINDOW_S / 2, side="right"), start + 1)
        med = np.array([np.median(rr[a:b]) for a, b in zip(start, stop)])
        a = rr_features(m)
        b = np.column_stack([a, m["rr_prev_s"].to_numpy() / med, m["rr_next_s"].to_numpy() / med])
        keep = np.isin(m["y"].to_numpy(), [0, 1])
        parts.append((db, f"{db}/{record}", a[keep], b[keep], m["y"].to_numpy()[keep]))
db = np.concatenate([np.full(len(p[4]), p[0]) for p in parts])
groups = np.concatenate([np.full(len(p[4]), p[1]) for p in parts])
y = np.concatenate([p[4] for p in parts])
for name, i in (("A (today's 8)", 2), ("B (+ prev/median, next/median)", 3)):
    x = np.concatenate([p[i] for p in parts])
    pred = np.zeros(len(y), int)
    for train, test in GroupKFold(5).split(x, y, groups):
        clf = HistGradientBoostingClassifier(random_state=0, class_weight="balanced").fit(x[train], y[train])
        pred[test] = clf.predict(x[test])
    print(name + ": " + ", ".join(
        f"{d} S F1 {f1_score(y[db == d], pred[db == d], pos_label=1):.4f} "
        f"(Se {((pred == 1) & (y == 1) & (db == d)).sum() / ((y == 1) & (db == d)).sum():.3f}, "
        f"+P {((pred == 1) & (y == 1) & (db == d)).sum() / max(((pred == 1) & (db == d)).sum(), 1):.3f})"
        for d in ("mitdb", "svdb")), flush=True)
