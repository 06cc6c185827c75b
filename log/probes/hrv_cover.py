"""Which records the HRV coverage warning (report.HRV_COVER) fires on, and each record's coverage."""
import sys
from pathlib import Path
from heartbeat import hrv
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.events import Beats, Rules
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.sources import read_wfdb

model = load_checkpoint("models/recording.pt")[0]
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        table = classify_recording(model, rec)
        report = build_report(table, rec)
        covered = hrv.filtered_nn_intervals(Beats.from_table(table), Rules().nn_filter_pct)[1].sum()
        warned = [w for w in report.summary["warnings"] if w.startswith("the N-N intervals HRV")]
        print(f"{db.name} {name} cover {covered / report.summary['analyzable_s']:.2f} {'WARN' if warned else ''}",
              flush=True)
