"""Time and peak memory of report.py on a 24-hour and a 7-day recording.

    python bench/bench_long.py [--mitdb ../shared/data/mitdb] [--work log/bench-long] [--days 1 7] [--edf | --two-leads]

The 24-hour signal is the 48 MIT-BIH records (MLII where present) end to end at 360 Hz (24.1 h);
the 7-day one is that, 7 times over. Both are written once as float32 .npy files into --work (about
125 MB per day) and then run through `report.py --signal FILE --fs 360` under /usr/bin/time -v, one
process per recording. Goals (issue 21): 24 h <= 60 s and <= 1 GB peak RSS; 7 days <= 8 min and <= 1 GB.
With --edf the same signals are written once as EDF files (16-bit, MIT-BIH's own 200 units per mV, so
exactly) and read by `report.py --record FILE.edf`. With --two-leads each record's other lead (V1, V2, V4 or V5)
is written beside it as the EDF's second signal and read with `--second-channel 1`, as a two-channel Holter would be:
both leads classified, and the second lead asked where the first shows a long interval.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from heartbeat.database import ALL_RECORDS
from heartbeat.edf import edf_header
from heartbeat.fileio import atomic_path
from heartbeat.sources import other_channel, read_wfdb

from timing import time_process  # this folder's sibling

ROOT = Path(__file__).resolve().parents[1]


def day_signal(mitdb, path, second=False):
    """Write the 48 records end to end (float32 .npy) unless the file is there: their MLII or, with second, the
    other lead each record has."""
    def lead(record):
        if not second:
            return read_wfdb(record).signal
        return read_wfdb(record, None, other_channel(record)).second

    if not path.is_file():
        parts = [lead(Path(mitdb) / name).astype(np.float32) for name in ALL_RECORDS]
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, np.concatenate(parts))
    return path


def days_signal(day, days, path):
    """`days` copies of the day's signal, written in pieces so that building it stays small too."""
    if not path.is_file():
        one = np.load(day, mmap_mode="r")
        with atomic_path(path) as tmp:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(one) * days,))
            for k in range(days):
                out[k * len(one):(k + 1) * len(one)] = one
            out.flush()
            del out
    return path


def edf_copy(npys, path, labels=("MLII",)):
    """The .npy signals at 360 Hz (one per label, of one length) as an EDF file, written an hour at a time: 10-s
    data records of 16-bit samples over +-163.835 mV, 0.005 mV a step (MIT-BIH's 200 units per mV: its samples
    exactly); a missing sample is -32768, outside the declared range. The tail shorter than a data record is left
    out."""
    if not path.is_file():
        xs = [np.load(npy, mmap_mode="r") for npy in npys]
        per, n = 10 * 360, len(labels)
        records = len(xs[0]) // per
        head = edf_header(records, 10, list(labels), [per] * n, [(-163.835, 163.835)] * n, [(-32767, 32767)] * n,
                          "Startdate X", "01.01.26", patient="bench_long")
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            f.write(head)
            for k in range(0, records * per, 3600 * 360):
                stop = min(k + 3600 * 360, records * per)
                # (data records, signals, samples): each data record holds every signal's 10 s in turn
                chunk = np.stack([np.asarray(x[k:stop], dtype=np.float64).reshape(-1, per) for x in xs], axis=1)
                chunk = np.round(chunk * 200)
                f.write(np.where(np.isnan(chunk), -32768, np.clip(chunk, -32767, 32767)).astype("<i2").tobytes())
    return path


def measure(source, out, second=False):
    """(wall seconds, peak RSS in MB, report.py's first output line) of one report.py process."""
    given = ["--record", str(source)] if source.suffix == ".edf" else ["--signal", str(source), "--fs", "360"]
    given += ["--second-channel", "1"] if second else []
    wall, rss, stdout = time_process([sys.executable, ROOT / "report.py", *given, "--out", out, "--force"],
                                     what=f"report.py on {source}")
    return wall, rss, stdout.splitlines()[0]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--work", default=str(ROOT / "log" / "bench-long"))
    p.add_argument("--days", type=int, nargs="+", default=[1, 7])
    p.add_argument("--edf", action="store_true", help="read the signals as EDF files (report.py --record FILE.edf)")
    p.add_argument("--two-leads", action="store_true", help="EDF files with each record's other lead beside its MLII, "
                   "read with --second-channel 1")
    args = p.parse_args()
    work = Path(args.work)
    day = day_signal(args.mitdb, work / "day.npy")
    other = day_signal(args.mitdb, work / "day-lead1.npy", second=True) if args.two_leads else None
    kind = " EDF, two leads" if args.two_leads else " EDF" if args.edf else ""
    goals = {1: (60, 1024), 7: (480, 1024)}
    print("| recording | hours | wall (s) | peak RSS (MB) | goal | report |")
    print("|---|---|---|---|---|---|")
    for days in args.days:
        signal = day if days == 1 else days_signal(day, days, work / f"days{days}.npy")
        hours = len(np.load(signal, mmap_mode="r")) / 360 / 3600
        if args.two_leads:
            second = other if days == 1 else days_signal(other, days, work / f"days{days}-lead1.npy")
            source = edf_copy([signal, second], work / f"days{days}-two-leads.edf", ("MLII", "V"))
        else:
            source = edf_copy([signal], signal.with_suffix(".edf")) if args.edf else signal
        wall, rss, line = measure(source, work / f"report-{days}d{kind.replace(' ', '-').replace(',', '')}",
                                  args.two_leads)
        goal = goals.get(days)
        print(f"| {days} day(s){kind} | {hours:.1f} | {wall:.1f} | {rss:.0f} | "
              f"{f'<= {goal[0]} s, <= {goal[1]} MB' if goal else '-'} | {line} |", flush=True)


if __name__ == "__main__":
    main()
