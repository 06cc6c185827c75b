"""Reference beats inside the pipeline's artifact exclusions, per database: what a second look there could find."""
import sys
from pathlib import Path
import numpy as np
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.recording import classify_recording
from heartbeat.sources import read_wfdb

model = load_checkpoint("models/recording.pt")[0]
for db in map(Path, sys.argv[1:]):
    total_n = total_beats = total_s = 0
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        classify_recording(model, rec)
        arts = [e for e in rec.excluded if e.reason == "artifact"]
        inside = [int(((rec.ref_samples > e.start) & (rec.ref_samples < e.stop)).sum()) for e in arts]
        total_n += len(arts); total_beats += sum(inside); total_s += sum(e.stop - e.start for e in arts) / rec.fs
        if arts:
            print(db.name, name, [(round(e.start / rec.fs, 1), round((e.stop - e.start) / rec.fs, 1), k)
                                  for e, k in zip(arts, inside)], flush=True)
    print(f"{db.name}: {total_n} artifact stretches, {total_s:.0f} s, {total_beats} reference beats inside")
