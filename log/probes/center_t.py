"""CENTER-T probe (log/center-t-rule.txt at 20d0ce7): the CENTER check (tag exp-center) with its threshold chosen on
the clean choose records, then read cross-fitted on the check's 36 training records and on the choose-set stress
records, against today's check at 0.3. Checks are saved under log/center/ and reused on a rerun.
    python log/probes/center_t.py          # log log/center-t.log"""
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import wfdb
from wfdb.processing import compare_annotations

sys.path.insert(0, "bench")
import train_verifier  # noqa: E402
from noise_stress import CHOOSE, FS, TEST, noisy_record  # noqa: E402

from heartbeat import detect, verify  # noqa: E402
from heartbeat.database import aami_labels, read_record  # noqa: E402
from heartbeat.sources import read_wfdb  # noqa: E402

DATA = Path("../shared/data")
OUT = Path("log/cosine8")  # the cached examples
SEEDS = [0, 1, 2]


class Center(torch.nn.Module):
    """verify.network() with the head reading the last conv features at the centre and their max."""

    def __init__(self):
        super().__init__()
        base = verify.network()
        self.body = base[:-3]  # up to the last ReLU: (B, 32, 45)
        self.head = torch.nn.Linear(64, 1)

    def forward(self, x):
        h = self.body(x)                                   # (B, 32, 45)
        centre = h[..., 22:24].mean(-1)                    # (B, 32): positions 22, 23 (samples 176-191 of 360)
        return self.head(torch.cat([centre, h.amax(-1)], dim=1))    # (B, 1)


def fit(x, y, epochs, cosine, seed, center=False):
    """train_verifier.fit, with the learning rate optionally decayed along a cosine, batch by batch."""
    torch.manual_seed(seed)
    x, y = torch.from_numpy(x)[:, None], torch.from_numpy(y)
    model, t0 = (Center() if center else verify.network()), time.perf_counter()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    steps, step = epochs * math.ceil(len(y) / 512), 0
    for epoch in range(epochs):
        order, total = torch.randperm(len(y)), 0.0
        for k in range(0, len(y), 512):
            if cosine:
                for g in opt.param_groups:
                    g["lr"] = 1e-3 * 0.5 * (1 + math.cos(math.pi * step / steps))
            i = order[k:k + 512]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[i])[:, 0], y[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(i)
            step += 1
        print(f"    epoch {epoch}: loss {total / len(y):.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return model.eval()


def fold_examples(k, fold, pools):
    path = OUT / f"examples-fold{k}.npz"
    if not path.is_file():
        xs, ys = [], []
        for name in fold:
            x, y = train_verifier.record_examples(DATA / "mitdb" / name, pools, np.random.default_rng(int(name)))
            xs.append(x)
            ys.append(y)
        np.savez(path, x=np.concatenate(xs), y=np.concatenate(ys))
    z = np.load(path)
    return z["x"], z["y"]


GRID = [0.3, 0.2, 0.1, 0.05]
SAVED = Path("log/center")


def counts(ref, det):
    c = compare_annotations(ref, np.asarray(det, np.int64), int(0.15 * FS))
    return np.array([c.tp, c.fp, c.fn])


def scores(found, model):
    verify._model = lambda: model
    return verify.beat_scores(found.wide, FS, found.peaks)


def at(ref, found, score, t):
    return counts(ref, found.peaks[score >= t])


def line(c):
    tp, fp, fn = c
    return f"TP {tp} FP {fp} FN {fn}: Se {100 * tp / (tp + fn):.3f}%, +P {100 * tp / (tp + fp):.3f}%"


def trained(arm, seed, k, fold, pools):
    path = SAVED / f"{arm}-seed{seed}-fold{k}.pt"
    model = Center() if arm == "CENTER" else verify.network()
    if path.is_file():
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    x, y = fold_examples(k, fold, pools)
    print(f"seed {seed} {arm} fold {k}: {len(y)} examples", flush=True)
    model = fit(x, y, 4, False, seed, arm == "CENTER")
    torch.save(model.state_dict(), path)
    return model


def main():
    SAVED.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(2)
    names = sorted(q.stem for q in (DATA / "mitdb").glob("*.hea"))
    train = [n for n in names if n not in TEST + CHOOSE]
    assert len(train) == 36
    folds = [train[0::2], train[1::2]]
    pools = train_verifier.noise_pools(DATA / "nstdb")
    clean = {}
    for name in train + CHOOSE:  # the energy detector's detections do not depend on the check
        rec = read_record(DATA / "mitdb" / name)
        clean[name] = (rec.ann_samples[aami_labels(rec.ann_symbols) >= 0],
                       detect.energy_detection(rec.signal, FS))
    noise = wfdb.rdrecord(str(DATA / "nstdb" / "em"), channels=[0]).p_signal[:, 0]
    stress = []
    for name in CHOOSE:
        rec = read_wfdb(DATA / "mitdb" / name, 0)
        for snr in (24, 18, 12, 6, 0, -6):
            sig, _ = noisy_record(rec.signal, rec.ref_samples, rec.ref_labels == 0, noise, snr)
            stress.append((rec.ref_samples, detect.energy_detection(sig, FS)))
    print("detections cached", flush=True)
    grid = {"baseline": [0.3], "CENTER": GRID}
    choose, cross, f1 = {}, {}, {}  # (arm, t) -> summed counts over seeds / list of stress F1s
    for arm in ("baseline", "CENTER"):
        for seed in SEEDS:
            models = [trained(arm, seed, k, fold, pools) for k, fold in enumerate(folds)]
            for k, model in enumerate(models):
                s_choose = {n: scores(clean[n][1], model) for n in CHOOSE}
                s_cross = {n: scores(clean[n][1], model) for n in folds[1 - k]}  # records it never saw
                s_stress = [scores(found, model) for _, found in stress]
                for t in grid[arm]:
                    c = sum(at(clean[n][0], clean[n][1], s_choose[n], t) for n in CHOOSE)
                    choose[arm, t] = choose.get((arm, t), 0) + c
                    c = sum(at(clean[n][0], clean[n][1], s_cross[n], t) for n in folds[1 - k])
                    cross[arm, t] = cross.get((arm, t), 0) + c
                    s = sum(at(ref, found, sc, t) for (ref, found), sc in zip(stress, s_stress))
                    f1.setdefault((arm, t), []).append(2 * s[0] / (2 * s[0] + s[1] + s[2]))
            print(f"{arm} seed {seed} scored", flush=True)
    for (arm, t), c in choose.items():
        print(f"choose records, clean, six checks summed: {arm} at {t}: {line(c)}")
    limit = choose["baseline", 0.3][2]
    t = next((t for t in GRID if choose["CENTER", t][2] <= limit), GRID[-1])
    print(f"chosen t = {t} (baseline misses on the choose records: {limit})")
    for key in cross:
        print(f"36 training records cross-fitted, three seeds summed: {key[0]} at {key[1]}: {line(cross[key])}; "
              f"choose-set stress F1 mean {np.mean(f1[key]):.4f}")
    b, a = cross["baseline", 0.3], cross["CENTER", t]
    fp, fn, df1 = a[1] / b[1] - 1, a[2] / b[2] - 1, np.mean(f1["CENTER", t]) - np.mean(f1["baseline", 0.3])
    ok = fp <= -0.10 and fn <= 0.05 and df1 >= -0.005
    print(f"CENTER at {t} against the baseline: false detections {100 * fp:+.1f}%, misses {100 * fn:+.1f}%, "
          f"stress F1 {df1:+.4f}: {'ADOPT' if ok else 'LOST'}")


if __name__ == "__main__":
    main()
