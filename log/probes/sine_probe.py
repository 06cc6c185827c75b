"""The flutter rule's sine ratio of every run it judged (heartbeat/detect.py _drop_flutter), with the reference
beats and flutter marks inside: what tells SVDB's false VF/flutter episodes from MIT-BIH's real ones."""
import sys
from collections import Counter
from pathlib import Path
import numpy as np
import wfdb
from heartbeat import detect, segment
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.sources import read_wfdb

calls = []
orig = detect._sine_ratio


def sine_ratio(wide, peaks):
    out = orig(wide, peaks)
    calls.append((int(peaks[0]), int(peaks[-1]), out, float(np.median(np.diff(peaks))) / 360))
    return out


detect._sine_ratio = sine_ratio
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        sig = np.nan_to_num(np.asarray(rec.signal, dtype=np.float64))
        x, _ = segment.resample(sig, rec.fs, segment.KAGGLE_FS)
        calls.clear()
        detect.energy_detection(x, segment.KAGGLE_FS)
        ann = wfdb.rdann(str(db / name), "atr")
        marks = [(s / rec.fs, sym) for s, sym in zip(ann.sample, ann.symbol)]
        vf, on = [], None  # '[' ... ']' flutter episodes
        for t, sym in marks:
            if sym == "[":
                on = t
            elif sym == "]" and on is not None:
                vf.append((on, t)); on = None
        for a, b, r, med in calls:
            a_s, b_s = a / 360, b / 360
            inside = Counter(sym for t, sym in marks if a_s - 0.1 <= t <= b_s + 0.1 and sym not in "[]+~|\"")
            in_vf = any(x0 <= b_s and a_s <= x1 for x0, x1 in vf)
            print(db.name, name, f"{a_s:.1f} {b_s - a_s:.1f} ratio {r:.2f} median_rr {med:.3f} {'FLUTTER' if r <= detect.FLUTTER_SINE else 'beats'}"
                  f" {'refVF' if in_vf else '-'} {dict(inside)}", flush=True)
