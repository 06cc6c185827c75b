"""MixStyle (train.mixstyle): training moves each beat's feature statistics to another beat's; evaluation is untouched."""
import copy

import torch

from heartbeat.augment import add_mixstyle, mix_styles
from heartbeat.model import BeatNet


def styled(n=16, channels=4, length=40):
    """(n, channels, length) features whose beats differ in per-channel mean and spread."""
    torch.manual_seed(0)
    return torch.randn(n, channels, length) * (torch.rand(n, channels, 1) * 3 + 0.5) + torch.randn(n, channels, 1) * 5


def stats(x):
    return x.mean(dim=2), (x.var(dim=2) + 1e-6).sqrt()


def mixed_from(my, sy, mx, sx, i):
    """The beat j and weight lam with (my[i], sy[i]) = lam * (mx[i], sx[i]) + (1 - lam) * (mx[j], sx[j]) over all
    channels at once, or None; j = i when the beat kept its own statistics."""
    if torch.allclose(my[i], mx[i], atol=1e-3) and torch.allclose(sy[i], sx[i], atol=1e-3):
        return i, 1.0
    for j in range(len(mx)):
        d = mx[i] - mx[j]
        lam = float((my[i] - mx[j]) @ d / (d @ d)) if j != i else None
        if lam is not None and -1e-4 <= lam <= 1 + 1e-4 and \
                torch.allclose(my[i], lam * mx[i] + (1 - lam) * mx[j], atol=1e-3) and \
                torch.allclose(sy[i], lam * sx[i] + (1 - lam) * sx[j], atol=1e-3):
            return j, lam
    return None


def test_each_beats_style_moves_towards_another_beats_and_the_shape_stays():
    x = styled()
    torch.manual_seed(1)
    y = mix_styles(x, chance=1.0)
    (mx, sx), (my, sy) = stats(x), stats(y)
    zx, zy = (x - mx[..., None]) / sx[..., None], (y - my[..., None]) / sy[..., None]
    assert torch.allclose(zx, zy, atol=1e-3)  # within each channel the wave keeps its shape
    found = [mixed_from(my, sy, mx, sx, i) for i in range(len(x))]
    assert all(f is not None for f in found)  # mean and spread: one weight for all channels, one partner beat
    moved = [lam for i, (j, lam) in enumerate(found) if j != i and lam < 0.99]
    assert len(moved) >= len(x) // 2  # Beta(0.1, 0.1) weights are mostly near 0 or 1: many beats take another's


def test_chance_zero_leaves_the_features_and_evaluation_ignores_the_hooks():
    x = styled()
    assert torch.equal(mix_styles(x, chance=0.0), x)
    torch.manual_seed(0)
    plain = BeatNet()
    mixed = copy.deepcopy(plain)
    add_mixstyle(mixed)
    beats = torch.rand(8, 1, 187)
    plain.eval(), mixed.eval()
    assert torch.equal(plain(beats), mixed(beats))
    plain.train(), mixed.train()
    torch.manual_seed(2)
    outputs = [mixed(beats) for _ in range(6)]  # chance 0.5 per batch: some of six batches are mixed
    assert any(not torch.allclose(o, plain(beats)) for o in outputs)
