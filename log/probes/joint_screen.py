"""JOINT screen (log/joint-rule.txt): one network reads both leads of a beat at once. Grouped fold K with seed K:
trains the joint model on the cached run's training patients, then reads the cached run's validation patients as
recordings on both leads and on lead 0 alone, beside the cached run (both leads averaged) read the same two ways.
    python log/probes/joint_screen.py K"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, "bench")
from cross_db import Pool, run, scenarios, train_or_reuse  # noqa: E402
from review_adapt import decision_number, matched_labels, read  # noqa: E402

from heartbeat import recording, training  # noqa: E402
from heartbeat.augment import augment_beats  # noqa: E402
from heartbeat.checkpoint import read_checkpoint  # noqa: E402
from heartbeat.config import load_config  # noqa: E402
from heartbeat.features import recording_inputs  # noqa: E402
from heartbeat.inference import predict_proba  # noqa: E402
from heartbeat.labelled import LabelledBeats  # noqa: E402
from heartbeat.model import BeatInputs, BeatNet  # noqa: E402
from heartbeat.splits import train_val_split  # noqa: E402

LEAD_DROPOUT = 0.25


class JointInputs(BeatInputs):
    """beats (n, 2, 187) and template (n, 2, 187): lead 0 then lead 1; features (n, k) lead 0's."""

    def take(self, index):
        pick = (lambda a: None if a is None else a[index])
        return JointInputs(self.beats[index], pick(self.features), pick(self.template))

    def as_tensors(self, rows=slice(None)):
        def tensor(a):
            return None if a is None else torch.as_tensor(np.require(a[rows], np.float32, ["C", "W"]))
        return {"beats": tensor(self.beats), "features": tensor(self.features), "template": tensor(self.template)}


class JointNet(BeatNet):
    """BeatNet whose stem sees 4 channels: beat and beat minus template of lead 0, then of lead 1."""

    def __init__(self, **model_args):
        super().__init__(**model_args)
        cfg = self.config
        self.stem = nn.Conv1d(4, cfg.channels, cfg.kernel_size, padding="same")

    def _morphology(self, beats, template):  # beats, template (B, 2, 187)
        x = torch.cat([beats[:, :1], beats[:, :1] - template[:, :1], beats[:, 1:], beats[:, 1:] - template[:, 1:]], 1)
        if self.training:  # lead dropout: the model must also read a recording with one lead
            keep = (torch.rand(x.shape[0], 1, 1) >= LEAD_DROPOUT).float()
            x = torch.cat([x[:, :2], x[:, 2:] * keep], 1)
        x = self.stem(x)  # (B, 4, 187) -> (B, 32, 187)
        for block in self.blocks:
            x = block(x)
        return x.flatten(1)  # (B, 64)


def joint_augmentation(paper, noise, generator):
    """The paper's stretch and warp once per beat for both leads; recorder noise per lead."""
    if not paper and noise is None:
        return None

    def apply(x):  # (B, 2, L)
        if paper:
            x = augment_beats(x, generator)
        if noise is not None:
            b = x.shape[0]
            x = noise(x.reshape(2 * b, 1, -1), generator).reshape(b, 2, -1)
        return x
    return apply


def load_joint(path):
    ckpt = read_checkpoint(path)
    model = JointNet(**ckpt["model_args"])
    model.load_state_dict(ckpt["model_state"])
    return model.eval()


def joint_block_proba(model, found, index, keep, second=None, embedded=None):
    """recording.block_proba for a JointNet: both leads in one input, lead 1 zeroed where unreadable."""
    beats = found.beats(index)
    inputs = recording_inputs(model.inputs, found.times, index, beats)
    other, other_template = np.zeros_like(beats), np.zeros_like(beats)
    shapes = recording.shape_vectors(beats)
    if second is not None:
        resampler, readable = second
        at = readable[index]
        both = index[at]
        if len(both) >= recording.MIN_BEATS:
            other[at] = recording.cut_block(resampler, found.peaks, both)
            other_template[at] = recording_inputs(model.inputs, found.times, both, other[at]).template
            if at[keep].all():
                shapes = recording.shape_vectors(beats, other)
    joint = JointInputs(np.stack([beats, other], 1), inputs.features, np.stack([inputs.template, other_template], 1))
    proba = predict_proba(model, joint)
    proba[keep] = recording.share_by_shape(proba[keep], shapes[keep])
    return proba


def read_patients(model, patients, one_lead, label):
    scored = []
    for patient in patients:
        db, record = patient.split("/", 1)
        rec = read(Path("../shared/data") / db / record)
        if one_lead:
            rec.second = None
        table = recording.classify_recording(model, rec)
        _, match = matched_labels(table, rec)
        ok = match >= 0
        y, pred = rec.ref_labels[:-1][ok], table["class_index"].to_numpy()[match[ok]]
        scored.append((db, y, pred))
    for db in ("mitdb", "svdb"):
        y, pred = (np.concatenate([p[i] for p in scored if p[0] == db]) for i in (1, 2))
        se = [((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in (1, 2)]
        pp = [((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in (1, 2)]
        print(f"{label} {db}: S {se[0]:.3f} / {pp[0]:.3f}, V {se[1]:.3f} / {pp[1]:.3f}", flush=True)
    d = decision_number(scored)
    print(f"run {k}: D {label} {d:.4f}", flush=True)
    return d


k = int(sys.argv[1])
recipe = load_config("config/recording.json")
cfg = replace(recipe, train=replace(recipe.train, seed=k))
spec = recipe.model.inputs
pools = {(db, lead): Pool(Path("data") / (f"{db}.csv" if lead == 0 else f"{db}_lead{lead}.csv"), spec)
         for db in ("mitdb", "svdb") for lead in (0, 1)}
for db in ("mitdb", "svdb"):
    assert (pools[db, 0].records == pools[db, 1].records).all() and np.allclose(pools[db, 0].times, pools[db, 1].times)
train_records, _ = scenarios(list(dict.fromkeys(pools["svdb", 0].records)), ["grouped"])["grouped"][k]

# the cached run (both leads as separate training beats, read averaged) and its validation patients
parts = [(db, lead, *pools[db, lead].of(recs)) for db, recs in train_records.items() for lead in (0, 1)]
train = LabelledBeats.concatenate([beats for _, _, beats, _ in parts])
patients = np.concatenate([np.char.add(f"{db}/", records) for db, _, _, records in parts])
first_lead = np.concatenate([np.full(len(r), lead == 0) for _, lead, _, r in parts])
cached_dir = Path("log/cross-db/recording-leads01") / f"grouped-fold{k}-seed{k}"
assert cached_dir.is_dir(), cached_dir
cached, val_patients, _ = run(recipe, k, "grouped", train, patients, first_lead, cached_dir, print)
del train, parts

# the joint pairs of the same training records, the same patients held out
pairs, pair_patients = [], []
for db, recs in train_records.items():
    (b0, r0), (b1, _) = pools[db, 0].of(recs), pools[db, 1].of(recs)
    joint = JointInputs(np.stack([b0.inputs.beats, b1.inputs.beats], 1), b0.inputs.features,
                        np.stack([b0.inputs.template, b1.inputs.template], 1))
    pairs.append((joint, b0.y))
    pair_patients.append(np.char.add(f"{db}/", r0))
inputs = JointInputs(*(np.concatenate([getattr(p[0], a) for p in pairs]) for a in ("beats", "features", "template")))
joint_train = LabelledBeats(inputs, np.concatenate([p[1] for p in pairs]))
pair_patients = np.concatenate(pair_patients)
_, val_idx = train_val_split(joint_train.y, cfg.data.val_fraction, k, pair_patients)
assert set(np.unique(pair_patients[val_idx])) == set(val_patients), "not the cached run's validation patients"
is_val = np.isin(pair_patients, val_patients)
training.BeatNet, training.beat_augmentation = JointNet, joint_augmentation
run_dir = Path("log/cross-db/joint") / f"grouped-fold{k}-seed{k}"
best = train_or_reuse(cfg, joint_train.take(np.flatnonzero(~is_val)), joint_train.take(np.flatnonzero(is_val)),
                      run_dir, print)
del joint_train, inputs, pairs
joint_model = load_joint(best)
print(f"run {k}: joint best epoch {read_checkpoint(best)['epoch']}; validation patients {list(val_patients)}")

d_cached = read_patients(cached, val_patients, False, "cached both leads")
d_cached1 = read_patients(cached, val_patients, True, "cached lead 0")
recording.block_proba = joint_block_proba
d_joint = read_patients(joint_model, val_patients, False, "joint both leads")
d_joint1 = read_patients(joint_model, val_patients, True, "joint lead 0")
print(f"run {k}: SUMMARY both leads {d_cached:.4f} -> {d_joint:.4f}; lead 0 {d_cached1:.4f} -> {d_joint1:.4f}")
