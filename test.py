"""Evaluate a checkpoint on a labelled beat CSV.

    python test.py                                    # models/mitbih.pt on data/mitbih_test.csv
    python test.py --checkpoint log/RUN/best.pt       # on the test CSV named in the run's config
    python test.py --checkpoint log/RUN/best.pt --csv data/mitbih_ds2.csv --out results/ds2
    python test.py --json                             # stdout: exactly one JSON object

Prints accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix (counts
and row-normalized); writes metrics.json and confusion.png into --out.
"""
import argparse
import json
import sys
import time
from pathlib import Path

from heartbeat import UserError
from heartbeat.checkpoint import default_test_csv, load_checkpoint
from heartbeat.data import DataError
from heartbeat.fileio import atomic_path, check_folder, check_output, write_text_atomic
from heartbeat.inference import classify_csv
from heartbeat.figures import confusion_figure
from heartbeat.metrics import classification_metrics, format_report

OUTPUTS = ("metrics.json", "confusion.png")  # what --out receives; none is overwritten without --force


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="models/mitbih.pt", help="checkpoint to evaluate")
    p.add_argument("--csv", help="labelled beats, Kaggle CSV format (default: data.test_csv of the "
                   "checkpoint's config, else data/mitbih_test.csv)")
    p.add_argument("--out", help="folder for metrics.json and confusion.png (default: log/test-TIMESTAMP)")
    p.add_argument("--json", action="store_true", help="print only the metrics as one JSON object")
    p.add_argument("--force", action="store_true", help="overwrite metrics.json and confusion.png in an existing --out folder")
    args = p.parse_args(argv)

    out = Path(args.out or time.strftime("log/test-%Y%m%d-%H%M%S"))
    try:
        check_folder(out)
        for name in OUTPUTS:
            check_output(out / name, args.force, "--out")
        model, info = load_checkpoint(args.checkpoint)
        args.csv = args.csv or default_test_csv(info)
        _, y, proba = classify_csv(model, args.csv)
        if y is None:
            raise DataError(f"{args.csv}: has no labels to test against; use predict.py for unlabelled beats")
    except UserError as e:
        sys.exit(f"error: {e}")

    metrics = classification_metrics(y, proba.argmax(1))
    result = {**metrics, "checkpoint": str(args.checkpoint), "csv": str(args.csv)}
    write_text_atomic(out / "metrics.json", json.dumps(result, indent=2) + "\n")
    fig = confusion_figure(metrics["confusion"], title=f"{Path(args.checkpoint).name} on {Path(args.csv).name}")
    with atomic_path(out / "confusion.png") as tmp:
        fig.savefig(tmp, format="png")

    if args.json:
        print(json.dumps(metrics))
        print(f"wrote {out}/metrics.json and confusion.png", file=sys.stderr)
    else:
        print(f"{args.checkpoint} on {args.csv} ({len(y)} beats)\n")
        print(format_report(metrics))
        print(f"\nwrote {out}/metrics.json and {out}/confusion.png")


if __name__ == "__main__":
    main()
