"""models/mitbih_ds1.pt (trained on MIT-BIH DS1 only) read as recordings on patients it never saw: the 39 SVDB records
and the 22 DS2 records, lead 0 and both leads (bench/cross_db.score_pipeline), gross Se / +P of S and V. Run on the
code before and after PWAVE-AF (PYTHONPATH) to see what the P-wave check does for new patients; chooses nothing."""
from pathlib import Path

import numpy as np

from cross_db import score_pipeline
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import DS2

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
model, _ = load_checkpoint(str(ROOT / "models" / "mitbih_ds1.pt"))
for db, records in (("svdb", sorted(p.stem for p in (DATA / "svdb").glob("*.atr"))), ("mitdb", [str(r) for r in DS2])):
    for lead, (y, pred, _) in score_pipeline(model, DATA, db, records).items():
        cells = []
        for k, c in ((1, "S"), (2, "V")):
            tp = int(((y == k) & (pred == k)).sum())
            cells.append(f"{c} {tp / max((y == k).sum(), 1):.3f} / {tp / max((pred == k).sum(), 1):.3f}")
        print(f"{db} ({len(records)}), {lead}: accuracy {(y == pred).mean():.4f}; " + "; ".join(cells), flush=True)
