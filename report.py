"""The report of a whole ECG recording (Holter style): beats per class, heart rate, ectopic runs, couplets,
bigeminy, pauses, HRV, hour by hour, with the time that could not be analysed (gaps, lead-off, saturation).

    python report.py --record ../shared/data/mitdb/208 --out reports/208
    python report.py --signal ecg.csv --fs 250 --out reports/ecg --pause-s 2.5

Writes OUT/report.json, beats.csv (as predict.py's), events.csv, hourly.csv and report.html (one
self-contained page). OUT must not exist unless --force; it appears only when complete.
"""
import argparse
import os
import sys
from pathlib import Path

from heartbeat import UserError
from heartbeat.checkpoint import load_checkpoint
from heartbeat.events import Rules
from heartbeat.fileio import atomic_dir

ROOT = Path(__file__).resolve().parent
RECORDING_MODEL = ROOT / "models" / "recording.pt"


def rules_from(args):
    rules = Rules(run_min_beats=args.run_min_beats, fast_run_bpm=args.fast_run_bpm,
                  pattern_min_cycles=args.pattern_min_cycles, pause_s=args.pause_s)
    if rules.run_min_beats < 3 or rules.pattern_min_cycles < 2 or rules.pause_s <= 0 or rules.fast_run_bpm <= 0:
        raise UserError("--run-min-beats must be >= 3, --pattern-min-cycles >= 2, --pause-s and --fast-run-bpm > 0")
    return rules


def main(argv=None):
    defaults = Rules()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", help="WFDB record path without extension")
    src.add_argument("--signal", help="one-column CSV or .npy ECG signal (needs --fs)")
    p.add_argument("--channel", help="WFDB channel name or index (default: MLII if present, else the first)")
    p.add_argument("--fs", type=float, help="sampling rate of --signal in Hz")
    p.add_argument("--checkpoint", help=f"trained checkpoint (default: models/{RECORDING_MODEL.name})")
    p.add_argument("--out", required=True, help="folder to write the report into (must not exist)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--pause-s", type=float, default=defaults.pause_s, help="shortest R-R interval that is a pause")
    p.add_argument("--run-min-beats", type=int, default=defaults.run_min_beats, help="shortest ectopic run")
    p.add_argument("--fast-run-bpm", type=float, default=defaults.fast_run_bpm,
                   help="a run faster than this is NSVT / SVT")
    p.add_argument("--pattern-min-cycles", type=int, default=defaults.pattern_min_cycles,
                   help="shortest bigeminy / trigeminy episode, in ectopic beats")
    args = p.parse_args(argv)

    try:
        from heartbeat.recording import classify_recording
        from heartbeat.sources import read_signal_file, read_wfdb
        from heartbeat.report import build_report, write_report

        rules = rules_from(args)
        if Path(args.out).exists() and not args.force:
            raise UserError(f"{args.out} exists; choose another folder or add --force")
        checkpoint = args.checkpoint or os.path.relpath(RECORDING_MODEL)
        model, _ = load_checkpoint(checkpoint)
        rec = read_wfdb(args.record, args.channel) if args.record else read_signal_file(args.signal, args.fs)
        table = classify_recording(model, rec)
        report = build_report(table, rec, rules, about={"model": checkpoint})
        try:
            with atomic_dir(args.out, force=args.force) as tmp:
                write_report(report, tmp, rec.signal, rec.fs)
        except OSError as e:
            raise UserError(f"cannot write {args.out}: {e.strerror or e}") from None
    except UserError as e:
        sys.exit(f"error: {e}")
    s = report.summary
    v, sv, hr = s["ventricular"], s["supraventricular"], s["heart_rate"]
    print(f"{rec.name}: {s['duration_s'] / 3600:.2f} h, {s['analyzable_s'] / 3600:.2f} h analyzable "
          f"({len(s['excluded'])} excluded stretches), {s['beats']['total']} beats")
    print(f"  heart rate {hr['min_bpm']} / {hr['mean_bpm']} / {hr['max_bpm']} bpm (min / mean / max)")
    print(f"  V {s['beats']['V']} ({v['burden_pct']}%): {v['couplets']} couplets, {v['runs']} runs "
          f"(longest {v['longest_run_beats']}), {v['bigeminy_episodes']} bigeminy")
    print(f"  S {s['beats']['S']} ({sv['burden_pct']}%): {sv['couplets']} couplets, {sv['runs']} runs "
          f"(longest {sv['longest_run_beats']})")
    print(f"  pauses {len(s['pauses'])}; SDNN {s['hrv']['sdnn_ms']} ms, RMSSD {s['hrv']['rmssd_ms']} ms")
    print(f"wrote {args.out}/report.html (and report.json, beats.csv, events.csv, hourly.csv)")


if __name__ == "__main__":
    main()
