"""Time the whole dataset build: all 48 records read, cut, split and written as CSVs (+ sidecars).

    python bench/bench_build.py [--mitdb ../shared/data/mitdb]

Writes into a temporary folder that is removed afterwards; prints the time per stage.
"""
import argparse
import tempfile
import time
from pathlib import Path

from heartbeat.build import build_beats, patient_split, random_split, write_kaggle_csv

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()

    t0 = time.perf_counter()
    table = build_beats(args.mitdb, workers=args.workers)
    t1 = time.perf_counter()
    parts = random_split(table, seed=0) + patient_split(table)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for name, part in zip(("train", "test", "ds1", "ds2"), parts):
            write_kaggle_csv(Path(out) / f"mitbih_{name}.csv", part)
    t3 = time.perf_counter()
    print(f"read + cut 48 records ({len(table.y)} beats, {args.workers} workers): {t1 - t0:6.1f} s")
    print(f"split (random + DS1/DS2):                            {t2 - t1:6.1f} s")
    print(f"write 4 CSVs + sidecars ({sum(len(q.y) for q in parts)} rows):            {t3 - t2:6.1f} s")
    print(f"total:                                               {t3 - t0:6.1f} s  (goal <= 60 s)")


if __name__ == "__main__":
    main()
