"""The paper's beat augmentation, on a batch at once: random time stretch and amplitude warp."""
import torch

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
