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


def test_morphology_dropout_leaves_some_beats_to_their_extra_inputs():
    """In training, the outputs of about p of the beats do not depend on the beat's shape at all; in
    evaluation, every output does."""
    torch.manual_seed(0)
    model = BeatNet(rr_features=True, morphology_dropout=0.5)
    x, other_x, extra = torch.rand(400, 1, 187), torch.rand(400, 1, 187), torch.rand(400, 8)

    def same_output_rows(train):
        model.train(train)
        torch.manual_seed(1)
        a = model(x, extra)
        torch.manual_seed(1)  # the same beats dropped
        b = model(other_x, extra)
        return torch.isclose(a, b).all(dim=1).sum().item()

    assert 140 < same_output_rows(True) < 260  # ~200 of 400
    assert same_output_rows(False) == 0
    assert num_parameters(model) == num_parameters(BeatNet(rr_features=True))  # no new weights
    with pytest.raises(ValueError, match="needs extra inputs"):
        BeatNet(morphology_dropout=0.5)


def test_template_channel_sees_the_beat_against_the_patients_usual_beat():
    """With the template channel the stem takes (beat, beat - template): 160 more weights; with the beat's own
    channel silenced, only the difference from the template matters, so shifting beat and template alike
    changes nothing, while changing the template alone does."""
    torch.manual_seed(0)
    model = BeatNet(template_channel=True).eval()
    assert num_parameters(model) == 55_013 + 32 * 5
    x, template = torch.rand(6, 1, 187), torch.rand(6, 187)
    with torch.no_grad():
        model.stem.weight[:, 0] = 0  # the beat's own channel
        same = model(x + 0.3, template + 0.3)
        assert torch.allclose(model(x, template), same, atol=1e-5)
        assert not torch.allclose(model(x, torch.rand(6, 187)), same, atol=1e-3)
    with pytest.raises(ValueError, match="takes 187 extra inputs"):
        model(x)
    with pytest.raises(ValueError, match="takes 195 extra inputs.*got 187"):
        BeatNet(rr_features=True, template_channel=True)(x, template)


def test_template_channel_takes_the_template_from_the_last_columns():
    """With R-R features too, the extra inputs are [8 features, 187 template values]: with the beat's own
    channel silenced, shifting the beat and the last 187 columns alike changes nothing."""
    torch.manual_seed(0)
    model = BeatNet(rr_features=True, template_channel=True).eval()
    x, extra = torch.rand(6, 1, 187), torch.rand(6, 8 + 187)
    shifted = extra.clone()
    shifted[:, 8:] += 0.3
    with torch.no_grad():
        model.stem.weight[:, 0] = 0
        assert torch.allclose(model(x, extra), model(x + 0.3, shifted), atol=1e-5)
        rhythm = extra.clone()
        rhythm[:, :8] += 0.3
        assert not torch.allclose(model(x, extra), model(x, rhythm), atol=1e-3)
