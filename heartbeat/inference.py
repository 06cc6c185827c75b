"""Batched inference on beats that are already cut and scaled."""
import numpy as np
import pandas as pd
import torch

from .data import DataError, load_beats, load_extra_inputs


def check_beat_len(x, meta, source):
    """Raise DataError when the beats of `source` do not have the length the checkpoint's model takes."""
    want = meta["model_args"]["beat_len"]
    if x.shape[1] != want:
        raise DataError(f"{source}: beats of {x.shape[1]} values; the model takes {want}")


def csv_extra_inputs(meta, csv_path, n_beats):
    """The extra inputs of a beat CSV's beats (from its sidecar and templates file) when the checkpoint's model
    takes any, else None."""
    return load_extra_inputs(csv_path, n_beats, meta["model_args"])


def classify_csv(model, meta, csv_path):
    """A beat CSV's labels (None when it has none) and class probabilities (n, num_classes), with the extra
    inputs the model takes read beside it; DataError when its beats are not of the model's length."""
    x, y = load_beats(csv_path)
    check_beat_len(x, meta, csv_path)
    return y, predict_proba(model, x, csv_extra_inputs(meta, csv_path, len(x)))


@torch.no_grad()
def predict_proba(model, beats, extra=None, batch_size=2048, device="cpu"):
    """beats (n, beat_len) in [0, 1], extra (n, k) inputs or None -> class probabilities (n, num_classes)."""
    model.eval()
    beats = torch.as_tensor(np.asarray(beats, dtype=np.float32))
    extra = None if extra is None else torch.as_tensor(np.asarray(extra, dtype=np.float32))
    out = [torch.softmax(model(beats[i:i + batch_size].unsqueeze(1).to(device),  # (b, 1, L) -> (b, C)
                               None if extra is None else extra[i:i + batch_size].to(device)), dim=1).cpu()
           for i in range(0, len(beats), batch_size)]
    n_classes = model.config.num_classes
    return torch.cat(out).numpy() if out else np.zeros((0, n_classes), np.float32)


def predictions_table(proba, classes):
    """(n, C) probabilities -> DataFrame: row (0-based input row), class, class_index, p_<class> ..."""
    index = proba.argmax(1)
    table = pd.DataFrame({"row": np.arange(len(proba)), "class": np.asarray(classes)[index], "class_index": index})
    for i, name in enumerate(classes):
        table[f"p_{name}"] = proba[:, i]
    return table
