"""The residual Conv1d network of Kachuee et al. 2018: 55,013 parameters with the default arguments."""
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .features import feature_names
from .rr import AVERAGE_COLUMN


class ResBlock(nn.Module):
    """conv -> ReLU -> conv, add the input, ReLU, then max-pool (k5, s2) that halves the length."""

    def __init__(self, channels, kernel_size):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, channels, kernel_size, padding="same")
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, padding="same")
        self.pool = nn.MaxPool1d(kernel_size=5, stride=2)

    def forward(self, x):  # (B, C, L)
        y = self.conv2(F.relu(self.conv1(x)))
        return self.pool(F.relu(y + x))  # (B, C, (L - 5) // 2 + 1)


@dataclass
class ModelConfig:
    beat_len: int = 187
    channels: int = 32
    kernel_size: int = 5
    num_blocks: int = 5
    hidden: int = 32
    num_classes: int = 5
    rr_features: bool = False  # also take the 8 R-R features of rr.py, joined to the conv features at fc1
    rr_average: str = "median"  # the patient's average R-R those features divide by: "median" or "mean"
    template_features: bool = False  # also take the 2 template features of template.py, likewise
    # Also take the recording's median beat (template.median_beat): the stem then sees two channels, the beat
    # and the beat minus that template, i.e. the beat's shape against the patient's own usual beat.
    template_channel: bool = False
    # In training, the chance that a beat's conv (morphology) features are zeroed, so that the model must
    # also classify from its extra inputs alone. Against overfitting the training patients' beat shapes:
    # in a new patient, the timing of a premature beat transfers where its shape does not.
    morphology_dropout: float = 0.0

    def __post_init__(self):
        if self.rr_average not in AVERAGE_COLUMN:
            raise ValueError(f"rr_average {self.rr_average!r}; choose one of {tuple(AVERAGE_COLUMN)}")
        if not 0.0 <= self.morphology_dropout < 1.0:
            raise ValueError(f"morphology_dropout {self.morphology_dropout} must be in [0, 1)")
        if self.morphology_dropout and not (self.rr_features or self.template_features):
            raise ValueError("morphology_dropout needs extra inputs (rr_features or template_features) to fall back on")

    def flat_len(self):
        """Length after the pooling of every block: 187 -> 92 -> 44 -> 20 -> 8 -> 2."""
        length = self.beat_len
        for _ in range(self.num_blocks):
            length = (length - 5) // 2 + 1
        if length < 1:
            raise ValueError(f"beat_len {self.beat_len} is too short for {self.num_blocks} pooling blocks")
        return length


class BeatNet(nn.Module):
    """Input (B, 1, beat_len) beats scaled to [0, 1], and (B, num_extra + beat_len * template_channel) extra
    inputs when rr_features, template_features (features.feature_names lists them) or template_channel (then
    the last beat_len values are the recording's median beat); output (B, num_classes) logits.

    logit_bias is a buffer, zero while training: afterwards the prior calibration of calibration.py (or, for a
    balanced sampler or weighted loss, the undoing of the class priors they tilted) sets it; it shifts the
    decision between classes without touching the learned weights (and is not a parameter).
    """

    def __init__(self, **model_args):
        super().__init__()
        self.config = cfg = ModelConfig(**model_args)
        self.stem = nn.Conv1d(2 if cfg.template_channel else 1, cfg.channels, cfg.kernel_size, padding="same")
        self.blocks = nn.ModuleList(ResBlock(cfg.channels, cfg.kernel_size) for _ in range(cfg.num_blocks))
        self.num_extra = len(feature_names(asdict(cfg)))  # the named features, joined to the conv features
        self.num_inputs = self.num_extra + (cfg.beat_len if cfg.template_channel else 0)
        self.fc1 = nn.Linear(cfg.channels * cfg.flat_len() + self.num_extra, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, cfg.num_classes)
        self.register_buffer("logit_bias", torch.zeros(cfg.num_classes))

    def model_args(self):
        """Plain constructor arguments, stored in checkpoints so the model can be rebuilt exactly."""
        return asdict(self.config)

    def forward(self, x, extra=None):  # x (B, 1, 187), extra (B, num_inputs) or None
        width = None if extra is None else extra.shape[1]
        if width != (self.num_inputs or None):
            raise ValueError(f"this model takes {self.num_inputs} extra inputs (R-R / template features, median "
                             f"beat), got {width or 'none'}" if self.num_inputs else "this model takes no extra inputs")
        if self.config.template_channel:
            extra, template = extra[:, :self.num_extra], extra[:, self.num_extra:]  # (B, k), (B, 187)
            x = torch.cat([x, x - template.unsqueeze(1)], dim=1)  # (B, 2, 187)
            extra = extra if self.num_extra else None
        x = self.stem(x)  # (B, 32, 187); no activation here, as in the original network
        for block in self.blocks:
            x = block(x)  # (B, 32, 92) -> (B, 32, 44) -> (B, 32, 20) -> (B, 32, 8) -> (B, 32, 2)
        x = x.flatten(1)  # (B, 64)
        if self.training and self.config.morphology_dropout:
            # whole-vector dropout per beat, not rescaled: the kept beats look exactly as in evaluation
            keep = torch.rand(x.shape[0], 1, device=x.device) >= self.config.morphology_dropout
            x = x * keep
        if extra is not None:
            x = torch.cat([x, extra], dim=1)  # (B, 64 + num_extra)
        x = F.relu(self.fc1(x))  # (B, 32)
        x = self.fc2(x)  # (B, 32); the original applies no activation after its second linear layer
        return self.out(x) + self.logit_bias  # (B, 5)


def num_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def seed_state_dict_to_beatnet(state_dict):
    """Rename a state dict of the original project (DeCuuTranVo/ECG_Beat_Classification) to BeatNet's keys.

    conv_1 -> stem, residual_block_i.conv_j -> blocks.(i-1).convj, linear_1/2/3 -> fc1/fc2/out.
    """
    renamed = {}
    for key, value in state_dict.items():
        layer, _, param = key.rpartition(".")
        if layer == "conv_1":
            new = "stem"
        elif layer.startswith("residual_block_"):
            block, conv = layer.split(".")
            new = f"blocks.{int(block.rsplit('_', 1)[1]) - 1}.conv{conv.rsplit('_', 1)[1]}"
        elif layer in ("linear_1", "linear_2", "linear_3"):
            new = {"linear_1": "fc1", "linear_2": "fc2", "linear_3": "out"}[layer]
        else:
            raise KeyError(f"unexpected key {key!r}: not a checkpoint of the original project")
        renamed[f"{new}.{param}"] = torch.as_tensor(value)
    return renamed
