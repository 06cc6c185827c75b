"""Score annotation files against a database's reference annotations, from the files alone.

    python batch.py ../shared/data/mitdb --out runs/mitdb            # writes runs/mitdb/<record>/<record>.ai
    python bench/score_annotations.py --ref ../shared/data/mitdb --test runs/mitdb [--per-record]

Any annotator's files can be scored (another detector's, a colleague's): TEST/<record>/<record>.<annotator> or
TEST/<record>.<annotator>, for every record of --ref with a reference (.atr). Beats match within 150 ms
(wfdb.processing.compare_annotations). Gross statistics, summed over the records: detection Se / +P; per AAMI
class Se (reference beats of the class found and given the class / all of them) and +P (the same / test beats of
the class). Atrial fibrillation: the seconds inside the test's (AFIB episodes that lie inside the reference's, where
the reference has rhythm marks.

In EC57's spirit, not bxb's exact rules: nothing is left out. bxb starts 5 minutes in (`bxb -f 0` does not), leaves
test beats inside the reference's ventricular flutter out, and reports beats inside the test's unreadable time
apart; here every record is scored from its first sample, a test beat inside reference flutter with no reference
beat is a false one, and a reference beat inside the test's excluded time, or the record's last beat (the pipeline
never cuts it), is a missed one.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import wfdb
from wfdb.processing import compare_annotations

from heartbeat import CLASSES
from heartbeat.database import aami_labels, rhythm_spans

MATCH_S = 0.15


def test_file(test, record, annotator):
    """The test annotation file's path without extension (for wfdb.rdann), or None."""
    for base in (test / record / record, test / record):
        if Path(f"{base}.{annotator}").is_file():
            return base
    return None


def overlap_s(a, b):
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def score_record(ref_path, test_path, annotator):
    """Counts of one record: tp, fn, fp; per class [found and given the class, reference, test]; af seconds
    [both, reference, test] where the reference has rhythm marks."""
    header = wfdb.rdheader(str(ref_path))
    ref, got = wfdb.rdann(str(ref_path), "atr"), wfdb.rdann(str(test_path), annotator)
    ref_y, got_y = aami_labels(ref.symbol), aami_labels(got.symbol)
    ref_s, ref_y = ref.sample[ref_y >= 0], ref_y[ref_y >= 0]
    got_s, got_y = got.sample[got_y >= 0], got_y[got_y >= 0]
    if len(ref_s) and len(got_s):
        cmp = compare_annotations(ref_s, got_s, int(round(MATCH_S * header.fs)))
        match, counts = cmp.matching_sample_nums, {"tp": cmp.tp, "fn": cmp.fn, "fp": cmp.fp}
    else:  # wfdb's comparison needs beats on both sides
        match, counts = np.full(len(ref_s), -1), {"tp": 0, "fn": len(ref_s), "fp": len(got_s)}
    hit = match >= 0  # per reference beat: the index of its test beat, or -1
    right = np.zeros(len(ref_s), dtype=bool)
    right[hit] = got_y[match[hit]] == ref_y[hit]
    for k, c in enumerate(CLASSES):
        counts[c] = np.array([(right & (ref_y == k)).sum(), (ref_y == k).sum(), (got_y == k).sum()])
    duration = header.sig_len / header.fs
    ref_af = rhythm_spans(ref_path, header.fs, duration)
    if ref_af is not None:
        got_af = rhythm_spans(test_path, header.fs, duration, annotator=annotator) or []
        counts["af"] = np.array([overlap_s(ref_af, got_af), sum(e - s for s, e in ref_af),
                                 sum(e - s for s, e in got_af)])
    return counts


def ratio(a, b):
    return a / b if b else float("nan")


def line(name, c):
    text = (f"{name:>8}  Se {ratio(c['tp'], c['tp'] + c['fn']):.4f}  +P {ratio(c['tp'], c['tp'] + c['fp']):.4f}  "
            f"FN {c['fn']:5d}  FP {c['fp']:5d}  " + "  ".join(
                f"{k} {ratio(c[k][0], c[k][1]):.3f}/{ratio(c[k][0], c[k][2]):.3f}" for k in CLASSES))
    if "af" in c:
        text += f"  AF s {ratio(c['af'][0], c['af'][1]):.3f}/{ratio(c['af'][0], c['af'][2]):.3f}"
    return text


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ref", required=True, help="the database folder (WFDB records with .atr)")
    p.add_argument("--test", required=True, help="folder of annotation files (batch.py's --out, or flat)")
    p.add_argument("--annotator", default="ai", help="the test files' annotator (extension)")
    p.add_argument("--per-record", action="store_true")
    args = p.parse_args()
    ref, test = Path(args.ref), Path(args.test)
    records = sorted(p.stem for p in ref.glob("*.atr"))
    if not records:
        sys.exit(f"error: {ref}: no reference annotations (.atr files)")
    total, missing = None, []
    for record in records:
        path = test_file(test, record, args.annotator)
        if path is None:
            missing.append(record)
            continue
        try:
            counts = score_record(ref / record, path, args.annotator)
        except (OSError, ValueError, IndexError) as e:  # what wfdb raises for unreadable or corrupt files
            sys.exit(f"error: {path}.{args.annotator} (against {ref / record}): unreadable as WFDB annotations ({e})")
        if args.per_record:
            print(line(record, counts))
        total = counts if total is None else {k: total.get(k, 0) + counts.get(k, 0) for k in {*total, *counts}}
    if total is None:
        sys.exit(f"error: no .{args.annotator} file for any of the {len(records)} records of {ref} in {test}")
    print(f"{len(records) - len(missing)} records, gross (Se / +P per class; AF seconds Se / +P):")
    print(line("total", total))
    if missing:
        print(f"no .{args.annotator} file for {len(missing)} records: {' '.join(missing)}")


if __name__ == "__main__":
    main()
