"""WITNESS gate 1 (log/ampblock-rule.txt): every interval the second lead would make an artifact, with the reference
beats hidden in it (0 = a real pause lost)."""
import sys
from pathlib import Path
import numpy as np
from heartbeat import recording
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.sources import read_wfdb
from heartbeat.witness import artifacts
from bench.report_validation import other_channel

FS = 360
real_lost = hidden_total = n = 0
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name, None, other_channel(db / name))
        recording.check_signal(rec)
        for start, stop in rec.segments:
            try:
                found = recording.beats_of(rec, start, stop)
            except recording.SignalError:
                continue
            res2, _ = recording._second_lead(rec, start, stop, found)
            for xi, yi in artifacts(found, res2, rec):
                hidden = int(((rec.ref_samples > xi + 0.15 * rec.fs) & (rec.ref_samples < yi - 0.15 * rec.fs)).sum())
                n += 1; hidden_total += hidden; real_lost += hidden == 0 and (yi - xi) / rec.fs >= 2.0
                print(db.name, name, f"{xi / rec.fs:.1f} {(yi - xi) / rec.fs:.2f} hidden {hidden}", flush=True)
print(f"witnessed {n} intervals, {hidden_total} reference beats hidden in them, real intervals >= 2 s lost {real_lost}")
