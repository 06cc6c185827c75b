"""Which patient average makes a premature S beat look early in patients the model never saw?

    python bench/rr_probe.py [--mitdb ../shared/data/mitdb]

For the N and S beats (AAMI) of DS1, DS2 and record 232, prints the median of three R-R ratios that the
model's R-R inputs include, for N and for S beats, and how well each ratio alone separates S from N
(ROC AUC, S scored by a *smaller* ratio): the previous interval against the local rhythm (the 10
intervals around the beat), against the median and against the mean interval within +-150 s (the
model.rr_average choice). A ratio that marks S beats at the same value in DS1 (where a model learns
it) and DS2 (where it is tested) can carry over to new patients; one whose S median moves cannot.
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
from heartbeat.records import DS1, DS2  # noqa: E402

N, S = 0, 1
RATIOS = {"prev/local": "rr_local_s", "prev/median": "rr_avg_s", "prev/mean": "rr_mean_s"}


def report(name, records, mitdb):
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
    report("DS1", DS1, mitdb)
    report("DS2", DS2, mitdb)
    report("record 232", ["232"], mitdb)


if __name__ == "__main__":
    main()
