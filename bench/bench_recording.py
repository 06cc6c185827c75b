"""Time one 30-minute record through the whole recording pipeline, stage by stage.

    python bench/bench_recording.py [--record ../shared/data/mitdb/208] [--repeats 3] [--second-channel V1]

Stages as predict.py --record runs them: read (wfdb, physical units), check, resample to 360 Hz,
detect R peaks, cut beats (the Kaggle rule), compute the inputs the model takes beside the beat
(R-R / template; nothing for the paper's model), classify, share the V, F and Q probabilities among beats
of one shape (heartbeat/shapes.py; here over every beat of a block, where the pipeline leaves out beats of
noisy stretches), write the CSV. Best of --repeats runs.
With --second-channel, the whole pipeline (recording.classify_recording) is also timed with and without
the second lead, in the same run; with --embed too, the app's reading, which also keeps every beat's embeddings for
its Review tab (recording.read_recording with embed), alternating with the plain one.
"""
import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint
from heartbeat.features import recording_inputs
from heartbeat.inference import predict_proba, predictions_table
from heartbeat.recording import beats_of, check_signal, classify_recording, read_recording
from heartbeat.shapes import share_by_shape, shape_vectors
from heartbeat.sources import read_wfdb

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records


def run_once(model, record, out):
    times = {}
    t = time.perf_counter()

    def lap(name):
        nonlocal t
        now = time.perf_counter()
        times[name] = now - t
        t = now

    rec = read_wfdb(record)
    lap("read")
    check_signal(rec)
    lap("check")
    found = [beats_of(rec, a, b) for a, b in rec.segments]
    lap("resample + detect")
    blocks = [(f, index, f.beats(index)) for f in found for index in f.blocks]
    lap("cut")
    inputs = [recording_inputs(model.inputs, f.times, index, beats) for f, index, beats in blocks]
    lap("context")
    proba = [predict_proba(model, x) for x in inputs]
    lap("classify")
    proba = np.concatenate([share_by_shape(p, shape_vectors(beats)) for p, (_, _, beats) in zip(proba, blocks)])
    lap("share")
    predictions_table(proba, CLASSES).to_csv(out, index=False, float_format="%.6f")
    lap("write")
    return times, len(proba), len(rec.signal) / rec.fs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--record", default=str(ROOT.parent / "shared" / "data" / "mitdb" / "208"))
    p.add_argument("--checkpoint", default=str(ROOT / "models" / "recording.pt"))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--second-channel", help="also time the pipeline with this second channel (predict.py --second-channel)")
    p.add_argument("--embed", action="store_true", help="with --second-channel: also time the reading with the beats' "
                   "embeddings (the app's) against without")
    args = p.parse_args()
    torch.set_num_threads(2)
    model, _ = load_checkpoint(args.checkpoint)
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run_once(model, args.record, Path(tmp) / "beats.csv") for _ in range(args.repeats)]
    best = min(runs, key=lambda r: sum(r[0].values()))
    times, n_beats, seconds = best
    print(f"{args.record}: {seconds / 60:.1f} min, {n_beats} beats; best of {args.repeats} runs")
    for name, value in times.items():
        print(f"  {name:<9}{value:7.3f} s")
    print(f"  {'total':<9}{sum(times.values()):7.3f} s  (goal <= 2 s)")
    if args.second_channel:
        for second in (None, args.second_channel):
            best = min(timed(lambda: classify_recording(model, read_wfdb(args.record, None, second)))
                       for _ in range(args.repeats))
            print(f"  classify_recording, {'one lead' if second is None else 'with ' + second:<12}{best:7.3f} s")
        if args.embed:
            times = {False: [], True: []}
            for _ in range(args.repeats):
                for embed in (False, True):
                    times[embed].append(timed(lambda: app_reading(model, args, embed)))
            for embed, runs in times.items():
                print(f"  read_recording with {args.second_channel}, {'with' if embed else 'without'} embeddings "
                      f"{min(runs):7.3f} s (best of {args.repeats}, alternating)")


def app_reading(model, args, embed):
    return read_recording(model, read_wfdb(args.record, None, args.second_channel), embed)


def timed(job):
    t = time.perf_counter()
    job()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
