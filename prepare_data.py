"""Rebuild the Kaggle MIT-BIH beat CSVs from the raw PhysioNet records.

    python prepare_data.py --mitdb data/mitdb --out data
    python prepare_data.py --download                                # fetch mitdb from PhysioNet first

Writes mitbih_train.csv / mitbih_test.csv (random split, stratified, seeded) and
mitbih_ds1.csv / mitbih_ds2.csv (de Chazal's inter-patient split), each with a .meta.csv sidecar
(the context of each beat) and a .templates.csv file (the median beat of each record).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from heartbeat import CLASSES
from heartbeat.build import build_beats, patient_split, random_split, write_kaggle_csv
from heartbeat.sidecar import meta_path, templates_path

OUTPUTS = ("mitbih_train.csv", "mitbih_test.csv", "mitbih_ds1.csv", "mitbih_ds2.csv")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default="data/mitdb", help="folder with the WFDB records (NNN.hea/.dat/.atr)")
    p.add_argument("--out", default="data", help="output folder for the CSVs")
    p.add_argument("--seed", type=int, default=0, help="seed of the random train/test split")
    p.add_argument("--force", action="store_true", help="overwrite existing output CSVs")
    p.add_argument("--download", action="store_true", help="download mitdb from PhysioNet into --mitdb first")
    p.add_argument("--workers", type=int, default=2, help="processes reading records")
    args = p.parse_args(argv)

    out = Path(args.out)
    targets = [out / name for name in OUTPUTS]
    existing = [str(t) for t in targets + [meta_path(t) for t in targets] + [templates_path(t) for t in targets]
                if t.exists()]
    if existing and not args.force:
        sys.exit(f"error: {existing[0]} exists ({len(existing)} output files in all); use --force to overwrite")
    if args.download:
        import wfdb  # only here: the download needs the network, nothing else does

        print(f"downloading the MIT-BIH Arrhythmia Database into {args.mitdb} ...")
        wfdb.dl_database("mitdb", dl_dir=args.mitdb)

    start = time.perf_counter()
    try:
        table = build_beats(args.mitdb, workers=args.workers,
                            progress=lambda it, total: tqdm(it, total=total, desc="records", unit="rec"))
    except FileNotFoundError as e:
        sys.exit(f"error: {e} (get the records with --download, or see data/README.md)")
    splits = dict(zip(OUTPUTS, random_split(table, args.seed) + patient_split(table)))
    for name, part in splits.items():
        write_kaggle_csv(out / name, part)
    elapsed = time.perf_counter() - start

    print(f"{len(table.y)} beats by the Kaggle rule in {elapsed:.1f} s -> {out}/")
    print(f"{'file':<18}{'rows':>8}" + "".join(f"{c:>8}" for c in CLASSES))
    for name, part in [("all beats", table)] + list(splits.items()):
        counts = np.bincount(part.y, minlength=len(CLASSES))
        print(f"{name:<18}{len(part.y):>8}" + "".join(f"{n:>8}" for n in counts))


if __name__ == "__main__":
    main()
