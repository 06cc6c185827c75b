"""Every false and missed V run of recording.pt on MIT-BIH, with what lies there (bench/report_validation's causes)."""
import sys
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, "bench")
from report_validation import reference_table, match, false_cause, miss_cause
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.sources import read_wfdb
from heartbeat.database import ALL_RECORDS

db = Path("../shared/data/mitdb")
model = load_checkpoint("models/recording.pt")[0]
for name in ALL_RECORDS:
    rec = read_wfdb(db / name)
    table = classify_recording(model, rec)
    pred = build_report(table, rec)
    ref_table, ref_flutter = reference_table(rec, db / name)
    ref = build_report(ref_table, replace(rec, excluded=[], flutter=[]))
    r, p = (x.events[x.events["type"] == "V run"] for x in (ref, pred))
    hit_ref, hit_pred = match(r, p)
    for ev in p[~hit_pred].itertuples():
        inside = ref_table[(ref_table.time_s >= ev.start_s - 0.05) & (ref_table.time_s <= ev.end_s + 0.05)]
        print(f"FALSE {name} {ev.start_s:.1f}-{ev.end_s:.1f} {ev.beats} beats {ev.rate_bpm:.0f} bpm: "
              f"{false_cause(ev, ref_table)}; reference {''.join(inside['class'])}", flush=True)
    for ev in r[~hit_ref].itertuples():
        mine = table[(table.time_s >= ev.start_s - 0.05) & (table.time_s <= ev.end_s + 0.05)]
        print(f"MISSED {name} {ev.start_s:.1f}-{ev.end_s:.1f} {ev.beats} beats: {miss_cause(ev, table, rec)}; "
              f"pipeline {''.join(mine['class'])}", flush=True)
