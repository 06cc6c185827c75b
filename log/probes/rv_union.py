"""bench/report_validation.py's summary over the 39 SVDB records, each read by the cached grouped run that held it
out (fold k, seed k: one run per fold), as the shipped model reads (mix 0.5).
    python log/probes/rv_union.py"""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, "bench")
from cross_db import FOLDS  # noqa: E402
from report_validation import read_as, summary_line, validate_record  # noqa: E402

from heartbeat.database import record_names  # noqa: E402

db = Path("../shared/data/svdb")
rows = [validate_record(read_as(Path("log/cross-db/recording-leads01") / f"grouped-fold{k % FOLDS}-seed{k % FOLDS}"
                                / "best.pt", 0.5), db / name)
        for k, name in enumerate(record_names(db))]
for key, value in summary_line(pd.DataFrame(rows)).items():
    print(f"  {key}: {value}")
