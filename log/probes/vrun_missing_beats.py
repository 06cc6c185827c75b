"""At which stage of the detector the beats of missed MIT-BIH V runs are lost (the runs of vrun_undetected.py whose
cause is "beats not detected"): energy peaks, thresholds, the P/T-wave drop, the flutter drop, the learned check.

    python log/probes/vrun_missing_beats.py ../shared/data/mitdb
"""
import sys
from pathlib import Path

import numpy as np
import wfdb

from heartbeat import detect
from heartbeat.verify import verified

MISSED = {"203": [92.0, 269.1, 301.7, 511.1, 1497.0], "207": [38.8, 62.2], "214": [342.3]}


def near(peaks, t, fs, tol=0.15):
    return len(peaks) and np.abs(peaks / fs - t).min() <= tol


def main(folder):
    for name, starts in MISSED.items():
        rec = wfdb.rdrecord(str(Path(folder) / name), channels=[0])
        ann = wfdb.rdann(str(Path(folder) / name), "atr")
        fs, sig = rec.fs, rec.p_signal[:, 0]
        energy, band = detect.qrs_energy(sig, fs)
        wide = detect.shape_band(sig, fs)
        thr = detect._thresholded_peaks(energy, band, fs)
        pt = detect._drop_p_and_t_waves(thr, energy, fs)
        fl, _ = detect._drop_flutter(pt, energy, wide, fs)
        refined = detect.refine_to_r_peak(sig, fs, fl, wide)
        checked = verified(wide, fs, refined)
        from scipy import signal as sps
        cand, _ = sps.find_peaks(energy, distance=int(detect.REFRACTORY_S * fs))
        for s in starts:
            ts = ann.sample[(ann.sample / fs >= s - 0.05) & (ann.sample / fs <= s + 3)] / fs
            syms = [ann.symbol[i] for i in np.flatnonzero((ann.sample / fs >= s - 0.05) & (ann.sample / fs <= s + 3))]
            for t, sym in zip(ts, syms):
                if not near(checked, t, fs):
                    stage = next(n for n, p in (("candidate", cand), ("threshold", thr), ("P/T drop", pt),
                                                ("flutter", fl), ("refine", refined), ("check", checked))
                                 if not near(p, t, fs))
                    prev = ts[ts < t].max() if (ts < t).any() else np.nan
                    print(f"{name} run {s:7.1f}: beat {sym} at {t:8.3f} s (R-R {t - prev:.3f}) lost at: {stage}")


if __name__ == "__main__":
    main(sys.argv[1])
