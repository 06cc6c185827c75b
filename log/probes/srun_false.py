"""Where the pipeline's false S runs lie (a description, nothing chosen): per S run of the cached both-lead readings
(log/probes/burst-cache), true (overlaps a reference S run) or false, its length, its irregularity (median |successive
R-R difference| / median R-R over the intervals from the beat before it to its last beat) and, on MIT-BIH, the rhythm
annotated at its start."""
import glob
import os
import pickle
from collections import Counter

import numpy as np
import pandas as pd
import wfdb

from heartbeat.events import Beats, Rules, ectopic_events

rows = []
for path in sorted(glob.glob("log/probes/burst-cache/*.pkl")):
    name = os.path.basename(path)[:-4]
    db, rec = name.split("_")
    d = pickle.load(open(path, "rb"))
    beats = Beats.from_table(d["table"])
    ref = Beats(d["ref_samples"] / d["fs"], np.array(list("NSVFQ"))[d["ref_labels"]], np.zeros(len(d["ref_samples"]), int))
    runs = [r for r in ectopic_events(beats, "S", Rules())[1] if r[0] == "S run"]
    ref_runs = [r for r in ectopic_events(ref, "S", Rules())[1] if r[0] == "S run"]
    ann = wfdb.rdann(f"../shared/data/{db}/{rec}", "atr")
    marks = [(s / d["fs"], a.strip("\x00 ")) for s, a in zip(ann.sample, ann.aux_note) if a.strip("\x00 ").startswith("(")]
    for _, a, b, n, bpm in runs:
        true = any(ra <= b and rb >= a for _, ra, rb, _, _ in ref_runs)
        first = np.searchsorted(beats.times, a)
        rr = np.diff(beats.times[max(first - 1, 0):first + n])
        irr = np.median(np.abs(np.diff(rr))) / np.median(rr) if len(rr) > 1 else np.nan
        rhythm = [m for t, m in marks if t <= a][-1:] or ["-"]
        af_marked = bool(d["table"]["af"].to_numpy()[first:first + n].any()) if "af" in d["table"] else False
        rows.append((db, rec, a, n, bpm, true, irr, rhythm[0], af_marked))
df = pd.DataFrame(rows, columns=["db", "rec", "start_s", "beats", "bpm", "true", "irregularity", "rhythm", "af"])
for db, sub in df.groupby("db"):
    print(f"\n{db}: {len(sub)} S runs, {sub['true'].sum()} true, {(~sub['true']).sum()} false")
    for t, g in sub.groupby("true"):
        print(f"  {'true' if t else 'false'}: by rhythm {dict(Counter(g['rhythm']))}; by record {dict(Counter(g['rec']).most_common(8))}")
        print(f"    irregularity quantiles .1/.25/.5/.75/.9: {np.round(g['irregularity'].quantile([.1, .25, .5, .75, .9]).to_numpy(), 3)}")
        print(f"    beats quantiles .25/.5/.75: {g['beats'].quantile([.25, .5, .75]).to_numpy()}")
    for lim in (0.05, 0.1, 0.15, 0.2):
        hi = sub["irregularity"] > lim
        print(f"  irregularity > {lim}: true {(hi & sub['true']).sum()}, false {(hi & ~sub['true']).sum()}")
