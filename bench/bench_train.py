"""Training throughput: the full pipeline (CSV load + batching + model + optimizer) against a
model-only step on preloaded tensors, in the same run; and a cached against a first CSV load.

    python bench/bench_train.py [--csv data/mitbih_train.csv] [--batches 150]

Without the CSV, it builds the training split from ../shared/data/mitdb into a temporary folder.
"""
import argparse
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import torch
from torch.nn import functional as F

from heartbeat.build import build_beats, random_split, write_kaggle_csv
from heartbeat.config import load_config
from heartbeat.data import load_beats
from heartbeat.model import BeatInputs, BeatNet
from heartbeat.training import epoch_plan, make_optimizer, train_epoch

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records


def model_only(model, optimizer, x, y, n_batches):
    """The floor: forward, backward and step on one preloaded batch, nothing else."""
    model.train()
    t0 = time.perf_counter()
    for _ in range(n_batches):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return n_batches * len(y) / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--csv", default=str(ROOT / "data" / "mitbih_train.csv"))
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--batches", type=int, default=150)
    args = p.parse_args()
    cfg = load_config(ROOT / "config" / "paper.json")  # the paper's step schedule, as first measured
    tc = cfg.train
    torch.set_num_threads(tc.threads)

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(args.csv)
        if not csv.exists():
            csv = Path(tmp) / "mitbih_train.csv"
            write_kaggle_csv(csv, random_split(build_beats(args.mitdb), seed=0)[0])
        else:  # a private copy, so the user's cache beside the CSV is neither used nor touched
            copy = Path(tmp) / csv.name
            copy.write_bytes(csv.read_bytes())
            csv = copy
        t0 = time.perf_counter()
        x, y = load_beats(csv, cache=True)  # parses and writes the cache
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_beats(csv, cache=True)
        cached = time.perf_counter() - t0
    print(f"CSV load ({len(y)} rows): first {first:.2f} s, cached {cached:.3f} s -> {first / cached:.0f}x faster")

    torch.manual_seed(0)
    inputs, yt = BeatInputs(x).as_tensors(), torch.from_numpy(y)
    xt = inputs["beats"]  # (n, 1, 187)
    rates = {}
    for trial in range(2):  # interleaved, so drifting machine load hits both alike
        model = BeatNet(**asdict(cfg.model))
        opt, sched = make_optimizer(model, tc, args.batches)
        model_only(model, opt, xt[:tc.batch_size], yt[:tc.batch_size], 10)  # warm-up
        rates.setdefault("model", []).append(
            model_only(model, opt, xt[:tc.batch_size], yt[:tc.batch_size], args.batches))
        t0 = time.perf_counter()
        plan = epoch_plan(len(yt), tc.batch_size, torch.Generator().manual_seed(trial), max_batches=args.batches)
        loss, seen = train_epoch(model, inputs, yt, opt, sched, plan)
        rates.setdefault("pipeline", []).append(seen / (time.perf_counter() - t0))
    pipe, floor = max(rates["pipeline"]), max(rates["model"])
    print(f"training, batch {tc.batch_size}, {tc.threads} threads, best of 2 x {args.batches} batches:")
    print(f"  model-only step: {floor:7.0f} beats/s")
    print(f"  full pipeline:   {pipe:7.0f} beats/s  -> ratio {pipe / floor:.3f} (goal >= 0.90)")
    print(f"  one epoch of {len(y)} beats: about {len(y) / pipe:.0f} s")


if __name__ == "__main__":
    main()
