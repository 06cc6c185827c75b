import glob
from pathlib import Path
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.sources import read_wfdb
model = load_checkpoint("models/recording.pt")[0]
n = 0
for db in ("mitdb", "svdb"):
    for hea in sorted(glob.glob(f"../shared/data/{db}/*.hea")):
        rec = read_wfdb(Path(hea).with_suffix(""))
        table = classify_recording(model, rec)
        n += 1
        for w in rec.warnings:
            if "median heart rate" in w:
                print(db, Path(hea).stem, w, flush=True)
print(f"{n} records read")
