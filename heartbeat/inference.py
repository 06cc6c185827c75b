"""Batched inference on beats that are already cut and scaled."""
import numpy as np
import pandas as pd
import torch

from .data import load_beats
from .sidecar import load_inputs


def classify_csv(model, csv_path):
    """A beat CSV's model inputs (read beside it: the sidecar and templates the model takes), its labels (None
    when it has none) and the class probabilities (n, 5)."""
    x, y = load_beats(csv_path)
    inputs = load_inputs(csv_path, x, model.inputs)
    return inputs, y, predict_proba(model, inputs)


@torch.no_grad()
def predict_proba(model, inputs, batch_size=256, offsets=True, embed=False):
    """model.BeatInputs of n beats -> class probabilities (n, 5) float32, with the model's class offsets
    (offsets=False: without them, as the network itself scores the beats); with embed (a PyTorch model, with its
    offsets), (probabilities, the beats' embeddings (n, 32) float32: BeatNet.scores_and_embedding). Batches of 256
    keep the activations small (2048 added about 350 MB of peak memory to a day-long report) and ran no slower."""
    model.eval()
    scores = model if offsets else model.plain_logits
    logits, vectors = [], []
    for i in range(0, len(inputs), batch_size):
        batch = inputs.as_tensors(slice(i, i + batch_size))
        if embed:
            out, hidden = model.scores_and_embedding(**batch)
            vectors.append(hidden)
        else:
            out = scores(**batch)
        logits.append(out)
    # one softmax over all beats, not one per batch: between onnxruntime's batches, a torch op's idle
    # threads spin and took a core from it (0.50 s -> 0.88 s for 12,000 beats of bench_onnx's probe)
    proba = (torch.softmax(torch.cat(logits), dim=1).numpy() if logits
             else np.zeros((0, len(model.logit_bias)), np.float32))
    if not embed:
        return proba
    return proba, (torch.cat(vectors).numpy() if vectors else np.zeros((0, model.config.hidden), np.float32))


def predictions_table(proba, classes):
    """(n, C) probabilities -> DataFrame: row (0-based input row), class, class_index, p_<class> ..."""
    index = proba.argmax(1)
    table = pd.DataFrame({"row": np.arange(len(proba)), "class": np.asarray(classes)[index], "class_index": index})
    for i, name in enumerate(classes):
        table[f"p_{name}"] = proba[:, i]
    return table
