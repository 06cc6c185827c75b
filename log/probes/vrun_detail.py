"""Each missed and each false V run of the pipeline on MIT-BIH (recording.pt, lead 0), with the pipeline's classes
and p_V of the beats there, and the reference's classes.   python log/probes/vrun_detail.py [--both-leads]"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from report_validation import DATA, beats_in, match, miss_cause, reference_table  # noqa: E402

from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.database import record_names  # noqa: E402
from heartbeat.recording import classify_recording  # noqa: E402
from heartbeat.report import build_report  # noqa: E402
from heartbeat.sources import other_channel, read_wfdb  # noqa: E402
from dataclasses import replace  # noqa: E402

both = "--both-leads" in sys.argv
model, _ = load_checkpoint("models/recording.pt")
db = DATA / "mitdb"
for name in record_names(db):
    path = db / name
    rec = read_wfdb(path, None, other_channel(path) if both else None)
    table = classify_recording(model, rec)
    pred = build_report(table, rec)
    ref_table, _ = reference_table(rec, path)
    ref = build_report(ref_table, replace(rec, excluded=[], flutter=[]))
    r, p = (x.events[x.events["type"] == "V run"] for x in (ref, pred))
    hit_ref, hit_pred = match(r, p)
    for ev in r[~hit_ref].itertuples():
        inside = beats_in(table, ev)
        seq = "".join(inside["class"])
        pv = " ".join(f"{v:.2f}" for v in inside["p_V"])
        print(f"MISS {name} {ev.start_s:.1f}-{ev.end_s:.1f} ref {ev.beats} beats; cause {miss_cause(ev, table, rec)}; "
              f"pred {seq}; p_V {pv}")
    for ev in p[~hit_pred].itertuples():
        seq = "".join(beats_in(ref_table, ev)["class"])
        pseq = "".join(beats_in(table, ev)["class"])
        print(f"FALSE {name} {ev.start_s:.1f}-{ev.end_s:.1f} pred {pseq}; ref {seq}")
