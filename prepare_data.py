"""Build beat CSVs (Kaggle format) from annotated WFDB databases, or from the beats reviewed in one recording.

    python prepare_data.py --mitdb data/mitdb --out data        # MIT-BIH's Kaggle CSVs: random and DS1/DS2 splits
    python prepare_data.py --download                           # fetch mitdb from PhysioNet first
    python prepare_data.py --db data/svdb --out data            # data/svdb.csv: every annotated beat of a database
    python prepare_data.py --db data/mitdb data/svdb --leads 0 1 --out data   # also svdb_lead1.csv, mitdb_lead1.csv
    python prepare_data.py --db my_records --leads 0 1 --detected --out data   # to adapt a model to your records
    python prepare_data.py --noise data/nstdb --out data      # data/noise.npz: recorder noise for train.noise
    python prepare_data.py --reviewed beats.csv --record my/rec --second-channel V1 --out data
                                                  # data/rec_reviewed.csv (+ _lead1): the beats a person reviewed
    python prepare_data.py --replay-pool models/recording.pt   # models/recording.replay.npz (see below)

--mitdb writes mitbih_train.csv / mitbih_test.csv (random split, stratified, seeded) and mitbih_ds1.csv /
mitbih_ds2.csv (de Chazal's inter-patient split). --db writes <name>.csv for each database folder (lead 0)
and <name>_lead<i>.csv for each other lead asked for. Records at any rate (from 100 Hz) are resampled to
360 Hz and cut by the Kaggle rule; with --detected, at the beats the pipeline detects, as predict.py cuts them.
Each CSV gets a .meta.csv sidecar (database, record, lead, annotation sample and symbol, and the context of each
beat) and a .templates.csv file (each recording's median beat).
--noise writes noise.npz: every signal of a folder of noise records (the noise stress test's bw, em, ma)
at 360 Hz, for the train.noise augmentation.
--reviewed writes <recording>_reviewed.csv (and <recording>_reviewed_lead1.csv with --second-channel): the beats
marked `review` in predict.py's --out CSV of that recording (predict.py --review N), labelled with its `class`
column as a person corrected it, cut again from the recording as the pipeline cuts it; the training data of
train.py --init ... --config config/adapt.json (README: adapting the recording model).
--replay-pool writes <checkpoint>.replay.npz beside a checkpoint: 500 beats of each class drawn from the training CSVs
its config names (built first, as above). Fine-tuning that checkpoint (train.replay) then draws from the pool, so that
a user adapts the model without building those CSVs; models/recording.replay.npz ships with the repo.
"""
import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from heartbeat import CLASSES, UserError
from heartbeat.build import build_beats, patient_split, random_split, write_kaggle_csv
from heartbeat.data import KAGGLE_CSVS
from heartbeat.database import read_noise
from heartbeat.fileio import atomic_path, check_folder, check_output
from heartbeat.sidecar import meta_path, templates_path
from heartbeat.sources import add_channel_arguments

NOISE_OUTPUT = "noise.npz"


def database_outputs(folder, leads):
    name = Path(folder).resolve().name
    return [f"{name}.csv" if lead == 0 else f"{name}_lead{lead}.csv" for lead in leads]


def progress(desc):
    return lambda it, total: tqdm(it, total=total, desc=desc, unit="rec")


def detected_tables(folder, leads, names):
    """--db --detected: {CSV name: BeatTable} of a database's beats as the pipeline detects and cuts them (detection
    on the first of `leads`, the second read beside it), each labelled by the reference beat it matches."""
    from heartbeat.database import record_names
    from heartbeat.reviewed import annotated_tables, join_tables
    from heartbeat.sources import read_wfdb

    if len(leads) > 2:
        raise UserError("--detected reads a record's beats on one lead, or on two as predict.py --second-channel "
                        f"does; got --leads {' '.join(map(str, leads))}")
    tables, found, annotated = ([], []), 0, 0
    db = Path(folder).resolve().name
    for name in tqdm(record_names(folder), desc=names[0], unit="rec"):
        rec = read_wfdb(Path(folder) / name, str(leads[0]), str(leads[1]) if len(leads) > 1 else None)
        parts, n_ref = annotated_tables(rec, db)
        for kept, part in zip(tables, parts):
            kept.append(part)
        found, annotated = found + len(parts[0].y), annotated + n_ref
    print(f"{names[0]}: {found} of {annotated} reference beats found by the pipeline and cut where it cuts them")
    return {name: join_tables(part) for name, part in zip(names, tables)}


def prepare_reviewed(args):
    """--reviewed: the reviewed beats of one recording as training CSVs."""
    from heartbeat.reviewed import read_reviewed, reviewed_tables, second_lead_path, write_reviewed
    from heartbeat.sources import open_recording

    try:
        if not args.reviewed or not (args.record or args.signal):
            raise UserError("--reviewed CSV and --record / --signal go together: the predictions of a recording, "
                            "and the recording they were made from")
        if args.mitdb or args.db or args.noise:
            raise UserError("--reviewed builds one recording's CSVs; run --mitdb / --db / --noise on their own")
        check_folder(Path(args.out))
        labels = read_reviewed(args.reviewed)
        rec = open_recording(args.record, args.channel, args.second_channel, args.signal, args.fs)
        target = Path(args.out) / f"{rec.name}_reviewed.csv"
        for csv in [target] + ([second_lead_path(target)] if rec.second is not None else []):
            for f in (csv, meta_path(csv), templates_path(csv)):
                check_output(f, args.force)
        tables = reviewed_tables(rec, labels)
    except UserError as e:
        sys.exit(f"error: {e}")
    written = write_reviewed(tables, target)
    for csv, part in written.items():
        counts = np.bincount(part.y, minlength=len(CLASSES))
        print(f"{csv}: {len(part.y)} reviewed beats (" + ", ".join(f"{c} {n}" for c, n in zip(CLASSES, counts)) + ")")
    csvs = json.dumps([str(csv) for csv in written])  # the CSVs this recording has: one lead or two
    print(f"adapt on them: python train.py --init models/recording.pt --config config/adapt.json "
          f"--set {shlex.quote('data.train_csv=' + csvs)}")


def prepare_replay_pool(args):
    """--replay-pool: the beats fine-tuning a checkpoint replays, written beside it."""
    from heartbeat.labelled import replay_pool_path, write_replay_pool

    try:
        if args.mitdb or args.db or args.noise or args.reviewed:
            raise UserError("--replay-pool reads the CSVs a checkpoint was trained on; build them first, on their own")
        pool = replay_pool_path(args.replay_pool)
        if pool.exists() and not args.force:
            raise UserError(f"{pool} exists; add --force to write it again")
        check_output(pool, force=True)  # not a folder, nor a file on its way
        path, counts = write_replay_pool(args.replay_pool)
    except UserError as e:
        sys.exit(f"error: {e}")
    print(f"{path}: " + ", ".join(f"{c} {n}" for c, n in zip(CLASSES, counts)) + " beats of the training CSVs of "
          f"{args.replay_pool}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", help="MIT-BIH Arrhythmia Database folder: write the Kaggle CSVs (the default, "
                   "from data/mitdb, when no --db is given)")
    p.add_argument("--db", nargs="+", default=[], metavar="DIR", help="annotated WFDB database folders: write "
                   "<folder name>.csv with all their beats")
    p.add_argument("--noise", metavar="DIR", help="folder of noise records (nstdb's bw, em, ma): write noise.npz")
    p.add_argument("--reviewed", metavar="CSV", help="predict.py's --out CSV of a recording, its review rows "
                   "labelled: write <recording>_reviewed.csv (needs --record or --signal, as predict.py read it)")
    p.add_argument("--replay-pool", metavar="CHECKPOINT", help="write CHECKPOINT's replay pool beside it: beats "
                   "of its training CSVs for fine-tuning it (train.replay) without them")
    p.add_argument("--record", help="--reviewed: the WFDB record or EDF file the CSV was predicted from")
    p.add_argument("--signal", help="--reviewed: the signal file the CSV was predicted from (with --fs)")
    add_channel_arguments(p, "--reviewed: also write the reviewed beats cut from this lead "
                             "(<recording>_reviewed_lead1.csv), as predict.py --second-channel read them")
    p.add_argument("--leads", nargs="+", type=int, default=[0], help="--db: lead indices to cut (default: 0)")
    p.add_argument("--detected", action="store_true", help="--db: cut the beats the pipeline detects, where it "
                   "cuts them, each labelled by the reference beat it matches (150 ms), instead of at the "
                   "annotations: the training beats for adapting a model to your own annotated records (the first "
                   "of --leads is the one detected on, a second is read as predict.py --second-channel reads it)")
    p.add_argument("--out", default="data", help="output folder for the CSVs")
    p.add_argument("--seed", type=int, default=0, help="seed of the random train/test split")
    p.add_argument("--force", action="store_true", help="overwrite existing outputs")
    p.add_argument("--download", action="store_true", help="download mitdb from PhysioNet into --mitdb first")
    p.add_argument("--workers", type=int, default=2, help="processes reading records (--detected reads them in turn)")
    args = p.parse_args(argv)
    if args.replay_pool:
        return prepare_replay_pool(args)
    if args.reviewed or args.record or args.signal:
        return prepare_reviewed(args)
    if args.mitdb is None and not args.db and not args.noise:
        args.mitdb = "data/mitdb"
    if args.detected and (args.mitdb or not args.db):
        sys.exit("error: --detected cuts the records of --db folders as the pipeline reads them; the Kaggle CSVs "
                 "(--mitdb) are cut at the annotations by definition")

    out = Path(args.out)
    names = (list(KAGGLE_CSVS) if args.mitdb else []) + \
        [n for folder in args.db for n in database_outputs(folder, args.leads)]
    targets = [out / n for n in names] + ([out / NOISE_OUTPUT] if args.noise else [])
    files = targets + [meta_path(t) for t in targets] + [templates_path(t) for t in targets]
    try:
        check_folder(out)
        for f in files:
            check_output(f, force=True)  # not a folder; existing files are the check below
    except UserError as e:
        sys.exit(f"error: {e}")
    existing = [str(t) for t in files if t.exists()]
    if existing and not args.force:
        sys.exit(f"error: {existing[0]} exists ({len(existing)} output files in all); use --force to overwrite")
    if args.download:
        import wfdb  # only here: the download needs the network, nothing else does

        print(f"downloading the MIT-BIH Arrhythmia Database into {args.mitdb} ...")
        wfdb.dl_database("mitdb", dl_dir=args.mitdb)

    start = time.perf_counter()
    written, csvs = {}, {}  # every table is built before any file is written: a bad lead or record leaves no output
    try:
        if args.mitdb:
            table = build_beats(args.mitdb, workers=args.workers, progress=progress("mitdb"))
            written["all MIT-BIH beats"] = table
            csvs.update(zip(KAGGLE_CSVS, random_split(table, args.seed) + patient_split(table)))
        for folder in args.db:
            if args.detected:
                csvs.update(detected_tables(folder, args.leads, database_outputs(folder, args.leads)))
                continue
            for lead, name in zip(args.leads, database_outputs(folder, args.leads)):
                csvs[name] = table = build_beats(folder, leads=(lead,), workers=args.workers, progress=progress(name))
                if table.unknown:
                    print(f"{name}: skipped {sum(table.unknown.values())} annotations with unknown symbols ("
                          + ", ".join(f"{s!r} {n}" for s, n in table.unknown.most_common()) + ")")
        noise = read_noise(args.noise) if args.noise else None
    except UserError as e:
        sys.exit(f"error: {e} (see data/README.md)")
    for name, table in csvs.items():
        write_kaggle_csv(out / name, table)
    written.update(csvs)
    if noise is not None:
        with atomic_path(out / NOISE_OUTPUT) as tmp, open(tmp, "wb") as f:
            np.savez(f, **noise)
        print(f"{out / NOISE_OUTPUT}: " + ", ".join(f"{k} {v.shape[0]} x {v.shape[1]}" for k, v in noise.items()))
    elapsed = time.perf_counter() - start
    if not written:
        return
    print(f"beats cut by the Kaggle rule in {elapsed:.1f} s -> {out}/")
    print(f"{'file':<22}{'rows':>8}" + "".join(f"{c:>8}" for c in CLASSES))
    for name, part in written.items():
        counts = np.bincount(part.y, minlength=len(CLASSES))
        print(f"{name:<22}{len(part.y):>8}" + "".join(f"{n:>8}" for n in counts))


if __name__ == "__main__":
    main()
