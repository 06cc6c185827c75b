"""Training configs: four sections declared as dataclasses, read from JSON, with named overrides.

The declared defaults are the paper's recipe (Kachuee et al. 2018: its model, Adam at 1e-3, the LR x0.75
every 10,000 steps, no augmentation); a config file states only what its recipe changes, and may name
one other file to start from:
    {"extends": "config.json", "train": {"epochs": 30}}
Overrides on the command line use dotted names: --set train.lr=3e-4 data.val_fraction=0.2.
Unknown keys and values of the wrong type are errors that list what is allowed.

    python -m heartbeat.config            # print docs/config.md as these declarations make it
    python -m heartbeat.config --write    # ... and write it
"""
import difflib
import json
import sys
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from . import UserError
from .fileio import write_text_atomic
from .model import ModelConfig
from .schema import check_fields, default_of, option, type_name


@dataclass
class DataConfig:
    train_csv: str | list[str] = option("data/mitbih_train.csv", "training beats, Kaggle CSV format; a list of "
                                        "CSVs trains on all of them (e.g. two databases, or two leads)")
    test_csv: str = option("data/mitbih_test.csv", "test beats, used by test.py only (never for model selection)")
    val_fraction: float = option(0.1, "fraction of the training CSV held out for validation, in [0, 1)")
    val_split: str = option("beats", "'beats': validation beats drawn from every record (stratified by class); "
                            "'records': whole records held out (from the CSV's .meta.csv sidecar), so the best "
                            "epoch and calibration are judged on patients training never saw",
                            choices=("beats", "records"))
    cache: bool = option(True, "keep parsed CSVs as <csv>.cache.npy beside them")

    def __post_init__(self):
        check_fields(self, "data")
        if self.train_csv == []:
            raise ValueError("data.train_csv is an empty list; name at least one CSV")
        if not 0 <= self.val_fraction < 1:
            raise ValueError("data.val_fraction must be in [0, 1)")


@dataclass
class TrainConfig:
    epochs: int = option(30, "passes over the training split", minimum=1)
    batch_size: int = option(128, "beats per optimizer step", minimum=1)
    lr: float = option(1e-3, "Adam learning rate", minimum=0)
    betas: list[float] = option([0.9, 0.999], "Adam beta1, beta2")
    weight_decay: float = option(0.0, "Adam L2 penalty", minimum=0)
    schedule: str = option("step", "LR schedule per optimizer step: 'step' (x lr_decay every lr_decay_every "
                           "steps, the paper's) or 'cosine' (down to 0 over the run)", choices=("step", "cosine"))
    lr_decay: float = option(0.75, "'step' schedule: multiply the LR by this ...", minimum=0)
    lr_decay_every: int = option(10_000, "... every this many optimizer steps", minimum=1)
    augment: bool = option(False, "the paper's augmentation of each training beat: time stretch by 5/6..7/6 "
                           "and amplitude warp")
    noise: str | None = option(None, "file of real recorder noise (prepare_data.py --noise writes data/noise.npz "
                               "from the noise stress test's bw, em, ma records): each training beat is also, each "
                               "with chance 1/2, low-pass filtered (-3 dB at 20 Hz or higher) and given a noise "
                               "segment at 0..24 dB SNR (augment.RecorderNoise); null: off")
    loss: str = option("ce", "'ce' or 'weighted' (class weights (1 / class count) ** weight_power)",
                       choices=("ce", "weighted"))
    weight_power: float = option(1.0, "'weighted' loss: the power of the inverse class frequency "
                                 "(1: inverse frequency, 0.5: its square root)", minimum=0)
    untilt_priors: bool = option(True, "with a 'weighted' loss: validate, pick best.pt and predict at the real "
                                 "class frequencies (logit offsets undo the tilt the weights taught); false: "
                                 "at the tilted priors")
    calibrate: bool = option(False, "after training, choose a prior correction on the validation split "
                             "(maximising macro-F1) and write calibrated.pt beside best.pt")
    init: str | None = option(None, "start from this checkpoint's weights instead of a random initialisation "
                              "(fine-tuning; the model section must describe its model: train.py --init sets it)")
    finetune: str = option("all", "with train.init: train 'all' layers, or only the 'head' (the three linear layers; "
                           "the convolutions keep the checkpoint's weights)", choices=("all", "head"))
    replay: int = option(0, "with train.init: also train on up to this many beats of each class drawn "
                         "(seeded) from the checkpoint's training beats: its replay pool (NAME.replay.npz beside "
                         "NAME.pt) where there is one, else the training CSVs of its own config; so that fine-tuning "
                         "on one patient's few labelled minutes keeps the classes they lack; 0: off", minimum=0)
    ema: float = option(0.0, "validate and save an exponential moving average of the weights, updated after every "
                        "optimizer step with this decay (0.9995: about the last 2,000 steps); 0: the weights as "
                        "trained", minimum=0)
    seed: int = option(0, "seeds the validation split, the initialisation, the batch order and the augmentation")
    threads: int = option(2, "torch CPU threads", minimum=1)
    max_batches: int | None = option(None, "stop each epoch after this many batches (null: all; for dry runs)",
                                     minimum=1)

    def __post_init__(self):
        check_fields(self, "train")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"train.ema = {self.ema!r}: expected a decay in [0, 1)")
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

    def __post_init__(self):
        # prior calibration fits class offsets to the reading with morphology; a mixed reading is another one
        if self.model.morphology_mix and self.train.calibrate:
            raise ValueError("train.calibrate fits the reading with morphology, not model.morphology_mix's mixed "
                             "one: set train.calibrate=false")

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
            raise ConfigError(f"{where}: {e}") from None


class ConfigError(UserError):
    pass


def valid_keys():
    return [f"{s}.{f.name}" for s, section in SECTIONS.items() for f in fields(section)]


def load_config(path, overrides=()):
    """Read a config file (and the one it extends), apply "section.key=value" overrides, check it all."""
    return load_values(_read(Path(path)), overrides, where=str(path))


def load_values(values, overrides, where):
    """Config sections read from a file, with "section.key=value" overrides applied, checked -> Config."""
    for item in overrides:
        name, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form section.key=value")
        section, _, key = name.strip().partition(".")
        _check_key(section, key, where="override")
        values.setdefault(section, {})[key] = _parse_value(text, _declared_type(section, key))
    return Config.from_dict(values, where=where)


# Keys removed in issue 19 (at tag experiments-v1), with the value that means what today's code does: a run's
# saved config.json written before still loads for --resume and --calibrate when it used that value.
REMOVED_KEYS = {("data", "segmentation"): "kaggle", ("model", "beat_len"): 187, ("model", "num_classes"): 5,
                ("train", "sampler"): "shuffle", ("train", "ema_decay"): 0.0, ("train", "patience"): None,
                ("train", "augment_template"): False, ("train", "focal_gamma"): None}


def load_run_config(run_dir, overrides=()):
    """The config a run folder was trained with (its config.json), older runs' removed keys taken out."""
    path = Path(run_dir) / "config.json"
    values = _read_json(path)  # written by train.py: every key, no 'extends'
    written_before = "segmentation" in values.get("data", {})  # every config saved before issue 19 has it
    for (section, key), today in REMOVED_KEYS.items():
        value = values.get(section, {}).pop(key, today)
        if today is not None and value != today:
            raise ConfigError(f"{path}: {section}.{key} = {value!r} was removed in issue 19; this run continues "
                              f"at tag experiments-v1")
    model = values.get("model", {})
    if written_before and model.get("rr_features") and model.get("rr_average", "median") != "mean":
        raise ConfigError(f"{path}: its R-R features divide by the {model.get('rr_average', 'median')} R-R, "
                          f"removed in issue 19; this run continues at tag experiments-v1")
    model.pop("rr_average", None)
    return load_values(values, overrides, where=str(path))


def _read_json(path):
    try:
        raw = json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError):  # the latter: a run folder given that is a file
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a config file") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a config is a JSON object of sections")
    return raw


def _read(path, child=None):
    raw = _read_json(path)
    base = {}
    if "extends" in raw:
        if not isinstance(raw["extends"], str):
            raise ConfigError(f"{path}: 'extends' names a config file, got {raw['extends']!r}")
        if child is not None:  # one level only: a recipe reads as its own file plus at most one other
            raise ConfigError(f"{child}: extends {path.name}, which extends again; a config may extend "
                              f"one file that extends none")
        base_path = path.parent / raw.pop("extends")
        if not base_path.is_file():
            raise ConfigError(f"{path}: extends {base_path.name}, which is not in {base_path.parent}")
        base = _read(base_path, child=path)
    _check_keys(raw, where=str(path))  # names a bad key in the file that has it
    for section, values in raw.items():
        base.setdefault(section, {}).update(values)
    return base


def _check_keys(values, where):
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: a config is a JSON object of sections")
    for section, keys in values.items():
        if section not in SECTIONS:
            raise ConfigError(f"{where}: unknown section {section!r}; sections are {', '.join(SECTIONS)}")
        if not isinstance(keys, dict):
            raise ConfigError(f"{where}: section {section!r} must be an object of keys, got {keys!r}")
        for key in keys:
            _check_key(section, key, where)


def _check_key(section, key, where):
    if section not in SECTIONS or key not in {f.name for f in fields(SECTIONS[section])}:
        close = difflib.get_close_matches(f"{section}.{key}", valid_keys(), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"{where}: unknown key {section}.{key}; {hint}valid keys: {', '.join(valid_keys())} "
                          f"(docs/config.md)")


def _declared_type(section, key):
    return typing.get_type_hints(SECTIONS[section])[key]


def _parse_value(text, hint):
    """The value of `--set key=text`: JSON when it parses (numbers, true/false/null, lists), else the text; a key
    declared as a string keeps its text as it is (run.name=123 is the name '123')."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    takes_text = hint is str or str in typing.get_args(hint)
    return text if takes_text and isinstance(value, (bool, int, float)) else value


def save_config(cfg, path):
    write_text_atomic(path, json.dumps(cfg.to_dict(), indent=2) + "\n")


def docs_markdown():
    """docs/config.md: every key with its type, default, allowed values and help, from the declarations."""
    lines = ["# Configuration keys", "",
             "Generated from `heartbeat/config.py` and `heartbeat/model.py` by `python -m heartbeat.config --write`;",
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
    if sys.argv[1:] == ["--write"]:
        write_text_atomic(DOCS_PATH, docs_markdown())
        print(f"wrote {DOCS_PATH}")
    elif sys.argv[1:]:
        sys.exit(__doc__)
    else:
        print(docs_markdown(), end="")
