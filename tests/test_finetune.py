"""Fine-tuning a trained model (train.init, train.finetune) and replaying its training beats (train.replay)."""
import numpy as np
import pytest
import torch

from conftest import ROOT, quiet, run_main, run_script, small_split
from heartbeat.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from heartbeat.config import ConfigError, load_config
from heartbeat.labelled import LabelledBeats
from heartbeat.model import BeatInputs
from heartbeat.training import fit, start_from


def test_fine_tuning_starts_from_a_checkpoint_and_head_keeps_the_convolutions(tmp_path, real_beats):
    """train.init loads a trained model's weights (not its class offsets); finetune=head trains the linear
    layers only; a checkpoint of another model is refused in one line."""
    from heartbeat.checkpoint import CheckpointError

    train, val = small_split(real_beats)
    base = ["train.batch_size=32", "train.max_batches=3", "train.threads=1", "train.calibrate=false"]
    first = load_config(ROOT / "config" / "config.json", base + ["train.epochs=1"])
    fit(first, train, val, tmp_path / "first", log=quiet)
    start = read_checkpoint(tmp_path / "first" / "best.pt")["model_state"]
    for mode in ("head", "all"):
        cfg = load_config(ROOT / "config" / "config.json",
                          base + ["train.epochs=1", f"train.init={tmp_path / 'first' / 'best.pt'}",
                                  f"train.finetune={mode}", "train.seed=5"])
        fit(cfg, train, val, tmp_path / mode, log=quiet)
        tuned = read_checkpoint(tmp_path / mode / "last.pt")["model_state"]
        convs_kept = all(torch.equal(tuned[k], start[k]) for k in start if k.startswith(("stem", "blocks")))
        assert convs_kept == (mode == "head")
        # and "all" starts from the checkpoint, not from new weights: 3 Adam steps at lr 1e-3 move a weight ~0.003
        assert max((tuned[k] - start[k]).abs().max().item() for k in start) < 0.01
        assert not torch.equal(tuned["out.weight"], start["out.weight"])
    # the checkpoint's class offsets are not carried over: they are set anew for the new training data
    with_offsets = read_checkpoint(tmp_path / "first" / "best.pt")
    with_offsets["model_state"]["logit_bias"] = torch.arange(1.0, 6.0)
    save_checkpoint(with_offsets, tmp_path / "offsets.pt")
    model = load_checkpoint(tmp_path / "offsets.pt")[0]
    with torch.no_grad():
        for weights in model.parameters():
            weights.add_(1.0)
    start_from(model, tmp_path / "offsets.pt")
    loaded = model.state_dict()
    assert torch.equal(loaded["logit_bias"], torch.zeros(5))
    assert all(torch.equal(loaded[k], v) for k, v in with_offsets["model_state"].items() if k != "logit_bias")
    with pytest.raises(ConfigError, match="train.finetune=head needs train.init"):
        fit(load_config(ROOT / "config" / "adapt.json", base), train, val, tmp_path / "no-init", log=quiet)
    # a checkpoint saved before a model key existed (model.morphology_mix) is that key's default model
    older = read_checkpoint(tmp_path / "first" / "best.pt")
    del older["model_args"]["morphology_mix"]
    save_checkpoint(older, tmp_path / "older.pt")
    fit(load_config(ROOT / "config" / "config.json", base + ["train.epochs=1", f"train.init={tmp_path / 'older.pt'}"]),
        train, val, tmp_path / "from-older", log=quiet)
    other = load_config(ROOT / "config" / "config.json",
                        base + ["model.rr_features=true", f"train.init={tmp_path / 'first' / 'best.pt'}"])
    with pytest.raises(CheckpointError, match="differs from the config's in rr_features"):
        fit(other, LabelledBeats(BeatInputs(train.inputs.beats, np.ones((len(train.y), 8), np.float32)), train.y),
            val, tmp_path / "other", log=quiet)


def test_replay_adds_beats_of_every_class_from_the_checkpoints_training_csvs(tmp_path, small_csvs):
    """train.replay mixes up to K beats per class of the init checkpoint's own training CSV into the patient's
    beats (seeded); without train.init, or with that CSV gone, it stops with one line."""
    from heartbeat.labelled import load_split

    train_csv, patient_csv = small_csvs
    base = ["train.batch_size=32", "train.max_batches=2", "train.threads=1", "train.calibrate=false",
            "train.epochs=1", "data.val_fraction=0", "data.cache=false"]
    first = load_config(ROOT / "config" / "config.json", base + [f"data.train_csv={train_csv}"])
    fit(first, *load_split(first), tmp_path / "first", log=quiet)
    patient = ["data.val_fraction=0", "data.cache=false", f"data.train_csv={patient_csv}"]
    alone, _ = load_split(load_config(ROOT / "config" / "adapt.json", patient + ["train.replay=0"]))
    tuned = load_config(ROOT / "config" / "adapt.json", patient + [f"train.init={tmp_path / 'first' / 'best.pt'}",
                                                                     "train.replay=7"])
    mixed, val = load_split(tuned)
    assert len(val.y) == 0 and np.array_equal(mixed.y[:len(alone.y)], alone.y)
    assert np.bincount(mixed.y[len(alone.y):], minlength=5).tolist() == [7] * 5
    again, _ = load_split(tuned)
    assert np.array_equal(again.inputs.beats, mixed.inputs.beats)  # seeded: the same beats each time
    with pytest.raises(ConfigError, match="train.replay draws from the training beats of the checkpoint"):
        load_split(load_config(ROOT / "config" / "adapt.json", patient + ["train.replay=7", "train.init=null"]))
    moved = tmp_path / "moved.csv"
    train_csv.rename(moved)
    try:
        with pytest.raises(ConfigError, match="not found"):
            load_split(tuned)
    finally:
        moved.rename(train_csv)


def test_a_replay_pool_beside_the_checkpoint_stands_in_for_its_training_csvs(tmp_path, small_csvs):
    """prepare_data.py --replay-pool writes beats of every class of a checkpoint's training CSV with the inputs its
    model takes (features, and templates stored once each); fine-tuning then replays the same beats from it, with
    or without the CSV. A pool that is no pool, or not this checkpoint's, or too small for train.replay, is refused
    in one line, and an existing pool is kept without --force."""
    from heartbeat.labelled import load_labelled, load_replay_pool, load_split, replay_pool_path

    train_csv, patient_csv = small_csvs
    base = ["train.batch_size=32", "train.max_batches=2", "train.threads=1", "train.calibrate=false",
            "train.epochs=1", "data.val_fraction=0", "data.cache=false"]
    context = ["model.rr_features=true", "model.template_features=true", "model.template_channel=true"]
    first = load_config(ROOT / "config" / "config.json", base + context + [f"data.train_csv={train_csv}"])
    fit(first, *load_split(first), tmp_path / "first", log=quiet)
    checkpoint = tmp_path / "first" / "best.pt"
    tuned = load_config(ROOT / "config" / "adapt.json", context + [
        "data.val_fraction=0", "data.cache=false", f"data.train_csv={patient_csv}", f"train.init={checkpoint}",
        "train.replay=7"])
    from_csv, _ = load_split(tuned)

    made = run_script("prepare_data.py", "--replay-pool", checkpoint)
    assert made.returncode == 0, made.stderr
    pool_path = replay_pool_path(checkpoint)
    pool = load_replay_pool(pool_path, checkpoint, first.model.inputs, 7)
    everything = load_labelled(train_csv, first.model.inputs)
    assert len(pool.y) == len(everything.y)  # 80 beats a class, fewer than the pool's 500: all of them
    for name in ("beats", "features", "template"):
        assert np.array_equal(getattr(pool.inputs, name), getattr(everything.inputs, name)), name
    train_csv.rename(tmp_path / "moved.csv")
    try:
        from_pool, _ = load_split(tuned)
    finally:
        (tmp_path / "moved.csv").rename(train_csv)
    assert np.array_equal(from_pool.y, from_csv.y)
    assert np.array_equal(from_pool.inputs.template, from_csv.inputs.template)

    plain = load_config(ROOT / "config" / "config.json").model.inputs
    with pytest.raises(ConfigError, match="a replay pool of another checkpoint"):
        load_replay_pool(pool_path, checkpoint, plain, 7)  # a model with other inputs
    with pytest.raises(ConfigError, match="holds 500 beats of each class; set train.replay to at most 500"):
        load_replay_pool(pool_path, checkpoint, first.model.inputs, 501)
    again = run_main("prepare_data.py", "--replay-pool", checkpoint)
    assert again.returncode != 0 and again.stderr.strip() == f"error: {pool_path} exists; add --force to write it again"
    retrained = read_checkpoint(checkpoint)
    retrained["epoch"] += 1
    save_checkpoint(retrained, checkpoint)
    with pytest.raises(ConfigError, match="another checkpoint"):
        load_split(tuned)
    pool_path.write_bytes(pool_path.read_bytes()[:1000])
    with pytest.raises(ConfigError, match="cannot read it as a replay pool"):
        load_split(tuned)
