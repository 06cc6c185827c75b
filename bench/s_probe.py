"""What marks an S beat alike in the patients a model learns from (DS1) and those it is tested on (DS2)?

    python bench/s_probe.py [--mitdb ../shared/data/mitdb]

Two probes on the raw records, each printed for DS1, DS2 and record 232 (most of DS2's S beats, where
S beats are the prevailing rhythm), for the N and S beats (AAMI):

- P wave. The Kaggle beat window starts at the R peak, so a beat's own P wave is never in it. One number
  from the 300..50 ms before each R peak: the highest value above the baseline at 333..278 ms before R
  (raw ADC units, channel 0), a stand-in for P-wave height; and how well it alone separates S from N
  (ROC AUC, S scored by a *lower* P height).
- R-R ratios. The median, for N and for S beats, of three ratios among the model's R-R inputs, and
  the ROC AUC of each alone (S scored by a *smaller* ratio): the previous interval against the local
  rhythm (the 10 intervals around the beat), against the median and against the mean interval within
  +-150 s (the model.rr_average choice).

A number whose AUC flips, or whose S median moves, between DS1 and DS2 cannot carry over to new
patients: a model trained on DS1 would learn it the wrong way round, or at the wrong value.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartbeat.build import build_beats  # noqa: E402
from heartbeat.records import AAMI_LABEL, DS1, DS2, MITDB_FS, read_record  # noqa: E402

N, S = 0, 1
RATIOS = {"prev/local": "rr_local_s", "prev/median": "rr_avg_s", "prev/mean": "rr_mean_s"}


def ms(t):
    return int(round(t * MITDB_FS / 1000))


def p_heights(path):
    """(label, P height) of the record's N and S beats -> arrays (n,), (n,)."""
    rec = read_record(path)
    x = rec.signal.astype(np.float64)
    labels, heights = [], []
    for r, symbol in zip(rec.ann_samples, rec.ann_symbols):
        label = AAMI_LABEL.get(symbol)
        if label not in (N, S) or r < ms(333):
            continue
        base = np.median(x[r - ms(333):r - ms(278)])
        labels.append(label)
        heights.append(x[r - ms(300):r - ms(50)].max() - base)
    return np.array(labels), np.array(heights)


def report_pwave(name, records, mitdb):
    pairs = [p_heights(mitdb / r) for r in records]
    y = np.concatenate([p[0] for p in pairs])
    h = np.concatenate([p[1] for p in pairs])
    auc = roc_auc_score(y == S, -h)
    print(f"{name:>10}  N {int((y == N).sum()):6d}  S {int((y == S).sum()):5d}  "
          f"median P height N {np.median(h[y == N]):6.1f}  S {np.median(h[y == S]):6.1f}  AUC {auc:.3f}")


def report_rr(name, records, mitdb):
    table = build_beats(mitdb, names=records)
    keep = np.isin(table.y, (N, S))
    y, meta = table.y[keep], table.meta[keep]
    cells = []
    for ratio, column in RATIOS.items():
        r = (meta["rr_prev_s"] / meta[column]).to_numpy()
        cells.append(f"{ratio} N {np.median(r[y == N]):.2f} S {np.median(r[y == S]):.2f} "
                     f"AUC {roc_auc_score(y == S, -r):.3f}")
    print(f"{name:>10}  N {int((y == N).sum()):6d}  S {int((y == S).sum()):5d}  " + "   ".join(cells))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=os.environ.get("MITDB_DIR", str(ROOT.parent / "shared" / "data" / "mitdb")))
    args = p.parse_args()
    mitdb = Path(args.mitdb)
    if not (mitdb / "232.hea").is_file():
        sys.exit(f"no MIT-BIH records in {mitdb} (use --mitdb)")
    for title, report in [("P-wave height", report_pwave), ("R-R ratios", report_rr)]:
        print(title)
        for name, records in [("DS1", DS1), ("DS2", DS2), ("record 232", ["232"])]:
            report(name, records, mitdb)


if __name__ == "__main__":
    main()
