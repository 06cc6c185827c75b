"""How well a review tells how much of a recording the model reads wrong: the app's estimate against the truth.

    python bench/review_estimate.py [--scenario grouped|ds2] [--runs 0 1 2]

For each record held out by bench/review_adapt.py's runs (the same arguments; the runs are trained if missing), read
as a recording on both leads by its run's model as trained: as many beats picked by `predict.py --review` as its
first 5 minutes hold, each labelled as the reference annotation says (a pick matching no reference beat keeps the
model's class). Estimated: the share of the recording's beats in the groups of the picks whose class the label
changes (review.changed_share, the app's Review caption). True: the share of the detected beats matching a reference
beat whose class is wrong. Nothing is chosen here; the estimate's rule was fixed before this was run.
"""
import sys

import numpy as np

from heartbeat import CLASSES, review
from heartbeat.recording import matched_labels, read_recording
from heartbeat.review import first_minutes_count

from review_adapt import arguments, held_out, read  # this folder's siblings


def main():
    args = arguments(__doc__)
    rows = []
    for k, patient, path, trained, _, _, _ in held_out(args):
        rec = read(path)
        table, vectors = read_recording(trained, rec, embed=True)
        marked = review.marked(table, vectors, first_minutes_count(table))
        label, _ = matched_labels(rec, marked["sample"].to_numpy())
        picked = marked["review"].to_numpy() & (label >= 0)
        classes = dict(zip(marked["sample"].to_numpy()[picked], np.asarray(CLASSES)[label[picked]]))
        changed, estimated = review.changed_share(marked, classes)
        matched = label >= 0
        if not matched.any():
            print(f"run {k} {patient}: no detected beat matches a reference beat; left out", flush=True)
            continue
        true = float((marked["class_index"].to_numpy()[matched] != label[matched]).mean())
        rows.append((estimated, true))
        print(f"run {k} {patient}: picks {int(marked['review'].sum())}, changed {changed}; wrong share estimated "
              f"{estimated:.4f}, true {true:.4f}", flush=True)
    estimated, true = np.array(rows).T
    error = np.abs(estimated - true)
    print(f"\n{len(rows)} records of {args.scenario} runs {args.runs}: |estimated - true| share of wrong beats "
          f"median {np.median(error):.4f}, 90th percentile {np.percentile(error, 90):.4f}, worst {error.max():.4f}; "
          f"Pearson r {np.corrcoef(estimated, true)[0, 1]:.3f}; estimated below true in {(estimated < true).sum()}")


if __name__ == "__main__":
    sys.exit(main())
