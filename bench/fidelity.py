"""How Kaggle-like are the rebuilt beats? The original project's Kaggle-trained model, scored on them.

    python bench/fidelity.py [--mitdb ../shared/data/mitdb] [--reference ../shared/reference/seed_trial-0.pth]

The reference checkpoint was trained on the real Kaggle mitbih_train.csv; its accuracy on all beats
rebuilt from the raw records (train + test) says how closely the cutting rule matches Kaggle's rows
(this project requires >= 97.0%).
"""
import argparse
import time
from pathlib import Path

import numpy as np

from heartbeat import CLASSES
from heartbeat.build import build_beats
from heartbeat.checkpoint import load_checkpoint
from heartbeat.inference import predict_proba
from heartbeat.model import BeatInputs
from heartbeat.metrics import classification_metrics

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--reference", default=str(ROOT.parent / "shared" / "reference" / "seed_trial-0.pth"))
    args = p.parse_args()

    model, _ = load_checkpoint(args.reference)
    print(f"reference model {args.reference}, beats from {args.mitdb}\n")
    t0 = time.perf_counter()
    table = build_beats(args.mitdb)
    seconds = time.perf_counter() - t0
    m = classification_metrics(table.y, predict_proba(model, BeatInputs(table.x)).argmax(1))
    print("| beats | accuracy | macro-F1 | " + " | ".join(f"recall {c}" for c in CLASSES) + " | build s |")
    print("|---" * (4 + len(CLASSES)) + "|")
    recalls = " | ".join(f"{m['per_class'][c]['recall']:.3f}" for c in CLASSES)
    print(f"| {len(table.y)} | {100 * m['accuracy']:.2f}% | {m['macro_f1']:.3f} | {recalls} | {seconds:.1f} |")
    print("\nbeats per class: " + " · ".join(f"{c} {n}" for c, n in zip(CLASSES, np.bincount(table.y, minlength=5))))


if __name__ == "__main__":
    main()
