"""Classify (and report) a whole folder of recordings on every core, or on a Dask cluster.

    python batch.py ../shared/data/mitdb --out runs/all                 # every core of this machine
    python batch.py recordings/ --out runs/r --report --fs 250          # .csv / .npy signals at 250 Hz
    python batch.py recordings/ --out runs/r --scheduler tcp://host:8786   # an existing Dask cluster

Finds every WFDB record (by its .hea), every EDF file and every .csv / .npy signal (rate from --fs or a JSON sidecar
ecg.json {"fs": 250}) in IN_DIR and runs predict.py's pipeline on each (with --report, report.py's, with the
patient's diary <name>.diary.csv where one lies beside the recording) into OUT/<name>/. OUT/index.csv has one row
per recording: status (ok, done before, failed), the one-line reason of a failure, duration, beats per class,
burdens, seconds taken. A rerun skips what is finished, and stops at results made with another model, channel or
rate, or without --report when it asks for reports; --force redoes it. Outputs are written atomically: a killed run
leaves no half results.
"""
import argparse
import os
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from heartbeat import CLASSES, UserError
from heartbeat.batch import INDEX_COLUMNS, find_recordings, finished, job_options, run_job
from heartbeat.events import Rules
from heartbeat.fileio import atomic_path, check_folder, check_output

ROOT = Path(__file__).resolve().parent
RECORDING_MODEL = ROOT / "models" / "recording.pt"


def dask_client(args):
    """A client of the cluster at --scheduler, or of a local one with --workers processes (one thread each:
    torch would otherwise start as many threads per worker as there are cores)."""
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        try:
            return Client(args.scheduler, timeout="10s"), None
        except OSError as e:
            raise UserError(f"no Dask scheduler at {args.scheduler} ({e})") from None
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("in_dir", help="folder of recordings")
    p.add_argument("--out", required=True, help="output folder (OUT/<name>/ per recording, OUT/index.csv)")
    p.add_argument("--checkpoint", default=os.path.relpath(RECORDING_MODEL), help="trained checkpoint")
    p.add_argument("--report", action="store_true", help="write report.py's report of each recording")
    p.add_argument("--fs", type=float, help="sampling rate of .csv / .npy signals without a JSON sidecar")
    p.add_argument("--channel", help="WFDB records and EDF files: channel name or index (default: lead II if "
                   "present, else the first named as an ECG lead)")
    p.add_argument("--second-channel", help="WFDB records and EDF files: another channel; each beat is classified "
                   "on both leads and their probabilities averaged (as predict.py --second-channel)")
    p.add_argument("--workers", type=int, default=os.cpu_count(), help="local worker processes (default: every core)")
    p.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--force", action="store_true", help="redo recordings finished by an earlier run")
    args = p.parse_args(argv)
    try:
        from heartbeat.checkpoint import load_checkpoint

        check_folder(args.out)
        check_output(Path(args.out) / "index.csv", force=True)  # rewritten by every run
        load_checkpoint(args.checkpoint)  # a bad checkpoint is one line here, not one per recording
        jobs = find_recordings(args.in_dir, args.fs, args.channel, args.second_channel)
        out = Path(args.out)
        done = {} if args.force else {j.name: finished(out, j, job_options(j, args.checkpoint, args.report))
                                      for j in jobs}
        rows = [row for row in done.values() if row]
        todo = [j for j in jobs if not done.get(j.name)]
        if args.workers < 1:
            raise UserError("--workers must be at least 1")
        if todo:
            client, cluster = dask_client(args)
            try:
                from dask.distributed import as_completed

                checkpoint = str(Path(args.checkpoint).resolve())
                futures = [client.submit(run_job, job, str(out.resolve()), checkpoint, args.report, Rules(),
                                         pure=False) for job in todo]
                for future in tqdm(as_completed(futures), total=len(futures), desc="recordings", unit="rec"):
                    rows.append(future.result())
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        index = pd.DataFrame(rows, columns=list(INDEX_COLUMNS)).sort_values("name")
        counted = ["beats", *CLASSES]
        index[counted] = index[counted].astype("Int64")  # counts stay integers beside a failed row's blanks
        with atomic_path(out / "index.csv") as tmp:
            index.to_csv(tmp, index=False)
    except UserError as e:
        sys.exit(f"error: {e}")
    counts = index["status"].value_counts()
    print(f"{len(index)} recordings: " + ", ".join(f"{counts[s]} {s}" for s in ("ok", "done before", "failed")
                                                 if s in counts) + f"; wrote {out / 'index.csv'}")
    for name, reason in index.loc[index["status"] == "failed", ["name", "reason"]].itertuples(index=False):
        print(f"  failed {name}: {reason}")
    warned = index["warnings"].notna() & (index["warnings"].astype(str) != "")
    for name, warning in index.loc[warned, ["name", "warnings"]].itertuples(index=False):
        print(f"  warning {name}: {warning}")
    if (index["status"] == "failed").all():  # nothing to show for the run: a script calling batch.py must see it
        sys.exit(f"error: all {len(index)} recordings failed")


if __name__ == "__main__":
    main()
