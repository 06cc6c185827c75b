"""What the reference annotations alone allow issue 20's SVDB goals to reach: the S (V) sensitivity of a model that
finds every S (V) beat except those of the named records, over all the 39 records and over the 25 minutes after
each record's first 5 (the adapted rows' scored beats). No model, nothing chosen.

    python log/probes/blockers.py ../shared/data/svdb
"""
import sys
from pathlib import Path

import numpy as np
import wfdb

from heartbeat.database import aami_labels

ADAPT_S = 300.0  # the adapted rows score the beats after the first 5 minutes


def runs_at_least(hit, n):
    """(k,) bool: members of runs of True at least n long."""
    out, start = np.zeros(len(hit), bool), None
    for i, h in enumerate(np.r_[hit, False]):
        if h and start is None:
            start = i
        elif not h and start is not None:
            out[start:i] |= i - start >= n
            start = None
    return out


def main(folder):
    rows = {}
    for hea in sorted(Path(folder).glob("*.hea")):
        ann = wfdb.rdann(str(hea.with_suffix("")), "atr")
        labels = aami_labels(ann.symbol)
        beat = labels >= 0
        t, y = ann.sample[beat] / 128.0, labels[beat]
        rows[hea.stem] = (t, y)
    for cls, name, records in ((1, "S", ["865"]), (2, "V", ["841"]), (2, "V", ["841", "887"])):
        for late in (False, True):
            total = sum(((y == cls) & (t >= ADAPT_S if late else True)).sum() for t, y in rows.values())
            out = sum(((y == cls) & (t >= ADAPT_S if late else True)).sum() for r, (t, y) in rows.items()
                      if r in records)
            print(f"{name} beats {'after 5 min' if late else 'all':>11}: {total:5d}; in {'+'.join(records)}: {out:5d}; "
                  f"Se if every other one is found: {1 - out / total:.3f}")
    t, y = rows["865"]
    long_s = runs_at_least(y == 1, 10)
    print(f"865: S beats {int((y == 1).sum())}, in runs of 10 or more {int(long_s.sum())}, "
          f"of those in its first 5 minutes {int((long_s & (t < ADAPT_S)).sum())}")


if __name__ == "__main__":
    main(sys.argv[1])
