"""UNC screen (log/unc-rule.txt): review picks half by today's k-means, half among the least confident beats, on the
validation patients of grouped run k (seed k).   python log/probes/unc_screen.py K   (run from the repo root)"""
import sys
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, "bench")
from review_adapt import adapted, arguments, decision_number, held_out, matched_labels, read  # noqa: E402

from heartbeat import CLASSES, review  # noqa: E402
from heartbeat.recording import classify_recording, read_recording  # noqa: E402
from heartbeat.review import FIRST_MINUTES  # noqa: E402

BUDGETS = (50, 100)
UNSURE_SHARE = 0.10


def unc_picks(table, vectors, n):
    today, _ = review.review_groups(vectors, -(-n // 2))
    rest = n - len(today)
    confidence = table[[f"p_{c}" for c in CLASSES]].to_numpy().max(axis=1)
    candidates = np.setdiff1d(np.argsort(confidence, kind="stable")[:max(int(UNSURE_SHARE * len(table)), rest)], today)
    if len(candidates) <= rest:
        extra = candidates
    else:
        x = StandardScaler().fit(vectors).transform(vectors)[candidates]  # standardised as review_groups, over all
        km = KMeans(n_clusters=rest, n_init=3, random_state=0).fit(x)
        d = np.linalg.norm(x - km.cluster_centers_[km.labels_], axis=1)
        nearest = {}
        for i in np.argsort(d, kind="stable"):
            nearest.setdefault(km.labels_[i], candidates[i])
        extra = np.fromiter(nearest.values(), dtype=np.int64)
    return np.sort(np.concatenate([today, extra]))


sys.argv = [sys.argv[0], "--validation", "--runs", sys.argv[1]]
args = arguments(__doc__)
ways = [f"{w}{b}" for b in BUDGETS for w in ("review", "unc")]
scored = []
for k, patient, path, trained, checkpoint, replay, adapt_dir in held_out(args):
    rec = read(path)
    plain, vectors = read_recording(trained, rec, embed=True)
    label, _ = matched_labels(plain, rec)
    samples = plain["sample"].to_numpy()
    chosen = {"first5": (plain["time_s"] < 60 * FIRST_MINUTES).to_numpy() & (label >= 0)}
    for b in BUDGETS:
        chosen[f"review{b}"] = review.marked(plain, vectors, b)["review"].to_numpy() & (label >= 0)
        mask = np.zeros(len(plain), bool)
        mask[unc_picks(plain, vectors, b)] = True
        chosen[f"unc{b}"] = mask & (label >= 0)
    labelled = set(samples[np.logical_or.reduce(list(chosen.values()))])
    wrong = []
    for way in ways:
        model = adapted(checkpoint, args.adapt, read(path), dict(zip(samples[chosen[way]], label[chosen[way]])),
                        replay, k, adapt_dir / f"{way}-{Path(path).name}", trained.inputs)  # review50-*: the BUDGET cache
        table = classify_recording(model, read(path))
        _, match = matched_labels(table, rec)
        keep = (match >= 0) & (rec.ref_samples[:-1] / rec.fs >= 60 * FIRST_MINUTES)
        keep[keep] = ~np.isin(table["sample"].to_numpy()[match[keep]], list(labelled))
        y, pred = rec.ref_labels[:-1][keep], table["class_index"].to_numpy()[match[keep]]
        scored.append((way, patient.split("/")[0], y, pred))
        wrong.append(f"{way} {(y != pred).sum()}")
    picked_unsure = {b: int((chosen[f"unc{b}"] & ~chosen[f"review{b}"]).sum()) for b in BUDGETS}
    print(f"seed {k} {patient}: scored {len(y)}; picks only UNC makes {picked_unsure}; wrong: {' '.join(wrong)}",
          flush=True)
print(f"seed {args.runs[0]} D_A " + ", ".join(
    f"{way} {decision_number([p[1:] for p in scored if p[0] == way]):.4f}" for way in ways))
