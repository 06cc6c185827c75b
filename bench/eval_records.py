"""R-peak detection on all 48 MIT-BIH records against the reference beat annotations, and what
detection costs the classifier.

    python bench/eval_records.py [--mitdb ../shared/data/mitdb] [--checkpoint models/mitbih.pt] [--records 100 208]
    python bench/eval_records.py --checkpoint models/mitbih_ds1.pt --records ds2   # the DS2 records only
    python bench/eval_records.py --checkpoint '' --no-verify   # the energy detector without its learned check
    python bench/eval_records.py --db ../shared/data/svdb      # any annotated database: detection only

Records at other rates than 360 Hz (--db) are detected as the recording pipeline detects them: resampled
to 360 Hz; the reference beats are moved to that rate.

Per record and in total: Se and +P (150 ms matching, wfdb.processing.compare_annotations, channel 0 as
the published detector comparisons use), the offset of matched detections from the annotations, and
the time per record. With --checkpoint: the classifier's per-class recall on the matched beats cut at
the detected positions, beside the same model on beats cut at the reference positions. A model with
R-R / template inputs gets them from the reference beats or from the detections respectively.
"""
import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from heartbeat import CLASSES, segment
from heartbeat.checkpoint import load_checkpoint
from heartbeat.detect import detect_r_peaks
from heartbeat.features import recording_inputs
from heartbeat.inference import predict_proba
from heartbeat.metrics import classification_metrics
from heartbeat.database import ALL_RECORDS, DS2, aami_labels, read_record, record_names

ROOT = Path(__file__).resolve().parents[1]  # the repo; ../shared/data beside it holds the records


def recall_line(y_true, y_pred):
    """Accuracy, then Se (recall) / +P (precision) per class."""
    m = classification_metrics(y_true, y_pred)
    return f"acc {m['accuracy']:.4f}  Se/+P " + "  ".join(
        f"{c} {m['per_class'][c]['recall']:.3f}/{m['per_class'][c]['precision']:.3f}" for c in CLASSES)


def main():
    from wfdb.processing import compare_annotations

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=str(ROOT.parent / "shared" / "data" / "mitdb"))
    p.add_argument("--checkpoint", help="default models/mitbih.pt; '' for detection only")
    p.add_argument("--records", nargs="+", default=None, help="record names, or 'ds2' (default: all)")
    p.add_argument("--db", help="another annotated WFDB database folder instead of MIT-BIH: detection only")
    p.add_argument("--no-verify", action="store_true", help="the energy detector alone, without its learned check")
    args = p.parse_args()
    if args.db and (args.checkpoint or args.records == ["ds2"]):
        sys.exit("error: --db scores detection only, on that database's records (no --checkpoint, no 'ds2')")
    folder = Path(args.db or args.mitdb)
    if args.records == ["ds2"]:
        args.records = DS2
    args.records = args.records or (record_names(folder) if args.db else ALL_RECORDS)
    checkpoint = ROOT / "models" / "mitbih.pt" if args.checkpoint is None and not args.db else args.checkpoint
    model = load_checkpoint(checkpoint)[0] if checkpoint else None

    tp = fp = fn = 0
    offsets, seconds = [], []
    y_ref, y_at_ref, y_at_det = [], [], []
    print(f"{'record':>6} {'beats':>6} {'Se %':>7} {'+P %':>7} {'FN':>5} {'FP':>5} {'med|off| ms':>11} {'s':>5}")
    for name in args.records:
        rec = read_record(folder / name)
        labels = aami_labels(rec.ann_symbols)
        ref = rec.ann_samples[labels >= 0]
        if rec.fs != segment.KAGGLE_FS:  # as the pipeline reads it
            signal, _ = segment.resample(rec.signal, rec.fs, segment.KAGGLE_FS)
            ref = np.round(ref * segment.KAGGLE_FS / rec.fs).astype(np.int64)
            rec = replace(rec, signal=signal, fs=float(segment.KAGGLE_FS))
        t0 = time.perf_counter()
        det = detect_r_peaks(rec.signal.astype(np.float64), rec.fs, verify=not args.no_verify)
        seconds.append(time.perf_counter() - t0)
        cmp = compare_annotations(ref, det, int(0.15 * rec.fs))
        tp, fp, fn = tp + cmp.tp, fp + cmp.fp, fn + cmp.fn
        match = cmp.matching_sample_nums
        hit = match >= 0
        off = (det[match[hit]] - ref[hit]) * 1000 / rec.fs
        offsets.append(off)
        print(f"{name:>6} {len(ref):>6} {100 * cmp.tp / len(ref):7.3f} {100 * cmp.tp / max(cmp.tp + cmp.fp, 1):7.3f} "
              f"{cmp.fn:>5} {cmp.fp:>5} {np.median(np.abs(off)):11.1f} {seconds[-1]:5.2f}")
        if model is not None:
            # beats cut at the reference positions (the training rule, anchors = beat annotations) and at
            # the matched detections (anchors = detections); both drop the last anchor (no successor)
            ok = hit[:-1] & (match[:-1] < len(det) - 1)
            i_ref, i_det = np.flatnonzero(ok), match[:-1][ok]
            at_ref = segment.kaggle_beats(rec.signal, ref, i_ref)
            at_det = segment.kaggle_beats(rec.signal, det, i_det)
            y_ref.append(labels[labels >= 0][:-1][ok])
            spec = model.inputs
            y_at_ref.append(predict_proba(model, recording_inputs(spec, ref / rec.fs, i_ref, at_ref)).argmax(1))
            y_at_det.append(predict_proba(model, recording_inputs(spec, det / rec.fs, i_det, at_det)).argmax(1))

    off = np.concatenate(offsets)
    print(f"\ntotal: {tp + fn} reference beats, Se {100 * tp / (tp + fn):.3f}%, +P {100 * tp / (tp + fp):.3f}%, "
          f"FN {fn}, FP {fp}; {np.mean(seconds):.2f} s per record (detection only)")
    print(f"offset of matched detections (ms): median {np.median(off):+.1f}, median |offset| "
          f"{np.median(np.abs(off)):.1f}, 90th percentile |offset| {np.percentile(np.abs(off), 90):.1f}, "
          f"exactly on the annotation {100 * np.mean(off == 0):.1f}%")
    if model is not None:
        y = np.concatenate(y_ref)
        print(f"\nclassifier on the {len(y)} matched beats ({checkpoint}):")
        print(f"  cut at the reference annotations: {recall_line(y, np.concatenate(y_at_ref))}")
        print(f"  cut at the detections:            {recall_line(y, np.concatenate(y_at_det))}")


if __name__ == "__main__":
    main()
