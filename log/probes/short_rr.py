"""Detections closer than X ms to the previous detection: how many are false, and which of the pair."""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np
from wfdb.processing import compare_annotations
from heartbeat import segment
from heartbeat.detect import detect_r_peaks
from heartbeat.database import ALL_RECORDS, aami_labels, read_record, record_names

folder = Path(sys.argv[1])
names = ALL_RECORDS if folder.name == "mitdb" else record_names(folder)
rows = []
for name in names:
    rec = read_record(folder / name)
    labels = aami_labels(rec.ann_symbols)
    ref = rec.ann_samples[labels >= 0]
    if rec.fs != segment.KAGGLE_FS:
        signal, _ = segment.resample(rec.signal, rec.fs, segment.KAGGLE_FS)
        ref = np.round(ref * segment.KAGGLE_FS / rec.fs).astype(np.int64)
        rec = replace(rec, signal=signal, fs=float(segment.KAGGLE_FS))
    det = detect_r_peaks(rec.signal.astype(np.float64), rec.fs)
    cmp = compare_annotations(ref, det, int(0.15 * rec.fs))
    matched = np.zeros(len(det), bool)
    matched[cmp.matching_sample_nums[cmp.matching_sample_nums >= 0]] = True  # indices into det
    ref_rr = np.diff(ref) / 360
    rr = np.diff(det) / 360
    for i in np.where(rr < 0.3)[0]:
        rows.append((name, det[i + 1] / 360, rr[i], matched[i], matched[i + 1]))
    print(name, len(det), int((rr < 0.25).sum()), "ref<0.25:", int((ref_rr < 0.25).sum()), flush=True)
rows = np.array(rows, dtype=object)
for lim in (0.22, 0.25, 0.28, 0.3):
    r = rows[rows[:, 2].astype(float) < lim]
    both = int(sum(a and b for a, b in zip(r[:, 3], r[:, 4])))
    print(f"< {lim}: {len(r)} pairs; both true {both}; second false {int(sum(not b for b in r[:, 4]))}; first false {int(sum(not a for a in r[:, 3]))}")
for r in rows:
    if r[2] < 0.25:
        print(r[0], f"{r[1]:.3f}", f"{r[2]:.3f}", r[3], r[4])
