"""Fine-tuning a trained model to one recording on the beats a person labelled there: what train.py --init does with
the CSVs prepare_data.py --reviewed writes, in one call (the app's Review tab, bench/review_adapt.py).

A run folder is written as train.py writes one (config.json, TensorBoard events, best.pt, last.pt), so that the
adapted model is used like any other: predict.py --checkpoint RUN/best.pt.
"""
import json
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from .checkpoint import load_checkpoint
from .config import load_config
from .labelled import LabelledBeats, load_labelled, load_split
from .reviewed import reviewed_tables, write_reviewed
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
        csvs = write_reviewed(reviewed_tables(rec, labels), Path(tmp) / "reviewed.csv")
        return LabelledBeats.concatenate([load_labelled(csv, spec) for csv in csvs])


def adapt_to_recording(checkpoint, recipe, rec, labels, log=print):
    """Fine-tune `checkpoint` by the config file `recipe` (config/adapt.json: its model and train sections) on the
    labelled beats of `rec` and the beats it replays (labelled.replay_beats), with no validation split. The run
    folder is the recipe's run.log_dir / a timestamp, "adapt" and the recording's name, written as train.py
    writes one, with the reviewed beats as its training CSVs (reviewed.csv, reviewed_lead1.csv), so that its
    config.json says what it was trained on (train.py --resume reads them). Returns the path of the checkpoint to
    use (training.fit's)."""
    cfg = load_config(recipe, init_overrides(checkpoint) + ["data.val_fraction=0", "data.cache=false"])
    tables = reviewed_tables(rec, labels)
    run_dir = new_run_dir(cfg, f"adapt-{rec.name}")
    csvs = [str(csv) for csv in write_reviewed(tables, run_dir / "reviewed.csv")]
    cfg = replace(cfg, data=replace(cfg.data, train_csv=csvs))
    try:
        train, val = load_split(cfg)  # as train.py reads the run: the reviewed beats, then the replayed ones
    except BaseException:
        shutil.rmtree(run_dir)  # no half-made run folder
        raise
    return fit(cfg, train, val, run_dir, log=log)
