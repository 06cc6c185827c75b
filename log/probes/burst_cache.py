"""Cache, per record read with its second lead (as report_validation --both-leads reads it): the pipeline's beats,
its excluded time, the reference beats and the second lead's detections over each segment. For the BURST probes."""
import pickle
import sys
from pathlib import Path

import numpy as np
from heartbeat import recording
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.recording import classify_recording
from heartbeat.sources import other_channel, read_wfdb
from heartbeat.windows import Resampler, detect_segment
from heartbeat.recording import read_span

OUT = Path(__file__).parent / "burst-cache"
model, _ = load_checkpoint("models/recording.pt")
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        dest = OUT / f"{db.name}_{name}.pkl"
        if dest.exists():
            continue
        rec = read_wfdb(db / name, None, other_channel(db / name))
        table = classify_recording(model, rec)
        second, second_noisy = [], []
        for start, stop in rec.segments:
            piece = Resampler(lambda a, b: read_span(rec.second, a, b), rec.fs, start, stop)
            try:
                other = detect_segment(piece)
            except Exception as e:  # noqa: BLE001
                print(name, "second lead:", e)
                continue
            second.append(piece.to_input(other.peaks))
            second_noisy += [tuple(piece.to_input(s)) for s in other.noisy]
        out = dict(fs=rec.fs, n=len(rec.signal), table=table, excluded=[(e.start, e.stop, e.reason) for e in rec.excluded],
                   flutter=list(rec.flutter), ref_samples=rec.ref_samples, ref_labels=rec.ref_labels,
                   second=np.concatenate(second) if second else np.zeros(0, np.int64), second_noisy=second_noisy,
                   second_excluded=[(e.start, e.stop, e.reason) for e in rec.second_excluded])
        with open(dest, "wb") as f:
            pickle.dump(out, f)
        print(db.name, name, len(table), flush=True)
