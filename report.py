"""The report of a whole ECG recording (Holter style): beats per class, heart rate, ectopic runs, couplets,
bigeminy, pauses, atrial fibrillation, bradycardia and tachycardia, HRV, hour by hour, with the time that
could not be analysed (gaps, lead-off, saturation, noise, artifacts that hid beats), and the patient's diary
entries against what the recording shows at their times.

    python report.py --record ../shared/data/mitdb/208 --out reports/208
    python report.py --signal ecg.csv --fs 250 --out reports/ecg --pause-s 2.5
    python report.py --record holter/rec1 --start "2026-12-01 08:15" --diary rec1-diary.csv --out reports/rec1

Writes OUT/report.json, beats.csv (as predict.py's), events.csv, hourly.csv, report.html (one
self-contained page) and the beats as a WFDB annotation file, OUT/<record>.ai. OUT must not exist unless
--force (which replaces only a report folder); it appears only when complete.
"""
import argparse
import os
import sys
from dataclasses import fields
from pathlib import Path

from heartbeat import UserError
from heartbeat.allocator import keep_freed_memory
from heartbeat.annotations import annotation_file_name, write_annotations
from heartbeat.checkpoint import load_checkpoint
from heartbeat.clock import parse_start
from heartbeat.events import Rules
from heartbeat.fileio import atomic_dir, check_folder
from heartbeat.report import REPORT_FILE, build_report, summary_lines, write_report
from heartbeat.sources import add_channel_arguments, open_recording

ROOT = Path(__file__).resolve().parent
RECORDING_MODEL = ROOT / "models" / "recording.pt"


def rules_from(args):
    try:
        # every option named as a Rules field is that field (--pause-s -> pause_s); the rest keep their defaults
        return Rules(**{f.name: getattr(args, f.name) for f in fields(Rules) if hasattr(args, f.name)})
    except ValueError as e:
        raise UserError(f"--{e}") from None


def main(argv=None):
    defaults = Rules()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", help="WFDB record path without extension, or an EDF / EDF+ file (.edf)")
    src.add_argument("--signal", help="one-column CSV or .npy ECG signal (needs --fs)")
    add_channel_arguments(p)
    p.add_argument("--checkpoint", help=f"trained checkpoint (default: models/{RECORDING_MODEL.name})")
    p.add_argument("--out", required=True, help="folder to write the report into (must not exist)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--pause-s", type=float, default=defaults.pause_s, help="shortest R-R interval that is a pause")
    p.add_argument("--run-min-beats", type=int, default=defaults.run_min_beats, help="shortest ectopic run")
    p.add_argument("--fast-run-bpm", type=float, default=defaults.fast_run_bpm,
                   help="a run faster than this is NSVT / SVT")
    p.add_argument("--pattern-min-cycles", type=int, default=defaults.pattern_min_cycles,
                   help="shortest bigeminy / trigeminy episode, in ectopic beats")
    p.add_argument("--af-min-s", type=float, default=defaults.af_min_s,
                   help="shortest atrial fibrillation episode, in seconds: 30 (the ESC convention, and what "
                   "the pipeline marks) or more, e.g. 360")
    p.add_argument("--reviewed", metavar="CSV", help="predict.py --review's --out CSV of this recording with the "
                   "classes of its review rows corrected: those beats take the classes given (a person's edits are "
                   "final), whatever model reads the rest")
    p.add_argument("--start", help="when the recording began, HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS] (default: the WFDB "
                   "header's start time, if any): events and hours get wall-clock times")
    p.add_argument("--brady-bpm", type=float, default=defaults.brady_bpm,
                   help="bradycardia: a heart rate below this (averaged as for min / max) ...")
    p.add_argument("--tachy-bpm", type=float, default=defaults.tachy_bpm, help="tachycardia: ... or above this ...")
    p.add_argument("--rate-min-s", type=float, default=defaults.rate_min_s, help="... for at least this many seconds")
    p.add_argument("--nn-filter-pct", type=float, default=defaults.nn_filter_pct,
                   help="HRV leaves out N-N intervals more than this many %% off the one before (0: none)")
    p.add_argument("--diary", metavar="CSV", help="the patient's diary: a 'time' column (seconds into the recording, "
                   "HH:MM[:SS] or YYYY-MM-DD HH:MM[:SS]) and any others (symptom, activity); each entry is read against "
                   "what the recording shows near its time")
    p.add_argument("--diary-window-s", type=float, default=defaults.diary_window_s,
                   help="... within this many seconds of the entry's time")
    args = p.parse_args(argv)
    keep_freed_memory()

    try:
        from heartbeat.diary import read_diary
        from heartbeat.recording import classify_recording
        from heartbeat.reviewed import apply_reviewed, kept_note, read_reviewed

        rules = rules_from(args)
        start = parse_start(args.start) if args.start else None
        out = Path(args.out)
        check_folder(out)
        if out.exists() and not args.force:
            raise UserError(f"{args.out} exists; choose another folder or add --force")
        if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / REPORT_FILE).is_file())):
            raise UserError(f"{args.out} is not a report folder (no {REPORT_FILE}); --force replaces only those")
        checkpoint = args.checkpoint or os.path.relpath(RECORDING_MODEL)
        model, _ = load_checkpoint(checkpoint)
        rec = open_recording(args.record, args.channel, args.second_channel, args.signal, args.fs)
        rec.start = start or rec.start
        labels = read_reviewed(args.reviewed) if args.reviewed else None  # a bad file fails before the work
        diary = read_diary(args.diary, rec.start) if args.diary else None  # likewise
        table = classify_recording(model, rec)
        about = {"model": checkpoint}
        if labels:
            table, changed = apply_reviewed(table, labels, rec.name)
            about["reviewed"] = {"file": args.reviewed, "beats": len(labels), "changed_from_model": changed}
        report = build_report(table, rec, rules, about=about, diary=diary)
        try:
            with atomic_dir(args.out, force=args.force, replaceable=REPORT_FILE) as tmp:
                write_report(report, tmp, rec.signal, rec.fs)
                write_annotations(tmp / annotation_file_name(rec.name), table, rec, rules)
        except FileExistsError:
            raise UserError(f"{args.out} exists; choose another folder or add --force") from None
        except OSError as e:
            raise UserError(f"cannot write {args.out}: {e.strerror or e}") from None
    except UserError as e:
        sys.exit(f"error: {e}")
    print("\n".join(summary_lines(report)))
    if labels:
        print(kept_note(len(labels), report.summary["reviewed"]["changed_from_model"], f" in {args.reviewed}"))
    print(f"wrote {args.out}/report.html (and report.json, beats.csv, events.csv, hourly.csv, "
          f"{annotation_file_name(rec.name)})")


if __name__ == "__main__":
    main()
