"""The noise ratio (quality.noise_ratio, the energy detector's) of the 10-s windows around each V run and couplet the
pipeline reports, true or false against the reference report. python log/probes/vrun_noise.py DB"""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np
sys.path.insert(0, "bench")
from report_validation import reference_table, match
from heartbeat import segment, quality
from heartbeat.detect import energy_detection
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.report import build_report
from heartbeat.sources import read_wfdb
from heartbeat.database import ALL_RECORDS, record_names

db = Path(sys.argv[1])
names = ALL_RECORDS if db.name == "mitdb" else record_names(db)
model = load_checkpoint("models/recording.pt")[0]
FS = segment.KAGGLE_FS
for name in names:
    rec = read_wfdb(db / name)
    table = classify_recording(model, rec)
    pred = build_report(table, rec)
    ref_table, _ = reference_table(rec, db / name)
    ref = build_report(ref_table, replace(rec, excluded=[], flutter=[]))
    sig, _ = segment.resample(np.asarray(rec.signal[0:len(rec.signal)], dtype=np.float64), rec.fs, FS)
    sig = np.nan_to_num(sig)
    raw = energy_detection(sig, FS)
    for kind in ("V run", "V couplet"):
        r, p = (x.events[x.events["type"] == kind] for x in (ref, pred))
        _, hit = match(r, p)
        for ev, ok in zip(p.itertuples(), hit):
            w0 = int(ev.start_s // 10) * 10
            ratios = []
            for w in range(w0, int(ev.end_s // 10) * 10 + 10, 10):
                a, b = w * FS, (w + 10) * FS
                inside = raw.peaks[(raw.peaks >= a) & (raw.peaks < b)] - a
                ratios.append(quality.noise_ratio(raw.energy[a:b], inside, FS))
            print(f"{name} {kind} {ev.start_s:.1f} {'TRUE' if ok else 'FALSE'} {np.nanmax(ratios):.3f}", flush=True)
