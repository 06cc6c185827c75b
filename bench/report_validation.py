"""How far a report of the pipeline's beats is from the report of the reference annotations.

    python bench/report_validation.py [--db ../shared/data/mitdb ../shared/data/svdb] [--checkpoint CKPT]
                                      [--records 100 103 ...] [--per-record] [--both-leads]

For every annotated record: report.py's report from the pipeline (detection + classification) and the same
report from the cardiologists' beat annotations. Printed per database: V and S burden absolute error (percentage
points; median and worst record), and event-level Se / +P for V couplets, V runs, S runs, pauses, AF episodes
and sustained bradycardia and tachycardia (an event matches a reference event of its type when their time spans
overlap), the false pauses and what each pause follows, the heart rate (min, mean, max), the HRV (time and frequency
domain) and heart-rate turbulence of the pipeline's beats against the reference's; where a record has rhythm marks
(MIT-BIH), the seconds of atrial fibrillation found by the AF rule on the reference beats and by the pipeline
against the annotated (AFIB time (DS1 chose the rule);
why reference V runs were missed (excluded time, beats not detected, a segment split, an F beat or an N / S / Q
beat inside) and what the reference has under false ones; VF / flutter episodes and seconds against the
reference's '[' ... ']' episodes, and how many of their seconds the report excluded as noise; the records the report warns of a rhythm that
switches between an interval and twice it (a 2:1 pattern), from the pipeline's beats and from the reference's. In the reference, an R-R interval across a
flutter / fibrillation episode ('[' ... ']', '!' waves) is no interval, as the pipeline does not count beats
there either.

Mind which beats the model was trained on: models/recording.pt saw every record here. With --held-out
RUN_DIR (a recipe's folder of bench/cross_db.py runs) every record is scored by a model that never saw
it: the MIT-BIH DS2 records by the DS1 model (ds2-seed<s>), each SVDB record by the model of the grouped
fold that held it out (grouped-fold<k>-seed<s>); MIT-BIH DS1 records are left out. Those runs read without
the mix; --read-mix 0.5 reads them as the shipped recording model reads.
"""
import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import wfdb

from cross_db import FOLDS
from validation_summary import EVENT_TYPES, HR_KEYS, HRT_KEYS, HRV_KEYS, summary_line
from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import DS2, record_names, rhythm_spans
from heartbeat.noise_flag import under_noise
from heartbeat.recording import classify_recording
from heartbeat.report import build_report, pause_context
from heartbeat.sources import other_channel, read_wfdb

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NO_INTERVAL = {"[", "]", "!"}  # ventricular flutter / fibrillation: waves, not beats


def reference_table(rec, path):
    """(time_s, class, segment of the reference beats: a new segment starts after flutter annotations;
    events table of the reference's flutter / fibrillation episodes, '[' to ']')."""
    ann = wfdb.rdann(str(path), "atr")
    times = rec.ref_samples / rec.fs
    marks = np.array([s / rec.fs for s, sym in zip(ann.sample, ann.symbol) if sym in NO_INTERVAL])
    crossed = np.searchsorted(marks, times) if len(marks) else np.zeros(len(times), dtype=np.int64)
    segment = np.cumsum(np.r_[0, np.diff(crossed) > 0])
    opens = [s / rec.fs for s, sym in zip(ann.sample, ann.symbol) if sym == "["]
    closes = [s / rec.fs for s, sym in zip(ann.sample, ann.symbol) if sym == "]"]
    flutter = pd.DataFrame({"start_s": opens, "end_s": (closes + [len(rec.signal) / rec.fs])[:len(opens)]})
    return pd.DataFrame({"time_s": times, "class": np.asarray(CLASSES)[rec.ref_labels], "segment": segment}), flutter


def overlap_s(spans, others):
    """Seconds two lists of (start_s, end_s) spans share (the spans of each list do not overlap each other)."""
    return sum(max(0.0, min(b, d) - max(a, c)) for a, b in spans for c, d in others)


def af_seconds(report, truth):
    """{"s": AF seconds of a report, "hit_s": of them inside the annotated AF}."""
    af = report.events[report.events["type"] == "AF"]
    spans = list(zip(af["start_s"], af["end_s"]))
    return {"s": sum(b - a for a, b in spans), "hit_s": overlap_s(spans, truth)}


def match(ref, pred):
    """(which reference events are matched (len(ref),) bool, which predicted ones (len(pred),) bool) of two
    events tables: a match is an overlap of the time spans."""
    overlap = ((pred["start_s"].to_numpy()[None, :] <= ref["end_s"].to_numpy()[:, None])
               & (pred["end_s"].to_numpy()[None, :] >= ref["start_s"].to_numpy()[:, None]))
    return overlap.any(axis=1), overlap.any(axis=0)


def validate_record(model, path, both_leads=False):
    # the pipeline's channel as before; with both_leads, the record's other one as the second lead
    rec = read_wfdb(path, None, other_channel(path) if both_leads else None)
    table = classify_recording(model, rec)
    pred = build_report(table, rec)
    ref_table, ref_flutter = reference_table(rec, path)
    ref = build_report(ref_table, replace(rec, excluded=[], flutter=[]))
    row = {"record": path.name}
    for c in ("V", "S"):
        row[f"{c}_burden_ref"] = ref.summary["ventricular" if c == "V" else "supraventricular"]["burden_pct"]
        row[f"{c}_burden_err"] = pred.summary["ventricular" if c == "V" else "supraventricular"]["burden_pct"] \
            - row[f"{c}_burden_ref"]
    for kind in EVENT_TYPES:
        r, p = ref.events[ref.events["type"] == kind], pred.events[pred.events["type"] == kind]
        hit_ref, hit_pred = match(r, p)
        flagged = p["noise"].map(under_noise).to_numpy(dtype=bool)  # the report's "under noise: check the strip"
        row.update({f"{kind}|ref": len(r), f"{kind}|hit_ref": hit_ref.sum(), f"{kind}|pred": len(p),
                    f"{kind}|hit_pred": hit_pred.sum(), f"{kind}|noisy_hit": (flagged & hit_pred).sum(),
                    f"{kind}|noisy_false": (flagged & ~hit_pred).sum()})
        if kind == "V run":  # called inside the reference's flutter / fibrillation: no V run, no false alarm
            row["V run|in_vf"] = (match(ref_flutter, p)[1] & ~hit_pred).sum()
            row.update(tally("V run missed", (miss_cause(ev, table, rec) for ev in r[~hit_ref].itertuples())))
            row.update(tally("V run false", (false_cause(ev, ref_table) for ev in p[~hit_pred].itertuples())))
    row.update({f"2:1 warning|{name}": len(report.summary["rhythm_switches_s"]) > 0
                for name, report in (("pred", pred), ("ref", ref))})
    row.update(pause_context_row(pred.summary["pauses"], ref.summary["pauses"]))
    row["excluded_s"] = pred.summary["duration_s"] - pred.summary["analyzable_s"]
    row.update(flutter_row(pred, ref_flutter))
    for part, keys in (("heart_rate", HR_KEYS), ("hrv", HRV_KEYS)):  # the pipeline's against the reference's
        for key in keys:  # (HRV from N-N intervals)
            row[f"{part}|{key}|ref"], row[f"{part}|{key}|pred"] = ref.summary[part][key], pred.summary[part][key]
    row["heart_rate|max_noise|pred"] = pred.summary["heart_rate"]["max_noise"]
    for key in HRT_KEYS:  # heart-rate turbulence likewise
        row[f"hrt|{key}|ref"], row[f"hrt|{key}|pred"] = ref.summary["hrt"][key], pred.summary["hrt"][key]
    truth = rhythm_spans(path, rec.fs, len(rec.signal) / rec.fs)
    if truth is not None:  # AF time against the annotated rhythm: the rule on the reference beats, the pipeline
        row["AF_true_s"] = sum(b - a for a, b in truth)
        for name, report in (("ref", ref), ("pred", pred)):
            row.update({f"AF_{name}_{k}": v for k, v in af_seconds(report, truth).items()})
    return row


def pause_context_row(pred, ref):
    """Of the pipeline's pauses that overlap a reference pause, how many say what it says (report.pause_context:
    the class of the beat before it, or in AF), and the pairs that differ ("pipeline's / reference's")."""
    def overlapping(p):
        return next((r for r in ref if r["start_s"] < p["start_s"] + p["duration_s"]
                     and p["start_s"] < r["start_s"] + r["duration_s"]), None)

    pairs = [(pause_context(p), pause_context(r)) for p in pred if (r := overlapping(p)) is not None]
    return {"pause_ctx_matched": len(pairs), "pause_ctx_same": sum(a == b for a, b in pairs),
            **tally("pause ctx", (f"{a} / {b}" for a, b in pairs if a != b))}


def flutter_row(pred, ref_flutter):
    """VF / flutter of a pipeline report against the reference's '[' ... ']' episodes: episodes (matched by
    overlap) and seconds, and the reference's flutter seconds the report excluded as noise instead."""
    vf = pred.events[pred.events["type"] == "VF/flutter"]
    hit_ref, hit_pred = match(ref_flutter, vf)
    spans, truth = list(zip(vf["start_s"], vf["end_s"])), list(zip(ref_flutter["start_s"], ref_flutter["end_s"]))
    noise = [(e["start_s"], e["end_s"]) for e in pred.summary["excluded"] if e["reason"] == "noise"]
    return {"VF|ref": len(ref_flutter), "VF|hit_ref": hit_ref.sum(), "VF|pred": len(vf), "VF|hit_pred": hit_pred.sum(),
            "VF_true_s": sum(b - a for a, b in truth), "VF_pred_s": sum(b - a for a, b in spans),
            "VF_hit_s": overlap_s(spans, truth), "VF_noise_s": overlap_s(noise, truth)}


def tally(kind, causes):
    """{"kind|cause": count} of an iterable of causes: columns of a record's row, summed by summary_line."""
    return {f"{kind}|{cause}": n for cause, n in Counter(causes).items()}


def beats_in(table, event):
    """The rows of a beats table (time_s) within an event's span, 50 ms of slack on either side."""
    return table[(table["time_s"] >= event.start_s - 0.05) & (table["time_s"] <= event.end_s + 0.05)]


def miss_cause(event, table, rec):
    """Why the pipeline has no V run where the reference has one (`event`: start_s, end_s, beats): its span
    overlaps excluded time; fewer beats were detected in it; they fall into two segments; or the model called
    one of them F, or N / S / Q. The first that applies."""
    inside = beats_in(table, event)
    if any(e.start / rec.fs <= event.end_s and e.stop / rec.fs >= event.start_s for e in rec.excluded):
        return "excluded"
    if len(inside) < event.beats:
        return "beats not detected"
    if inside["segment"].nunique() > 1:
        return "segment split"
    return "an F beat" if (inside["class"] == "F").any() else "an N, S or Q beat"


def false_cause(event, ref_table):
    """What the reference has where the pipeline calls a V run it lacks: Q beats (paced or unclassifiable)
    among them; some V beats (an isolated V or couplet the run grew from); or no V beat at all."""
    inside = beats_in(ref_table, event)
    if (inside["class"] == "Q").any():
        return "Q beats"
    return "some V beats" if (inside["class"] == "V").any() else "no V beat"


def held_out_checkpoints(db, run_dir, seed):
    """record name -> the checkpoint of the bench/cross_db.py run that held the record out."""
    if db.name == "svdb":
        names = record_names(db)
        return {name: run_dir / f"grouped-fold{k % FOLDS}-seed{seed}" / "best.pt" for k, name in enumerate(names)}
    return {name: run_dir / f"ds2-seed{seed}" / "best.pt" for name in DS2}


def read_as(checkpoint, mix=None):
    """The model of a checkpoint, read with model.morphology_mix `mix` if given (ValueError if it cannot be)."""
    model, _ = load_checkpoint(checkpoint)
    return model if mix is None else model.read_with_mix(mix)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", nargs="+", default=[str(DATA / "mitdb"), str(DATA / "svdb")])
    p.add_argument("--checkpoint", default=str(ROOT / "models" / "recording.pt"))
    p.add_argument("--records", nargs="+", help="only these record names")
    p.add_argument("--per-record", action="store_true")
    p.add_argument("--held-out", help="a bench/cross_db.py recipe folder: score each record by a model that never saw it")
    p.add_argument("--seed", type=int, default=0, help="--held-out: the runs of this seed")
    p.add_argument("--read-mix", type=float, metavar="W", help="read the models with model.morphology_mix W (as the "
                   "shipped recording model reads: 0.5); default: as each checkpoint says")
    p.add_argument("--both-leads", action="store_true", help="classify each beat on both leads of the record "
                   "(predict.py --second-channel: the mean of the two leads' probabilities)")
    args = p.parse_args()
    mix = f"; read with morphology_mix {args.read_mix}" if args.read_mix is not None else ""
    print(f"model {args.held_out + ' (held-out runs, seed ' + str(args.seed) + ')' if args.held_out else args.checkpoint}"
          f"{'; both leads' if args.both_leads else ''}{mix}")
    work = {}
    for db in map(Path, args.db):
        checkpoints = held_out_checkpoints(db, Path(args.held_out), args.seed) if args.held_out else \
            {h.stem: args.checkpoint for h in sorted(db.glob("*.hea")) if h.with_suffix(".atr").is_file()}
        work[db] = (checkpoints, [db / name for name in checkpoints if not args.records or name in args.records])
    missing = sorted({str(c[p.name]) for c, paths in work.values() for p in paths if not Path(c[p.name]).is_file()})
    if missing:  # found now, not after an hour of reading the other records
        hint = ("; train the runs with bench/cross_db.py (the --recipe and --set of --held-out's folder, "
                "--scenarios grouped ds2)") if args.held_out else ""
        sys.exit(f"error: {missing[0]}: no such checkpoint ({len(missing)} missing in all){hint}")
    for db, (checkpoints, paths) in work.items():
        t0 = time.perf_counter()
        rows = pd.DataFrame([validate_record(read_as(checkpoints[path.name], args.read_mix), path, args.both_leads)
                             for path in paths])
        print(f"\n{db.name}: {len(rows)} records in {time.perf_counter() - t0:.0f} s")
        for k, v in summary_line(rows).items():
            print(f"  {k}: {v}")
        if args.per_record:
            shown = ["record", "V_burden_ref", "V_burden_err", "S_burden_ref", "S_burden_err", "excluded_s"]
            shown += [c for c in ("AF_true_s", "AF_ref_s", "AF_ref_hit_s", "AF_pred_s", "AF_pred_hit_s") if c in rows]
            shown += [f"{k}|{x}" for k in EVENT_TYPES for x in ("ref", "pred", "hit_pred")]
            print(rows[shown].to_string(index=False, float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
