"""Training configs: four sections declared as dataclasses, read from JSON, with named overrides.

The declared defaults are the paper's recipe (Kachuee et al. 2018: its model, Adam at 1e-3, the LR x0.75
every 10,000 steps, no augmentation); a config file states only what its recipe changes, and may name
one other file to start from:
    {"extends": "config.json", "train": {"epochs": 30}}
Overrides on the command line use dotted names: --set train.lr=3e-4 data.val_fraction=0.2.
Unknown keys and values of the wrong type are errors that list what is allowed.

    python -m heartbeat.config        # rewrite docs/config.md from these declarations
"""
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import UserError
from .fileio import write_text_atomic
from .model import ModelConfig
from .schema import check_fields, default_of, option, type_name


@dataclass
class DataConfig:
    train_csv: str = option("data/mitbih_train.csv", "training beats, Kaggle CSV format")
    test_csv: str = option("data/mitbih_test.csv", "test beats, used by test.py only (never for model selection)")
    val_fraction: float = option(0.1, "fraction of the training CSV held out for validation, in [0, 1)")
    val_split: str = option("beats", "'beats': validation beats drawn from every record (stratified by class); "
                            "'records': whole records held out (from the CSV's .meta.csv sidecar), so the best "
                            "epoch and calibration are judged on patients training never saw",
                            choices=("beats", "records"))
    cache: bool = option(True, "keep parsed CSVs as <csv>.cache.npy beside them")

    def __post_init__(self):
        check_fields(self, "data")
        if not 0 <= self.val_fraction < 1:
            raise ValueError("data.val_fraction must be in [0, 1)")


@dataclass
class TrainConfig:
    epochs: int = option(30, "passes over the training split", minimum=1)
    batch_size: int = option(128, "beats per optimizer step", minimum=1)
    lr: float = option(1e-3, "Adam learning rate")
    betas: list[float] = option([0.9, 0.999], "Adam beta1, beta2")
    weight_decay: float = option(0.0, "Adam L2 penalty")
    schedule: str = option("step", "LR schedule per optimizer step: 'step' (x lr_decay every lr_decay_every "
                           "steps, the paper's) or 'cosine' (down to 0 over the run)", choices=("step", "cosine"))
    lr_decay: float = option(0.75, "'step' schedule: multiply the LR by this ...")
    lr_decay_every: int = option(10_000, "... every this many optimizer steps", minimum=1)
    augment: bool = option(False, "the paper's augmentation of each training beat: time stretch by 5/6..7/6 "
                           "and amplitude warp")
    loss: str = option("ce", "'ce' or 'weighted' (class weights (1 / class count) ** weight_power)",
                       choices=("ce", "weighted"))
    weight_power: float = option(1.0, "'weighted' loss: the power of the inverse class frequency "
                                 "(1: inverse frequency, 0.5: its square root)")
    untilt_priors: bool = option(True, "with a 'weighted' loss: validate, pick best.pt and predict at the real "
                                 "class frequencies (logit offsets undo the tilt the weights taught); false: "
                                 "at the tilted priors")
    calibrate: bool = option(False, "after training, choose a prior correction on the validation split "
                             "(maximising macro-F1) and write calibrated.pt beside best.pt")
    seed: int = option(0, "seeds the validation split, the initialisation, the batch order and the augmentation")
    threads: int = option(2, "torch CPU threads", minimum=1)
    max_batches: int | None = option(None, "stop each epoch after this many batches (null: all; for dry runs)",
                                     minimum=1)

    def __post_init__(self):
        check_fields(self, "train")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"train.betas = {self.betas!r}: expected two numbers in [0, 1)")


@dataclass
class RunConfig:
    log_dir: str = option("log", "parent folder of the run folders")
    name: str | None = option(None, "run folder name (null: a timestamp and the config's name)")

    def __post_init__(self):
        check_fields(self, "run")


SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig, "run": RunConfig}


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    run: RunConfig = field(default_factory=RunConfig)

    def to_dict(self):
        """Plain nested dict: what run folders and checkpoints store, and what from_dict reads back."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values, where="config"):
        """Sections of plain values (any subset of the keys) -> Config; ConfigError for anything unknown or
        ill-typed."""
        _check_keys(values, where)
        try:
            return cls(**{s: SECTIONS[s](**values.get(s, {})) for s in SECTIONS})
        except ValueError as e:
            raise ConfigError(str(e)) from None


class ConfigError(UserError):
    pass


def valid_keys():
    return [f"{s}.{f.name}" for s, section in SECTIONS.items() for f in fields(section)]


def load_config(path, overrides=()):
    """Read a config file (and the one it extends), apply "section.key=value" overrides, check it all."""
    values = _read(Path(path))
    for item in overrides:
        name, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form section.key=value")
        section, _, key = name.strip().partition(".")
        _check_key(section, key, where="override")
        values.setdefault(section, {})[key] = _parse_value(text)
    return Config.from_dict(values, where=str(path))


def _read(path, child=None):
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config is a JSON object of sections")
    base = {}
    if "extends" in raw:
        if child is not None:  # one level only: a recipe reads as its own file plus at most one other
            raise ConfigError(f"{child}: extends {path.name}, which extends again; a config may extend "
                              f"one file that extends none")
        base = _read(path.parent / raw.pop("extends"), child=path)
    _check_keys(raw, where=str(path))  # names a bad key in the file that has it
    for section, values in raw.items():
        base.setdefault(section, {}).update(values)
    return base


def _check_keys(values, where):
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: a config is a JSON object of sections")
    for section, keys in values.items():
        if section not in SECTIONS or not isinstance(keys, dict):
            raise ConfigError(f"{where}: unknown section {section!r}; sections are {', '.join(SECTIONS)}")
        for key in keys:
            _check_key(section, key, where)


def _check_key(section, key, where):
    if section not in SECTIONS or key not in {f.name for f in fields(SECTIONS[section])}:
        raise ConfigError(f"{where}: unknown key {section}.{key}; valid keys: {', '.join(valid_keys())}")


def _parse_value(text):
    """JSON when it parses (numbers, true/false/null, lists), else a plain string (paths, names)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def save_config(cfg, path):
    write_text_atomic(path, json.dumps(cfg.to_dict(), indent=2) + "\n")


def docs_markdown():
    """docs/config.md: every key with its type, default, allowed values and help, from the declarations."""
    import typing

    lines = ["# Configuration keys", "",
             "Generated from `heartbeat/config.py` and `heartbeat/model.py` by `python -m heartbeat.config`;",
             "a test fails when this file is stale. The defaults are the paper's recipe; a config file in",
             "`config/` states what its recipe changes, and `--set section.key=value` overrides any key.", "",
             "| key | type | default | meaning |", "|---|---|---|---|"]
    for s, section in SECTIONS.items():
        hints = typing.get_type_hints(section)
        for f in fields(section):
            meaning = f.metadata["help"].replace("|", "\\|")
            if f.metadata.get("choices"):
                meaning += f" (one of: {', '.join(f.metadata['choices'])})"
            lines.append(f"| `{s}.{f.name}` | {type_name(hints[f.name])} | `{json.dumps(default_of(f))}` "
                         f"| {meaning} |")
    return "\n".join(lines) + "\n"


DOCS_PATH = Path(__file__).resolve().parents[1] / "docs" / "config.md"

if __name__ == "__main__":
    write_text_atomic(DOCS_PATH, docs_markdown())
    print(f"wrote {DOCS_PATH}")
