"""Validation-only checks of finished runs: how much the prior correction and test-time stretching change.

    python bench/val_checks.py log/augment-seed0 log/augment-seed1 log/augment-seed2

For each run, on its own validation split (rebuilt from the run's config.json, never the test split):
macro-F1 and S / F recall of best.pt at prior-correction strengths tau 0 .. 0.4 (the low end of the
0 .. 1 range --calibrate chooses from, where its choices fell), and with predictions averaged over
time-stretched copies of each beat (test-time augmentation with the stretch of the training
augmentation).
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartbeat.augment import stretch  # noqa: E402
from heartbeat.calibration import TAUS, log_probabilities, prior_offsets  # noqa: E402
from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.imbalance import prior_power  # noqa: E402
from heartbeat.inference import predict_proba  # noqa: E402
from heartbeat.metrics import classification_metrics  # noqa: E402
from heartbeat.training import load_split  # noqa: E402

STRETCH_SETS = {"1": [1.0], "0.9,1,1.1": [0.9, 1.0, 1.1], "5/6..7/6 (5)": list(np.linspace(5 / 6, 7 / 6, 5))}


def summary(y, pred):
    m = classification_metrics(y, pred)
    return f"macro-F1 {m['macro_f1']:.4f}  Se S {m['per_class']['S']['recall']:.3f}  Se F {m['per_class']['F']['recall']:.3f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run folders with config.json and best.pt")
    args = p.parse_args()
    for run in map(Path, args.runs):
        cfg = load_config(run / "config.json")
        train, val = load_split(cfg)
        model, _ = load_checkpoint(run / "best.pt")
        model.logit_bias.zero_()  # the network's own output; offsets are added below
        counts = np.bincount(train.y, minlength=model.config.num_classes)
        power = prior_power(cfg["train"])
        print(f"{run}: {len(val.y)} validation beats ({int((val.y == 3).sum())} F)")
        x = torch.from_numpy(val.x).unsqueeze(1)  # (n, 1, L)
        factors = sorted({f for fs in STRETCH_SETS.values() for f in fs})
        proba = {f: predict_proba(model, stretch(x, torch.full((len(x), 1), f))[:, 0].numpy(), val.extra)
                 for f in factors}  # each stretch predicted once; factor 1 is the beats as they are
        log_proba = log_probabilities(proba[1.0])
        for tau in TAUS[TAUS <= 0.4]:
            print(f"  tau {tau:.2f}: {summary(val.y, (log_proba + prior_offsets(counts, tau, power)).argmax(1))}")
        offsets = prior_offsets(counts, 0.0, power)
        for name, fs in STRETCH_SETS.items():
            averaged = np.mean([proba[f] for f in fs], axis=0)
            pred = (log_probabilities(averaged) + offsets).argmax(1)
            print(f"  stretch {name:>13}, tau 0: {summary(val.y, pred)}")


if __name__ == "__main__":
    main()
