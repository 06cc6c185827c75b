from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import REFERENCE, ROOT, needs_reference
from heartbeat.checkpoint import (FORMAT_VERSION, CheckpointError, load_checkpoint, make_checkpoint, read_checkpoint,
                                  save_checkpoint, upgrade)
from heartbeat.config import Config, load_config
from heartbeat.inference import classify_csv
from heartbeat.model import BeatNet

SAMPLE = ROOT / "samples" / "mitbih_test_labelled.csv"


def test_round_trip_gives_identical_outputs(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json")
    model = BeatNet().eval()
    save_checkpoint(make_checkpoint(model, cfg, epoch=3, metrics={"val": {"accuracy": 0.5}}), tmp_path / "m.pt")
    raw = torch.load(tmp_path / "m.pt", weights_only=True)  # plain types only
    assert raw["model_args"]["channels"] == 32 and raw["classes"] == ["N", "S", "V", "F", "Q"]
    assert raw["format_version"] == FORMAT_VERSION == 2
    loaded, info = load_checkpoint(tmp_path / "m.pt")
    x = torch.rand(8, 1, 187)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    assert info["epoch"] == 3 and info["preprocessing"]["sampling_rate_hz"] == 120
    assert Config.from_dict(info["config"]) == cfg and "model_state" not in info
    assert info["inputs"] == {"features": []}


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match=r"not a readable PyTorch checkpoint \(not a whole file written by torch.save\)$"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a heartbeat checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(CheckpointError, match="holds a list"):
        load_checkpoint(tmp_path / "list.pt")
    (tmp_path / "run").mkdir()
    with pytest.raises(CheckpointError, match=r"run is a folder, not a checkpoint file$"):
        load_checkpoint(tmp_path / "run")
    (tmp_path / "run" / "best.pt").write_bytes(b"")
    with pytest.raises(CheckpointError, match=r"run is a folder, not a checkpoint file \(a train.py run folder: give"):
        load_checkpoint(tmp_path / "run")


def test_unreadable_checkpoint_and_unwritable_outputs_are_named(tmp_path, monkeypatch):
    """Permissions (simulated: the tests may run as root, whom no permission stops): a checkpoint that cannot be
    read is not called a damaged file; an output in a folder that cannot be written in is refused before any work."""
    from heartbeat import UserError, fileio

    torch.save([1, 2], tmp_path / "locked.pt")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(torch, "load", denied)
    with pytest.raises(CheckpointError, match=r"locked.pt: cannot be read \(permission denied\)$"):
        load_checkpoint(tmp_path / "locked.pt")
    monkeypatch.undo()
    monkeypatch.setattr(fileio.os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(UserError, match=f"no permission to write in {tmp_path}$"):
        fileio.check_output(tmp_path / "out.csv")
    with pytest.raises(UserError, match=f"no permission to write in {tmp_path}$"):
        fileio.check_folder(tmp_path / "report")
    with pytest.raises(UserError, match=f"no permission to write in {tmp_path}$"):  # its folder would be made there
        fileio.check_output(tmp_path / "sub" / "out.csv")
    (tmp_path / "open").mkdir()
    fileio.check_output(tmp_path / "open" / "out.csv")  # a folder that may be written in


def test_truncated_checkpoint(tmp_path):
    save_checkpoint(make_checkpoint(BeatNet(), Config(), 1, {}), tmp_path / "m.pt")
    data = (tmp_path / "m.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(tmp_path / "cut.pt")


def test_weights_that_do_not_fit_and_inputs_that_changed(tmp_path):
    ckpt = make_checkpoint(BeatNet(), Config(), 1, {})
    ckpt["model_args"]["channels"] = 16
    save_checkpoint(ckpt, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tmp_path / "m.pt")
    ckpt = make_checkpoint(BeatNet(), Config(), 1, {})
    ckpt["classes"] = ["N", "V", "S", "F", "Q"]
    save_checkpoint(ckpt, tmp_path / "classes.pt")
    with pytest.raises(CheckpointError, match="classes .*this code labels N, S, V, F, Q"):
        load_checkpoint(tmp_path / "classes.pt")
    ckpt = make_checkpoint(BeatNet(rr_features=True), Config(), 1, {})
    ckpt["inputs"]["features"][5] = "prev/avg"  # computed differently when it was trained
    save_checkpoint(ckpt, tmp_path / "old_inputs.pt")
    with pytest.raises(CheckpointError, match="trained with the inputs .*prev/avg"):
        load_checkpoint(tmp_path / "old_inputs.pt")


def version_1(model, **model_args):
    """A checkpoint dict as the code before issue 19 wrote it (format 1), from today's model."""
    new = make_checkpoint(model, Config(), 1, {})
    prep = dict(new["preprocessing"])
    if model.inputs.rr_features:
        prep["rr_features"] = new["inputs"]["features"][:8]
    return {**new, "format_version": 1, "preprocessing": prep, "inputs": None,
            "model_args": {"beat_len": 187, "num_classes": 5, **model.model_args(), **model_args}}


def test_upgrade_maps_version_1_and_refuses_what_was_removed(tmp_path):
    model = BeatNet(rr_features=True).eval()
    save_checkpoint(version_1(model, rr_average="mean"), tmp_path / "v1.pt")
    loaded, info = load_checkpoint(tmp_path / "v1.pt")
    assert info["format_version"] == 2 and "beat_len" not in info["model_args"] and "rr_features" not in \
        info["preprocessing"] and info["inputs"] == model.inputs.describe()
    x, f = torch.rand(3, 1, 187), torch.rand(3, 8)
    with torch.no_grad():
        assert torch.equal(loaded(x, f), model(x, f))
    for args, message in (({"rr_average": "median"}, "median R-R"), ({}, "median R-R"),
                          ({"rr_average": "mean", "beat_len": 250}, "beat_len other than 187")):
        with pytest.raises(CheckpointError, match=message):
            upgrade(version_1(model, **args))
    paper_cut = version_1(BeatNet())
    paper_cut["preprocessing"]["method"] = "paper"
    with pytest.raises(CheckpointError, match="'paper' rule.*experiments-v1"):
        upgrade(paper_cut)
    damaged = version_1(BeatNet())
    del damaged["preprocessing"]
    with pytest.raises(CheckpointError, match="a damaged version-1 checkpoint"):
        upgrade(damaged)
    averaged = {**version_1(BeatNet()), "ema_state": {"n_averaged": torch.tensor(3)}}
    assert "ema_state" not in upgrade(averaged)  # weight averaging was removed: its state is dropped
    no_bias = version_1(BeatNet())
    del no_bias["model_state"]["logit_bias"]  # written before the buffer existed
    assert torch.equal(upgrade(no_bias)["model_state"]["logit_bias"], torch.zeros(5))


@needs_reference
def test_original_project_state_dict_is_converted():
    """Every tensor of the original project's state dict lands under its own name in BeatNet: conv_1 -> stem,
    residual_block_i.conv_j -> blocks.(i-1).convj, linear_1/2/3 -> fc1/fc2/out."""
    model, info = load_checkpoint(REFERENCE)
    assert info["preprocessing"]["method"] == "kaggle" and "original project" in info["source"]
    raw = torch.load(REFERENCE, weights_only=True, map_location="cpu")
    ours = model.state_dict()

    def our_name(key):
        layer, rest = key.split(".", 1)
        if layer.startswith("residual_block_"):
            block, conv = key.split(".")[:2]
            return f"blocks.{int(block.rsplit('_', 1)[1]) - 1}.conv{conv.rsplit('_', 1)[1]}.{key.split('.', 2)[2]}"
        return {"conv_1": "stem", "linear_1": "fc1", "linear_2": "fc2", "linear_3": "out"}[layer] + "." + rest

    assert len(raw) == 28 and all(torch.equal(ours[our_name(k)], v) for k, v in raw.items())
    assert read_checkpoint(REFERENCE)["classes"] == ["N", "S", "V", "F", "Q"]


@pytest.mark.parametrize("name, parameters, accuracy", [("mitbih.pt", 55_013, 0.90), ("mitbih_ds1.pt", 55_013 + 160 + 10 * 32, 0.62)])
def test_shipped_models_are_version_1_files_that_load_and_predict(name, parameters, accuracy):
    """Both shipped checkpoints were written in format 1 and are read through upgrade(); their accuracy on
    the 50 labelled sample beats is what predict.py printed before the upgrade existed."""
    path = ROOT / "models" / name
    assert torch.load(path, weights_only=True)["format_version"] == 1
    model, info = load_checkpoint(path)
    assert sum(p.numel() for p in model.parameters()) == parameters and path.stat().st_size < 1_000_000
    assert info["preprocessing"]["sampling_rate_hz"] == 120
    _, y, proba = classify_csv(model, SAMPLE)
    assert np.mean(proba.argmax(1) == y) == pytest.approx(accuracy)
