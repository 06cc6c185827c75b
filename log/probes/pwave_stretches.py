"""The P-wave coherence of each AF stretch as the pipeline computes it (recording.no_s_in_af wrapped to print the
stretches of the classes it is given, before any S call is dropped), lead 0, models/recording.pt. A description.
(A first version re-read the table after no_s_in_af, S calls inside kept AF already N: its numbers differed a little.)"""
import sys

import numpy as np

import heartbeat.recording as recording
from heartbeat import pwave
from heartbeat.checkpoint import load_checkpoint
from heartbeat.events import Beats, Rules, af_stretches
from heartbeat.sources import read_wfdb

original = recording.no_s_in_af


def noting(table, signal, fs):
    cls, seg, samples = (table[c].to_numpy() for c in ("class", "segment", "sample"))
    after_n = np.r_[False, (cls[1:] == "N") & (cls[:-1] == "N") & (seg[1:] == seg[:-1])]
    rows = [(round(table["time_s"][a]), round(table["time_s"][b]),
             round(pwave.coherence(signal, fs, samples[a:b + 1][after_n[a:b + 1]]), 3))
            for a, b in af_stretches(Beats.from_table(table), Rules())]
    print(NAME, "stretches (start s, end s, coherence):", rows)
    return original(table, signal, fs)


recording.no_s_in_af = noting
model, _ = load_checkpoint("models/recording.pt")
for path in sys.argv[1:]:
    NAME = path.split("/")[-1]
    recording.classify_recording(model, read_wfdb(path, None, None))
