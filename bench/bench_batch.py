"""Recordings per minute of batch.py over a folder, with 1 and 2 local workers and through a LocalCluster
started separately and reached by --scheduler, in the same run.

    python bench/bench_batch.py [--records ../shared/data/mitdb] [--report]

Each setting is one `batch.py IN_DIR --out TMP --force` process (wall time includes starting the
workers and loading the model). Goal (issue 22): 2 workers >= 1.7 x 1 worker on this 2-core machine.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args, out):
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "batch.py"), *map(str, args), "--out", str(out), "--force"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"batch.py failed:\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t0, proc.stdout.strip().splitlines()[-1]


def main():
    from dask.distributed import LocalCluster

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--report", action="store_true", help="write the report of each recording too")
    args = p.parse_args()
    extra = ["--report"] if args.report else []
    n = len(list(Path(args.records).glob("*.hea")))
    with tempfile.TemporaryDirectory() as tmp:
        results = {f"{w} local worker(s)": run([args.records, "--workers", w, *extra], Path(tmp) / f"w{w}")
                   for w in (1, 2)}
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            results["2 workers via --scheduler"] = run([args.records, "--scheduler", cluster.scheduler_address,
                                                        *extra], Path(tmp) / "cluster")
    one = results["1 local worker(s)"][0]
    print(f"{n} recordings{' with reports' if args.report else ''}\n")
    print("| setting | wall (s) | recordings / min | speed-up vs 1 worker |")
    print("|---|---|---|---|")
    for name, (seconds, _) in results.items():
        print(f"| {name} | {seconds:.1f} | {60 * n / seconds:.1f} | {one / seconds:.2f} |")


if __name__ == "__main__":
    main()
