"""DS2 read by the recording recipe with its best epoch chosen on random beats of every DS1 record (10%, as the
shipped DS1 recipe chose it), beside the cached runs that chose it on held-out DS1 records (20% of the patients).
Measured on DS2, nothing chosen: what part of goal (c)'s S gap the selection protocol explains.
    python log/probes/ds2_beatval.py K      (run from the repo root)"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import Pool, scenarios, score_leads, score_pipeline, train_or_reuse  # noqa: E402
from cross_db_tables import gross_row  # noqa: E402

from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.splits import train_val_split  # noqa: E402

k = int(sys.argv[1])
recipe = load_config("config/recording.json", ["data.val_fraction=0.1"])
pools = {("mitdb", lead): Pool(Path("data") / ("mitdb.csv" if lead == 0 else "mitdb_lead1.csv"), recipe.model.inputs)
         for lead in (0, 1)}
train_records, (_, test_records) = scenarios([], ["ds2"])["ds2"][0]
(b0, r0), (b1, r1) = (pools["mitdb", lead].of(train_records["mitdb"]) for lead in (0, 1))
assert np.array_equal(r0, r1) and len(b0.y) == len(b1.y) and np.array_equal(b0.y, b1.y)
_, val_idx = train_val_split(b0.y, recipe.data.val_fraction, k)  # no groups: stratified random beats
is_val = np.zeros(len(b0.y), dtype=bool)
is_val[val_idx] = True
train = LabelledBeats.concatenate([b.take(np.flatnonzero(~is_val)) for b in (b0, b1)])
val = LabelledBeats.concatenate([b.take(np.flatnonzero(is_val)) for b in (b0, b1)])
cfg = replace(recipe, train=replace(recipe.train, seed=k))
run_dir = Path("log/cross-db/ds2-beatval") / f"ds2-seed{k}"
best = train_or_reuse(cfg, train, val, run_dir, print)
fmt = lambda row: " ".join(f"{v:.3f}" for v in row)  # noqa: E731
print("columns: accuracy, N Se, N +P, S Se, S +P, V Se, V +P")
for label, ckpt in (("held-out records", Path("log/cross-db/recording-leads01") / f"ds2-seed{k}" / "best.pt"),
                    ("random beats", best)):
    model, info = load_checkpoint(ckpt)
    print(f"seed {k} {label}: best epoch {info.get('epoch')}")
    for lead, (y, pred, _) in score_leads(model, pools, "mitdb", test_records).items():
        print(f"seed {k} {label} annotations lead {lead}: {fmt(gross_row(y, pred))}", flush=True)
    for lead, (y, pred, _) in score_pipeline(model, Path("../shared/data"), "mitdb", test_records).items():
        print(f"seed {k} {label} recordings lead {lead}: {fmt(gross_row(y, pred))}", flush=True)
