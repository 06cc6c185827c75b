"""The measurements behind the noise and artifact thresholds of heartbeat/quality.py (docs/holter-report.md).

    python bench/quality_rules.py [--data ../shared/data] [--noise-ratios 0.5 0.7] [--half 0.12 0.2]

Noise: for each setting of QRS_HALF_S (--half) and threshold (--noise-ratios), the share of 10-s windows
of the 48 MIT-BIH records (channel 0, as the stress test) judged noisy, the records with more than 3 of them, and the share
of the noisy windows of the stress records (bench/noise_stress.py's construction, 0 and -6 dB) caught.
Artifacts: every detected R-R interval of 2 s or more on the 48 records (MLII where present, as the
pipeline reads them), with its signal span over the
median QRS peak-to-peak (quality.long_intervals) and whether the reference has a beat inside it
(a false pause) or not (a real one), sorted by that ratio.
"""
import argparse
from pathlib import Path

import numpy as np
import wfdb

from heartbeat import quality
from heartbeat.database import ALL_RECORDS
from heartbeat.detect import detect_beats, detect_r_peaks, qrs_energy
from heartbeat.sources import read_wfdb
from noise_stress import noisy_record

ROOT = Path(__file__).resolve().parents[1]
FS = 360


def window_ratios(sig):
    """noise_ratio of every whole 10-s window of a 360-Hz signal."""
    # the energy detector's own detections, as the pipeline's noise rule reads them (windows.detect_segment)
    peaks, (energy, _) = detect_r_peaks(sig, FS, verify=False), qrs_energy(sig, FS)
    step = int(quality.NOISE_WINDOW_S * FS)
    return np.array([quality.noise_ratio(energy[w:w + step], peaks[(peaks >= w) & (peaks < w + step)] - w, FS)
                     for w in range(0, len(sig) - step + 1, step)])


def noise_table(records, stress, halves, thresholds):
    for half in halves:
        quality.QRS_HALF_S = half
        clean = {name: window_ratios(rec.signal) for name, rec in records.items()}
        noisy = {key: (window_ratios(sig), mask) for key, (sig, mask) in stress.items()}
        every = np.concatenate(list(clean.values()))
        for thr in thresholds:
            most = {n: int((r >= thr).sum()) for n, r in clean.items() if (r >= thr).sum() > 3}
            caught = {f"{n} {snr:g} dB": round(float((r[m] >= thr).mean()), 2) for (n, snr), (r, m) in noisy.items()}
            print(f"half {half} s, ratio {thr}: MIT-BIH windows judged noisy {(every >= thr).mean():.4f} "
                  f"(records with more than 3: {most}); stress windows caught {caught}")


def pause_table(data):
    rows = []
    for name in ALL_RECORDS:
        rec = read_wfdb(data / "mitdb" / name)  # the channel the pipeline reads: MLII where present
        peaks, flutter = detect_beats(rec.signal, FS)
        typical = np.median(quality.qrs_amplitudes(rec.signal, peaks, FS))
        for a, b, span in quality.long_intervals(rec.signal, peaks, np.ones(len(peaks), dtype=bool), FS):
            if b - a < 2 * FS or any(fa >= a - 40 and fb <= b + 40 for fa, fb in flutter):
                continue
            missed = ((rec.ref_samples > a + 54) & (rec.ref_samples < b - 54)).any()
            rows.append((round(span / typical, 2), name, round(a / FS, 1), round((b - a) / FS, 2),
                         "false pause (beats missed)" if missed else "real pause"))
    print("\nspan / median QRS, record, start (s), R-R (s), kind")
    for row in sorted(rows):
        print(*row, sep="  ")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--noise-ratios", type=float, nargs="+", default=[0.5, 0.7])
    p.add_argument("--half", type=float, nargs="+", default=[0.12, 0.2])
    args = p.parse_args()
    data = Path(args.data)
    records = {name: read_wfdb(data / "mitdb" / name, 0) for name in ALL_RECORDS}
    em = wfdb.rdrecord(str(data / "nstdb" / "em"), channels=[0]).p_signal[:, 0]
    step = int(quality.NOISE_WINDOW_S * FS)
    stress = {}
    for name in ("118", "119"):
        for snr in (0, -6):
            rec = records[name]
            sig, mask = noisy_record(rec.signal, rec.ref_samples, rec.ref_labels == 0, em, snr)
            stress[name, snr] = (sig, mask[::step][:len(sig) // step])
    noise_table(records, stress, args.half, args.noise_ratios)
    pause_table(data)


if __name__ == "__main__":
    main()
