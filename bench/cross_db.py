"""Cross-database evaluation: how a training recipe holds up on ECG that is not MIT-BIH. One table, mean ± sd.

    python prepare_data.py --db ../shared/data/mitdb ../shared/data/svdb --leads 0 1 --out data   # once
    python bench/cross_db.py --recipe config/ds1_rr_mean_channel.json --seeds 0 1 2
    python bench/cross_db.py --recipe ... --scenarios grouped --per-record

Scenarios, each trained by the recipe (its model and train sections; its data section is replaced), with the
best epoch chosen on held-out *training* records (data.val_fraction of them), and tested once:
  zero-shot  train on MIT-BIH (all 48 records), test on the SVDB records
  grouped    the SVDB records in 3 patient folds (the i-th record of RECORDS in fold i % 3): train on MIT-BIH
             and two folds, test on the third; the three test folds are scored together as one test set
  ds2        train on MIT-BIH DS1, test on DS2 (de Chazal's inter-patient split)
--leads says which leads training sees (0: MLII / ECG1; 1: MIT-BIH's V1-V5 / SVDB's ECG2). Every test set is
scored on lead 0, on lead 1 of the same records (a cross-lead row when training saw lead 0 only) and on
both fused (lead "0+1": the mean of the two leads' class probabilities per beat). Se / +P per class are gross
statistics (beats summed over records, as EC57 reports). Validation rows score both leads of the held-out
training patients; --validation-only prints only them, never scoring a test record (choose recipes so).
--adapt CONFIG also fine-tunes each model to each test (or, with --validation-only, validation) record on the
labelled beats of its first --minutes, on lead 0 or, with --adapt-leads 0 1, on both leads, and scores the rest
of the record on lead 0 and on both leads fused.
--pipeline DIR also scores the same records as recordings (DIR/<db>/<record>, WFDB): detected, cut at the
detected R peaks and classified as predict.py does, on the default lead (MLII where present) and with the other
lead fused, over the reference beats the detector finds (150 ms): what a user of the recording path gets.
--read-mix W reads the runs with model.morphology_mix W (an evaluation setting; the runs and their best epochs as
trained); the models --adapt fine-tunes are read as the adaptation recipe says (config/adapt.json: without the mix).
Runs are kept in --out/<recipe>/<scenario>-seed<s>/ and reused when their checkpoint exists (delete the
folder to train again).
"""
import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from heartbeat import UserError
from heartbeat.checkpoint import load_checkpoint, read_checkpoint
from heartbeat.config import load_config
from heartbeat.database import DS1, DS2
from heartbeat.inference import predict_proba
from heartbeat.recording import classify_recording, reference_agreement
from heartbeat.sidecar import load_keys, meta_path
from heartbeat.sources import other_channel, read_wfdb
from heartbeat.splits import train_val_split
from heartbeat.labelled import LabelledBeats, load_labelled, per_class_sample
from heartbeat.training import fit

from cross_db_tables import gross_row, print_adaptation, print_per_record, print_table  # this folder's sibling

FOLDS = 3


class Pool:
    """The beats of one database and lead (a CSV of prepare_data.py --db) with each beat's record and time."""

    def __init__(self, csv, spec):
        self.data = load_labelled(csv, spec)
        self.records = load_keys(csv, len(self.data.y))["record"].to_numpy()
        self.times = pd.read_csv(meta_path(csv), usecols=["time_s"])["time_s"].to_numpy()

    def of(self, records):
        """(LabelledBeats, record of each beat) of the named records."""
        index = np.flatnonzero(np.isin(self.records, list(records)))
        return self.data.take(index), self.records[index]

    def record(self, name):
        """(LabelledBeats, times in seconds) of one record."""
        index = np.flatnonzero(self.records == name)
        return self.data.take(index), self.times[index]


def scenarios(svdb_records, which):
    """name -> list of (training records per database, test records) for one run each."""
    mitdb_all = [str(r) for r in sorted(set(DS1) | set(DS2) | {"102", "104", "107", "217"})]
    folds = [svdb_records[k::FOLDS] for k in range(FOLDS)]
    out = {"zero-shot": [({"mitdb": mitdb_all}, ("svdb", svdb_records))],
           "grouped": [({"mitdb": mitdb_all, "svdb": [r for j, f in enumerate(folds) if j != k for r in f]},
                        ("svdb", folds[k])) for k in range(FOLDS)],
           "ds2": [({"mitdb": list(DS1)}, ("mitdb", list(DS2)))]}
    return {name: out[name] for name in which}


def checkpoint_of(run_dir, recipe):
    return run_dir / ("calibrated.pt" if recipe.train.calibrate else "best.pt")


def train_or_reuse(cfg, train, val, run_dir, log):
    """Fit the run in run_dir unless it finished all its epochs; an interrupted run resumes from last.pt
    (a best.pt alone is no finished run: it is written at the first epoch)."""
    last = run_dir / "last.pt"
    done = last.is_file() and read_checkpoint(last)["epoch"] >= cfg.train.epochs
    if not (done and checkpoint_of(run_dir, cfg).is_file()):
        run_dir.mkdir(parents=True, exist_ok=True)
        fit(cfg, train, val, run_dir, resume=last.is_file(), log=log)
    return checkpoint_of(run_dir, cfg)


def run(recipe, seed, name, train, patients, first_lead, run_dir, log):
    """The model of one training run (trained now unless run_dir already has it), its validation patients and
    the beats it trained on (LabelledBeats). The validation split holds out whole patients (`patients`: each
    training beat's) of the training set, chosen on the beats of the first training lead (`first_lead`, a
    mask), so that every lead set holds out the same patients."""
    cfg = replace(recipe, train=replace(recipe.train, seed=seed))
    _, val_idx = train_val_split(train.y[first_lead], cfg.data.val_fraction, seed, patients[first_lead])
    val_patients = np.unique(patients[first_lead][val_idx])
    is_val = np.isin(patients, val_patients)
    log(f"{run_dir}: {(~is_val).sum()} training / {is_val.sum()} validation beats ({name})")
    fitted = train.take(np.flatnonzero(~is_val))
    best = train_or_reuse(cfg, fitted, train.take(np.flatnonzero(is_val)), run_dir, log)
    model, _ = load_checkpoint(best)
    return model, val_patients, fitted


def adapt(checkpoint, adapt_recipe, leads, times, minutes, seed, run_dir, replay=None, adapt_leads=(0,),
          read_mix=None):
    """Patient adaptation: fine-tune the model of `checkpoint` on the labelled beats of a record's first
    `minutes` on each lead of `adapt_leads` (the adaptation recipe, train.init = the checkpoint) and the `replay`
    beats if any (the recipe's train.replay, drawn here from the run's own training beats), then classify the
    rest of the record. `leads` holds the record's beats on lead 0 and lead 1 (LabelledBeats, the same beats in
    the same order). Returns (labels, {(model, read on): predictions}) of the beats after the first minutes,
    model "as trained" or "adapted", read on lead "0" or both fused ("0+1"). `read_mix`, if given, is the
    model.morphology_mix the model as trained is read with; the adapted one is read as the adaptation recipe says
    (its model.morphology_mix, as train.py --init does)."""
    first = [beats.take(np.flatnonzero(times < 60 * minutes)) for beats in leads]
    rest = [beats.take(np.flatnonzero(times >= 60 * minutes)) for beats in leads]
    tuning = LabelledBeats.concatenate([first[lead] for lead in adapt_leads] + ([replay] if replay is not None else []))
    model, info = load_checkpoint(checkpoint)
    cfg = replace(adapt_recipe, model=replace(adapt_recipe.model, **model.config.network()),
                  train=replace(adapt_recipe.train, init=str(checkpoint), seed=seed))
    adapted, _ = load_checkpoint(train_or_reuse(cfg, tuning, tuning.take(np.arange(0)), run_dir, lambda *_: None))
    # a head fine-tuned before the recipe said how to read it is read as the recipe says now
    adapted.read_with_mix(adapt_recipe.model.morphology_mix)
    if read_mix is not None:
        model.read_with_mix(read_mix)
    out = {}
    for label, m in (("as trained", model), ("adapted", adapted)):
        proba = [predict_proba(m, beats.inputs) for beats in rest]
        out[label, "0"] = proba[0].argmax(1)
        out[label, "0+1"] = ((proba[0] + proba[1]) / 2).argmax(1)
    return rest[0].y, out


def record_leads(pools, db, record):
    """([beats on lead 0, beats on lead 1], times in seconds) of one record: the same beats in the same order."""
    (beats0, times), (beats1, times1) = pools[db, 0].record(record), pools[db, 1].record(record)
    assert np.array_equal(times, times1), f"{db} {record}: the two lead CSVs hold different beats"
    return [beats0, beats1], times


def score_leads(model, pools, db, records):
    """{lead: (y, predicted class, record of each beat)} of the named records on lead 0, lead 1 and both
    fused ("0+1": the mean of the two leads' class probabilities; the two CSVs hold the same beats in the
    same order, cut at the same annotations)."""
    proba, out = {}, {}
    for lead in (0, 1):
        beats, beat_records = pools[db, lead].of(records)
        proba[lead] = predict_proba(model, beats.inputs)
        out[lead] = (beats.y, proba[lead].argmax(1), beat_records)
    out["0+1"] = (out[0][0], ((proba[0] + proba[1]) / 2).argmax(1), out[0][2])
    return out


def score_pipeline(model, root, db, records):
    """score_leads' outcome for recordings: each record read from root/db/ (WFDB) through the pipeline
    (detection, cutting at the detected R peaks, classification), on its default lead and with its other lead
    as the second one, scored on the reference beats the detector finds (150 ms); leads "0, pipeline" and
    "0+1, pipeline"."""
    out = {}
    for lead, fused in (("0, pipeline", False), ("0+1, pipeline", True)):
        parts = []
        for record in records:
            path = root / db / record
            rec = read_wfdb(path, None, other_channel(path) if fused else None)
            agree = reference_agreement(classify_recording(model, rec), rec)
            parts.append((agree["y_true"], agree["y_pred"], np.full(len(agree["y_true"]), record)))
        out[lead] = tuple(np.concatenate(column) for column in zip(*parts))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", required=True, help="config file: the model and train sections are the recipe")
    p.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", help="overrides of the recipe")
    p.add_argument("--name", help="name of the recipe's run folder (default: the config's name)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--scenarios", nargs="+", default=["zero-shot", "grouped", "ds2"],
                   choices=["zero-shot", "grouped", "ds2"])
    p.add_argument("--leads", nargs="+", type=int, default=[0], choices=[0, 1], help="leads training sees")
    p.add_argument("--data", default="data", help="folder with mitdb.csv, mitdb_lead1.csv, svdb.csv, svdb_lead1.csv")
    p.add_argument("--out", default="log/cross-db")
    p.add_argument("--folds", nargs="+", type=int, choices=range(FOLDS), help="grouped: only these folds")
    p.add_argument("--validation-only", action="store_true", help="score only the validation patients (both "
                   "leads of the held-out training records; with --adapt, the model adapted to each), never a test "
                   "record: for choosing a recipe")
    p.add_argument("--pipeline", metavar="DIR", type=Path, help="also score the records as recordings: DIR/mitdb/<record> "
                   "and DIR/svdb/<record> (WFDB) through detection and cutting, on the beats the detector finds")
    p.add_argument("--per-record", action="store_true", help="also S and V Se / +P per test record (all seeds)")
    p.add_argument("--adapt", metavar="CONFIG", help="also adapt each model to each test record with the labelled "
                   "beats of its first --minutes (this fine-tuning recipe, e.g. config/adapt.json) and score the "
                   "rest on lead 0 and on both leads fused, beside the same beats without adaptation")
    p.add_argument("--minutes", type=float, default=5.0, help="--adapt: labelled minutes at the start of a record")
    p.add_argument("--adapt-leads", nargs="+", type=int, default=[0], choices=[0, 1],
                   help="--adapt: fine-tune on the first minutes of these leads (0 1: both, each beat once per lead)")
    p.add_argument("--adapt-scenarios", nargs="+", default=["grouped", "ds2"], help="--adapt: in these scenarios")
    p.add_argument("--read-mix", type=float, metavar="W", help="read the trained runs with model.morphology_mix W "
                   "(evaluation only: the runs and their best epochs as trained; default: the recipe's own); "
                   "adapted models read with the --adapt recipe's")
    args = p.parse_args()
    args.adapt_leads = sorted(set(args.adapt_leads))
    try:
        recipe = load_config(args.recipe, args.set)
        adapt_recipe = load_config(args.adapt) if args.adapt else None
        spec = recipe.model.inputs
        data = Path(args.data)
        pools = {(db, lead): Pool(data / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), spec)
                 for db in ("mitdb", "svdb") for lead in (0, 1)}
    except UserError as e:
        sys.exit(f"error: {e} (build the CSVs with: python prepare_data.py --db .../mitdb .../svdb --leads 0 1)")
    if args.read_mix is not None:
        try:  # checked now against the recipe's model, not after its runs are trained
            replace(recipe.model, morphology_mix=args.read_mix)
        except ValueError as e:
            sys.exit(f"error: --read-mix: {e}")
    if adapt_recipe is not None:
        try:  # the adaptation recipe's reading on the runs' network, likewise checked now
            replace(adapt_recipe.model, **recipe.model.network())
        except ValueError as e:
            sys.exit(f"error: --adapt {args.adapt}: {e}")
    svdb_records = list(dict.fromkeys(pools["svdb", 0].records))  # in RECORDS order
    if args.pipeline:  # missing records are found now, not after hours of training
        missing = [f"{db}/{r}" for db in ("mitdb", "svdb") for r in dict.fromkeys(pools[db, 0].records)
                   if not (args.pipeline / db / f"{r}.hea").is_file()]
        if missing:
            sys.exit(f"error: --pipeline {args.pipeline}: {len(missing)} records missing, e.g. {missing[0]}.hea")
    name = (args.name or Path(args.recipe).stem + "".join(f"-{s}" for s in args.set)).replace("/", "_")
    leads_tag = "leads" + "".join(map(str, args.leads))
    rows, per_record, adapted = {}, {}, {}
    for scenario, runs in scenarios(svdb_records, args.scenarios).items():
        for seed in args.seeds:
            scored = {}  # row key -> list of (y, pred, records) of the runs of this seed
            for k, (train_records, (test_db, test_records)) in enumerate(runs):
                if args.folds is not None and len(runs) > 1 and k not in args.folds:
                    continue
                parts = [(db, lead, *pools[db, lead].of(recs))
                         for db, recs in train_records.items() for lead in args.leads]
                train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
                patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
                first_lead = np.concatenate([np.full(len(r), lead == args.leads[0]) for _, lead, _, r in parts])
                fold = f"-fold{k}" if len(runs) > 1 else ""
                run_dir = Path(args.out) / f"{name}-{leads_tag}" / f"{scenario}{fold}-seed{seed}"
                model, val_patients, fitted = run(recipe, seed, scenario, train, patients, first_lead, run_dir, print)
                if args.read_mix is not None:
                    model.read_with_mix(args.read_mix)
                per_class = adapt_recipe.train.replay if adapt_recipe else 0
                replay = per_class_sample(fitted, per_class, seed) if per_class else None
                adapt_dir = (run_dir / f"adapt-{Path(args.adapt).stem}-{args.minutes:g}min"
                             f"{f'-replay{per_class}' if per_class else ''}"
                             f"{'' if args.adapt_leads == [0] else '-leads' + ''.join(map(str, args.adapt_leads))}"
                             ) if adapt_recipe else None
                for db in train_records:  # validation: the held-out training patients, each lead
                    held_out = [p.split("/", 1)[1] for p in val_patients if p.startswith(f"{db}/")]
                    for lead, outcome in score_leads(model, pools, db, held_out).items():
                        scored.setdefault(("validation", db, lead), []).append(outcome)
                    for lead, outcome in score_pipeline(model, args.pipeline, db, held_out).items() if args.pipeline else ():
                        scored.setdefault(("validation", db, lead), []).append(outcome)
                    for record in held_out if adapt_recipe and args.validation_only else ():
                        outcome = adapt(checkpoint_of(run_dir, recipe), adapt_recipe, *record_leads(pools, db, record),
                                        args.minutes, seed, adapt_dir / f"validation-{db}-{record}", replay,
                                        args.adapt_leads, args.read_mix)
                        adapted.setdefault((f"{scenario}, validation ({db})", seed), []).append(outcome)
                if args.validation_only:
                    continue
                for lead, outcome in score_leads(model, pools, test_db, test_records).items():
                    scored.setdefault(("test", test_db, lead), []).append(outcome)
                for lead, outcome in score_pipeline(model, args.pipeline, test_db, test_records).items() if args.pipeline else ():
                    scored.setdefault(("test", test_db, lead), []).append(outcome)
                for record in test_records if adapt_recipe and scenario in args.adapt_scenarios else ():
                    outcome = adapt(checkpoint_of(run_dir, recipe), adapt_recipe, *record_leads(pools, test_db, record),
                                    args.minutes, seed, adapt_dir / record, replay, args.adapt_leads, args.read_mix)
                    adapted.setdefault((scenario, seed), []).append(outcome)
                    y, preds = outcome  # per record, the beats after the labelled minutes, both models
                    for (label, lead), pred in preds.items():
                        per_record.setdefault((f"{scenario}, after {args.minutes:g} min, {label}", lead, record),
                                              []).append((y, pred))
            for key, truth in scored.items():
                y, pred, records = (np.concatenate(parts) for parts in zip(*truth))
                rows.setdefault((scenario, *key), []).append(gross_row(y, pred))
                if key[0] == "test":
                    for r in np.unique(records):
                        per_record.setdefault((scenario, key[2], r), []).append((y[records == r], pred[records == r]))
    print_table(rows, args)
    if args.per_record:
        print_per_record(per_record)
    if adapted:
        print_adaptation(adapted, args)


if __name__ == "__main__":
    main()
