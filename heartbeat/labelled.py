"""Labelled beats for training: a beat CSV's model inputs with their labels, a config's train / validation split,
and the beats fine-tuning replays from the training beats of the checkpoint it starts from: its replay pool (a
sample of them shipped beside it, so that adapting needs no database) or else its training CSVs."""
import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checkpoint import load_checkpoint, read_checkpoint
from .config import ConfigError
from .data import DataError, load_beats
from .fileio import atomic_path
from .model import BeatInputs
from .sidecar import load_inputs, load_records
from .splits import train_val_split


@dataclass
class LabelledBeats:
    """Beats with their labels: inputs (model.BeatInputs of n beats), y (n,) int64."""
    inputs: BeatInputs
    y: np.ndarray

    def take(self, index):
        return LabelledBeats(self.inputs.take(index), self.y[index])

    @staticmethod
    def concatenate(parts):
        """One LabelledBeats of the beats of all parts, in order."""
        return LabelledBeats(BeatInputs.concatenate([p.inputs for p in parts]), np.concatenate([p.y for p in parts]))


def load_labelled(csv, spec, cache=False):
    """LabelledBeats of a labelled beat CSV, with the inputs of `spec` read beside it."""
    x, y = load_beats(csv, cache=cache)
    if y is None:
        raise DataError(f"{csv}: has no labels; training needs the label column")
    return LabelledBeats(load_inputs(csv, x, spec), y)


def csv_list(train_csv):
    """data.train_csv, one path or a list of them, as a list."""
    return [train_csv] if isinstance(train_csv, str) else list(train_csv)


def load_split(cfg):
    """(train, val) LabelledBeats of a config: its training CSV(s) with the inputs its model takes, split by
    data.val_fraction / data.val_split / train.seed, the same way for training and for --calibrate."""
    dc = cfg.data
    csvs = csv_list(dc.train_csv)
    parts = [load_labelled(csv, cfg.model.inputs, dc.cache) for csv in csvs]
    beats = LabelledBeats.concatenate(parts)
    groups = (np.concatenate([load_records(csv, len(p.y)) for csv, p in zip(csvs, parts)])
              if dc.val_split == "records" else None)
    train_idx, val_idx = train_val_split(beats.y, dc.val_fraction, cfg.train.seed, groups)
    train = beats.take(train_idx)
    if cfg.train.replay:
        train = LabelledBeats.concatenate([train, replay_beats(cfg)])
    return train, beats.take(val_idx)


def per_class_sample(beats, per_class, seed):
    """Up to per_class beats of each class of the LabelledBeats `beats`, drawn with `seed`, in their order."""
    rng = np.random.default_rng(seed)
    index = [rng.choice(np.flatnonzero(beats.y == c), min(per_class, int((beats.y == c).sum())), replace=False)
             for c in np.unique(beats.y)]
    return beats.take(np.sort(np.concatenate(index)))


def replay_beats(cfg):
    """train.replay beats of each class from the training beats of train.init's checkpoint, with the inputs of
    cfg.model: drawn from its replay pool where one lies beside it (replay_pool_path), else from its own
    config's training CSVs. Fine-tuning on a few labelled minutes of one patient, which often hold no S or V
    beat, teaches the head that those classes do not occur; replayed beats of the classes keep them."""
    if not cfg.train.init:
        raise ConfigError("train.replay draws from the training beats of the checkpoint of train.init "
                          "(train.py --init CHECKPOINT); without one, set train.replay=0")
    pool = replay_pool_path(cfg.train.init)
    if pool.is_file():
        beats = load_replay_pool(pool, cfg.train.init, cfg.model.inputs, cfg.train.replay)
    else:
        try:
            beats = training_beats(cfg.train.init, cfg.model.inputs, cfg.data.cache)
        except ConfigError as e:
            raise ConfigError(f"train.replay draws from the training beats of {cfg.train.init}, and no replay pool "
                              f"{pool.name} lies beside it: {e}; or set train.replay=0") from None
    return per_class_sample(beats, cfg.train.replay, cfg.train.seed)


def training_beats(checkpoint, spec, cache=False):
    """LabelledBeats of the training CSVs named by a checkpoint's own config, with the inputs of `spec`."""
    csvs = csv_list(read_checkpoint(checkpoint)["config"]["data"]["train_csv"])
    missing = [csv for csv in csvs if not Path(csv).is_file()]
    if missing:
        raise ConfigError(f"its training CSVs {', '.join(missing)} are not found (build them with prepare_data.py, "
                          "as for training it)")
    return LabelledBeats.concatenate([load_labelled(csv, spec, cache) for csv in csvs])


REPLAY_SUFFIX = ".replay.npz"
REPLAY_POOL_PER_CLASS = 500  # twice config/adapt.json's train.replay: each seed still draws its own beats


def replay_pool_path(checkpoint):
    """models/recording.pt -> models/recording.replay.npz"""
    checkpoint = Path(checkpoint)
    return checkpoint.with_name(checkpoint.stem + REPLAY_SUFFIX)


def write_replay_pool(checkpoint, per_class=REPLAY_POOL_PER_CLASS, seed=0):
    """Write replay_pool_path(checkpoint): per_class beats of each class drawn (seeded) from its training CSVs, with
    the inputs its model takes; returns (path, beats per class). A train.replay draw of up to per_class beats from
    the pool is a uniform draw from the CSVs, as without it. Templates are stored once per recording, not once per
    beat; the checkpoint's fingerprint ties the pool to it."""
    model, _ = load_checkpoint(checkpoint)
    try:
        beats = training_beats(checkpoint, model.inputs)
    except ConfigError as e:
        raise ConfigError(f"the replay pool of {checkpoint} is drawn from its training beats: {e}") from None
    pool = per_class_sample(beats, per_class, seed)
    arrays = {"beats": pool.inputs.beats.astype(np.float32), "y": pool.y.astype(np.int64),
              "inputs": np.array(json.dumps(model.inputs.describe())), "per_class": np.array(per_class),
              "checkpoint_sha256": np.array(_fingerprint(checkpoint))}
    if pool.inputs.features is not None:
        arrays["features"] = pool.inputs.features.astype(np.float32)
    if pool.inputs.template is not None:
        arrays["templates"], arrays["template_of"] = np.unique(pool.inputs.template.astype(np.float32), axis=0,
                                                               return_inverse=True)
    path = replay_pool_path(checkpoint)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
    return path, np.bincount(pool.y, minlength=5)


def load_replay_pool(path, checkpoint, spec, replay):
    """LabelledBeats of the replay pool at `path` of `checkpoint`, for a model that takes `spec`, to draw `replay`
    beats of each class from; ConfigError, one line, for a file that is no pool, a pool of another checkpoint (or
    of an earlier version of it), or fewer beats of each class than asked for."""
    again = "write it again with prepare_data.py --replay-pool CHECKPOINT, or set train.replay=0"
    try:
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        written_for = str(arrays["checkpoint_sha256"])
        same_inputs = json.loads(str(arrays["inputs"])) == spec.describe()
        per_class = int(arrays["per_class"])
        template = arrays["templates"][arrays["template_of"].ravel()] if "templates" in arrays else None
        beats = LabelledBeats(BeatInputs(arrays["beats"], arrays.get("features"), template), arrays["y"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        raise ConfigError(f"{path}: cannot read it as a replay pool ({str(e).strip()[:120]}); {again}") from None
    if written_for != _fingerprint(checkpoint) or not same_inputs:
        raise ConfigError(f"{path}: a replay pool of another checkpoint than {checkpoint} (or of an earlier version "
                          f"of it); {again}")
    if replay > per_class:
        raise ConfigError(f"train.replay={replay}: the replay pool {path} holds {per_class} beats of each class; "
                          f"set train.replay to at most {per_class}")
    return beats


def _fingerprint(checkpoint):
    return hashlib.sha256(Path(checkpoint).read_bytes()).hexdigest()
