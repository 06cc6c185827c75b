"""Fine-tuning a trained model to one recording on the beats a person labelled there: what train.py --init does with
the CSVs prepare_data.py --reviewed writes, in one call (the app's Review tab, bench/review_adapt.py).

A run folder is written as train.py writes one (config.json, TensorBoard events, best.pt, last.pt), so that the
adapted model is used like any other: predict.py --checkpoint RUN/best.pt.
"""
import json
import tempfile
from pathlib import Path

from .build import write_kaggle_csv
from .checkpoint import load_checkpoint
from .config import load_config
from .labelled import LabelledBeats, load_labelled, replay_beats
from .reviewed import reviewed_tables
from .training import fit, new_run_dir


def init_overrides(checkpoint):
    """The --set items with which a config fine-tunes `checkpoint`: train.init, and the checkpoint's network keys
    (the network is the checkpoint's, whatever the config file says; how it is read, ModelConfig.READING_KEYS,
    stays the config's). Model keys newer than the checkpoint come at their defaults."""
    model, _ = load_checkpoint(checkpoint)
    return [f"train.init={checkpoint}"] + [f"model.{k}={json.dumps(v)}" for k, v in model.config.network().items()]


def reviewed_beats(rec, labels, spec):
    """LabelledBeats of the beats of recording `rec` at the samples of `labels` ({sample: class index}), on every
    lead it has, read back from the CSVs prepare_data.py --reviewed writes: the adaptation trains on exactly the
    inputs train.py would read."""
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for lead, table in enumerate(reviewed_tables(rec, labels)):
            if table is not None:
                csv = Path(tmp) / f"lead{lead}.csv"
                write_kaggle_csv(csv, table)
                parts.append(load_labelled(csv, spec))
    return LabelledBeats.concatenate(parts)


def adapt_to_recording(checkpoint, recipe, rec, labels, log=print):
    """Fine-tune `checkpoint` by the config file `recipe` (config/adapt.json: its model and train sections; the beats
    are the recording's, with no validation split) on the labelled beats of `rec` and the beats it replays
    (labelled.replay_beats). The run folder is the recipe's run.log_dir / a timestamp, "adapt" and the recording's
    name, written as train.py writes one. Returns the path of the checkpoint to use (training.fit's)."""
    cfg = load_config(recipe, init_overrides(checkpoint))
    tuning = reviewed_beats(rec, labels, cfg.model.inputs)
    if cfg.train.replay:
        tuning = LabelledBeats.concatenate([tuning, replay_beats(cfg)])
    run_dir = new_run_dir(cfg, f"adapt-{rec.name}")
    return fit(cfg, tuning, tuning.take(slice(0, 0)), run_dir, log=log)
