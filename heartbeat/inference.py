"""Batched inference on beats that are already cut and scaled."""
import numpy as np
import pandas as pd
import torch

from .data import DataError, load_rr_features


def check_beat_len(x, meta, source):
    """Raise DataError when the beats of `source` do not have the length the checkpoint's model takes."""
    want = meta["model_args"]["beat_len"]
    if x.shape[1] != want:
        raise DataError(f"{source}: beats of {x.shape[1]} values; the model takes {want}")


def csv_rr_features(meta, csv_path, n_beats):
    """The R-R features of a beat CSV (from its sidecar) when the checkpoint's model takes them, else None."""
    return load_rr_features(csv_path, n_beats) if meta["model_args"].get("rr_features") else None


@torch.no_grad()
def predict_proba(model, beats, rr=None, batch_size=2048, device="cpu"):
    """beats (n, beat_len) in [0, 1], rr (n, 8) R-R features or None -> class probabilities (n, num_classes)."""
    model.eval()
    beats = torch.as_tensor(np.asarray(beats, dtype=np.float32))
    rr = None if rr is None else torch.as_tensor(np.asarray(rr, dtype=np.float32))
    out = [torch.softmax(model(beats[i:i + batch_size].unsqueeze(1).to(device),  # (b, 1, L) -> (b, C)
                               None if rr is None else rr[i:i + batch_size].to(device)), dim=1).cpu()
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
