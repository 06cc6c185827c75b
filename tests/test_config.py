import json

import pytest

from conftest import ROOT
from heartbeat.config import ConfigError, load_config, valid_keys

DEFAULT = ROOT / "config" / "config.json"


def test_default_config_is_complete_and_typed():
    cfg = load_config(DEFAULT)
    assert cfg["train"]["lr"] == 1e-3 and cfg["model"]["channels"] == 32
    assert len(valid_keys()) == sum(len(v) for v in cfg.values())


def test_overrides_are_typed():
    cfg = load_config(DEFAULT, ["train.lr=3e-4", "train.epochs=2", "run.name=x", "train.betas=[0.8,0.9]",
                                "data.val_fraction=0"])
    assert cfg["train"]["lr"] == 3e-4 and cfg["train"]["epochs"] == 2 and cfg["run"]["name"] == "x"
    assert cfg["train"]["betas"] == [0.8, 0.9] and cfg["data"]["val_fraction"] == 0.0


@pytest.mark.parametrize("override, message", [
    ("train.lrr=1", "unknown key train.lrr; valid keys: data.train_csv"),
    ("trian.lr=1", "unknown key trian.lr"),
    ("train.epochs=two", "train.epochs = 'two': expected int"),
    ("train.epochs=1.5", "expected int"),
    ("data.cache=1", "expected bool"),
    ("train.epochs=0", "at least 1"),
    ("data.segmentation=fourier", "must be one of"),
    ("train.lr", "not of the form"),
    ("train.betas=[0.9]", "expected two numbers"),
    ("train.loss=hinge", "train.loss = 'hinge': must be one of ce, weighted, focal"),
    ("train.patience=0", "patience must be at least 1"),
    ("model.rr_average=mode", "model.rr_average = 'mode': must be one of median, mean"),
    ("model.morphology_dropout=1.0", "morphology_dropout must be in"),
    ("model.morphology_dropout=0.5", "needs model.rr_features or model.template_features"),
    ("train.augment_template=true", "augment_template needs train.augment and model.template_channel"),
])
def test_bad_overrides(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(DEFAULT, [override])


def test_extends_and_unknown_keys_in_files(tmp_path):
    (tmp_path / "base.json").write_text(DEFAULT.read_text())
    (tmp_path / "child.json").write_text(json.dumps({"extends": "base.json", "train": {"epochs": 3}}))
    assert load_config(tmp_path / "child.json")["train"]["epochs"] == 3
    (tmp_path / "typo.json").write_text(json.dumps({"extends": "base.json", "train": {"epoch": 3}}))
    with pytest.raises(ConfigError, match="typo.json: unknown key train.epoch"):
        load_config(tmp_path / "typo.json")
    (tmp_path / "partial.json").write_text(json.dumps({"train": {"epochs": 3}}))
    with pytest.raises(ConfigError, match="config lacks data.train_csv"):
        load_config(tmp_path / "partial.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(tmp_path / "broken.json")


def test_shipped_configs_load():
    for path in (ROOT / "config").glob("*.json"):
        load_config(path)


def test_readme_documents_every_key():
    readme = (ROOT / "README.md").read_text()
    missing = [key for key in valid_keys() if f"`{key}`" not in readme]
    assert not missing, f"README.md config table lacks {missing}"
