"""How far moving one class's decision threshold could take it: the best precision (+P) that a shift of that
class's logit reaches at a given sensitivity (Se), on the test beats themselves.

    python bench/threshold_ceiling.py --cls V --sensitivity 0.90 log/ds1-rr-mean-channel{,-seed1,-seed2}/best.pt

A beat is called the class when log p(class) - max over the other classes of log p(other) exceeds a threshold;
threshold 0 is the model's own argmax call. The threshold is chosen on the very beats it is scored on (an
oracle), so the number is an upper bound on what any shift of that one class's logit could do, not a result:
if it falls short of a goal, no such threshold chosen honestly on other beats will meet it. (A correction
that moves several classes' logits at once is not covered.)
"""
import argparse
import sys

import numpy as np
from sklearn.metrics import precision_recall_curve

from heartbeat import CLASSES, UserError
from heartbeat.checkpoint import load_checkpoint, default_test_csv
from heartbeat.inference import classify_csv


def margin(proba, k):
    """(n, classes) probabilities -> (n,) log p(k) - max of the others' log p: > 0 where argmax calls k."""
    logp = np.log(np.clip(proba, 1e-30, 1))
    return logp[:, k] - np.delete(logp, k, axis=1).max(1)


def ceiling_row(path, csv, k, sensitivity):
    model, info = load_checkpoint(path)
    csv = csv or default_test_csv(info)
    _, y, proba = classify_csv(model, csv)
    if y is None:
        raise UserError(f"{csv}: has no labels")
    real = y == k
    if not real.any():
        raise UserError(f"{csv}: has no {CLASSES[k]} beats")
    score = margin(proba, k)
    called = score > 0
    se, ppv = (called & real).sum() / real.sum(), (called & real).sum() / max(called.sum(), 1)
    precision, recall, thresholds = precision_recall_curve(real, score)
    keep = recall[:-1] >= sensitivity  # the last point (precision 1, recall 0) has no threshold
    best = np.flatnonzero(keep)[np.argmax(precision[:-1][keep])]
    return (f"| {path} | {se:.3f} / {ppv:.3f} | {precision[best]:.3f} (Se {recall[best]:.3f}) "
            f"| {thresholds[best]:+.3f} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--cls", default="V", choices=CLASSES, help="the class (default V)")
    p.add_argument("--sensitivity", type=float, default=0.90, help="the sensitivity to keep, in (0, 1] (default 0.90)")
    p.add_argument("--csv", help="labelled test beats (default: each checkpoint's data.test_csv)")
    args = p.parse_args()
    if not 0 < args.sensitivity <= 1:
        sys.exit(f"error: --sensitivity {args.sensitivity} is not in (0, 1]")
    k = CLASSES.index(args.cls)
    c = args.cls
    print(f"| checkpoint | Se {c} / +P {c} at argmax | best +P {c} at Se ≥ {args.sensitivity:g} | threshold on the margin |")
    print("|---|---|---|---|")
    try:
        for path in args.checkpoints:
            print(ceiling_row(path, args.csv, k, args.sensitivity))
    except UserError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
