"""Self-describing checkpoints of plain types, loadable with torch.load(..., weights_only=True).

A checkpoint is a dict: the model's state and constructor args, the class names, how its beats are cut
(preprocessing) and what else it takes (inputs), the epoch, the validation metrics and the config of the
run. last.pt of a run also carries the optimizer and scheduler state for --resume; calibrated.pt a
'calibration' entry. Older checkpoints are brought to today's format by upgrade() when they are read.
"""
import zipfile
from pathlib import Path

import torch

from . import BEAT_LEN, CLASSES, UserError, segment
from .fileio import atomic_path
from .model import BeatNet

FORMAT = "heartbeat-checkpoint"
FORMAT_VERSION = 2
# Version 1 (written before issue 19) kept beat_len, num_classes and rr_average in model_args and the
# description of the extra inputs inside preprocessing; upgrade() maps it onto version 2.
OLD_REMOVED = "it was removed in issue 19; `git checkout experiments-v1` runs it"
# the weights and what --resume needs: not part of a loaded model's info
TRAINING_STATE = ("model_state", "optimizer_state", "scheduler_state", "rng_state", "average_state")
OLD_TRAINING_STATE = ("training_model_state", "ema_state")  # version 1, weight averaging: removed


class CheckpointError(UserError):
    pass


def preprocessing():
    """How a model's input beats are cut and scaled (the Kaggle rule of segment.py), stored with it."""
    return {"method": "kaggle", "source_fs_hz": segment.KAGGLE_FS,
            "sampling_rate_hz": segment.KAGGLE_FS / segment.KAGGLE_STEP, "step": segment.KAGGLE_STEP,
            "tail_fraction": segment.KAGGLE_TAIL, "scaling": "min-max per beat", "beat_len": BEAT_LEN,
            "padding": "zeros"}


def make_checkpoint(model, cfg, epoch, metrics, optimizer=None, scheduler=None):
    """The checkpoint dict of `model` trained by config `cfg` (a config.Config)."""
    ckpt = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_state": model.state_dict(),
        "model_args": model.model_args(),
        "classes": list(CLASSES),
        "preprocessing": preprocessing(),
        "inputs": model.inputs.describe(),  # checked on load: the inputs must mean what they meant
        "epoch": epoch,
        "metrics": metrics,
        "config": cfg.to_dict(),
    }
    if optimizer is not None:
        ckpt["optimizer_state"] = optimizer.state_dict()
        ckpt["scheduler_state"] = scheduler.state_dict()
    return ckpt


def save_checkpoint(ckpt, path):
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)


def read_checkpoint(path):
    """The checkpoint dict at `path` in today's format: ours of any version, or the original project's."""
    path = Path(path)
    if path.is_dir():
        run = " (a train.py run folder: give its best.pt)" if (path / "best.pt").is_file() else ""
        raise CheckpointError(f"{path} is a folder, not a checkpoint file{run}")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except PermissionError:
        raise CheckpointError(f"{path}: cannot be read (permission denied)") from None
    except Exception as e:  # torch.load fails in many ways on a file that is not a checkpoint
        # torch.save writes a zip archive; for anything else torch.load's own words mislead (a text file gets
        # advice about weights_only), so only a damaged or foreign archive is described by them
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        why = f"torch.load says: {first[:160]}" if zipfile.is_zipfile(path) else "not a whole file written by torch.save"
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({why})") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: holds a {type(ckpt).__name__}, not a checkpoint dict")
    if ckpt.get("format") == FORMAT:
        if not isinstance(ckpt.get("format_version", 1), int):
            raise CheckpointError(f"{path}: format_version {ckpt['format_version']!r} is not a number")
        if ckpt.get("format_version", 1) > FORMAT_VERSION:
            raise CheckpointError(f"{path}: checkpoint format {ckpt['format_version']} is newer than this "
                                  f"code reads ({FORMAT_VERSION}); update the project")
        return upgrade(ckpt, path)
    if "conv_1.weight" in ckpt and "linear_3.weight" in ckpt:
        return _from_original_project(ckpt)
    keys = ", ".join(list(ckpt)[:5])
    raise CheckpointError(f"{path}: not a heartbeat checkpoint (keys: {keys}...)")


def upgrade(ckpt, path="checkpoint"):
    """A checkpoint dict of an older format version as today's; CheckpointError for a model this code no
    longer builds (another beat length or class count, the median R-R average, the paper's cutting rule)."""
    if ckpt.get("format_version", 1) >= FORMAT_VERSION:
        return ckpt
    try:
        return _upgrade_1(ckpt, path)
    except (KeyError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{path}: a damaged version-1 checkpoint ({type(e).__name__}: {str(e)[:100]})") from None


def _upgrade_1(ckpt, path):
    ckpt, args, prep = dict(ckpt), dict(ckpt["model_args"]), dict(ckpt["preprocessing"])
    for key, fixed in (("beat_len", BEAT_LEN), ("num_classes", len(CLASSES))):
        if args.pop(key, fixed) != fixed:
            raise CheckpointError(f"{path}: a model with {key} other than {fixed}; this code builds only {fixed}")
    average = args.get("rr_average", "median")  # version-1 checkpoints without the key used the median
    if args.get("rr_features") and average != "mean":
        raise CheckpointError(f"{path}: its R-R features divide by the {average} R-R; {OLD_REMOVED}")
    args.pop("rr_average", None)
    if prep.get("method") != "kaggle":
        raise CheckpointError(f"{path}: its beats are cut by the {prep.get('method')!r} rule; {OLD_REMOVED}")
    described = {"features": list(prep.pop("rr_features", []))}
    if "template_features" in prep:
        old = prep.pop("template_features")
        described["features"] += old.pop("names")
        described["template_features"] = old
    if "template_channel" in prep:
        described["template_channel"] = prep.pop("template_channel")
    state = dict(ckpt["model_state"])
    state.setdefault("logit_bias", torch.zeros(len(CLASSES)))  # saved before the buffer existed: no offsets
    ckpt.update(format_version=FORMAT_VERSION, model_args=args, preprocessing=prep, inputs=described,
                model_state=state)
    for key in OLD_TRAINING_STATE:
        ckpt.pop(key, None)
    return ckpt


def _from_original_project(state_dict):
    """A bare state dict of DeCuuTranVo/ECG_Beat_Classification, trained on the Kaggle CSVs."""
    model = BeatNet()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_state": {**original_state_dict_to_beatnet(state_dict), "logit_bias": model.logit_bias},
        "model_args": model.model_args(),
        "classes": list(CLASSES),
        "preprocessing": preprocessing(),
        "inputs": model.inputs.describe(),
        "epoch": None,
        "metrics": {},
        "config": None,
        "source": "state dict of the original project (DeCuuTranVo/ECG_Beat_Classification)",
    }


def original_state_dict_to_beatnet(state_dict):
    """Rename a state dict of the original project to BeatNet's keys:
    conv_1 -> stem, residual_block_i.conv_j -> blocks.(i-1).convj, linear_1/2/3 -> fc1/fc2/out."""
    renamed = {}
    for key, value in state_dict.items():
        layer, _, param = key.rpartition(".")
        if layer == "conv_1":
            new = "stem"
        elif layer.startswith("residual_block_"):
            block, conv = layer.split(".")
            new = f"blocks.{int(block.rsplit('_', 1)[1]) - 1}.conv{conv.rsplit('_', 1)[1]}"
        elif layer in ("linear_1", "linear_2", "linear_3"):
            new = {"linear_1": "fc1", "linear_2": "fc2", "linear_3": "out"}[layer]
        else:
            raise CheckpointError(f"unexpected key {key!r}: not a checkpoint of the original project")
        renamed[f"{new}.{param}"] = torch.as_tensor(value)
    return renamed


def model_from_checkpoint(ckpt, path):
    """The BeatNet a checkpoint dict describes, with its weights (and class offsets, if any)."""
    try:
        model = BeatNet(**ckpt["model_args"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: describes a model this code cannot build ({str(e)[:160]})") from None
    if ckpt.get("classes") != list(CLASSES):
        raise CheckpointError(f"{path}: a model of the classes {ckpt.get('classes')}; this code labels "
                              f"{', '.join(CLASSES)} in that order")
    now = model.inputs.describe()
    if ckpt.get("inputs") != now:
        raise CheckpointError(f"{path}: trained with the inputs {ckpt.get('inputs')}; this code computes {now}")
    try:
        model.load_state_dict(ckpt["model_state"])
    except (KeyError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"{path}: weights do not fit the model they describe ({str(e)[:160]})") from None
    return model


def load_checkpoint(path):
    """(model in eval mode, on the CPU; info: the checkpoint dict without weights and optimizer state)."""
    ckpt = read_checkpoint(path)
    model = model_from_checkpoint(ckpt, path)
    model.eval()
    return model, {k: v for k, v in ckpt.items() if k not in TRAINING_STATE}


def default_test_csv(info):
    """The test CSV named in the checkpoint's own config; the default one for checkpoints without a config."""
    from .config import DataConfig  # config imports model; a module-level import here would be circular-prone

    return (info.get("config") or {}).get("data", {}).get("test_csv", DataConfig().test_csv)
