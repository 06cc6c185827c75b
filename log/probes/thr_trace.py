"""Each candidate near the missing V beats of vrun_missing_beats.py: its QRS energy against the threshold, and the T-wave
slope rule. A trace (python log/probes/thr_trace.py).
"""
import numpy as np, wfdb, inspect, textwrap
from heartbeat import detect
src = inspect.getsource(detect._thresholded_peaks)
src = src.replace("def _thresholded_peaks(energy, band, fs):", "def traced(energy, band, fs, log):")
src = src.replace("        if heights[i] > thr and not (beats and is_t_wave(i, beats[-1])):",
 "        log.append((cand[i], heights[i], thr, bool(beats and is_t_wave(i, beats[-1])), slopes[i], slopes[beats[-1]] if beats else 0))\n        if heights[i] > thr and not (beats and is_t_wave(i, beats[-1])):")
ns = dict(vars(detect)); exec(textwrap.dedent(src), ns)
for name, times in {"203": [92.414, 269.497, 302.383, 511.453], "207": [38.797, 62.536]}.items():
    rec = wfdb.rdrecord(f"../shared/data/mitdb/{name}", channels=[0]); fs = rec.fs; sig = rec.p_signal[:, 0]
    energy, band = detect.qrs_energy(sig, fs); log = []
    ns["traced"](energy, band, fs, log)
    c = np.array([l[0] for l in log])
    for t in times:
        k = np.abs(c / fs - t).argmin()
        for j in range(k - 2, k + 2):
            cs, h, thr, tw, sl, slp = log[j]
            print(name, t, f"cand {cs/fs:.3f} h {h:.3g} thr {thr:.3g} ratio {h/thr:.2f} twave {tw} slope {sl:.3g}/{slp:.3g}")
        print()
