"""JSON configs with named overrides. The schema is here; the values live in config/*.json.

A config file either lists every key (config/config.json) or names another file to extend:
    {"extends": "config.json", "train": {"epochs": 5}}
Overrides on the command line use dotted names: --set train.lr=3e-4 data.val_fraction=0.2.
Unknown keys and values of the wrong type are errors that list what is allowed.
"""
import copy
import json
from pathlib import Path

from . import UserError
from .rr import AVERAGE_COLUMN

# section -> key -> (allowed types, help). None in the types means the key may be null.
SCHEMA = {
    "data": {
        "train_csv": ((str,), "training beats, Kaggle CSV format"),
        "test_csv": ((str,), "test beats, used by test.py only (never for model selection)"),
        "val_fraction": ((float,), "fraction of the training CSV held out for validation (stratified, seeded)"),
        "val_split": ((str,), "'beats' (random beats of every record) or 'records' (whole records, from the "
                      "CSV's .meta.csv sidecar: validation on patients training never saw)"),
        "segmentation": ((str,), "how the CSV beats were cut: 'kaggle' or 'paper' (stored in the checkpoint)"),
        "cache": ((bool,), "keep parsed CSVs as <csv>.cache.npy beside them"),
    },
    "model": {
        "beat_len": ((int,), "values per beat"),
        "channels": ((int,), "conv channels"),
        "kernel_size": ((int,), "conv kernel size"),
        "num_blocks": ((int,), "residual blocks, each halving the length"),
        "hidden": ((int,), "width of the two hidden linear layers"),
        "num_classes": ((int,), "output classes"),
        "rr_features": ((bool,), "also feed the R-R intervals around each beat (previous, next, local and "
                        "long-term average, and their ratios) from the CSV's .meta.csv sidecar; off = the paper's model"),
        "rr_average": ((str,), "the patient's average R-R that the R-R ratios divide by: 'median' or 'mean' of "
                       "the intervals within +-150 s (the mean still shows premature beats early where they "
                       "are the prevailing rhythm)"),
        "morphology_dropout": ((float,), "in training, the chance that a beat's conv (morphology) features are "
                               "zeroed so the model also learns to classify from its extra inputs alone; 0: off"),
        "template_features": ((bool,), "also feed the beat's correlation with and distance to the recording's "
                              "median beat (from the sidecar); off = the paper's model"),
        "template_channel": ((bool,), "also feed the recording's median beat (from the CSV's .templates.csv): the "
                             "first conv then sees the beat and the beat minus that template, i.e. its shape against "
                             "the patient's usual beat (+160 weights); off = the paper's model"),
    },
    "train": {
        "epochs": ((int,), "passes over the training split"),
        "batch_size": ((int,), "beats per optimizer step"),
        "lr": ((float,), "Adam learning rate"),
        "betas": ((list,), "Adam beta1, beta2"),
        "weight_decay": ((float,), "Adam L2 penalty"),
        "lr_decay": ((float,), "multiply the LR by this ..."),
        "lr_decay_every": ((int,), "... every this many optimizer steps (the paper: 0.75 per 10,000)"),
        "seed": ((int,), "seeds the validation split, the initialisation and the batch order"),
        "threads": ((int,), "torch CPU threads"),
        "max_batches": ((int, None), "stop each epoch after this many batches (null: all; for dry runs)"),
        "schedule": ((str,), "LR schedule per step: 'step' (lr_decay every lr_decay_every), 'cosine', 'onecycle'"),
        "loss": ((str,), "'ce', 'weighted' (inverse class frequency) or 'focal'"),
        "focal_gamma": ((float,), "focusing exponent of the focal loss"),
        "weight_power": ((float,), "'weighted' loss and 'balanced' sampler: class weight (1 / class count) ** "
                         "weight_power (1: inverse frequency, 0.5: its square root)"),
        "sampler": ((str,), "'shuffle' (each beat once per epoch) or 'balanced' (beats drawn with replacement, "
                    "class c with chance ~ count_c ** (1 - weight_power): 1 = classes equally often)"),
        "untilt_priors": ((bool,), "with a 'balanced' sampler or 'weighted' loss, validate, pick best.pt and "
                          "predict at the real class frequencies (logit offsets undo the tilt); false: at the "
                          "tilted priors the training taught"),
        "ema_decay": ((float,), "validate and save an exponential moving average of the weights, updated "
                      "every step with this decay (0.999: about the last 1,000 steps); 0: off"),
        "augment": ((bool,), "the paper's augmentation: time stretch 5/6..7/6 and amplitude warp"),
        "augment_template": ((bool,), "with train.augment and model.template_channel: stretch and warp each "
                             "beat's template exactly as the beat (false: the beat alone)"),
        "patience": ((int, None), "stop after this many epochs without a better validation macro-F1 (null: never)"),
        "calibrate": ((bool,), "after training, choose a prior correction on the validation split "
                      "(maximising macro-F1) and write calibrated.pt beside best.pt"),
    },
    "run": {
        "log_dir": ((str,), "parent folder of the run folders"),
        "name": ((str, None), "run folder name (null: a timestamp)"),
    },
}
SEGMENTATIONS = ("kaggle", "paper")
# Keys added after the first runs were logged, with the value that reproduces those runs: a run's saved
# config.json without them still loads (for --resume and --calibrate).
LATER_KEYS = {
    ("data", "val_split"): "beats", ("model", "rr_features"): False, ("model", "template_features"): False,
    ("model", "rr_average"): "median", ("model", "morphology_dropout"): 0.0, ("model", "template_channel"): False,
    ("train", "schedule"): "step", ("train", "loss"): "ce", ("train", "focal_gamma"): 2.0,
    ("train", "sampler"): "shuffle", ("train", "augment"): False, ("train", "patience"): None,
    ("train", "calibrate"): False, ("train", "weight_power"): 1.0, ("train", "untilt_priors"): False,
    ("train", "ema_decay"): 0.0, ("train", "augment_template"): False,
}
CHOICES = {  # keys whose string value must be one of these
    ("data", "segmentation"): SEGMENTATIONS,
    ("data", "val_split"): ("beats", "records"),
    ("model", "rr_average"): tuple(AVERAGE_COLUMN),
    ("train", "schedule"): ("step", "cosine", "onecycle"),
    ("train", "loss"): ("ce", "weighted", "focal"),
    ("train", "sampler"): ("shuffle", "balanced"),
}


class ConfigError(UserError):
    pass


def valid_keys():
    return [f"{section}.{key}" for section, keys in SCHEMA.items() for key in keys]


def load_config(path, overrides=()):
    """Read a config file (following `extends`), apply "section.key=value" overrides, check it all."""
    cfg = _read(Path(path), seen=())
    for item in overrides:
        name, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form section.key=value")
        section, _, key = name.strip().partition(".")
        _check_key(section, key, where="override")
        cfg.setdefault(section, {})[key] = _parse_value(text)
    return validate(cfg)


def _read(path, seen):
    if path in seen:
        raise ConfigError(f"{path}: 'extends' loops back to itself")
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
        base = _read(path.parent / raw.pop("extends"), seen + (path,))
    for section, values in raw.items():
        if section not in SCHEMA or not isinstance(values, dict):
            raise ConfigError(f"{path}: unknown section {section!r}; sections are {', '.join(SCHEMA)}")
        for key, value in values.items():
            _check_key(section, key, where=str(path))
            base.setdefault(section, {})[key] = value
    return base


def _check_key(section, key, where):
    if section not in SCHEMA or key not in SCHEMA[section]:
        raise ConfigError(f"{where}: unknown key {section}.{key}; valid keys: {', '.join(valid_keys())}")


def _parse_value(text):
    """JSON when it parses (numbers, true/false/null, lists), else a plain string (paths, names)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def validate(cfg):
    """Check that every key is present with a value of its type; ints are accepted where floats are."""
    cfg = copy.deepcopy(cfg)
    for (section, key), value in LATER_KEYS.items():
        cfg.setdefault(section, {}).setdefault(key, value)
    for section, keys in SCHEMA.items():
        for key, (types, _) in keys.items():
            if key not in cfg.get(section, {}):
                raise ConfigError(f"config lacks {section}.{key} ({keys[key][1]})")
            value = cfg[section][key]
            if value is None and None in types:
                continue
            if float in types and isinstance(value, int) and not isinstance(value, bool):
                value = cfg[section][key] = float(value)
            allowed = tuple(t for t in types if t is not None)
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
                names = " or ".join("null" if t is None else t.__name__ for t in types)
                raise ConfigError(f"{section}.{key} = {value!r}: expected {names}")
    for (section, key), allowed in CHOICES.items():
        if cfg[section][key] not in allowed:
            raise ConfigError(f"{section}.{key} = {cfg[section][key]!r}: must be one of {', '.join(allowed)}")
    betas = cfg["train"]["betas"]
    if len(betas) != 2 or not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in betas):
        raise ConfigError(f"train.betas = {betas!r}: expected two numbers in [0, 1)")
    if not 0 <= cfg["data"]["val_fraction"] < 1:
        raise ConfigError("data.val_fraction must be in [0, 1)")
    if not 0 <= cfg["train"]["ema_decay"] < 1:
        raise ConfigError("train.ema_decay must be in [0, 1) (0: no weight averaging)")
    model = cfg["model"]
    if not 0 <= model["morphology_dropout"] < 1:
        raise ConfigError("model.morphology_dropout must be in [0, 1)")
    if model["morphology_dropout"] and not (model["rr_features"] or model["template_features"]):
        raise ConfigError("model.morphology_dropout needs model.rr_features or model.template_features: "
                          "without extra inputs a beat whose morphology is dropped has nothing left")
    if cfg["train"]["augment_template"] and not (cfg["train"]["augment"] and model["template_channel"]):
        raise ConfigError("train.augment_template needs train.augment and model.template_channel: "
                          "it augments the template channel together with the beat")
    if cfg["train"]["patience"] is not None and cfg["train"]["patience"] < 1:
        raise ConfigError("train.patience must be at least 1 (or null)")
    for key in ("epochs", "batch_size", "lr_decay_every", "threads"):
        if cfg["train"][key] < 1:
            raise ConfigError(f"train.{key} must be at least 1")
    return cfg


def save_config(cfg, path):
    from .fileio import write_text_atomic

    write_text_atomic(path, json.dumps(cfg, indent=2) + "\n")
