"""Patient adaptation on recordings, as a user adapts the recording model: a person labels some detected beats of a
recording, the model is fine-tuned on them (config/adapt.json, both leads), and the recording is read again. Two
ways of choosing the beats to label, as many labels each:
  first5   every detected beat of the first 5 minutes (the patient-specific protocol AAMI allows)
  review   as many beats picked across the whole recording (predict.py --review)

    python bench/review_adapt.py --recipe config/recording.json --leads 0 1 --runs 0 1 2 --pipeline ../shared/data

A person's label is the reference annotation's (the reference beat the detection matches within 150 ms; a detection
matching none stays unlabelled, as a reviewer deletes it). Both ways build their training beats as users do
(reviewed.reviewed_tables, then the CSVs prepare_data.py --reviewed writes). Scored: the reference beats after the
first 5 minutes that the pipeline finds and that neither way labelled, read on both leads; gross Se / +P over the
records. The runs are bench/cross_db.py's (trained here if missing): grouped, run K holding out SVDB fold K with
seed K; or ds2, run K trained on MIT-BIH DS1 with seed K. Each reads the records it held out (--validation: its
validation patients instead), and the replayed beats come from its own training beats.

    python bench/review_adapt.py --scenario ds2 --runs 0 1 2

--budgets B ... adds a review of B picked beats for each B (ways review25, review50, ...), to see what fewer labels
cost; the scored beats then leave out those any way labelled. Each run's D_A (the mean F1 of S and V over its
MIT-BIH and its SVDB records) is printed per way.
"""
import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from heartbeat import review
from heartbeat.adapt import init_overrides, reviewed_beats
from heartbeat.checkpoint import load_checkpoint
from heartbeat.config import load_config
from heartbeat.labelled import LabelledBeats, per_class_sample
from heartbeat.recording import classify_recording, matched_labels, read_recording, reference_match
from heartbeat.review import FIRST_MINUTES as MINUTES, first_minutes_count
from heartbeat.sources import other_channel, read_wfdb

from cross_db import Pool, checkpoint_of, run, scenarios, train_or_reuse  # this folder's siblings
from cross_db_tables import SHOWN, gross_row

WAYS = ("as trained", "first5", "review")


def ways(budgets):
    return WAYS + tuple(f"review{b}" for b in budgets)


def read(path):
    return read_wfdb(path, None, other_channel(path))


def adapted(checkpoint, recipe, rec, labels, replay, seed, run_dir, spec):
    """The model of `checkpoint` fine-tuned by the config file `recipe` on the beats of `rec` at the samples of
    `labels` (both leads) and the replayed beats, read as the adaptation recipe says."""
    cfg = load_config(recipe, init_overrides(checkpoint) + [f"train.seed={seed}"])
    tuning = LabelledBeats.concatenate([reviewed_beats(rec, labels, spec), replay])
    fitted, _ = load_checkpoint(train_or_reuse(cfg, tuning, tuning.take(np.arange(0)), run_dir, lambda *_: None))
    return fitted.read_with_mix(cfg.model.morphology_mix)


def score_record(path, trained, checkpoint, recipe, replay, seed, run_dir, budgets=()):
    """{way: (y_true, y_pred)} of one record's scored beats, and the labels each way used."""
    rec = read(path)
    plain, vectors = read_recording(trained, rec, embed=True)  # the model as trained, and what picks the beats
    marked = review.marked(plain, vectors, first_minutes_count(plain))
    label, _ = matched_labels(rec, marked["sample"].to_numpy())
    samples = marked["sample"].to_numpy()
    chosen = {"first5": (marked["time_s"] < 60 * MINUTES).to_numpy() & (label >= 0),
              "review": marked["review"].to_numpy() & (label >= 0)}
    for b in budgets:
        picked = np.zeros(len(plain), bool)
        picked[review.review_groups(vectors, b)[0]] = True  # as review.marked marks them
        chosen[f"review{b}"] = picked & (label >= 0)
    labelled = set(samples[np.logical_or.reduce(list(chosen.values()))])
    out = {}
    for way in ways(budgets):
        if way == "as trained":
            table = plain
        else:
            model = adapted(checkpoint, recipe, read(path), dict(zip(samples[chosen[way]], label[chosen[way]])),
                            replay, seed, run_dir / f"{way}-{Path(path).name}", trained.inputs)
            table = classify_recording(model, read(path))
        _, match = reference_match(rec, table["sample"].to_numpy())
        ref_times = rec.ref_samples[:-1] / rec.fs
        keep = (match >= 0) & (ref_times >= 60 * MINUTES)
        keep[keep] = ~np.isin(table["sample"].to_numpy()[match[keep]], list(labelled))
        out[way] = (rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]])
    return out, {way: int(c.sum()) for way, c in chosen.items()}


def decision_number(scored):
    """D_A of [(database, y_true, y_pred), ...]: the mean F1 of S and V over each database's records pooled."""
    f1s = []
    for db in sorted({db for db, _, _ in scored}):
        y, pred = (np.concatenate([part[i] for part in scored if part[0] == db]) for i in (1, 2))
        f1s += list(f1_score(y, pred, labels=[1, 2], average=None, zero_division=0))
    return float(np.mean(f1s))


def arguments(description):
    """The command line of this bench (and of bench/review_estimate.py, which reads the same runs' records)."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", default="config/recording.json", help="the runs' recipe (as bench/cross_db.py's)")
    p.add_argument("--adapt", default="config/adapt.json", help="the fine-tuning recipe")
    p.add_argument("--leads", nargs="+", type=int, default=[0, 1], choices=[0, 1], help="leads the runs trained on")
    p.add_argument("--scenario", choices=["grouped", "ds2"], default="grouped",
                   help="grouped: run K holds out SVDB fold K (seed K); ds2: run K is MIT-BIH DS1 -> DS2 with seed K")
    p.add_argument("--runs", nargs="+", type=int, default=[0, 1, 2], help="the runs K (see --scenario)")
    p.add_argument("--pipeline", type=Path, default=Path("../shared/data"), help="folder with svdb/ and mitdb/")
    p.add_argument("--data", default="data", help="folder with mitdb.csv, mitdb_lead1.csv, svdb.csv, svdb_lead1.csv")
    p.add_argument("--out", default="log/cross-db")
    p.add_argument("--validation", action="store_true", help="read each run's validation patients, not its test fold")
    p.add_argument("--budgets", nargs="*", type=int, default=[], metavar="B",
                   help="also review B picked beats for each B (ways reviewB)")
    return p.parse_args()


def held_out(args):
    """For each run K of args.runs (trained here if missing) and each record it held out (its validation patients
    with --validation): (K, "db/record", the record's path, the run's model, its checkpoint, the beats adaptation
    replays, the folder of the run's adapted models)."""
    recipe, adapt_recipe = load_config(args.recipe), load_config(args.adapt)  # the latter for train.replay
    pools = {(db, lead): Pool(Path(args.data) / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"),
                              recipe.model.inputs) for db in ("mitdb", "svdb") for lead in (0, 1)}
    svdb_records = list(dict.fromkeys(pools["svdb", 0].records))
    runs = scenarios(svdb_records, [args.scenario])[args.scenario]
    for k in args.runs:
        train_records, (test_db, test_records) = runs[k if args.scenario == "grouped" else 0]
        parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in args.leads]
        train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
        patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
        first_lead = np.concatenate([np.full(len(r), lead == args.leads[0]) for _, lead, _, r in parts])
        run_name = f"grouped-fold{k}-seed{k}" if args.scenario == "grouped" else f"ds2-seed{k}"  # as cross_db.py's
        run_dir = Path(args.out) / f"{Path(args.recipe).stem}-leads{''.join(map(str, args.leads))}" / run_name
        cfg = replace(recipe, train=replace(recipe.train, seed=k))
        trained, val_patients, fitted = run(cfg, k, args.scenario, train, patients, first_lead, run_dir, print)
        replay = per_class_sample(fitted, adapt_recipe.train.replay, k)
        records = list(val_patients) if args.validation else [f"{test_db}/{r}" for r in test_records]
        for patient in records:
            db, record = patient.split("/", 1)
            yield (k, patient, args.pipeline / db / record, trained, checkpoint_of(run_dir, cfg), replay,
                   run_dir / f"review-adapt-{'validation' if args.validation else 'test'}")


def main():
    args = arguments(__doc__)
    if any(b < 1 for b in args.budgets):
        raise SystemExit(f"--budgets {args.budgets}: each is a number of beats, at least 1")
    args.budgets = list(dict.fromkeys(args.budgets))  # a budget given twice would count its records twice
    all_ways = ways(args.budgets)
    results = {way: [] for way in all_ways}
    per_run = {}  # run -> [(way, database, y_true, y_pred)]
    for k, patient, path, trained, checkpoint, replay, adapt_dir in held_out(args):
        out, used = score_record(path, trained, checkpoint, args.adapt, replay, k, adapt_dir, args.budgets)
        for way in all_ways:
            results[way].append(out[way])
            per_run.setdefault(k, []).append((way, patient.split("/")[0], *out[way]))
        wrong = " ".join(f"{way} {(y != pred).sum()}" for way, (y, pred) in out.items())
        labels = " ".join(f"{way} {n}" for way, n in used.items())
        print(f"run {k} {patient}: labels {labels}; scored {len(out['review'][0])}; wrong: {wrong}", flush=True)
    print(f"\n{'validation patients' if args.validation else 'held-out records'} of {args.scenario} runs {args.runs}, "
          f"read as recordings on both leads, after the first {MINUTES:g} minutes, "
          f"beats labelled by no way left out\n")
    print("| model | accuracy | " + " | ".join(f"{c} Se | {c} +P" for c in SHOWN) + " |")
    print("|---" * (2 + 2 * len(SHOWN)) + "|")
    for way in all_ways:
        y, pred = (np.concatenate(c) for c in zip(*results[way]))
        print(f"| {way} | " + " | ".join(f"{v:.3f}" for v in gross_row(y, pred)) + " |")
    print("\nD_A (mean F1 of S and V per database) per run: " + "; ".join(
        f"run {k}: " + ", ".join(f"{way} {decision_number([p[1:] for p in parts if p[0] == way]):.4f}"
                                 for way in all_ways) for k, parts in per_run.items()))


if __name__ == "__main__":
    sys.exit(main())
