"""The noise stress test: R-peak detection on MIT-BIH 118 and 119 with real electrode-motion noise.

    python bench/noise_stress.py [--data ../shared/data] [--snr 24 18 12 6 0 -6] [--no-wfdb]
    python bench/noise_stress.py --records 100 103 112 113 115 117 121 122 123 234   # the set to choose on (CHOOSE)
    python bench/noise_stress.py --noise ma --no-wfdb   # muscle noise instead of electrode motion

The test records are built as WFDB's `nst` builds the Noise Stress Test Database: channel 0 of 118 and
119 plus the `em` record's channel 0, added from the same time on, in 2-minute bursts every 2 minutes
after a 5-minute clean start, each burst starting from the signal's level (no step), scaled to each SNR
as `nst` measures it with `sigamp`: S = A^2 / 8, A the trimmed mean (5% off each end) of the
peak-to-peak amplitudes within 50 ms of the first 300 normal beats, and N = R^2, R the trimmed mean of
the RMS amplitudes (about each window's mean) of the noise's first 300 one-second windows.

The test itself is 118 and 119; a detector change is to be chosen on stress records built the same way
from other records (--records), not on these. Printed per SNR and in total over the records: Se / +P
(150 ms matching) of our detector, of it without its learned check (heartbeat/verify.py), of the
recording pipeline (its beats outside excluded time, against the reference beats outside it, the share of
the noisy and of the clean minutes it excluded, and its false pauses: R-R intervals of 2 s or more within
one segment with a reference beat inside), and of wfdb's XQRS and gqrs.
"""
import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb
from scipy.stats import trim_mean
from wfdb.processing import compare_annotations, gqrs_detect, xqrs_detect

from heartbeat.checkpoint import load_checkpoint
from heartbeat.detect import detect_r_peaks
from heartbeat.recording import classify_recording
from heartbeat.sources import Recording, read_wfdb

ROOT = Path(__file__).resolve().parents[1]
FS = 360
MATCH = int(0.15 * FS)
TEST = ["118", "119"]  # the stress test's records (--records default)
CHOOSE = "100 103 112 113 115 117 121 122 123 234".split()  # --records to choose a detector change on


def qrs_amplitude(sig, beats):
    """sigamp's signal measure: the trimmed mean (5% off each end) of the peak-to-peak amplitudes within 50 ms
    of the first 300 `beats` (samples)."""
    half = int(0.05 * FS)
    return trim_mean([np.ptp(sig[r - half:r + half + 1]) for r in beats[beats >= half][:300]], 0.05)


def noise_rms(noise):
    """sigamp's noise measure: the trimmed mean of the RMS amplitudes (about each window's mean) of the first
    300 one-second windows (a piece shorter than 10 s: its plain RMS)."""
    if len(noise) < 10 * FS:
        return max(noise.std(), 1e-6)
    windows = noise[:min(300 * FS, len(noise) // FS * FS)].reshape(-1, FS)
    return trim_mean(np.sqrt(((windows - windows.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)), 0.05)


def gain(snr_db, qrs, rms):
    """The factor nst scales noise by: RMS noise / peak-to-peak signal, times the SNR's amplitude ratio."""
    return 10 ** (-snr_db / 20) * np.sqrt(2) / 4 * qrs / rms


def noisy_record(sig, ref, normal, noise, snr_db):
    """(signal with noise bursts at snr_db as nst adds them, mask of the noisy samples). ref: the reference
    beats (samples); normal: which of them are normal beats (AAMI N)."""
    scale = gain(snr_db, qrs_amplitude(sig, ref[normal]), noise_rms(noise))
    added, mask, level = np.zeros(len(sig)), np.zeros(len(sig), dtype=bool), 0.0
    for start in range(5 * 60 * FS, len(sig), 4 * 60 * FS):
        stop = min(start + 2 * 60 * FS, len(sig))
        burst = np.take(noise, np.arange(start, stop), mode="wrap")  # nst rewinds a shorter noise record
        added[start:stop] = level + scale * (burst - burst[0])  # nst moves its offset so the output does not jump
        level = added[stop - 1]
        added[stop:] = level
        mask[start:stop] = True
    return sig + added, mask


def counts(ref, det):
    c = compare_annotations(ref, np.asarray(det, dtype=np.int64), MATCH)
    return np.array([c.tp, c.fp, c.fn])


def false_pauses(table, ref):
    """R-R intervals of 2 s or more inside one segment of the pipeline's beats (what the report calls a pause)
    with a reference beat more than 150 ms from both ends."""
    beats, segment = table["sample"].to_numpy(), table["segment"].to_numpy()
    long = np.flatnonzero((np.diff(beats) >= 2 * FS) & (np.diff(segment) == 0))
    return sum(((ref > beats[k] + MATCH) & (ref < beats[k + 1] - MATCH)).any() for k in long)


def pipeline(model, sig, ref, mask, name):
    """(tp, fp, fn) of the pipeline's beats outside excluded time; excluded share of noisy, clean samples;
    false pauses."""
    rec = Recording(sig, float(FS), name)
    table = classify_recording(model, rec)
    excluded = np.zeros(len(sig), dtype=bool)
    for e in rec.excluded:
        excluded[e.start:e.stop] = True
    return (counts(ref[~excluded[ref]], table["sample"].to_numpy()),
            excluded[mask].mean(), excluded[~mask].mean(), false_pauses(table, ref))


def line(c):
    tp, fp, fn = c
    return f"{tp / (tp + fn):.4f} / {tp / (tp + fp):.4f} (F1 {2 * tp / (2 * tp + fp + fn):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--snr", type=float, nargs="+", default=[24, 18, 12, 6, 0, -6])
    p.add_argument("--checkpoint", default=str(ROOT / "models" / "recording.pt"))
    p.add_argument("--records", nargs="+", default=TEST, help="clean MIT-BIH records to add noise to")
    p.add_argument("--no-wfdb", action="store_true", help="leave out XQRS and gqrs (the slow part)")
    p.add_argument("--noise", choices=["em", "ma", "bw"], default="em",
                   help="the nstdb noise record (the test is em's; ma and bw ask how other noise fares)")
    args = p.parse_args()
    data = Path(args.data)
    model = load_checkpoint(args.checkpoint)[0]
    noise = wfdb.rdrecord(str(data / "nstdb" / args.noise), channels=[0]).p_signal[:, 0]
    rows, t0 = [], time.perf_counter()
    for name in args.records:
        rec = read_wfdb(data / "mitdb" / name, 0)
        ref = rec.ref_samples
        for snr in args.snr:
            sig, mask = noisy_record(rec.signal, ref, rec.ref_labels == 0, noise, snr)
            row = {"record": name, "snr": snr, "ours": counts(ref, detect_r_peaks(sig, FS)),
                   "unchecked": counts(ref, detect_r_peaks(sig, FS, verify=False))}
            row["pipeline"], row["excluded noisy"], row["excluded clean"], row["false pauses"] = \
                pipeline(model, sig, ref, mask, name)
            if not args.no_wfdb:
                row["xqrs"] = counts(ref, xqrs_detect(sig, FS, verbose=False))
                row["gqrs"] = counts(ref, gqrs_detect(sig, FS))
            rows.append(row)
    table = pd.DataFrame(rows)
    detectors = [d for d in ("ours", "unchecked", "pipeline", "xqrs", "gqrs") if d in table]
    print(f"{len(rows)} records in {time.perf_counter() - t0:.0f} s; Se / +P (F1); unchecked: our detector without "
          "its learned check (verify=False); pipeline: outside excluded time\n")
    print("| SNR (dB) | " + " | ".join(detectors) + " | pipeline excluded: noisy / clean minutes | pipeline false pauses |")
    print("|---" * (len(detectors) + 3) + "|")
    for snr, group in list(table.groupby("snr", sort=False)) + [("all", table)]:
        print(f"| {snr if snr == 'all' else f'{snr:g}'} | " + " | ".join(line(group[d].sum()) for d in detectors)
              + f" | {group['excluded noisy'].mean():.3f} / {group['excluded clean'].mean():.3f}"
              + f" | {group['false pauses'].sum()} |")


if __name__ == "__main__":
    main()
