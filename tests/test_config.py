import json

import pytest

from conftest import ROOT
from heartbeat.config import DOCS_PATH, Config, ConfigError, docs_markdown, load_config, valid_keys

DEFAULT = ROOT / "config" / "config.json"


def test_defaults_are_the_papers_recipe_and_config_json_states_the_changes():
    paper, default = load_config(ROOT / "config" / "paper.json"), load_config(DEFAULT)
    assert paper == Config()
    assert (paper.train.schedule, paper.train.augment, paper.train.epochs) == ("step", False, 30)
    assert (default.train.schedule, default.train.augment, default.train.epochs) == ("cosine", True, 60)
    assert default.model == paper.model and default.train.lr == 1e-3 and default.model.channels == 32
    assert len(valid_keys()) == sum(len(v) for v in default.to_dict().values())


def test_overrides_are_typed():
    cfg = load_config(DEFAULT, ["train.lr=3e-4", "train.epochs=2", "run.name=x", "train.betas=[0.8,0.9]",
                                "data.val_fraction=0"])
    assert cfg.train.lr == 3e-4 and cfg.train.epochs == 2 and cfg.run.name == "x"
    assert load_config(DEFAULT, ["run.name=123"]).run.name == "123"  # a string key keeps its text
    two = load_config(DEFAULT, ['data.train_csv=["a.csv","b.csv"]']).data.train_csv
    assert two == ["a.csv", "b.csv"]
    assert cfg.train.betas == [0.8, 0.9] and cfg.data.val_fraction == 0.0 and isinstance(cfg.data.val_fraction, float)


@pytest.mark.parametrize("override, message", [
    ("train.lrr=1", r"unknown key train.lrr; did you mean train.lr\? valid keys: data.train_csv"),
    ("train.lr=-1", "train.lr must be at least 0"),
    ("train.lr=Infinity", "expected a finite number"),
    ("data.train_csv=[1]", "expected str or list of str"),
    ("trian.lr=1", "unknown key trian.lr"),
    ("train.epochs=two", "train.epochs = 'two': expected int"),
    ("train.epochs=1.5", "expected int"),
    ("data.cache=1", "expected bool"),
    ("train.epochs=0", "train.epochs must be at least 1"),
    ("train.max_batches=0", "train.max_batches must be at least 1"),
    ("train.lr", "not of the form"),
    ("train.betas=[0.9]", "expected two numbers"),
    ("train.betas=[0.9,\"x\"]", "train.betas = 'x': expected float"),
    ("train.loss=hinge", "train.loss = 'hinge': must be one of ce, weighted"),
    ("train.schedule=onecycle", "must be one of step, cosine"),
    ("run.name=null", None),
    ("data.val_fraction=1", "data.val_fraction must be in"),
    ("model.morphology_dropout=1.0", "morphology_dropout must be in"),
    ("model.morphology_dropout=0.5", "needs model.rr_features or model.template_features"),
    ("model.num_blocks=7", "pools a 187-value beat to nothing"),
    ("model.morphology_mix=0.5", "morphology_mix needs model.morphology_dropout"),
    ("model.morphology_mix=1.0", "morphology_mix must be in"),
])
def test_bad_overrides(override, message):
    if message is None:  # a nullable key takes null
        assert load_config(DEFAULT, [override]).run.name is None
        return
    with pytest.raises(ConfigError, match=message):
        load_config(DEFAULT, [override])


def test_extends_one_level_and_unknown_keys_in_files(tmp_path):
    (tmp_path / "base.json").write_text(DEFAULT.read_text())
    (tmp_path / "child.json").write_text(json.dumps({"extends": "base.json", "train": {"lr": 0.01}}))
    child = load_config(tmp_path / "child.json")
    assert child.train.lr == 0.01 and child.train.epochs == 60  # the base's value, then the child's
    (tmp_path / "grandchild.json").write_text(json.dumps({"extends": "child.json"}))
    with pytest.raises(ConfigError, match="grandchild.json: extends child.json, which extends again"):
        load_config(tmp_path / "grandchild.json")
    (tmp_path / "typo.json").write_text(json.dumps({"extends": "base.json", "train": {"epoch": 3}}))
    with pytest.raises(ConfigError, match="typo.json: unknown key train.epoch"):
        load_config(tmp_path / "typo.json")
    (tmp_path / "section.json").write_text(json.dumps({"training": {}}))
    with pytest.raises(ConfigError, match="unknown section 'training'"):
        load_config(tmp_path / "section.json")
    (tmp_path / "bad_extends.json").write_text(json.dumps({"extends": 5}))
    with pytest.raises(ConfigError, match="'extends' names a config file"):
        load_config(tmp_path / "bad_extends.json")
    (tmp_path / "lost.json").write_text(json.dumps({"extends": "nowhere.json"}))
    with pytest.raises(ConfigError, match="lost.json: extends nowhere.json, which is not in"):
        load_config(tmp_path / "lost.json")
    (tmp_path / "flat.json").write_text(json.dumps({"train": 5}))
    with pytest.raises(ConfigError, match="section 'train' must be an object"):
        load_config(tmp_path / "flat.json")
    (tmp_path / "typed.json").write_text(json.dumps({"train": {"epochs": "30"}}))
    with pytest.raises(ConfigError, match="typed.json: train.epochs = '30': expected int"):
        load_config(tmp_path / "typed.json")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(tmp_path / "broken.json")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "none.json")


def test_removed_keys_are_unknown():
    """Options pruned in issue 19 (at tag experiments-v1) are refused, not silently ignored."""
    for key in ("train.ema_decay=0.9", "train.patience=3", "model.rr_average=mean", "data.segmentation=kaggle",
                "model.beat_len=187", "train.sampler=balanced"):
        with pytest.raises(ConfigError, match="unknown key"):
            load_config(DEFAULT, [key])


def test_runs_saved_before_the_pruning_still_load(tmp_path):
    """A run folder's config.json from before issue 19 lists the removed keys: at the values that mean what the
    code does today they are dropped; at others the run is refused in one line."""
    from heartbeat.config import load_run_config

    old = load_config(DEFAULT).to_dict()
    old["data"]["segmentation"], old["model"]["beat_len"], old["model"]["rr_average"] = "kaggle", 187, "median"
    old["train"].update(sampler="shuffle", ema_decay=0.0, patience=None, focal_gamma=2.0, augment_template=False)
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert load_run_config(tmp_path, ["train.epochs=70"]) == load_config(DEFAULT, ["train.epochs=70"])
    old["train"]["ema_decay"] = 0.999
    (tmp_path / "config.json").write_text(json.dumps(old))
    with pytest.raises(ConfigError, match="train.ema_decay = 0.999 was removed in issue 19.*experiments-v1"):
        load_run_config(tmp_path)
    old["train"]["ema_decay"], old["model"]["rr_features"] = 0.0, True
    (tmp_path / "config.json").write_text(json.dumps(old))
    with pytest.raises(ConfigError, match="divide by the median R-R"):
        load_run_config(tmp_path)


def test_python_m_heartbeat_config_prints_the_docs():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "heartbeat.config"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout == docs_markdown()


def test_shipped_configs_load_flat():
    for path in (ROOT / "config").glob("*.json"):
        load_config(path)
        base = json.loads(path.read_text()).get("extends")
        assert base is None or "extends" not in json.loads((path.parent / base).read_text()), path


def test_config_round_trips_through_its_dict():
    cfg = load_config(ROOT / "config" / "ds1_rr_mean_channel.json")
    assert Config.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_docs_config_md_is_current():
    assert DOCS_PATH.read_text() == docs_markdown(), "docs/config.md is stale: run python -m heartbeat.config --write"
    for key in valid_keys():
        assert f"`{key}`" in DOCS_PATH.read_text()


def test_morphology_mix_is_refused_with_prior_calibration():
    """Prior calibration fits offsets to the reading with morphology; a mixed model would not read as fitted."""
    assert load_config(ROOT / "config" / "recording.json").model.morphology_mix == 0.5
    with pytest.raises(ConfigError, match="train.calibrate fits the reading with morphology"):
        load_config(ROOT / "config" / "recording.json", ["train.calibrate=true"])
