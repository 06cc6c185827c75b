"""Of two verified detections closer than D s, keep the one the learned check (or QRS energy) rates higher.
FN / FP over the records against today's, per D and chooser. Rule: log/close-pairs-rule.txt."""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np
from wfdb.processing import compare_annotations
from heartbeat import segment
from heartbeat.detect import energy_detection
from heartbeat.verify import beat_scores, THRESHOLD
from heartbeat.database import ALL_RECORDS, aami_labels, read_record, record_names

def drop_close(peaks, value, fs, d):
    keep = np.ones(len(peaks), bool)
    last = None
    for k in range(len(peaks)):
        if last is not None and peaks[k] - peaks[last] < d * fs:
            if value[k] > value[last]:
                keep[last] = False
                last = k
            else:
                keep[k] = False
        else:
            last = k
    return peaks[keep]

folder = Path(sys.argv[1])
names = ALL_RECORDS if folder.name == "mitdb" else record_names(folder)
DS = (0.2, 0.22, 0.25, 0.28)
tot = {}
for name in names:
    rec = read_record(folder / name)
    labels = aami_labels(rec.ann_symbols)
    ref = rec.ann_samples[labels >= 0]
    if rec.fs != segment.KAGGLE_FS:
        signal, _ = segment.resample(rec.signal, rec.fs, segment.KAGGLE_FS)
        ref = np.round(ref * segment.KAGGLE_FS / rec.fs).astype(np.int64)
        rec = replace(rec, signal=signal, fs=float(segment.KAGGLE_FS))
    found = energy_detection(rec.signal.astype(np.float64), rec.fs)
    score = beat_scores(found.wide, rec.fs, found.peaks)
    ok = score >= THRESHOLD
    peaks, score, energy = found.peaks[ok], score[ok], found.energy[found.peaks[ok]]
    variants = {"today": peaks}
    for d in DS:
        variants[f"check {d}"] = drop_close(peaks, score, rec.fs, d)
        variants[f"energy {d}"] = drop_close(peaks, energy, rec.fs, d)
    line = [name]
    for k, det in variants.items():
        c = compare_annotations(ref, det, int(0.15 * rec.fs))
        t = tot.setdefault(k, [0, 0, 0])
        t[0] += c.tp; t[1] += c.fp; t[2] += c.fn
        line.append(f"{k}:{c.fn}/{c.fp}")
    print(" ".join(line), flush=True)
print("variant TP FP FN Se +P")
for k, (tp, fp, fn) in tot.items():
    print(f"{k:>12} {tp} {fp} {fn} {100*tp/(tp+fn):.3f} {100*tp/(tp+fp):.3f}")
