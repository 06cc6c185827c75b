"""Test metrics of several runs side by side, with mean ± standard deviation (e.g. one config, three seeds).

    python bench/seed_table.py log/mitbih-default/best.pt log/mitbih-seed1/best.pt log/mitbih-seed2/best.pt
    python bench/seed_table.py --csv data/mitbih_ds2.csv log/ds1-*/best.pt
    python bench/seed_table.py --ensemble log/ds1-rr-mean-channel{,-seed1,-seed2}/best.pt

With --ensemble, a last column scores the runs' mean class probabilities (one model made of all of them).

Each checkpoint is tested on --csv (default: its own config's data.test_csv); models with R-R
features read them from the CSV's .meta.csv sidecar.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint, default_test_csv
from heartbeat.inference import classify_csv
from heartbeat.metrics import classification_metrics


def row(m):
    """accuracy, macro-F1, then recall and precision per class."""
    return ([m["accuracy"], m["macro_f1"]] + [m["per_class"][c]["recall"] for c in CLASSES]
            + [m["per_class"][c]["precision"] for c in CLASSES])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+")
    p.add_argument("--csv", help="labelled test beats (default: each checkpoint's data.test_csv)")
    p.add_argument("--ensemble", action="store_true", help="also score the mean of the runs' class probabilities")
    args = p.parse_args()
    names = ["accuracy", "macro-F1"] + [f"Se {c}" for c in CLASSES] + [f"+P {c}" for c in CLASSES]
    models = [load_checkpoint(path) for path in args.checkpoints]
    csvs = [args.csv or default_test_csv(info) for _, info in models]
    if args.ensemble and len({Path(c).resolve() for c in csvs}) > 1:
        sys.exit("error: --ensemble needs runs all tested on the same CSV (give --csv)")
    rows, probas = [], []
    for path, (model, _), csv in zip(args.checkpoints, models, csvs):
        _, y, proba = classify_csv(model, csv)  # (n,), (n, classes)
        probas.append(proba)
        rows.append(row(classification_metrics(y, probas[-1].argmax(1))))
        print(f"{path} on {csv}: accuracy {rows[-1][0]:.4f}  macro-F1 {rows[-1][1]:.4f}")
    ensemble = row(classification_metrics(y, np.mean(probas, 0).argmax(1))) if args.ensemble else None
    values = np.array(rows)  # (runs, metrics)
    runs = [Path(c).parent.name or c for c in args.checkpoints]
    print("\n| metric | " + " | ".join(runs) + f" | mean ± sd over {len(rows)} runs |"
          + (" ensemble (mean probability) |" if args.ensemble else ""))
    print("|---" * (len(runs) + 2 + bool(args.ensemble)) + "|")
    sds = values.std(0, ddof=1) if len(rows) > 1 else np.full(values.shape[1], np.nan)
    for i, (name, column, mean, sd) in enumerate(zip(names, values.T, values.mean(0), sds)):
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in column) + f" | {mean:.4f} ± {sd:.4f} |"
              + (f" {ensemble[i]:.4f} |" if args.ensemble else ""))


if __name__ == "__main__":
    main()
