"""Classify heartbeats with a trained checkpoint: pre-cut beats, or a whole ECG recording.

    python predict.py                                  # the paper model on the sample CSVs in samples/
    python predict.py --csv beats.csv --out predictions.csv
    python predict.py --record data/mitdb/208 --out beats.csv --plot strip.png   # the recording model
    python predict.py --signal ecg.csv --fs 250 --out beats.csv
    python predict.py --record data/mitdb/208 --annotations data/mitdb/208.ai   # beside the record, for WFDB tools

Beat CSVs are in the Kaggle format (187 values in [0, 1] per row, label optional); output columns
row (0-based input row), class, class_index, p_N ... p_Q. Recordings (a WFDB record, or a one-column
CSV / .npy signal at any rate from 100 Hz) are resampled to 360 Hz, their R peaks detected and their
beats cut exactly as the training beats were; output columns sample (at the input's rate), time_s,
segment (see report.py: beats of one segment are joined by R-R intervals), class, class_index, p_N ... p_Q;
--annotations writes them as a WFDB annotation file too (heartbeat/annotations.py).
"""
import argparse
import os
import sys
from pathlib import Path

from heartbeat import BEAT_LEN, CLASSES, UserError
from heartbeat.allocator import keep_freed_memory
from heartbeat.annotations import annotation_target, write_annotations
from heartbeat.onnx_model import load_model
from heartbeat.data import beat_csvs
from heartbeat.fileio import atomic_path, check_output
from heartbeat.inference import classify_csv, predictions_table
from heartbeat.sources import add_channel_arguments, open_recording

ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "samples"
BEAT_MODEL = ROOT / "models" / "mitbih.pt"           # the paper's model, for Kaggle-format beat CSVs
RECORDING_MODEL = ROOT / "models" / "recording.pt"   # trained for recordings of other databases and leads


def counts_line(table, classes):
    counts = table["class"].value_counts()
    return "  ".join(f"{c} {counts.get(c, 0)}" for c in classes)


def predict_csvs(model, csvs, show, out=None):
    """Classify each beat CSV, print a report; returns the last file's table (saved to `out` by the caller)."""
    for csv in csvs:
        _, y, proba = classify_csv(model, csv)
        table = predictions_table(proba, CLASSES)
        print(f"\n{csv}: {len(table)} beats")
        for row, name, k in table[["row", "class", "class_index"]].head(show).itertuples(index=False):
            truth = f"  (label {CLASSES[y[row]]})" if y is not None else ""
            print(f"  row {row:5d}  {name}  p={proba[row, k]:.3f}{truth}")
        if len(table) > show:
            saved = f"all saved to {out}" if out else "--out FILE saves them all"
            print(f"  ... {len(table) - show} more rows ({saved})")
        print(f"  predicted: {counts_line(table, CLASSES)}")
        if y is not None:
            print(f"  accuracy against the file's labels: {(table['class_index'].to_numpy() == y).mean():.4f}")
    return table


def predict_recording(model, args, labels=None):
    """Classify the recording args names; `labels` ({sample: class index}, --reviewed) keep their classes."""
    from heartbeat.recording import classify_recording, mean_heart_rate, reference_agreement

    rec = open_recording(args.record, args.channel, args.second_channel, args.signal, args.fs)
    table = classify_recording(model, rec, args.review or 0)
    if labels:  # a person's classes are final, whatever model reads the rest (as report.py --reviewed)
        from heartbeat.reviewed import apply_reviewed, kept_note

        table, changed = apply_reviewed(table, labels, rec.name)
    where = (f"{rec.name}" + (f" channel {rec.channel}" if rec.channel else "")
             + (f" with {rec.second_channel}" if rec.second_channel else ""))
    print(f"\n{where}: {len(rec.signal) / rec.fs:.1f} s at {rec.fs:g} Hz, {len(table)} beats, "
          f"heart rate {mean_heart_rate(table):.0f} bpm (from the median R-R)")
    print(f"  {'classes (the reviewed beats as given)' if labels else 'predicted'}: {counts_line(table, CLASSES)}")
    for warning in rec.warnings:
        print(f"  warning: {warning}")
    if labels:
        print(f"  {kept_note(len(labels), changed, f' in {args.reviewed}')}")
    if args.review:
        print(f"  {int(table['review'].sum())} beats marked for review (column review of --out; review_group: the "
              f"marked beat each beat's group is labelled by): correct their class, then prepare_data.py --reviewed "
              f"builds the adaptation's training CSVs from them")
    if rec.ref_samples is not None and len(rec.ref_samples) > 1:
        agree = reference_agreement(table, rec)
        print(f"  against the reference annotations: detection Se {agree['se']:.4f} +P {agree['ppv']:.4f}; "
              f"class of the {agree['matched']} matched beats right for {agree['accuracy']:.4f}")
    if args.annotations:
        write_annotations(args.annotations, table, rec)
        print(f"wrote {args.annotations}")
    if args.plot:
        from heartbeat.figures import strip_figure

        fig = strip_figure(rec.signal, rec.fs, table["sample"].to_numpy(), table["class"].to_numpy(),
                           seconds=args.plot_seconds, title=where, units=rec.units)
        with atomic_path(args.plot) as tmp:
            fig.savefig(tmp, format="png")
        print(f"wrote {args.plot}")
    return table


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", help=f"trained checkpoint (default: models/{RECORDING_MODEL.name} for "
                   f"--record / --signal, models/{BEAT_MODEL.name} for beat CSVs), or an .onnx file from export.py")
    p.add_argument("--onnx", help="an ONNX model from export.py, run by onnxruntime (instead of --checkpoint)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--csv", nargs="+", help="beat CSV(s) to classify (default: every CSV in samples/)")
    src.add_argument("--record", help="WFDB record path without extension (reads .hea/.dat, and .atr if present), "
                     "or an EDF / EDF+ file (.edf)")
    src.add_argument("--signal", help="one-column CSV or .npy ECG signal (needs --fs)")
    add_channel_arguments(p)
    p.add_argument("--out", help="write the predictions to this CSV (one input only)")
    p.add_argument("--plot", help="recordings: save a rhythm strip with the labelled beats to this PNG")
    p.add_argument("--annotations", help="recordings: also write the beats (and excluded time, AF, flutter) as a "
                   "WFDB annotation file RECORD.ANNOTATOR, e.g. data/208.ai beside record data/208: "
                   "wfdb.rdann('data/208', 'ai'), WAVE, bxb")
    p.add_argument("--review", type=int, metavar="N",
                   help="recordings: mark N beats for a person to label (column review of --out), picked across the "
                   "recording as Holter editing groups beats, to adapt the model to it (README: adapting)")
    p.add_argument("--reviewed", metavar="CSV", help="recordings: the --out CSV of a --review of this recording with "
                   "the classes of its review rows corrected: those beats keep the classes given (a person's edits "
                   "are final), whatever model reads the rest, e.g. the model adapted on them")
    p.add_argument("--plot-seconds", type=float, default=20.0, help="length of the --plot strip")
    p.add_argument("--force", action="store_true", help="overwrite --out / --plot / --annotations if they exist")
    p.add_argument("--show", type=int, default=20, help="beats to print per beat CSV")
    args = p.parse_args(argv)
    keep_freed_memory()

    recording = args.record or args.signal
    csvs = args.csv or ([] if recording else
                        [os.path.relpath(c) for c in beat_csvs(SAMPLES)])
    try:
        if not recording and not csvs:
            raise UserError(f"no --csv given and no sample CSVs in {SAMPLES}")
        if args.plot and not recording:
            raise UserError("--plot draws a recording; use it with --record or --signal")
        if not args.plot_seconds > 0:
            raise UserError(f"--plot-seconds must be more than 0, got {args.plot_seconds:g}")
        if args.annotations and not recording:
            raise UserError("--annotations labels a recording; use it with --record or --signal")
        if args.annotations:
            annotation_target(args.annotations)  # a name WFDB cannot write fails before the model runs
        if args.review is not None and args.review < 1:
            raise UserError(f"--review {args.review}: give the number of beats to mark, at least 1")
        if args.review and not (recording and args.out):
            raise UserError("--review marks beats of a recording in the --out CSV; use it with --record or --signal "
                            "and --out")
        if args.review and args.onnx or args.review and str(args.checkpoint or "").endswith(".onnx"):
            raise UserError("--review reads the model's inner layers, which an ONNX file does not expose; give a "
                            "PyTorch --checkpoint")
        if args.reviewed and not recording:
            raise UserError("--reviewed keeps a person's classes for beats of a recording; use it with --record or "
                            "--signal")
        if args.reviewed and args.out and Path(args.out).resolve() == Path(args.reviewed).resolve():
            raise UserError(f"--out {args.out} is the --reviewed CSV: writing the beats over it would lose the review "
                            f"(its review column); choose another --out")
        if args.out and len(csvs) > 1:
            raise UserError("--out takes one input; give a single --csv")
        for out in (args.out, args.plot, args.annotations):
            if out:
                check_output(out, args.force)
        if args.onnx and args.checkpoint:
            raise UserError("give --checkpoint or --onnx, not both")
        if args.onnx and Path(args.onnx).suffix != ".onnx":  # load_model reads a file as ONNX by its name
            raise UserError(f"--onnx {args.onnx}: an ONNX model's name ends in .onnx (export.py writes one)")
        labels = None
        if args.reviewed:  # a bad file fails before the work
            from heartbeat.reviewed import read_reviewed

            labels = read_reviewed(args.reviewed)
        checkpoint = args.onnx or args.checkpoint or os.path.relpath(RECORDING_MODEL if recording else BEAT_MODEL)
        model, info = load_model(checkpoint)
        print(f"model {checkpoint}: classes {' '.join(CLASSES)}, beats of "
              f"{BEAT_LEN} values at {info['preprocessing']['sampling_rate_hz']:g} Hz "
              f"({info['preprocessing']['method']} rule)")
        table = predict_recording(model, args, labels) if recording else predict_csvs(model, csvs, args.show, args.out)
        if args.out:
            with atomic_path(args.out) as tmp:
                table.to_csv(tmp, index=False, float_format="%.6f")
            print(f"wrote {args.out}")
    except UserError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
