"""Time and peak memory of adapting the recording model to one annotated record, with the replayed beats drawn from
the replay pool shipped beside it (models/recording.replay.npz) against drawn from its four training CSVs, in the
same run, alternating.

    python bench/bench_adapt.py [--record ../shared/data/svdb/800] [--repeats 2]

The record's beats, both leads, are cut by prepare_data.py --db into a temporary folder; each measurement is one
process, `train.py --init CHECKPOINT --config config/adapt.json` with those CSVs, under /usr/bin/time -v. For the CSV
replay the checkpoint is copied without its pool, so replay_beats reads the CSVs its config names (data/mitdb.csv,
data/svdb.csv and their _lead1 twins, built by prepare_data.py --db .../mitdb .../svdb --leads 0 1).
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import time_process  # this folder's sibling

ROOT = Path(__file__).resolve().parents[1]
CHECKPOINT = ROOT / "models" / "recording.pt"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--record", type=Path, default=ROOT.parent / "shared" / "data" / "svdb" / "800")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "my_records"
        folder.mkdir()
        for f in args.record.parent.glob(args.record.name + ".*"):
            shutil.copy(f, folder)
        subprocess.run([sys.executable, ROOT / "prepare_data.py", "--db", folder, "--leads", "0", "1", "--out",
                        tmp / "data"], check=True, capture_output=True)
        csvs = json.dumps([str(tmp / "data" / "my_records.csv"), str(tmp / "data" / "my_records_lead1.csv")])
        without_pool = tmp / "recording.pt"
        shutil.copy(CHECKPOINT, without_pool)
        print(f"adapting {CHECKPOINT.name} to {args.record} (both leads), one process each\n")
        print("| replay from | wall (s) | peak RSS (MB) | training beats |")
        print("|---|---|---|---|")
        for k in range(args.repeats):
            for name, checkpoint in (("the pool", CHECKPOINT), ("the training CSVs", without_pool)):
                cmd = [sys.executable, ROOT / "train.py", "--init", checkpoint,
                       "--config", ROOT / "config" / "adapt.json", "--set", f"data.train_csv={csvs}",
                       f"run.log_dir={tmp / 'log'}", f"run.name={checkpoint.parent.name}{k}"]
                wall, rss, out = time_process(cmd, cwd=ROOT, what=f"train.py replaying {name}")
                beats = re.search(r"(\d+) training / \d+ validation beats", out).group(1)
                print(f"| {name} | {wall:.1f} | {rss:.0f} | {beats} |", flush=True)


if __name__ == "__main__":
    main()
