"""Reference R-R intervals under 0.25 / 0.22 / 0.20 s (not across a flutter episode '[' ... ']' or '!' waves), per
record, and the same count for the pipeline's intervals in burst-cache (within a segment)."""
import pickle
import sys
from pathlib import Path
import numpy as np
import wfdb
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.sources import read_wfdb

NO = {"[", "]", "!"}
tot = {}
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        ann = wfdb.rdann(str(db / name), "atr")
        marks = np.array([s for s, y in zip(ann.sample, ann.symbol) if y in NO])
        ref = np.sort(rec.ref_samples)
        crossed = np.searchsorted(marks, ref) if len(marks) else np.zeros(len(ref), int)
        ok = np.diff(crossed) == 0
        rr = np.diff(ref)[ok] / rec.fs
        c = pickle.load(open(Path(__file__).parent / "burst-cache" / f"{db.name}_{name}.pkl", "rb"))
        prr = np.concatenate([np.diff(g["sample"].to_numpy()) for _, g in c["table"].groupby("segment")]) / rec.fs
        row = [int((rr < x).sum()) for x in (0.25, 0.22, 0.2)] + [int((prr < x).sum()) for x in (0.25, 0.22, 0.2)]
        for i, v in enumerate(row):
            tot[(db.name, i)] = tot.get((db.name, i), 0) + v
        if any(row[:3]):
            print(db.name, name, "ref <.25/.22/.20:", row[:3], "pipeline:", row[3:], "ref min", round(rr.min(), 3))
print(tot)
