import numpy as np
import pytest
import torch
from torch.nn import functional as F

from heartbeat.model import BeatInputs, BeatNet, ModelConfig, num_parameters

PAPER_INPUTS = ModelConfig().inputs  # the paper's model takes the beat alone


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
    with pytest.raises(ValueError, match="pools a 187-value beat to nothing"):
        ModelConfig(num_blocks=7)


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
    x, other_x, features = torch.rand(400, 1, 187), torch.rand(400, 1, 187), torch.rand(400, 8)

    def same_output_rows(train):
        model.train(train)
        torch.manual_seed(1)
        a = model(x, features)
        torch.manual_seed(1)  # the same beats dropped
        b = model(other_x, features)
        return torch.isclose(a, b).all(dim=1).sum().item()

    assert 140 < same_output_rows(True) < 260  # ~200 of 400
    assert same_output_rows(False) == 0
    assert num_parameters(model) == num_parameters(BeatNet(rr_features=True))  # no new weights
    with pytest.raises(ValueError, match="needs model.rr_features or model.template_features"):
        BeatNet(morphology_dropout=0.5)


def test_morphology_mix_adds_the_reading_without_the_beats_shape():
    """With morphology_mix w, evaluation gives (1 - w) x the ordinary probabilities + w x those of the same
    network with its conv features zeroed, computed here from the layers by hand; training is unchanged."""
    torch.manual_seed(0)
    args = dict(rr_features=True, template_channel=True, morphology_dropout=0.8)
    plain, mixed = BeatNet(**args).eval(), BeatNet(**args, morphology_mix=0.3).eval()
    mixed.load_state_dict(plain.state_dict())
    with torch.no_grad():
        plain.logit_bias.copy_(torch.tensor([0.5, -1.0, 0.0, 2.0, 0.0]))
        mixed.logit_bias.copy_(plain.logit_bias)
        x, template, features = torch.rand(50, 1, 187), torch.rand(50, 1, 187), torch.rand(50, 8)
        conv_width = mixed.fc1.in_features - features.shape[1]
        hidden = F.relu(mixed.fc1(torch.cat([torch.zeros(50, conv_width), features], dim=1)))
        without = torch.softmax(mixed.out(mixed.fc2(hidden)) + mixed.logit_bias, dim=1)
        expected = 0.7 * torch.softmax(plain(x, features, template), dim=1) + 0.3 * without
        assert torch.allclose(torch.softmax(mixed(x, features, template), dim=1), expected, atol=1e-6)
        torch.manual_seed(1)
        a = mixed.train()(x, features, template)
        torch.manual_seed(1)
        assert torch.equal(a, plain.train()(x, features, template))
        # read_with_mix turns the plain model into the mixed one (same weights), and back
        mixed.eval(), plain.eval()
        assert torch.equal(plain.read_with_mix(0.3)(x, features, template), mixed(x, features, template))
        assert not torch.allclose(plain.read_with_mix(0.0)(x, features, template), mixed(x, features, template))
    assert num_parameters(mixed) == num_parameters(plain)
    with pytest.raises(ValueError, match="needs model.morphology_dropout"):
        BeatNet(rr_features=True).read_with_mix(0.5)


def test_template_channel_sees_the_beat_against_the_patients_usual_beat():
    """With the template channel the stem takes (beat, beat - template): 160 more weights; with the beat's own
    channel silenced, only the difference from the template matters, so shifting beat and template alike
    changes nothing, while changing the template alone does."""
    torch.manual_seed(0)
    model = BeatNet(template_channel=True).eval()
    assert num_parameters(model) == 55_013 + 32 * 5
    x, template = torch.rand(6, 1, 187), torch.rand(6, 1, 187)
    with torch.no_grad():
        model.stem.weight[:, 0] = 0  # the beat's own channel
        same = model(x + 0.3, template=template + 0.3)
        assert torch.allclose(model(x, template=template), same, atol=1e-5)
        assert not torch.allclose(model(x, template=torch.rand(6, 1, 187)), same, atol=1e-3)
    with pytest.raises(ValueError, match="takes the recording's median beat as template"):
        model(x)
    with pytest.raises(ValueError, match="takes 8 features .*got 0"):
        BeatNet(rr_features=True, template_channel=True)(x, template=template)
    with pytest.raises(ValueError, match="takes no template"):
        BeatNet()(x, template=template)


def test_features_and_template_reach_their_own_layers():
    """With R-R features and the template channel, the features join at fc1 and the template at the stem:
    with the beat's own channel silenced, shifting beat and template alike changes nothing, shifting the
    features does."""
    torch.manual_seed(0)
    model = BeatNet(rr_features=True, template_channel=True).eval()
    x, features, template = torch.rand(6, 1, 187), torch.rand(6, 8), torch.rand(6, 1, 187)
    with torch.no_grad():
        model.stem.weight[:, 0] = 0
        assert torch.allclose(model(x, features, template), model(x + 0.3, features, template + 0.3), atol=1e-5)
        assert not torch.allclose(model(x, features, template), model(x, features + 0.3, template), atol=1e-3)


def test_input_spec_names_what_each_model_takes():
    assert PAPER_INPUTS.feature_names == () and not PAPER_INPUTS.template_channel
    both = BeatNet(rr_features=True, template_features=True).inputs
    assert both.feature_names[:3] == ("rr_prev_s", "rr_next_s", "rr_local_s")
    assert both.feature_names[-2:] == ("template_corr", "template_rmse") and len(both.feature_names) == 10
    assert both.context_columns == ("rr_prev_s", "rr_next_s", "rr_local_s", "rr_mean_s", "template_corr",
                                    "template_rmse")
    assert BeatNet(template_channel=True).inputs.describe()["features"] == []


def test_logit_bias_applies_in_evaluation_only():
    """Class offsets are a decision rule for predictions; training learns the plain logits."""
    model = BeatNet()
    x = torch.rand(4, 1, 187)
    with torch.no_grad():
        model.logit_bias.copy_(torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0]))
        plain = model.train()(x)
        assert torch.allclose(model.eval()(x), plain + model.logit_bias)


def test_beat_inputs_take_and_tensors():
    inputs = BeatInputs(np.random.rand(5, 187).astype(np.float32), np.random.rand(5, 8).astype(np.float32),
                        np.broadcast_to(np.random.rand(187).astype(np.float32), (5, 187)))
    part = inputs.take(np.array([4, 1]))
    assert len(part) == 2 and np.array_equal(part.features[0], inputs.features[4])
    t = part.as_tensors(slice(0, 1))
    assert t["beats"].shape == (1, 1, 187) and t["features"].shape == (1, 8) and t["template"].shape == (1, 1, 187)
    assert BeatInputs(inputs.beats).as_tensors()["template"] is None
