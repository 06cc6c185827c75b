"""A learned second look at each R-peak detection: a beat, or noise the detector took for one.

The detector's energy in the 5-15 Hz band cannot tell electrode-motion noise from a QRS: in that band the
noise looks like one (docs/holter-report.md, "What is left (issue 21)"). A small convolutional network that
reads two seconds of the 0.5-40 Hz band around a detection, its neighbours included, tells many of them
apart (docs/data-and-detection.md, "The learned check"). Its weights (`qrs_verifier.pt` beside this file, 9,713 parameters) come from
`bench/train_verifier.py`: the detections of 36 MIT-BIH records, clean and with real recorder noise,
labelled by the reference beats (the stress test's records and the records its threshold was chosen on
left out).
"""
import functools
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("qrs_verifier.pt")
THRESHOLD = 0.3   # a detection scored under this is dropped (chosen on stress records of other patients: of
                  # 0.3, 0.5 and 0.7 the one that kept the clean records' misses; docs/data-and-detection.md)
HALF_S = 1.0      # the window reaches this far on either side of the detection ...
RATE_HZ = 180.0   # ... read at this rate: 360 samples
WIDTH = int(2 * HALF_S * RATE_HZ)
BATCH = 256


def network():
    """(B, 1, 360) window -> (B, 1) logit of "a beat"."""
    from torch import nn  # as in _model

    return nn.Sequential(
        nn.Conv1d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),    # (B, 16, 180)
        nn.Conv1d(16, 16, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),   # (B, 16, 90)
        nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),   # (B, 32, 45)
        nn.Conv1d(32, 32, 5, padding=2), nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(),  # (B, 32)
        nn.Linear(32, 1))


def windows(band, fs, peaks):
    """(k, WIDTH) float32: the 0.5-40 Hz band `band` (sampled at fs) around each detection, read at RATE_HZ
    (zeros past either end), each divided by its own 95th percentile of |x|, so that only shape and the
    detection's size against its neighbours count, not the recording's gain."""
    offsets = (np.arange(WIDTH) - WIDTH // 2) * (fs / RATE_HZ)
    positions = np.asarray(peaks, dtype=np.float64)[:, None] + offsets  # (k, WIDTH)
    w = np.interp(positions.ravel(), np.arange(len(band)), band, left=0.0, right=0.0).reshape(positions.shape)
    w = w.astype(np.float32)
    return w / (np.percentile(np.abs(w), 95, axis=1, keepdims=True) + np.float32(1e-6))


@functools.cache
def _model():
    import torch  # when first needed: it takes seconds to import, and detect.py (which imports this module)
                  # needs none for the energy detector alone (verify=False)

    model = network()
    model.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
    return model.eval()


def beat_scores(band, fs, peaks):
    """(k,) probability that each detection is a beat."""
    import torch

    peaks = np.asarray(peaks)
    out = []
    with torch.inference_mode():
        for i in range(0, len(peaks), BATCH):
            # windows built per batch (a day in one pass would need a gigabyte at once), the last batch padded:
            # a new input shape costs torch's CPU convolutions more than the batch itself
            w = windows(band, fs, peaks[i:i + BATCH])
            x = torch.from_numpy(np.pad(w, ((0, BATCH - len(w)), (0, 0))))[:, None]  # (BATCH, 1, WIDTH)
            out.append(torch.sigmoid(_model()(x)[:len(w), 0]).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def verified(band, fs, peaks):
    """The detections the network scores at THRESHOLD or more."""
    peaks = np.asarray(peaks)
    return peaks[beat_scores(band, fs, peaks) >= THRESHOLD]
