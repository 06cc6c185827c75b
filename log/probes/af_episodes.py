"""AF episodes: the rhythm marks' against the pipeline's, per MIT-BIH record with AF, and the gaps between the
pipeline's episodes (what lies in them: annotated AF or not)."""
from pathlib import Path
import numpy as np
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.sources import read_wfdb
from heartbeat.database import ALL_RECORDS, rhythm_spans

db = Path("../shared/data/mitdb")
model = load_checkpoint("models/recording.pt")[0]
for name in ALL_RECORDS:
    truth = rhythm_spans(db / name, 360.0, 1805.6)
    rec = read_wfdb(db / name)
    if not truth:
        continue
    rep = build_report(classify_recording(model, rec), rec)
    af = rep.events[rep.events["type"] == "AF"]
    spans = list(zip(af["start_s"], af["end_s"]))
    print(name, "annotated", len(truth), [(round(a), round(b)) for a, b in truth])
    print("   found", len(spans), [(round(a), round(b)) for a, b in spans])
    for (a, b), (c, d) in zip(spans[:-1], spans[1:]):
        inside = sum(max(0, min(y, c) - max(x, b)) for x, y in truth)
        print(f"   gap {b:.0f}-{c:.0f} ({c - b:.1f} s): {inside / max(c - b, 1e-9):.2f} annotated AF")
