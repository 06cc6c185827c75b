"""Classify beats with a trained checkpoint.

    python predict.py                                  # the shipped model on the sample CSVs in samples/
    python predict.py --csv beats.csv --out predictions.csv
    python predict.py --checkpoint log/RUN/best.pt --csv data/mitbih_test.csv --out pred.csv

Input: beats in the Kaggle CSV format (187 values in [0, 1] per row, label column optional).
Output CSV columns: row (0-based data row of the input), class, class_index, p_N, p_S, p_V, p_F, p_Q.
When the input has labels, the accuracy against them is printed too.
"""
import argparse
import sys
from pathlib import Path

from heartbeat import UserError
from heartbeat.build import META_SUFFIX
from heartbeat.checkpoint import load_checkpoint
from heartbeat.data import DataError, load_beats
from heartbeat.fileio import atomic_path
from heartbeat.inference import predict_proba, predictions_table

SAMPLES = Path(__file__).resolve().parent / "samples"


def report(csv, table, labels, classes, show):
    print(f"\n{csv}: {len(table)} beats")
    proba = table[[f"p_{c}" for c in classes]].to_numpy()
    for row, name, k in table[["row", "class", "class_index"]].head(show).itertuples(index=False):
        truth = f"  (label {classes[labels[row]]})" if labels is not None else ""
        print(f"  row {row:5d}  {name}  p={proba[row, k]:.3f}{truth}")
    if len(table) > show:
        print(f"  ... {len(table) - show} more rows (--out FILE saves them all)")
    counts = table["class"].value_counts()
    print("  predicted: " + "  ".join(f"{c} {counts.get(c, 0)}" for c in classes))
    if labels is not None:
        print(f"  accuracy against the file's labels: {(table['class_index'].to_numpy() == labels).mean():.4f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="models/mitbih.pt", help="trained checkpoint")
    p.add_argument("--csv", nargs="+", help="beat CSV(s) to classify (default: every CSV in samples/)")
    p.add_argument("--out", help="write the predictions to this CSV (one input CSV only)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument("--show", type=int, default=20, help="beats to print per file")
    args = p.parse_args(argv)

    csvs = args.csv or sorted(str(c) for c in SAMPLES.glob("*.csv") if not c.name.endswith(META_SUFFIX))
    try:
        if not csvs:
            raise UserError(f"no --csv given and no sample CSVs in {SAMPLES}")
        if args.out and len(csvs) > 1:
            raise UserError("--out takes one input CSV; give a single --csv")
        if args.out and Path(args.out).exists() and not args.force:
            raise UserError(f"{args.out} exists; choose another --out or add --force")
        model, meta = load_checkpoint(args.checkpoint)
        classes = meta["classes"]
        print(f"model {args.checkpoint}: classes {' '.join(classes)}, beats of {meta['model_args']['beat_len']} "
              f"values at {meta['preprocessing']['sampling_rate_hz']:g} Hz ({meta['preprocessing']['method']} rule)")
        for csv in csvs:
            x, y = load_beats(csv)
            if x.shape[1] != meta["model_args"]["beat_len"]:
                raise DataError(f"{csv}: beats of {x.shape[1]} values; the model takes {meta['model_args']['beat_len']}")
            table = predictions_table(predict_proba(model, x), classes)
            report(csv, table, y, classes, args.show)
            if args.out:
                with atomic_path(args.out) as tmp:
                    table.to_csv(tmp, index=False, float_format="%.6f")
                print(f"wrote {args.out}")
    except UserError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
