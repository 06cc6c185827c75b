"""Wall time of training runs, from the time/epoch_s scalars each run writes to TensorBoard.

    python bench/run_times.py log/augment-seed0 log/augw-seed0 ...

Prints epochs, total and median seconds per epoch (training passes only; validation adds ~1 s an epoch).
An epoch that shared the 2 cores with another job shows up as an outlier above the median.
"""
import argparse
from pathlib import Path

import numpy as np
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def epoch_seconds(run_dir):
    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    events.Reload()
    if "time/epoch_s" not in events.Tags()["scalars"]:
        raise SystemExit(f"error: {run_dir}: no time/epoch_s scalars (not a training run folder?)")
    by_epoch = {e.step: e.value for e in events.Scalars("time/epoch_s")}  # a resumed run may repeat a step
    return np.array([by_epoch[k] for k in sorted(by_epoch)])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path)
    args = p.parse_args()
    print("| run | epochs | total (s) | median per epoch (s) |\n|---|---|---|---|")
    for run in args.runs:
        s = epoch_seconds(run)
        print(f"| {run.name} | {len(s)} | {s.sum():.0f} | {np.median(s):.1f} |")


if __name__ == "__main__":
    main()
