import sys, pickle
from pathlib import Path
import numpy as np
from heartbeat import segment, quality
from heartbeat.detect import energy_detection
from heartbeat.sources import read_wfdb
FS = segment.KAGGLE_FS
items = {"mitdb": {"104": 45.6, "105": 1694.2, "108": 1719.2, "111": 1383.9, "205": 1462.5, "207": 242.8, "228": 321.4, "233": 963.8, "100": 500, "119": 900},
         "svdb": {"829": 539.4, "865": 773.0, "877": 1762.3, "887": 1118.0, "857": 317.5, "821": 1650.1, "800": 600}}
for db, recs in items.items():
    for name, at in recs.items():
        rec = read_wfdb(Path("../shared/data") / db / name)
        a = max(0, int((at - 30) * rec.fs)); b = int((at + 30) * rec.fs)
        sig, _ = segment.resample(np.asarray(rec.signal[a:b], dtype=np.float64), rec.fs, FS)
        raw = energy_detection(np.nan_to_num(sig), FS)
        out = []
        for w in range(0, len(sig) - 10 * FS + 1, 10 * FS):
            inside = raw.peaks[(raw.peaks >= w) & (raw.peaks < w + 10 * FS)] - w
            out.append(round(quality.noise_ratio(raw.energy[w:w + 10 * FS], inside, FS), 2))
        print(db, name, at, out)
