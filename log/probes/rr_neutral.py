"""Does a beat's timing hold back its V call? Validation patients of grouped run K (seed K), beats cut at the
annotations, both leads averaged: V found with the beat's own R-R inputs against 'neutral' ones (previous = next =
local = the beat's mean R-R), for all V beats, V beats inside reference V runs (3+), and N beats called V.
    python log/probes/rr_neutral.py K"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, "bench")
from cross_db import Pool, record_leads, run, scenarios  # noqa: E402

from heartbeat import rr  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.inference import predict_proba  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.model import BeatInputs  # noqa: E402

k = int(sys.argv[1])
recipe = load_config("config/recording.json", [])
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), recipe.model.inputs)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
run_dir = Path("log/cross-db/recording-leads01") / f"grouped-fold{k}-seed{k}"
cfg = replace(recipe, train=replace(recipe.train, seed=k))
model, val_patients, _ = run(cfg, k, "grouped", train, patients, first_lead, run_dir, lambda *a: None)

n_rr = len(rr.FEATURE_NAMES)


def neutral(inputs):
    f = inputs.features.copy()
    mean = f[:, 2] / f[:, 7]  # local / (local/mean)
    f[:, :3] = mean[:, None]
    f[:, 3:n_rr] = 1.0
    return BeatInputs(inputs.beats, f, inputs.template)


def in_runs(y):
    """mask of V beats inside runs of 3+ V beats"""
    out = np.zeros(len(y), bool)
    i = 0
    while i < len(y):
        if y[i] == 2:
            j = i
            while j < len(y) and y[j] == 2:
                j += 1
            if j - i >= 3:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


tot = {}
for patient in val_patients:
    db, record = patient.split("/", 1)
    (b0, b1), _ = record_leads(pools, db, record)
    y = b0.y
    pa = (predict_proba(model, b0.inputs) + predict_proba(model, b1.inputs)) / 2
    pn = (predict_proba(model, neutral(b0.inputs)) + predict_proba(model, neutral(b1.inputs))) / 2
    a, n = pa.argmax(1), pn.argmax(1)
    runs = in_runs(y)
    nxt = b0.inputs.features[:, 4]  # next/local
    row = dict(V=(y == 2).sum(), V_found=((y == 2) & (a == 2)).sum(), V_found_neutral=((y == 2) & (n == 2)).sum(),
               Vrun=runs.sum(), Vrun_found=(runs & (a == 2)).sum(), Vrun_found_neutral=(runs & (n == 2)).sum(),
               N_as_V=((y == 0) & (a == 2)).sum(), N_as_V_neutral=((y == 0) & (n == 2)).sum(),
               S_as_V=((y == 1) & (a == 2)).sum(), S_as_V_neutral=((y == 1) & (n == 2)).sum(),
               Vmiss_nocomp=((y == 2) & (a != 2) & (nxt < 1.1)).sum(), Vfound_nocomp=((y == 2) & (a == 2) & (nxt < 1.1)).sum())
    print(patient, " ".join(f"{key}={v}" for key, v in row.items()), flush=True)
    for key, v in row.items():
        tot.setdefault(db, {}).setdefault(key, 0)
        tot[db][key] += int(v)
for db, row in tot.items():
    print(f"run {k} {db}:", " ".join(f"{key}={v}" for key, v in row.items()))
