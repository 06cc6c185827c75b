"""Labelled beats for training: a beat CSV's model inputs with their labels, a config's train / validation split,
and the beats fine-tuning replays from the training CSVs of the checkpoint it starts from."""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checkpoint import read_checkpoint
from .config import ConfigError
from .data import DataError, load_beats
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


def load_split(cfg):
    """(train, val) LabelledBeats of a config: its training CSV(s) with the inputs its model takes, split by
    data.val_fraction / data.val_split / train.seed, the same way for training and for --calibrate."""
    dc = cfg.data
    csvs = [dc.train_csv] if isinstance(dc.train_csv, str) else dc.train_csv
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
    """train.replay beats of each class from the training CSVs of train.init's own config, with the inputs of
    cfg.model. Fine-tuning on a few labelled minutes of one patient, which often hold no S or V beat, teaches
    the head that those classes do not occur; replayed beats of the classes keep them."""
    if not cfg.train.init:
        raise ConfigError("train.replay draws from the training CSVs of the checkpoint of train.init "
                          "(train.py --init CHECKPOINT); without one, set train.replay=0")
    csvs = read_checkpoint(cfg.train.init)["config"]["data"]["train_csv"]
    csvs = [csvs] if isinstance(csvs, str) else csvs
    missing = [csv for csv in csvs if not Path(csv).is_file()]
    if missing:
        raise ConfigError(f"train.replay draws from the training CSVs of {cfg.train.init}: {', '.join(missing)} "
                          "not found (build them with prepare_data.py, or set train.replay=0)")
    beats = LabelledBeats.concatenate([load_labelled(csv, cfg.model.inputs, cfg.data.cache) for csv in csvs])
    return per_class_sample(beats, cfg.train.replay, cfg.train.seed)
