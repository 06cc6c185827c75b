"""Where a model's errors come from, record by record (patients are not alike).

    python bench/errors_by_record.py --checkpoint models/mitbih_ds1.pt [--csv data/mitbih_ds2.csv]

Tests the checkpoint on --csv (default: its own config's data.test_csv) and, using the record column of
the CSV's .meta.csv sidecar, prints for each class the records holding most of its beats with the
recall in each, then the records where most of the false calls of each class come from.
"""
import argparse
import sys
from pathlib import Path

import pandas as pd

from heartbeat import UserError
from heartbeat.checkpoint import load_checkpoint, default_test_csv
from heartbeat.sidecar import load_records, meta_path
from heartbeat.inference import classify_csv

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records

TOP = 5


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=str(ROOT / "models" / "mitbih_ds1.pt"))
    p.add_argument("--csv", help="labelled beats with a .meta.csv sidecar (default: the checkpoint's test CSV)")
    args = p.parse_args()
    try:
        model, info = load_checkpoint(args.checkpoint)
        csv = args.csv or default_test_csv(info)
        _, y, proba = classify_csv(model, csv)
        sidecar = meta_path(csv)
        if y is None or not sidecar.is_file():
            sys.exit(f"error: {csv} needs labels and its sidecar {sidecar.name} (record of each beat)")
        pred = proba.argmax(1)
        records = load_records(csv, len(pred))
    except UserError as e:
        sys.exit(f"error: {e}")
    beats = pd.DataFrame({"record": records, "label": y, "pred": pred})
    classes = info["classes"]
    print(f"{args.checkpoint} on {csv}: {len(beats)} beats, accuracy {(pred == y).mean():.4f}")
    for c, name in enumerate(classes):
        mine = beats[beats.label == c]
        if mine.empty:
            continue
        top = mine.record.value_counts().head(TOP)
        cells = [f"{r} {n} ({(mine[mine.record == r].pred == c).mean():.2f})" for r, n in top.items()]
        rest = mine[~mine.record.isin(top.index)]
        rest_recall = f"{(rest.pred == c).mean():.2f}" if len(rest) else "-"
        print(f"{name}: {len(mine)} beats, recall {(mine.pred == c).mean():.3f}; most in records (recall): "
              + ", ".join(cells) + f"; the other {len(rest)}: {rest_recall}")
    for c, name in enumerate(classes):
        false = beats[(beats.pred == c) & (beats.label != c)]
        if false.empty:
            continue
        # (records, true classes) counts of the false calls, largest records first
        table = pd.crosstab(false.record, false.label).rename(columns=dict(enumerate(classes)))
        table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:TOP]]
        cells = [f"{r} (" + ", ".join(f"{k} {n}" for k, n in row.items() if n) + ")" for r, row in table.iterrows()]
        print(f"false {name}: {len(false)}; most from records: " + ", ".join(cells))


if __name__ == "__main__":
    main()
