"""ONNX Runtime against eager PyTorch on the same real beats, for each shipped model.

    python bench/bench_onnx.py [--records 100 203 208 217 232] [--repeats 5]

The beats of the records (detected and cut by the recording pipeline, with each model's inputs) are
classified by predict_proba with the PyTorch model and with its ONNX export (onnxruntime, CPU), both in
batches of 256 on 2 threads; best of --repeats rounds in which the two take turns, in the same run.
Goal (issue 22): ONNX >= 1.3 x eager.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from heartbeat.checkpoint import load_checkpoint
from heartbeat.features import recording_inputs
from heartbeat.inference import predict_proba
from heartbeat.model import BeatInputs
from heartbeat.onnx_model import export_onnx, load_model
from heartbeat.recording import beats_of, check_signal
from heartbeat.sources import read_wfdb

ROOT = Path(__file__).resolve().parents[1]


def best_times(fns, repeats):
    """Best time of each function over `repeats` rounds, the functions taking turns within a round, so that
    each meets the same process state (glibc's allocator alone moved eager PyTorch by up to 1.9 x here)."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, seen in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            seen.append(time.perf_counter() - t0)
    return [min(t) for t in times]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--records", nargs="+", default=["100", "203", "208", "217", "232"])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(2)
    found = []
    for name in args.records:
        rec = check_signal(read_wfdb(Path(args.mitdb) / name))
        found += [beats_of(rec, a, b) for a, b in rec.segments]
    print("| model | beats | PyTorch (s) | ONNX Runtime (s) | speed-up | max abs dp |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for shipped in ("mitbih.pt", "mitbih_ds1.pt", "recording.pt"):
            model, _ = load_checkpoint(ROOT / "models" / shipped)
            export_onnx(ROOT / "models" / shipped, Path(tmp) / "m.onnx")
            onnx_model, _ = load_model(Path(tmp) / "m.onnx")
            inputs = BeatInputs.concatenate([recording_inputs(model.inputs, f.times, i, f.beats(i))
                                             for f in found for i in f.blocks])
            eager, ort = best_times([lambda: predict_proba(model, inputs), lambda: predict_proba(onnx_model, inputs)],
                                    args.repeats)
            gap = np.abs(predict_proba(model, inputs) - predict_proba(onnx_model, inputs)).max()
            print(f"| {shipped} | {len(inputs)} | {eager:.3f} | {ort:.3f} | {eager / ort:.2f} | {gap:.1e} |")


if __name__ == "__main__":
    main()
