"""KFOLD (log/kfold-plan.txt): the learned check's clean +P on unseen patients when each cross-fitted check is
trained on 27 of the 36 training records (4 folds) instead of 18 (2 folds). Checks are saved under log/kfold/ and
reused on a rerun; the numbers are printed only when all twelve exist.
    python log/probes/kfold.py          # log log/kfold.log"""
import sys
from pathlib import Path

import numpy as np
import torch
from wfdb.processing import compare_annotations

sys.path.insert(0, "bench")
import train_verifier  # noqa: E402
from noise_stress import CHOOSE, FS, TEST  # noqa: E402

from heartbeat import detect, verify  # noqa: E402
from heartbeat.database import aami_labels, read_record  # noqa: E402

DATA = Path("../shared/data")
SAVED = Path("log/kfold")
SEEDS = [0, 1, 2]
K = 4


def examples(name, pools):
    path = SAVED / f"examples-{name}.npz"
    if not path.is_file():
        x, y = train_verifier.record_examples(DATA / "mitdb" / name, pools, np.random.default_rng(int(name)))
        np.savez(path, x=x, y=y)
    z = np.load(path)
    return z["x"], z["y"]


def trained(seed, k, names, pools):
    path = SAVED / f"check-seed{seed}-fold{k}.pt"
    model = verify.network()
    if path.is_file():
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    parts = [examples(n, pools) for n in names]
    x, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    print(f"seed {seed} fold {k}: {len(names)} records, {len(y)} examples", flush=True)
    model = train_verifier.fit(x, y, seed=seed)
    torch.save(model.state_dict(), path)
    return model.eval()


def counts(ref, found, model):
    verify._model = lambda: model
    kept = found.peaks[verify.beat_scores(found.wide, FS, found.peaks) >= verify.THRESHOLD]
    c = compare_annotations(ref, np.asarray(kept, np.int64), int(0.15 * FS))
    return np.array([c.tp, c.fp, c.fn])


def line(c):
    tp, fp, fn = c
    return f"TP {tp} FP {fp} FN {fn}: Se {100 * tp / (tp + fn):.3f}%, +P {100 * tp / (tp + fp):.3f}%"


def main():
    SAVED.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    names = sorted(q.stem for q in (DATA / "mitdb").glob("*.hea"))
    train = [n for n in names if n not in TEST + CHOOSE]
    assert len(train) == 36
    folds = [train[k::K] for k in range(K)]
    pools = train_verifier.noise_pools(DATA / "nstdb")
    checks = {(s, k): trained(s, k, [n for n in train if n not in fold], pools)
              for s in SEEDS for k, fold in enumerate(folds)}
    shipped = verify.network()
    shipped.load_state_dict(torch.load(verify.WEIGHTS, weights_only=True))
    shipped.eval()
    clean = {}
    for name in names:  # the energy detector's detections do not depend on the check
        rec = read_record(DATA / "mitdb" / name)
        clean[name] = (rec.ann_samples[aami_labels(rec.ann_symbols) >= 0], detect.energy_detection(rec.signal, FS))
    others = sum(counts(*clean[n], shipped) for n in names if n not in train)
    print(f"the 12 other records, shipped check: {line(others)}")
    total36, total48 = 0, 0
    for s in SEEDS:
        c = sum(counts(*clean[n], checks[s, k]) for k, fold in enumerate(folds) for n in fold)
        total36, total48 = total36 + c, total48 + c + others
        print(f"seed {s}: 36 training records, 4-fold cross-fitted: {line(c)}; 48 records: {line(c + others)}")
    print(f"three seeds summed: 36 records {line(total36)}; 48 records {line(total48)}")


if __name__ == "__main__":
    main()
