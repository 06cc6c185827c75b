import pytest
import torch

from conftest import REFERENCE
from heartbeat.checkpoint import CheckpointError, load_checkpoint, make_checkpoint, read_checkpoint, save_checkpoint
from heartbeat.config import load_config
from heartbeat.model import BeatNet

from conftest import ROOT


def test_round_trip_gives_identical_outputs(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json")
    model = BeatNet().eval()
    save_checkpoint(make_checkpoint(model, cfg, epoch=3, metrics={"val": {"accuracy": 0.5}}), tmp_path / "m.pt")
    raw = torch.load(tmp_path / "m.pt", weights_only=True)  # plain types only
    assert raw["model_args"]["channels"] == 32 and raw["classes"] == ["N", "S", "V", "F", "Q"]
    loaded, meta = load_checkpoint(tmp_path / "m.pt")
    x = torch.rand(8, 1, 187)
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    assert meta["epoch"] == 3 and meta["preprocessing"]["sampling_rate_hz"] == 120
    assert meta["config"] == cfg and "model_state" not in meta


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "none.pt")
    (tmp_path / "junk.pt").write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a heartbeat checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    with pytest.raises(CheckpointError, match="holds a list"):
        load_checkpoint(tmp_path / "list.pt")


def test_truncated_checkpoint(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json")
    save_checkpoint(make_checkpoint(BeatNet(), cfg, 1, {}), tmp_path / "m.pt")
    data = (tmp_path / "m.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="not a readable"):
        load_checkpoint(tmp_path / "cut.pt")


def test_weights_that_do_not_fit(tmp_path):
    cfg = load_config(ROOT / "config" / "config.json")
    ckpt = make_checkpoint(BeatNet(), cfg, 1, {})
    ckpt["model_args"]["channels"] = 16
    save_checkpoint(ckpt, tmp_path / "m.pt")
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tmp_path / "m.pt")


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference checkpoint not found")
def test_original_project_state_dict_is_converted():
    model, meta = load_checkpoint(REFERENCE)
    assert meta["preprocessing"]["method"] == "kaggle" and "original project" in meta["source"]
    raw = torch.load(REFERENCE, weights_only=True, map_location="cpu")
    assert torch.equal(model.blocks[4].conv2.weight, raw["residual_block_5.conv_2.weight"])
    assert read_checkpoint(REFERENCE)["classes"] == ["N", "S", "V", "F", "Q"]


def test_shipped_model_loads():
    model, meta = load_checkpoint(ROOT / "models" / "mitbih.pt")
    assert meta["preprocessing"]["method"] == "kaggle" and meta["preprocessing"]["sampling_rate_hz"] == 120
    assert sum(p.numel() for p in model.parameters()) == 55_013
    assert (ROOT / "models" / "mitbih.pt").stat().st_size < 1_000_000
