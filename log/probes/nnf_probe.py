"""NNF (log/nnf-rule.txt): HRV without the N-N intervals more than 20% off the one before.
    python log/probes/nnf_probe.py validation     # the decision: the cached grouped runs' validation patients
    python log/probes/nnf_probe.py test           # read once: DS2 (ds2-seedK) and SVDB (fold k by seed k's run)"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, "bench")
from cross_db import FOLDS, Pool, run, scenarios  # noqa: E402
from report_validation import HRV_KEYS, read_as, validate_record  # noqa: E402

from heartbeat import hrv as hrv_module  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.database import DS2, record_names  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402

RUNS = Path("log/cross-db/recording-leads01")
DATA = Path("../shared/data")
PLAIN = hrv_module.nn_intervals


def filtered(beats):
    times, nn, adjacent = PLAIN(beats)
    keep = np.ones(len(nn), dtype=bool)
    keep[1:] &= ~(adjacent & (np.abs(nn[1:] / nn[:-1] - 1) > 0.2))
    idx = np.flatnonzero(keep)
    return times[idx], nn[idx], (np.diff(idx) == 1) & adjacent[idx[:-1]]


def both_ways(checkpoint, path):
    hrv_module.nn_intervals = PLAIN
    plain = validate_record(read_as(checkpoint, 0.5), path)
    hrv_module.nn_intervals = filtered
    nnf = validate_record(read_as(checkpoint, 0.5), path)
    hrv_module.nn_intervals = PLAIN
    return plain, nnf


def median_relative(rows, key):
    ref, pred = (pd.to_numeric(rows[f"hrv|{key}|{w}"], errors="coerce") for w in ("ref", "pred"))
    ok = ref.notna() & pred.notna() & (ref != 0)
    return 100 * ((pred - ref).abs() / ref.abs())[ok].median(), int(ok.sum())


def show(label, pairs):
    plain, nnf = (pd.DataFrame([p[i] for p in pairs]) for i in (0, 1))
    for key in HRV_KEYS:
        (a, n), (b, m) = median_relative(plain, key), median_relative(nnf, key)
        print(f"{label} {key}: median relative error {a:.1f}% ({n}) -> {b:.1f}% ({m})", flush=True)


mode = sys.argv[1]
if mode == "validation":
    recipe = load_config("config/recording.json")
    pairs = []
    for k in range(3):
        pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"),
                                  recipe.model.inputs) for db in ("mitdb", "svdb") for lead in (0, 1)}
        train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
        parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
        train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
        patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
        first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
        run_dir = RUNS / f"grouped-fold{k}-seed{k}"
        _, val_patients, _ = run(recipe, k, "grouped", train, patients, first_lead, run_dir, print)
        del pools, parts, train
        pairs += [both_ways(run_dir / "best.pt", DATA / p) for p in val_patients]
        print(f"run {k}: {len(val_patients)} validation records", flush=True)
    show("validation", pairs)
elif mode == "test":
    for k in range(3):
        show(f"DS2 seed {k}", [both_ways(RUNS / f"ds2-seed{k}" / "best.pt", DATA / "mitdb" / str(r)) for r in DS2])
    svdb = DATA / "svdb"
    show("SVDB (fold k by seed k)", [both_ways(RUNS / f"grouped-fold{i % FOLDS}-seed{i % FOLDS}" / "best.pt", svdb / name)
                                     for i, name in enumerate(record_names(svdb))])
