"""The residual Conv1d network of Kachuee et al. 2018 (55,013 parameters with the defaults), and what it takes.

Read top to bottom: the residual block; the model's config section; the inputs a model takes (InputSpec,
built from that config) and a batch of them (BeatInputs); the network.
"""
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import BEAT_LEN, CLASSES, rr, template
from .schema import check_fields, option


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
    channels: int = option(32, "conv channels", minimum=1)
    kernel_size: int = option(5, "conv kernel size", minimum=1)
    num_blocks: int = option(5, "residual blocks, each halving the length (187 -> 92 -> 44 -> 20 -> 8 -> 2)",
                             minimum=1)
    hidden: int = option(32, "width of the two hidden linear layers", minimum=1)
    rr_features: bool = option(False, "also take the beat's 8 R-R features (rr.FEATURE_NAMES: previous, next "
                               "and local R-R, and their ratios to each other and to the mean R-R within +-150 s), "
                               "joined to the conv features at the first linear layer")
    template_features: bool = option(False, "also take the beat's correlation with, and RMS distance to, its "
                                     "recording's median beat (first 40 values), likewise")
    template_channel: bool = option(False, "also take the recording's median beat: the first conv then sees the "
                                    "beat and the beat minus that template, i.e. its shape against the patient's "
                                    "usual beat (+160 weights)")
    # Against overfitting the training patients' beat shapes: in a new patient the timing of a premature
    # beat transfers where its shape does not, so the model must also learn to classify without the shape.
    morphology_dropout: float = option(0.0, "in training, the chance that a beat's conv (morphology) features "
                                       "are zeroed, so the model also learns from its R-R / template features "
                                       "alone (needs one of them); 0: off")
    # That training leaves a second reading inside the model, from the R-R and template features alone, which
    # depends less on the exact sample a recording's cut starts at than the morphology reading does; mixing the two
    # found more S beats in new patients' recordings (docs/cross-database-log.md, "Reading beats also without
    # their morphology").
    morphology_mix: float = option(0.0, "in evaluation, the class probabilities are this share read without the "
                                   "conv (morphology) features, as morphology dropout trained the model to read, and "
                                   "the rest read with them (needs model.morphology_dropout); 0: off; a reading key: "
                                   "fine-tuning (train.init) takes it from its own config, not from the checkpoint")
    # Keys that change how a trained network is read, not the network: fine-tuning takes every other model key
    # from its checkpoint and these from its own config (an adapted model reads best without the mix,
    # docs/cross-database-log.md, "An adapted model read without the mix").
    READING_KEYS = ("morphology_mix",)

    def __post_init__(self):
        check_fields(self, "model")
        if not 0.0 <= self.morphology_dropout < 1.0:
            raise ValueError("model.morphology_dropout must be in [0, 1)")
        if self.morphology_dropout and not (self.rr_features or self.template_features):
            raise ValueError("model.morphology_dropout needs model.rr_features or model.template_features: "
                             "without them a beat whose morphology is dropped has nothing left")
        if not 0.0 <= self.morphology_mix < 1.0:
            raise ValueError("model.morphology_mix must be in [0, 1)")
        if self.morphology_mix and not self.morphology_dropout:
            raise ValueError("model.morphology_mix needs model.morphology_dropout: without it the model never "
                             "learned to read a beat without its morphology")
        if self.flat_len() < 1:
            raise ValueError(f"model.num_blocks {self.num_blocks} pools a {BEAT_LEN}-value beat to nothing")

    def flat_len(self):
        """Length after the pooling of every block: 187 -> 92 -> 44 -> 20 -> 8 -> 2."""
        length = BEAT_LEN
        for _ in range(self.num_blocks):
            length = (length - 5) // 2 + 1
        return length

    def network(self):
        """The model keys that fix the network and its inputs (all but READING_KEYS): what a checkpoint to
        fine-tune must match."""
        return {k: v for k, v in asdict(self).items() if k not in self.READING_KEYS}

    @property
    def inputs(self):
        return InputSpec(self.rr_features, self.template_features, self.template_channel)


@dataclass(frozen=True)
class InputSpec:
    """Which inputs a model takes beside the beat: named features (R-R, template), and the template itself.

    Every path that feeds a model (beat CSVs with their sidecars, recordings, training, the app, bench)
    asks this object what to compute, and checkpoints store describe() to check it on load.
    """
    rr_features: bool
    template_features: bool
    template_channel: bool

    @property
    def feature_names(self):
        """The named scalar inputs, in input order."""
        return (rr.FEATURE_NAMES if self.rr_features else ()) + (template.COLUMNS if self.template_features else ())

    @property
    def context_columns(self):
        """The sidecar (.meta.csv) columns the named features are computed from."""
        return (rr.CONTEXT_COLUMNS if self.rr_features else ()) + (template.COLUMNS if self.template_features else ())

    def describe(self):
        """Plain description stored in checkpoints: what the inputs are, as this code computes them."""
        out = {"features": list(self.feature_names)}
        if self.template_features:
            out["template_features"] = {"window": template.WINDOW, "template": "median beat of the recording"}
        if self.template_channel:
            out["template_channel"] = {"template": "median beat of the recording",
                                       "stem_input": ["beat", "beat minus template"]}
        return out


@dataclass
class BeatInputs:
    """What a model takes for n beats. beats (n, 187) float32 in [0, 1]; features (n, k) float32 in
    InputSpec.feature_names order, or None; template (n, 187) float32, each beat's recording's median beat,
    or None."""
    beats: np.ndarray
    features: np.ndarray | None = None
    template: np.ndarray | None = None

    def __len__(self):
        return len(self.beats)

    def take(self, index):
        pick = (lambda a: None if a is None else a[index])
        return BeatInputs(self.beats[index], pick(self.features), pick(self.template))

    @staticmethod
    def concatenate(parts):
        """One BeatInputs of the beats of all parts, in order (parts of one model: the same inputs present)."""
        def join(arrays):
            return None if arrays[0] is None else np.concatenate(arrays)

        return BeatInputs(join([p.beats for p in parts]), join([p.features for p in parts]),
                          join([p.template for p in parts]))

    def as_tensors(self, rows=slice(None)):
        """BeatNet.forward's keyword arguments for the beats at `rows`: beats and template as (b, 1, 187)
        tensors, features (b, k)."""
        def tensor(a, add_channel):
            if a is None:
                return None
            t = torch.as_tensor(np.require(a[rows], np.float32, ["C", "W"]))  # a broadcast template is read-only
            return t.unsqueeze(1) if add_channel else t

        return {"beats": tensor(self.beats, True), "features": tensor(self.features, False),
                "template": tensor(self.template, True)}


class BeatNet(nn.Module):
    """forward(beats (B, 1, 187), features (B, k) or None, template (B, 1, 187) or None) -> (B, 5) logits.

    logit_bias (a buffer, not a parameter) holds class offsets that only evaluation applies: the undoing of
    the class priors a weighted loss tilted, or the prior calibration of calibration.py. Training (train mode)
    learns the plain logits. With config.morphology_mix, evaluation returns the log of the mixed probabilities
    of the two readings, with and without the conv features.
    """

    def __init__(self, **model_args):
        super().__init__()
        self.config = cfg = ModelConfig(**model_args)
        self.inputs = cfg.inputs
        num_features = len(self.inputs.feature_names)
        self.stem = nn.Conv1d(2 if cfg.template_channel else 1, cfg.channels, cfg.kernel_size, padding="same")
        self.blocks = nn.ModuleList(ResBlock(cfg.channels, cfg.kernel_size) for _ in range(cfg.num_blocks))
        self.fc1 = nn.Linear(cfg.channels * cfg.flat_len() + num_features, cfg.hidden)
        self.fc2 = nn.Linear(cfg.hidden, cfg.hidden)
        self.out = nn.Linear(cfg.hidden, len(CLASSES))
        self.register_buffer("logit_bias", torch.zeros(len(CLASSES)))

    def read_with_mix(self, mix):
        """This model, from now on read with model.morphology_mix `mix` (ValueError where its network cannot
        be: a mix needs morphology dropout). The weights stay; only evaluation's reading changes."""
        self.config = replace(self.config, morphology_mix=mix)
        return self

    def model_args(self):
        """Plain constructor arguments, stored in checkpoints so the model can be rebuilt exactly."""
        return asdict(self.config)

    def forward(self, beats, features=None, template=None):
        if self.training:
            return self.plain_logits(beats, features, template)
        return self.scores_and_embedding(beats, features, template)[0]

    def scores_and_embedding(self, beats, features=None, template=None):
        """Evaluation's scores (forward's: (B, 5), with the class offsets and the morphology mix) and the beats'
        embedding, as the last layer sees them read with their morphology ((B, 32), the fc2 outputs), from one pass
        of the convolutions. Beats the model reads alike lie close in the embedding (review.py groups a recording's
        beats by it)."""
        self._check(features, template)
        morphology = self._morphology(beats, template)
        hidden = self._hidden(morphology, features)
        logits = self.out(hidden) + self.logit_bias
        w = self.config.morphology_mix
        if not w:
            return logits, hidden
        without = self._head(torch.zeros_like(morphology), features) + self.logit_bias
        # the log of the mixed probabilities: softmax gives the mixture back, argmax picks its class
        return torch.logsumexp(torch.stack([F.log_softmax(logits, 1) + math.log(1 - w),
                                            F.log_softmax(without, 1) + math.log(w)]), dim=0), hidden  # (B, 5)

    def plain_logits(self, beats, features=None, template=None):
        """The network's logits without the class offsets (what training learns and calibration starts from)."""
        self._check(features, template)
        x = self._morphology(beats, template)
        if self.training and self.config.morphology_dropout:
            # whole-vector dropout per beat, not rescaled: the kept beats look exactly as in evaluation
            keep = torch.rand(x.shape[0], 1, device=x.device) >= self.config.morphology_dropout
            x = x * keep
        return self._head(x, features)

    def _morphology(self, beats, template):
        """The conv features of the beats: (B, 1, 187) -> (B, 64)."""
        x = beats
        if template is not None:
            x = torch.cat([beats, beats - template], dim=1)  # (B, 2, 187)
        x = self.stem(x)  # (B, 32, 187); no activation here, as in the original network
        for block in self.blocks:
            x = block(x)  # (B, 32, 92) -> (B, 32, 44) -> (B, 32, 20) -> (B, 32, 8) -> (B, 32, 2)
        return x.flatten(1)  # (B, 64)

    def _head(self, x, features):
        """The linear layers on the conv features (B, 64) and the named features (B, k): (B, 5) logits."""
        return self.out(self._hidden(x, features))  # (B, 5)

    def _hidden(self, x, features):
        if features is not None:
            x = torch.cat([x, features], dim=1)  # (B, 64 + k)
        x = F.relu(self.fc1(x))  # (B, 32)
        return self.fc2(x)  # (B, 32); the original applies no activation after its second linear layer

    def _check(self, features, template):
        names = self.inputs.feature_names
        got = 0 if features is None else features.shape[1]
        if got != len(names):
            raise ValueError(f"this model takes {len(names)} features ({', '.join(names) or 'none'}), got {got}")
        if (template is not None) != self.inputs.template_channel:
            raise ValueError("this model takes the recording's median beat as template" if template is None
                             else "this model takes no template")


def num_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
