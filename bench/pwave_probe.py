"""Would a P-wave input help the inter-patient S beats? A crude probe on the raw records.

    python bench/pwave_probe.py [--mitdb ../shared/data/mitdb]

The Kaggle beat window starts at the R peak, so a beat's own P wave is never in it. Record 232 holds
most of DS2's S beats, and there the S beats are the prevailing rhythm, so R-R and template inputs
cannot mark them. This measures, for N and S beats (AAMI), one number from the 300..50 ms before
each R peak: the highest value above the baseline at 333..278 ms before R (raw ADC units, channel 0),
a stand-in for P-wave height. It prints how well that number alone separates S from N (ROC AUC, S
scored by a *lower* P height) within DS1, within DS2 and within record 232. An AUC that flips
between DS1 and DS2 says a model trained on DS1 would learn the P height the wrong way round.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heartbeat.records import AAMI_LABEL, DS1, DS2, MITDB_FS, read_record  # noqa: E402

N, S = 0, 1


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


def report(name, records, mitdb):
    pairs = [p_heights(mitdb / r) for r in records]
    y = np.concatenate([p[0] for p in pairs])
    h = np.concatenate([p[1] for p in pairs])
    auc = roc_auc_score(y == S, -h)
    print(f"{name:>10}  N {int((y == N).sum()):6d}  S {int((y == S).sum()):5d}  "
          f"median P height N {np.median(h[y == N]):6.1f}  S {np.median(h[y == S]):6.1f}  AUC {auc:.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mitdb", default=os.environ.get("MITDB_DIR", str(ROOT.parent / "shared" / "data" / "mitdb")))
    args = p.parse_args()
    mitdb = Path(args.mitdb)
    if not (mitdb / "232.hea").is_file():
        sys.exit(f"no MIT-BIH records in {mitdb} (use --mitdb)")
    report("DS1", DS1, mitdb)
    report("DS2", DS2, mitdb)
    report("record 232", ["232"], mitdb)


if __name__ == "__main__":
    main()
