"""The reference V runs the pipeline misses because it detected fewer beats in them: which beats are missing, their
interval to the reference beat before, and the nearest detection. A description (recording.pt, MIT-BIH lead 0).

    PYTHONPATH=bench python log/probes/vrun_undetected.py ../shared/data/mitdb
"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.sources import read_wfdb
from report_validation import beats_in, match, miss_cause, reference_table

RECORDS = ["106", "124", "200", "203", "205", "207", "210", "213", "214", "215", "217", "221", "223", "233"]


def main(folder):
    model, _ = load_checkpoint("models/recording.pt")
    for name in RECORDS:
        path = Path(folder) / name
        rec = read_wfdb(path)
        table = classify_recording(model, rec)
        pred = build_report(table, rec)
        ref_table, _ = reference_table(rec, path)
        ref = build_report(ref_table, replace(rec, excluded=[], flutter=[]))
        r, p = ref.events[ref.events["type"] == "V run"], pred.events[pred.events["type"] == "V run"]
        hit_ref, _ = match(r, p)
        for ev in r[~hit_ref].itertuples():
            cause = miss_cause(ev, table, rec)
            inside_ref, inside = beats_in(ref_table, ev), beats_in(table, ev)
            det = table["time_s"].to_numpy()
            lines = []
            for t, c in zip(inside_ref["time_s"], inside_ref["class"]):
                k = np.abs(det - t).argmin()
                lines.append(f"{c}{'' if abs(det[k] - t) <= 0.15 else '!'}{table['class'].iloc[k]}")
            rr = np.diff(inside_ref["time_s"].to_numpy())
            print(f"{name} {ev.start_s:8.1f} ref {ev.beats:3d} det {len(inside):3d} {cause:20s} "
                  f"rr {rr.min():.2f}-{rr.max():.2f}  ref!pred: {' '.join(lines)}")


if __name__ == "__main__":
    main(sys.argv[1])
