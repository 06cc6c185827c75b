"""Probe: the width (s) of each record's median QRS at half its peak, 5-25 Hz band, at the R peaks the pipeline
detects: does a wrong --fs (x2, x0.5) leave the range real records span?"""
import glob
import sys
from pathlib import Path

import numpy as np
import scipy.signal as sps

from heartbeat.sources import read_wfdb
from heartbeat.recording import beats_of, check_signal, read_span


def width(rec):
    rec = check_signal(rec)
    start, stop = max(rec.segments, key=lambda s: s[1] - s[0])
    stop = min(stop, start + int(300 * rec.fs))
    found = beats_of(rec, start, stop)
    sig = read_span(rec.signal, start, stop)
    b, a = sps.butter(2, [5 / (rec.fs / 2), min(25, 0.45 * rec.fs) / (rec.fs / 2)], "band")
    band = sps.filtfilt(b, a, sig)
    half = int(0.15 * rec.fs)
    peaks = found.samples - start
    peaks = peaks[(peaks > half) & (peaks < len(band) - half)]
    med = np.median(np.stack([band[p - half:p + half] for p in peaks]), axis=0)
    env = np.abs(sps.hilbert(med))
    top = env[half - int(0.05 * rec.fs):half + int(0.05 * rec.fs)].max()
    above = env >= 0.5 * top
    # the run of samples above half the maximum that holds the centre
    i = j = half
    while i > 0 and above[i - 1]:
        i -= 1
    while j < len(env) - 1 and above[j + 1]:
        j += 1
    return (j - i + 1) / rec.fs


rows = []
for db in ("mitdb", "svdb"):
    for hea in sorted(glob.glob(f"../shared/data/{db}/*.hea")):
        path = Path(hea).with_suffix("")
        try:
            w = width(read_wfdb(path))
        except Exception as e:
            print(db, path.name, "failed", e)
            continue
        rows.append((db, path.name, w))
        print(db, path.name, f"{w * 1000:.1f} ms", flush=True)
w = np.array([r[2] for r in rows])
print(f"n {len(w)}  min {w.min()*1000:.1f}  p5 {np.percentile(w,5)*1000:.1f}  median {np.median(w)*1000:.1f}  "
      f"p95 {np.percentile(w,95)*1000:.1f}  max {w.max()*1000:.1f} ms; max/min {w.max()/w.min():.2f}")
