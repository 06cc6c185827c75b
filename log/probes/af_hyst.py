"""AFHYST: choose AF_EXIT on MIT-BIH DS1's reference beats (AF seconds of the rule against the rhythm marks).
    python log/probes/af_hyst.py choose"""
import sys
from pathlib import Path
import numpy as np
sys.path.insert(0, "bench")
from report_validation import reference_table, overlap_s
from heartbeat import events
from heartbeat.database import DS1, rhythm_spans
from heartbeat.events import Beats, Rules, af_events
from heartbeat.sources import read_wfdb

db = Path("../shared/data/mitdb")
tables = {}
for name in map(str, DS1):
    rec = read_wfdb(db / name)
    table, _ = reference_table(rec, db / name)
    tables[name] = (Beats.from_table(table), rhythm_spans(db / name, rec.fs, len(rec.signal) / rec.fs))
for exit_ in (0.1, 0.09, 0.08, 0.07, 0.06):
    events.AF_EXIT = exit_
    true = called = hit = 0.0
    per = []
    for name, (beats, truth) in tables.items():
        spans = [(a, b) for _, a, b, *_ in af_events(beats, Rules())]
        true += sum(b - a for a, b in truth)
        called += sum(b - a for a, b in spans)
        hit += overlap_s(spans, truth)
        if spans or truth:
            per.append(f"{name}:{len(spans)}")
    se, ppv = hit / true, hit / max(called, 1e-9)
    print(f"AF_EXIT {exit_}: Se {se:.4f} +P {ppv:.4f} F1 {2 * se * ppv / (se + ppv):.4f}  episodes {' '.join(per)}")
