"""CANDREF against today's detector: FN / FP on a database, and detection pairs closer than 0.25 s.
    python log/probes/candref.py DB [--variant]"""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np
from scipy import signal as sps
from wfdb.processing import compare_annotations
from heartbeat import detect, segment
from heartbeat.database import ALL_RECORDS, aami_labels, read_record, record_names


def candref_peaks(energy, band, fs):
    """detect._thresholded_peaks with the refractory applied against the last accepted beat only."""
    D = detect
    cand, _ = sps.find_peaks(energy, distance=max(1, int(D.REFRACTORY_S * fs / 2)))
    if len(cand) == 0:
        return cand
    heights = energy[cand]
    slopes = D._max_slope(band, fs, cand)
    first = heights[cand < 2 * fs]
    spk = 0.25 * (first.max() if len(first) else heights.max())
    npk = 0.125 * (np.mean(first) if len(first) else np.mean(heights))
    beats, rr = [], []
    refractory = D.REFRACTORY_S * fs

    def accept(weight, h):
        nonlocal spk
        spk = weight * min(h, 3 * spk) + (1 - weight) * spk

    def is_t_wave(j, prev):
        return cand[j] - cand[prev] < D.T_WAVE_S * fs and slopes[j] < 0.5 * slopes[prev]

    def searchback_after():
        return min(D.SEARCHBACK_RR * (sum(rr) / len(rr)), D.SEARCHBACK_MAX_S * fs)

    def search_back(a, b, thr):
        inside = [j for j in range(a + 1, b) if heights[j] > thr and cand[j] - cand[a] >= refractory
                  and (b >= len(cand) or cand[b] - cand[j] >= refractory) and not is_t_wave(j, a)]
        if not inside:
            return []
        j = max(inside, key=lambda k: heights[k])
        limit = searchback_after()
        left = search_back(a, j, thr) if cand[j] - cand[a] > limit else []
        right = search_back(j, b, thr) if b < len(cand) and cand[b] - cand[j] > limit else []
        return left + [j] + right

    for i in range(len(cand)):
        if beats and cand[i] - cand[beats[-1]] < refractory:
            if heights[i] > heights[beats[-1]]:
                if len(beats) >= 2:
                    rr[-1] = cand[i] - cand[beats[-2]]
                beats[-1] = i
            continue
        thr = npk + D.THRESHOLD * (spk - npk)
        if len(rr) >= 2 and cand[i] - cand[beats[-1]] > searchback_after():
            for j in search_back(beats[-1], i, D.SEARCHBACK_THR * thr):
                rr = (rr + [cand[j] - cand[beats[-1]]])[-8:]
                beats.append(j)
                accept(0.25, heights[j])
            thr = npk + D.THRESHOLD * (spk - npk)
        if heights[i] > thr and not (beats and is_t_wave(i, beats[-1])):
            if beats:
                rr = (rr + [cand[i] - cand[beats[-1]]])[-8:]
            beats.append(i)
            accept(0.125, heights[i])
        else:
            npk = 0.125 * heights[i] + 0.875 * npk
    return cand[np.asarray(beats, dtype=np.int64)]


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    if "--variant" in sys.argv:
        detect._thresholded_peaks = candref_peaks
    names = ALL_RECORDS if folder.name == "mitdb" else record_names(folder)
    tp = fp = fn = close = 0
    for name in names:
        rec = read_record(folder / name)
        labels = aami_labels(rec.ann_symbols)
        ref = rec.ann_samples[labels >= 0]
        if rec.fs != segment.KAGGLE_FS:
            signal, _ = segment.resample(rec.signal, rec.fs, segment.KAGGLE_FS)
            ref = np.round(ref * segment.KAGGLE_FS / rec.fs).astype(np.int64)
            rec = replace(rec, signal=signal, fs=float(segment.KAGGLE_FS))
        det = detect.detect_r_peaks(rec.signal.astype(np.float64), rec.fs)
        c = compare_annotations(ref, det, int(0.15 * rec.fs))
        n_close = int((np.diff(det) < 0.25 * rec.fs).sum())
        tp, fp, fn, close = tp + c.tp, fp + c.fp, fn + c.fn, close + n_close
        print(f"{name} FN {c.fn} FP {c.fp} close {n_close}", flush=True)
    print(f"total TP {tp} FN {fn} FP {fp} Se {100 * tp / (tp + fn):.3f} +P {100 * tp / (tp + fp):.3f} close<0.25 {close}")
