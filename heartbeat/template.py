"""How each beat compares with the patient's usual beat: correlation and distance to the median beat.

A model trained on other patients mistakes a new patient's normal but unusual beats (a bundle branch
block widens every QRS) for ventricular ones. Measured against the recording's own median beat,
those beats look ordinary again, while an ectopic beat still stands out.
"""
import numpy as np
import pandas as pd

WINDOW = 40  # first 40 values of a 120 Hz beat (333 ms from the R peak): QRS and ST; later values depend on R-R
COLUMNS = ("template_corr", "template_rmse")  # sidecar columns, and the model inputs of the same names


def template_context(beats):
    """beats (n, 187) of one recording, scaled to [0, 1] -> DataFrame of COLUMNS, one row per beat."""
    head = np.asarray(beats, dtype=np.float64)[:, :WINDOW]
    template = median_beat(head)  # (WINDOW,) the recording's typical beat
    b = head - head.mean(axis=1, keepdims=True)
    t = template - template.mean()
    corr = b @ t / np.maximum(np.linalg.norm(b, axis=1) * np.linalg.norm(t), 1e-9)
    rmse = np.sqrt(np.mean((head - template) ** 2, axis=1))
    return pd.DataFrame(dict(zip(COLUMNS, (corr, rmse))))


def median_beat(beats):
    """beats (n, L) of one recording -> (L,) float64, their value-by-value median: the patient's usual beat
    (most beats of a recording are normal, and a median ignores the ectopic minority)."""
    return np.median(np.asarray(beats, dtype=np.float64), axis=0)
