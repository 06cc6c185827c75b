"""PAIR probe (log/pair-rule.txt): of two detections closer than detect.T_WAVE_S, the one the learned check scores
lower is dropped under t.
    python log/probes/pair_probe.py choose        # t on the 39 SVDB records
    python log/probes/pair_probe.py read T        # clean MIT-BIH cross-fitted, and the stress test, at t = T
    python log/probes/pair_probe.py rv T          # bench/report_validation.py on MIT-BIH with the rule at t = T"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import wfdb
from wfdb.processing import compare_annotations

sys.path.insert(0, "bench")
import train_verifier  # noqa: E402
from noise_stress import CHOOSE, FS, TEST, noisy_record  # noqa: E402

from heartbeat import detect, segment, verify  # noqa: E402
from heartbeat.database import aami_labels, read_record  # noqa: E402
from heartbeat.sources import read_wfdb  # noqa: E402

DATA = Path("../shared/data")
OUT = Path("log/pair")
SHIPPED = verify._model


def drop_pairs(peaks, scores, fs, t):
    """peaks without the lower-scored member of each pair closer than T_WAVE_S scored under t, lowest first."""
    n = len(peaks)
    keep = np.ones(n, bool)
    prev, nxt = np.arange(n) - 1, np.arange(n) + 1  # neighbours among the kept
    limit = detect.T_WAVE_S * fs
    for i in np.argsort(scores, kind="stable"):
        if scores[i] >= t:
            break
        p, q = prev[i], nxt[i]
        close = (p >= 0 and peaks[i] - peaks[p] < limit) or (q < n and peaks[q] - peaks[i] < limit)
        if close:
            keep[i] = False
            if p >= 0:
                nxt[p] = q
            if q < n:
                prev[q] = p
    return peaks[keep]


def detections(sig, fs, t):
    found = detect.energy_detection(np.asarray(sig, np.float64), fs)
    s = verify.beat_scores(found.wide, fs, found.peaks)
    ok = s >= verify.THRESHOLD
    peaks, s = found.peaks[ok], s[ok]
    return peaks if t is None else drop_pairs(peaks, s, fs, t)


def counts(ref, det, fs):
    c = compare_annotations(ref, np.asarray(det, np.int64), int(0.15 * fs))
    return np.array([c.tp, c.fp, c.fn])


def line(c):
    tp, fp, fn = c
    return f"TP {tp} FP {fp} FN {fn}: Se {100 * tp / (tp + fn):.3f}%, +P {100 * tp / (tp + fp):.3f}%, F1 {2 * tp / (2 * tp + fp + fn):.5f}"


def fold_models():
    """The two fold checks: fold k trained on train[k::2], scores the other fold's records."""
    names = sorted(q.stem for q in (DATA / "mitdb").glob("*.hea"))
    train = [n for n in names if n not in TEST + CHOOSE]
    assert len(train) == 36
    folds = [train[0::2], train[1::2]]
    models = []
    OUT.mkdir(parents=True, exist_ok=True)
    for k, fold in enumerate(folds):
        path = OUT / f"check-fold{k}.pt"
        model = verify.network()
        if path.is_file():
            model.load_state_dict(torch.load(path, weights_only=True))
        else:
            torch.set_num_threads(2)
            pools, xs, ys = train_verifier.noise_pools(DATA / "nstdb"), [], []
            for name in fold:
                x, y = train_verifier.record_examples(DATA / "mitdb" / name, pools, np.random.default_rng(int(name)))
                xs.append(x)
                ys.append(y)
            model = train_verifier.fit(np.concatenate(xs), np.concatenate(ys))
            torch.save(model.state_dict(), path)
        models.append(model.eval())
    # a record of fold k is scored by the check trained on the other fold
    return {name: models[1 - k] for k, fold in enumerate(folds) for name in fold}


def use_check(model):
    verify._model = (lambda: model) if model is not None else SHIPPED


def mitdb_ref(name):
    rec = read_record(DATA / "mitdb" / name)
    labels = aami_labels(rec.ann_symbols)
    return rec, rec.ann_samples[labels >= 0]


mode = sys.argv[1]
if mode == "choose":
    ts = [None, 0.5, 0.7, 0.9]
    total = {t: np.zeros(3, int) for t in ts}
    for hea in sorted((DATA / "svdb").glob("*.hea")):
        rec = read_record(DATA / "svdb" / hea.stem)
        labels = aami_labels(rec.ann_symbols)
        ref = np.round(rec.ann_samples[labels >= 0] * FS / rec.fs).astype(np.int64)
        sig, _ = segment.resample(rec.signal, rec.fs, FS)
        for t in ts:
            total[t] += counts(ref, detections(sig, FS, t), FS)
    for t in ts:
        print(f"SVDB 39, t {t}: {line(total[t])}")
    best = max(ts, key=lambda t: (round(2 * total[t][0] / (2 * total[t][0] + total[t][1] + total[t][2]), 12),
                                  -ts.index(t)))
    print(f"chosen t: {best}")
elif mode == "read":
    t = float(sys.argv[2])
    checks = fold_models()
    names = sorted(q.stem for q in (DATA / "mitdb").glob("*.hea"))
    before, after = np.zeros(3, int), np.zeros(3, int)
    for name in names:
        use_check(checks.get(name))
        rec, ref = mitdb_ref(name)
        b, a = counts(ref, detections(rec.signal, FS, None), FS), counts(ref, detections(rec.signal, FS, t), FS)
        before, after = before + b, after + a
        if (a != b).any():
            print(f"  {name}: FP {b[1]} -> {a[1]}, FN {b[2]} -> {a[2]}", flush=True)
    print(f"clean 48, cross-fitted, off: {line(before)}")
    print(f"clean 48, cross-fitted, t {t}: {line(after)}")
    use_check(None)
    noise = wfdb.rdrecord(str(DATA / "nstdb" / "em"), channels=[0]).p_signal[:, 0]
    for records, label in ((TEST, "stress test 118 / 119"), (CHOOSE, "choose-set stress records")):
        before, after = np.zeros(3, int), np.zeros(3, int)
        for name in records:
            rec = read_wfdb(DATA / "mitdb" / name, 0)
            for snr in (24, 18, 12, 6, 0, -6):
                sig, _ = noisy_record(rec.signal, rec.ref_samples, rec.ref_labels == 0, noise, snr)
                before += counts(rec.ref_samples, detections(sig, FS, None), FS)
                after += counts(rec.ref_samples, detections(sig, FS, t), FS)
        print(f"{label}, off: {line(before)}")
        print(f"{label}, t {t}: {line(after)}")
elif mode == "rv":
    t = float(sys.argv[2])
    import report_validation

    detect.verified = lambda band, fs, peaks: drop_pairs(np.asarray(peaks)[verify.beat_scores(band, fs, peaks) >= verify.THRESHOLD],
                                                         (s := verify.beat_scores(band, fs, peaks))[s >= verify.THRESHOLD], fs, t)
    sys.argv = ["report_validation.py", "--db", str(DATA / "mitdb")]
    report_validation.main()
