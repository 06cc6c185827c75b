"""Self-describing checkpoints of plain types, loadable with torch.load(..., weights_only=True).

A checkpoint is a dict: the model's state and constructor args, the class names, how beats were
cut (sampling rate, length, preprocessing), the epoch, the validation metrics and the resolved
config. last.pt of a run also carries the optimizer and scheduler state for --resume.
"""
from pathlib import Path

import torch

from . import BEAT_LEN, CLASSES, UserError, rr, segment, template
from .fileio import atomic_path
from .features import rr_average, template_channel
from .model import BeatNet, seed_state_dict_to_beatnet

FORMAT = "heartbeat-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(UserError):
    pass


def preprocessing(method):
    """What a model expects of its input beats, stored with it so inference cuts beats the same way."""
    if method == "kaggle":
        return {"method": "kaggle", "source_fs_hz": segment.KAGGLE_FS, "sampling_rate_hz":
                segment.KAGGLE_FS / segment.KAGGLE_STEP, "step": segment.KAGGLE_STEP,
                "tail_fraction": segment.KAGGLE_TAIL, "scaling": "min-max per beat", "beat_len": BEAT_LEN,
                "padding": "zeros"}
    if method == "paper":
        return {"method": "paper", "sampling_rate_hz": segment.PAPER_FS, "window_s": segment.PAPER_WINDOW_S,
                "rr_factor": segment.PAPER_RR_FACTOR, "scaling": "min-max per window", "beat_len": BEAT_LEN,
                "padding": "zeros"}
    raise ValueError(f"unknown segmentation {method!r}")


def make_checkpoint(model, cfg, epoch, metrics, optimizer=None, scheduler=None):
    prep = preprocessing(cfg["data"]["segmentation"])
    prep.update(extra_inputs(model.model_args()))  # checked on load: the inputs must mean what they meant
    ckpt = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_state": model.state_dict(),
        "model_args": model.model_args(),
        "classes": list(CLASSES),
        "preprocessing": prep,
        "epoch": epoch,
        "metrics": metrics,
        "config": cfg,
    }
    if optimizer is not None:
        ckpt["optimizer_state"] = optimizer.state_dict()
        ckpt["scheduler_state"] = scheduler.state_dict()
    return ckpt


def save_checkpoint(ckpt, path):
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)


def read_checkpoint(path, device="cpu"):
    """The raw checkpoint dict, checked to be ours (or the original project's, converted)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # torch.load fails in many ways on a file that is not a checkpoint
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"{path}: not a readable PyTorch checkpoint ({first[:160]})") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: holds a {type(ckpt).__name__}, not a checkpoint dict")
    if ckpt.get("format") == FORMAT:
        if ckpt.get("format_version", 0) > FORMAT_VERSION:
            raise CheckpointError(f"{path}: checkpoint format {ckpt['format_version']} is newer than this "
                                  f"code reads ({FORMAT_VERSION}); update the project")
        return ckpt
    if "conv_1.weight" in ckpt and "linear_3.weight" in ckpt:
        return _from_original_project(ckpt)
    keys = ", ".join(list(ckpt)[:5])
    raise CheckpointError(f"{path}: not a heartbeat checkpoint (keys: {keys}...)")


def _from_original_project(state_dict):
    """A bare state dict of DeCuuTranVo/ECG_Beat_Classification, trained on the Kaggle CSVs."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_state": seed_state_dict_to_beatnet(state_dict),
        "model_args": BeatNet().model_args(),
        "classes": list(CLASSES),
        "preprocessing": preprocessing("kaggle"),
        "epoch": None,
        "metrics": {},
        "config": None,
        "source": "state dict of the original project (DeCuuTranVo/ECG_Beat_Classification)",
    }


def test_csv_of(meta, default="data/mitbih_test.csv"):
    """The test CSV named in the checkpoint's own config; `default` for checkpoints without one."""
    return (meta.get("config") or {}).get("data", {}).get("test_csv", default)


def load_weights(model, state):
    """model.load_state_dict, also for checkpoints saved before the logit_bias buffer existed (zero offsets)."""
    state = dict(state)
    state.setdefault("logit_bias", torch.zeros_like(model.logit_bias))
    model.load_state_dict(state)


def extra_inputs(model_args):
    """What the model's extra inputs are, as stored in checkpoints: feature names and how they are made."""
    out = {}
    if model_args.get("rr_features"):
        out["rr_features"] = rr.feature_names(rr_average(model_args))
    if model_args.get("template_features"):
        out["template_features"] = {"names": list(template.COLUMNS), "window": template.WINDOW,
                                    "template": "median beat of the recording"}
    if template_channel(model_args):
        out["template_channel"] = {"template": "median beat of the recording",
                                   "stem_input": ["beat", "beat minus template"]}
    return out


def model_from_checkpoint(ckpt, path):
    """The BeatNet a checkpoint dict describes, with its weights (and calibration offsets, if any)."""
    try:
        model = BeatNet(**ckpt["model_args"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: describes a model this code cannot build ({str(e)[:160]})") from None
    for key, now in extra_inputs(model.model_args()).items():
        if ckpt["preprocessing"].get(key) != now:
            raise CheckpointError(f"{path}: trained with {key} {ckpt['preprocessing'].get(key)}; "
                                  f"this code computes {now}")
    try:
        load_weights(model, ckpt["model_state"])
    except (KeyError, TypeError, RuntimeError) as e:
        raise CheckpointError(f"{path}: weights do not fit the model they describe ({str(e)[:160]})") from None
    return model


def load_checkpoint(path, device="cpu"):
    """(model in eval mode on `device`, metadata dict without the weights and optimizer state)."""
    ckpt = read_checkpoint(path, device)
    model = model_from_checkpoint(ckpt, path)
    model.to(device).eval()
    skip = ("model_state", "optimizer_state", "scheduler_state", "training_model_state", "ema_state")
    meta = {k: v for k, v in ckpt.items() if k not in skip}
    return model, meta
