"""FASTWIT gate 1 (log/fastwit-rule.txt): early lead-0 detections the second lead would drop, true and false."""
import sys
from pathlib import Path
import numpy as np
from heartbeat import recording, segment, witness
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.sources import read_wfdb
from heartbeat.windows import Resampler, detect_segment
from report_validation import other_channel

SHORT, MATCH_S = 0.7, 0.15
tot = dict(false=0, true=0, early_false=0, early_true=0)
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name, None, other_channel(db / name))
        recording.check_signal(rec)
        ref = rec.ref_samples
        for start, stop in rec.segments:
            try:
                found = recording.beats_of(rec, start, stop)
            except recording.SignalError:
                continue
            fs = rec.fs
            peaks = start + np.round(found.peaks * fs / segment.KAGGLE_FS).astype(np.int64)
            rr = np.diff(peaks)
            early = [k for k in range(witness.MIN_BEFORE + 1, len(peaks) - 1)
                     if rr[k - 1] < SHORT * np.median(rr[max(0, k - 1 - witness.RHYTHM_BEATS):k - 1])]
            if not early:
                continue
            res2, _ = recording._second_lead(rec, start, stop, found)
            other = detect_segment(res2)  # the probe reads the whole segment's second lead
            second = start + np.round(other.peaks * fs / segment.KAGGLE_FS).astype(np.int64)
            bad = [(start + round(a * fs / 360), start + round(b * fs / 360)) for a, b in other.noisy]
            bad += [(e.start, e.stop) for e in rec.second_excluded]
            near = lambda x, pts: len(pts) and np.abs(pts - x).min() <= MATCH_S * fs  # noqa: E731
            for k in early:
                x = peaks[k]
                is_true = bool(near(x, ref))
                tot["early_true" if is_true else "early_false"] += 1
                if any(a <= x < b for a, b in bad):
                    continue
                if near(peaks[k - 1], second) and near(peaks[k + 1], second) and not near(x, second):
                    tot["true" if is_true else "false"] += 1
                    print(db.name, name, f"{x / fs:.2f}", "TRUE" if is_true else "false", flush=True)
print(tot)
