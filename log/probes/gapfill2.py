"""GAPFILL2 probe (log/gapfill2-rule.txt): lead-0 gaps >= 1.8 s filled with lead 1's verified detections at least
0.3 s from both ends. Full-record detection, reference beats within 150 ms. Prints per record what the fill adds."""
import sys
import numpy as np
import wfdb
from heartbeat import detect
from heartbeat.database import AAMI_LABEL, record_names

GAP_S, EDGE_S, MATCH_S = 1.8, 0.3, 0.15


def physical(path, ch):
    rec = wfdb.rdrecord(path, channels=[ch])
    return rec.p_signal[:, 0], rec.fs


def run(db, verify1):
    tot = dict(true=0, false=0, broken=0)
    for name in record_names(db):
        path = f"{db}/{name}"
        s0, fs = physical(path, 0)
        s1, _ = physical(path, 1)
        ann = wfdb.rdann(path, "atr")
        ref = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym in AAMI_LABEL])
        p0 = detect.detect_r_peaks(np.nan_to_num(s0), fs)
        p1 = detect.detect_r_peaks(np.nan_to_num(s1), fs, verify=verify1)
        gap, edge, match = GAP_S * fs, EDGE_S * fs, MATCH_S * fs
        added = []
        for a, b in zip(p0[:-1], p0[1:]):
            if b - a >= gap:
                inside = p1[(p1 >= a + edge) & (p1 <= b - edge)]
                added.extend(inside.tolist())
        added = np.array(added, dtype=np.int64)
        true = false = broken = 0
        for x in added:
            d = np.abs(ref - x).min() if len(ref) else np.inf
            if d <= match:
                true += 1
            else:
                false += 1
                # a real pause broken: the reference interval around x is >= 2 s with no reference beat inside
                j = np.searchsorted(ref, x)
                if 0 < j < len(ref) and ref[j] - ref[j - 1] >= 2.0 * fs:
                    broken += 1
        if len(added):
            print(f"{db.split('/')[-1]}/{name}: added {len(added)} true {true} false {false} in real pauses {broken}"
                  + (f" at {', '.join(f'{x / fs:.2f}' for x in added[:8])}" if len(added) else ""), flush=True)
        tot["true"] += true; tot["false"] += false; tot["broken"] += broken
    print(db, "verify lead 1" if verify1 else "no check on lead 1", tot, flush=True)


if __name__ == "__main__":
    verify1 = sys.argv[1] != "nocheck" if len(sys.argv) > 1 else True
    for db in ("../shared/data/mitdb", "../shared/data/svdb"):
        run(db, verify1)
