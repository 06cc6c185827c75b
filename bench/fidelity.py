"""How Kaggle-like are the rebuilt beats? The original project's Kaggle-trained model, scored on them.

    python bench/fidelity.py [--mitdb ../shared/data/mitdb] [--reference ../shared/reference/seed_trial-0.pth]

The reference checkpoint was trained on the real Kaggle mitbih_train.csv; its accuracy on all beats
rebuilt from the raw records (train + test) says how closely each cutting method matches Kaggle's rows.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartbeat import CLASSES  # noqa: E402
from heartbeat.build import METHODS, build_beats  # noqa: E402
from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.inference import predict_proba  # noqa: E402
from heartbeat.metrics import classification_metrics  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--reference", default=str(ROOT.parent / "shared" / "reference" / "seed_trial-0.pth"))
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    args = p.parse_args()

    model, _ = load_checkpoint(args.reference)
    print(f"reference model {args.reference}, beats from {args.mitdb}\n")
    print("| method | beats | accuracy | macro-F1 | " + " | ".join(f"recall {c}" for c in CLASSES) + " | build s |")
    print("|---" * (5 + len(CLASSES)) + "|")
    counts = {}
    for method in args.methods:
        t0 = time.perf_counter()
        table = build_beats(args.mitdb, method=method)
        seconds = time.perf_counter() - t0
        m = classification_metrics(table.y, predict_proba(model, table.x).argmax(1))
        recalls = " | ".join(f"{m['per_class'][c]['recall']:.3f}" for c in CLASSES)
        print(f"| {method} | {len(table.y)} | {100 * m['accuracy']:.2f}% | {m['macro_f1']:.3f} | {recalls} | "
              f"{seconds:.1f} |")
        counts[method] = " · ".join(f"{c} {n}" for c, n in zip(CLASSES, np.bincount(table.y, minlength=5)))
    print()
    for method, text in counts.items():
        print(f"{method} beats per class: {text}")


if __name__ == "__main__":
    main()
