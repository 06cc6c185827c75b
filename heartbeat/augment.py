"""Training beat augmentation, on a batch at once: the paper's random time stretch and amplitude warp, and
another recorder's band limit and real noise."""
import math
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from . import BEAT_LEN
from .data import DataError
from .segment import KAGGLE_STEP

STRETCH = (5 / 6, 7 / 6)  # time-stretch factor range (Kachuee et al. 2018, section III-C)
ALPHA = 0.5               # amplitude warp x * (-a x + 1 + a), a ~ U(-ALPHA, ALPHA)


def stretch(x, factor):
    """x (B, C, L) beats -> (B, C, L), each stretched in time by its factor (B, 1) (linear interpolation;
    what falls past the end is cropped, what is missing zero-padded, as the CSV rows are)."""
    length = x.shape[-1]
    pos = (torch.arange(length, dtype=x.dtype)[None, :] / factor).unsqueeze(1)  # (B, 1, L) source positions
    lo = pos.floor().long().clamp(max=length - 1).expand_as(x)
    hi = (lo + 1).clamp(max=length - 1)
    w = pos - lo
    out = torch.gather(x, 2, lo) * (1 - w) + torch.gather(x, 2, hi) * w
    return out.masked_fill(pos > length - 1, 0.0)


def augment_beats(x, generator):
    """x (B, C, L) beats in [0, 1] -> (B, C, L): each stretched in time by its own factor in STRETCH,
    then warped in amplitude. The warp keeps 0 at 0 and 1 at 1 and stays monotonic for |a| <= 0.5."""
    b = x.shape[0]
    factor = STRETCH[0] + (STRETCH[1] - STRETCH[0]) * torch.rand(b, 1, generator=generator)
    out = stretch(x, factor)
    alpha = (2 * torch.rand(b, 1, 1, generator=generator) - 1) * ALPHA
    return out * (-alpha * out + 1 + alpha)


# Another recorder: a narrower band and real electrode noise. Each applied to half the beats, so the model
# still sees clean beats; ranges fixed in advance (issue 20), not tuned.
AUGMENT_PROB = 0.5
LOWPASS_SIGMA = (0.0, 0.8)  # Gaussian smoothing, in samples of the 120 Hz beat: -3 dB at 15.9 / sigma Hz (>= 20 Hz)
NOISE_SNR_DB = (0.0, 24.0)  # the noise stress test's steps from 24 dB down to 0 dB
KERNEL_RADIUS = 3           # >= 3.7 sigma at the widest sigma


class RecorderNoise:
    """Imitates another recorder on a batch of beats: low-pass filtering and real recorder noise (the noise
    stress test's baseline wander, electrode motion and muscle records) at a random SNR, then the beat is
    min-max scaled again over its segment, as a beat cut from a noisy recording would be.

    noise: (sources, n) float noise signals at 360 Hz, any unit. Each source is taken every 3rd sample (the
    beats' 120 Hz, cut the same way) and scaled to unit RMS; the SNR is then that of the noise against a sine
    wave as tall as the scaled beat (peak-to-peak 1, power 1/8), how the noise stress test measures a QRS.
    """

    def __init__(self, noise):
        sources = torch.as_tensor(np.asarray(noise, dtype=np.float32)[:, ::KAGGLE_STEP])
        sources = sources - sources.mean(1, keepdim=True)
        self.sources = sources / sources.std(1, keepdim=True).clamp_min(1e-12)  # (S, n / 3)

    @classmethod
    def load(cls, path):
        """From the .npz file prepare_data.py --noise writes (one array per noise record, (channels, n))."""
        if not Path(path).is_file():
            raise DataError(f"{path}: no such noise file; write it with: python prepare_data.py --noise DIR")
        try:
            with np.load(path) as f:
                noise = cls(np.concatenate([f[name] for name in sorted(f.files)]))
        except Exception as e:  # np.load fails in many ways on a file that is not an .npz of arrays
            raise DataError(f"{path}: not a noise file of prepare_data.py --noise ({type(e).__name__})") from None
        if noise.sources.shape[1] <= BEAT_LEN:
            raise DataError(f"{path}: its noise signals are shorter than a beat")
        return noise

    def __call__(self, x, generator):
        """x (B, C, L) beats in [0, 1], zero-padded after their segment -> (B, C, L)."""
        b, _, length = x.shape
        valid = _segment_mask(x)  # (B, 1, L)
        on = lambda: (torch.rand(b, generator=generator) < AUGMENT_PROB).float()  # noqa: E731
        sigma = on() * _uniform(b, LOWPASS_SIGMA, generator)
        x = _gaussian_lowpass(x, sigma)
        snr_db = _uniform(b, NOISE_SNR_DB, generator)
        gain = on() * 10 ** (-snr_db / 20) / math.sqrt(8)  # noise RMS against a sine of peak-to-peak 1
        source = torch.randint(len(self.sources), (b,), generator=generator)
        start = torch.randint(self.sources.shape[1] - length, (b,), generator=generator)
        noise = self.sources[source[:, None], start[:, None] + torch.arange(length)]  # (B, L)
        x = x + gain[:, None, None] * noise[:, None, :]
        lo = x.masked_fill(~valid, math.inf).amin(2, keepdim=True)
        hi = x.masked_fill(~valid, -math.inf).amax(2, keepdim=True)
        return ((x - lo) / (hi - lo).clamp_min(1e-6)).masked_fill(~valid, 0.0)


def _uniform(n, bounds, generator):
    return bounds[0] + (bounds[1] - bounds[0]) * torch.rand(n, generator=generator)


def _segment_mask(x):
    """(B, C, L) -> (B, 1, L) bool: the values up to the last nonzero one, i.e. the beat's segment
    without the zero padding (a segment ending at its exact minimum loses that one value)."""
    nonzero = (x != 0).any(1, keepdim=True)  # (B, 1, L)
    last = torch.where(nonzero, torch.arange(x.shape[-1]), -1).amax(2, keepdim=True)
    return torch.arange(x.shape[-1]) <= last


def _gaussian_lowpass(x, sigma):
    """x (B, C, L), sigma (B,) in samples (0: unchanged) -> (B, C, L), edges padded by replication."""
    offsets = torch.arange(-KERNEL_RADIUS, KERNEL_RADIUS + 1, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma.clamp_min(1e-3)[:, None]) ** 2)
    kernel = kernel / kernel.sum(1, keepdim=True)  # (B, K)
    padded = F.pad(x, (KERNEL_RADIUS, KERNEL_RADIUS), mode="replicate")
    windows = padded.unfold(2, len(offsets), 1)  # (B, C, L, K)
    return (windows * kernel[:, None, None, :]).sum(-1)


def beat_augmentation(paper, noise, generator):
    """The training beats' augmentation as one function (B, C, L) -> (B, C, L) drawing from `generator`:
    the paper's (paper=True), then another recorder's (noise: a RecorderNoise); None when neither."""
    if not paper and noise is None:
        return None

    def apply(x):
        if paper:
            x = augment_beats(x, generator)
        return x if noise is None else noise(x, generator)
    return apply
