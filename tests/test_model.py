import pytest
import torch

from heartbeat.model import BeatNet, ModelConfig, num_parameters


def test_paper_model_has_55013_parameters():
    assert num_parameters(BeatNet()) == 55_013


def test_forward_shape_and_finite():
    logits = BeatNet()(torch.rand(3, 1, 187))
    assert logits.shape == (3, 5)
    assert torch.isfinite(logits).all()


def test_every_parameter_gets_a_gradient():
    model = BeatNet()
    model(torch.rand(4, 1, 187)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_lengths_through_the_blocks():
    assert ModelConfig().flat_len() == 2  # 187 -> 92 -> 44 -> 20 -> 8 -> 2
    with pytest.raises(ValueError, match="too short"):
        ModelConfig(beat_len=20).flat_len()


def test_rebuilt_from_its_own_args():
    model = BeatNet(channels=16, hidden=8)
    twin = BeatNet(**model.model_args())
    twin.load_state_dict(model.state_dict())
    x = torch.rand(2, 1, 187)
    assert torch.equal(model(x), twin(x))
