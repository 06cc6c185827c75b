"""LOOK: what the learned check finds inside the pipeline's artifact intervals (rule log/second-look-rule.txt)."""
import sys
from pathlib import Path
import numpy as np
from scipy import signal as sps
from heartbeat import segment
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.detect import qrs_energy, shape_band
from heartbeat.recording import classify_recording
from heartbeat.sources import read_wfdb
from heartbeat.verify import beat_scores

FS = 360
model = load_checkpoint("models/recording.pt")[0]
found = {t: [0, 0] for t in (0.5, 0.7, 0.9)}
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        classify_recording(model, rec)
        for e in (e for e in rec.excluded if e.reason == "artifact"):
            a, b = max(0, e.start - int(5 * rec.fs)), min(len(rec.signal), e.stop + int(5 * rec.fs))
            sig, _ = segment.resample(np.nan_to_num(np.asarray(rec.signal[a:b], dtype=float)), rec.fs, FS)
            energy, _ = qrs_energy(sig, FS)
            x, y = (e.start - a) * FS / rec.fs, (e.stop - a) * FS / rec.fs
            peaks, _ = sps.find_peaks(energy, distance=int(0.2 * FS))
            peaks = peaks[(peaks > x + 0.25 * FS) & (peaks < y - 0.25 * FS)]
            if not len(peaks):
                continue
            from heartbeat.detect import refine_to_r_peak
            wide = shape_band(sig, FS)
            peaks = refine_to_r_peak(sig, FS, peaks, wide)
            scores = beat_scores(wide, FS, peaks)
            ref = (rec.ref_samples[(rec.ref_samples > e.start) & (rec.ref_samples < e.stop)] - a) * FS / rec.fs
            for t in found:
                kept = peaks[scores >= t]
                hit = np.array([len(ref) and np.abs(ref - p).min() <= 0.15 * FS for p in kept], dtype=bool)
                matched = sum(bool(len(kept)) and np.abs(kept - r).min() <= 0.15 * FS for r in ref)
                found[t][0] += int(matched)
                found[t][1] += int((~hit).sum())
            print(db.name, name, round(e.start / rec.fs, 1), "ref", len(ref), "cands",
                  [(round((a + p * rec.fs / FS) / rec.fs, 2), round(float(s), 2)) for p, s in zip(peaks, scores)],
                  flush=True)
for t, (hit, false) in found.items():
    print(f"t {t}: reference beats found {hit}, false {false}")
