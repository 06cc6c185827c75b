"""How much of each record's N-N time lies in intervals about twice the record's short ones (a 2:1 block's
signature): the pipeline's beats (recording.pt, lead 0), N-N intervals within a segment, short = 20th percentile."""
import sys
from pathlib import Path
import numpy as np
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.events import Beats
from heartbeat.recording import classify_recording
from heartbeat.sources import read_wfdb

model = load_checkpoint("models/recording.pt")[0]
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        beats = Beats.from_table(classify_recording(model, rec))
        rr, valid = beats.intervals()
        nn = rr[valid & (beats.classes[:-1] == "N") & (beats.classes[1:] == "N")]
        if len(nn) < 50:
            print(db.name, name, "few N-N", len(nn)); continue
        short = np.percentile(nn, 20)
        doubled = (nn >= 1.8 * short) & (nn <= 2.2 * short)
        runs = np.diff(np.r_[0, doubled.astype(int), 0]); starts, stops = np.flatnonzero(runs == 1), np.flatnonzero(runs == -1)
        longest = int((stops - starts).max()) if len(starts) else 0
        print(db.name, name, f"short {short:.2f} doubled_time {nn[doubled].sum() / nn.sum():.3f} n {doubled.sum()} longest_run {longest}", flush=True)
