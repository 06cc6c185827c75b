"""How far any decision threshold could take one class: the best precision (+P) that a threshold on the
model's probability of that class reaches at a given sensitivity (Se), on the test beats themselves.

    python bench/threshold_ceiling.py --cls V --sensitivity 0.90 log/ds1-rr-mean-channel{,-seed1,-seed2}/best.pt

The threshold is chosen on the very beats it is scored on (an oracle), so the number is an upper bound on
what calibration could do for that class, not a result: if it falls short of a goal, no threshold or
prior correction chosen honestly on other beats will meet it; the model's ranking of the beats must improve.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_curve

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartbeat import CLASSES  # noqa: E402
from heartbeat.checkpoint import load_checkpoint, test_csv_of  # noqa: E402
from heartbeat.data import load_beats  # noqa: E402
from heartbeat.inference import csv_extra_inputs, predict_proba  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--cls", default="V", choices=CLASSES, help="the class (default V)")
    p.add_argument("--sensitivity", type=float, default=0.90, help="the sensitivity to keep (default 0.90)")
    p.add_argument("--csv", help="labelled test beats (default: each checkpoint's data.test_csv)")
    args = p.parse_args()
    k = CLASSES.index(args.cls)
    print(f"| checkpoint | Se {args.cls} / +P {args.cls} at argmax | best +P {args.cls} at Se ≥ {args.sensitivity:.2f} "
          f"| threshold on p({args.cls}) |")
    print("|---|---|---|---|")
    for path in args.checkpoints:
        model, meta = load_checkpoint(path)
        csv = args.csv or test_csv_of(meta)
        x, y = load_beats(csv)
        proba = predict_proba(model, x, csv_extra_inputs(meta, csv, len(x)))  # (n, classes)
        called, real = proba.argmax(1) == k, y == k
        se, ppv = (called & real).sum() / real.sum(), (called & real).sum() / max(called.sum(), 1)
        precision, recall, thresholds = precision_recall_curve(real, proba[:, k])
        keep = recall[:-1] >= args.sensitivity  # the last (precision 1, recall 0) point has no threshold
        best = np.argmax(np.where(keep, precision[:-1], -1))
        print(f"| {path} | {se:.3f} / {ppv:.3f} | {precision[best]:.3f} (Se {recall[best]:.3f}) "
              f"| {thresholds[best]:.3f} |")


if __name__ == "__main__":
    main()
