"""The P-wave coherence of each AF stretch the pipeline's N-N intervals give (events.af_stretches on the beats as
classified, S calls inside earlier stretches not yet dropped), on lead 0, models/recording.pt. A description."""
import sys

import numpy as np

from heartbeat import pwave
from heartbeat.checkpoint import load_checkpoint
from heartbeat.events import Beats, Rules, af_stretches
from heartbeat.recording import classify_recording
from heartbeat.sources import read_wfdb

model, _ = load_checkpoint("models/recording.pt")
for path in sys.argv[1:]:
    rec = read_wfdb(path, None, None)
    table = classify_recording(model, rec).drop(columns="af")
    cls, seg, samples = (table[c].to_numpy() for c in ("class", "segment", "sample"))
    after_n = np.r_[False, (cls[1:] == "N") & (cls[:-1] == "N") & (seg[1:] == seg[:-1])]
    rows = [(round(table["time_s"][a]), round(table["time_s"][b]),
             round(pwave.coherence(rec.signal, rec.fs, samples[a:b + 1][after_n[a:b + 1]]), 3))
            for a, b in af_stretches(Beats.from_table(table), Rules())]
    print(path.split("/")[-1], "stretches (start s, end s, coherence):", rows)
