"""The noise stress test: R-peak detection on MIT-BIH 118 and 119 with real electrode-motion noise.

    python bench/noise_stress.py [--data ../shared/data] [--snr 24 18 12 6 0 -6] [--no-wfdb]

The test records are built as the Noise Stress Test Database describes: channel 0 of 118 and 119 plus
the `em` record's channel 0 in 2-minute bursts every 2 minutes after the first 5 minutes, scaled to
each SNR. Here the SNR is 10 log10(S / N) with S = (median QRS peak-to-peak amplitude)^2 / 8, the
power of a sine that tall, and N the mean power of the noise after removing each second's mean. (This
construction does not reproduce the figures quoted in issue 21 for the database's own records: it is
milder; compare detectors within this table.)

Printed per SNR and in total over the 12 records: Se / +P (150 ms matching) of our detector alone,
of the recording pipeline (its beats outside excluded time, against the reference beats outside it,
and the share of the noisy and of the clean minutes it excluded), and of wfdb's XQRS and gqrs.
"""
import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb
from wfdb.processing import compare_annotations, gqrs_detect, xqrs_detect

from heartbeat.checkpoint import load_checkpoint
from heartbeat.detect import detect_r_peaks
from heartbeat.recording import classify_recording
from heartbeat.sources import Recording, read_wfdb

ROOT = Path(__file__).resolve().parents[1]
FS = 360
MATCH = int(0.15 * FS)


def noisy_record(sig, ref, noise, snr_db):
    """(signal with noise bursts at snr_db, mask of the noisy samples)."""
    half = int(0.05 * FS)
    s = np.median([np.ptp(sig[max(r - half, 0):r + half]) for r in ref]) ** 2 / 8
    n = len(noise) // FS * FS
    chunks = noise[:n].reshape(-1, FS)
    power = np.mean((chunks - chunks.mean(axis=1, keepdims=True)) ** 2)
    mask = np.zeros(len(sig), dtype=bool)
    for start in range(5 * 60 * FS, len(sig), 4 * 60 * FS):
        mask[start:start + 2 * 60 * FS] = True
    gain = np.sqrt(s / (power * 10 ** (snr_db / 10)))
    return sig + mask * gain * noise[:len(sig)], mask


def counts(ref, det):
    c = compare_annotations(ref, np.asarray(det, dtype=np.int64), MATCH)
    return np.array([c.tp, c.fp, c.fn])


def pipeline(model, sig, ref, mask, name):
    """(tp, fp, fn) of the pipeline's beats outside excluded time; excluded share of noisy, clean samples."""
    rec = Recording(sig, float(FS), name)
    table = classify_recording(model, rec)
    excluded = np.zeros(len(sig), dtype=bool)
    for e in rec.excluded:
        excluded[e.start:e.stop] = True
    return (counts(ref[~excluded[ref]], table["sample"].to_numpy()),
            excluded[mask].mean(), excluded[~mask].mean())


def line(c):
    tp, fp, fn = c
    return f"{tp / (tp + fn):.4f} / {tp / (tp + fp):.4f} (F1 {2 * tp / (2 * tp + fp + fn):.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    p.add_argument("--snr", type=float, nargs="+", default=[24, 18, 12, 6, 0, -6])
    p.add_argument("--checkpoint", default=str(ROOT / "models" / "recording.pt"))
    p.add_argument("--no-wfdb", action="store_true", help="leave out XQRS and gqrs (the slow part)")
    args = p.parse_args()
    data = Path(args.data)
    model = load_checkpoint(args.checkpoint)[0]
    noise = wfdb.rdrecord(str(data / "nstdb" / "em"), channels=[0]).p_signal[:, 0]
    rows, t0 = [], time.perf_counter()
    for name in ("118", "119"):
        rec = read_wfdb(data / "mitdb" / name, 0)
        ref = rec.ref_samples
        for snr in args.snr:
            sig, mask = noisy_record(rec.signal, ref, noise, snr)
            row = {"record": name, "snr": snr, "ours": counts(ref, detect_r_peaks(sig, FS))}
            row["pipeline"], row["excluded noisy"], row["excluded clean"] = pipeline(model, sig, ref, mask, name)
            if not args.no_wfdb:
                row["xqrs"] = counts(ref, xqrs_detect(sig, FS, verbose=False))
                row["gqrs"] = counts(ref, gqrs_detect(sig, FS))
            rows.append(row)
    table = pd.DataFrame(rows)
    detectors = [d for d in ("ours", "pipeline", "xqrs", "gqrs") if d in table]
    print(f"{len(rows)} records in {time.perf_counter() - t0:.0f} s; Se / +P (F1); pipeline: outside excluded time\n")
    print("| SNR (dB) | " + " | ".join(detectors) + " | pipeline excluded: noisy / clean minutes |")
    print("|---" * (len(detectors) + 2) + "|")
    for snr, group in table.groupby("snr", sort=False):
        print(f"| {snr:g} | " + " | ".join(line(group[d].sum()) for d in detectors)
              + f" | {group['excluded noisy'].mean():.3f} / {group['excluded clean'].mean():.3f} |")
    print("| all | " + " | ".join(line(table[d].sum()) for d in detectors)
          + f" | {table['excluded noisy'].mean():.3f} / {table['excluded clean'].mean():.3f} |")


if __name__ == "__main__":
    main()
