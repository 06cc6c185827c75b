"""A checkpoint as a portable ONNX file, and that file as a model predict.py can use.

The ONNX graph is BeatNet's evaluation forward: the beats (B, 1, 187) and, where the model takes them,
features (B, k) and template (B, 1, 187) in; logits with the checkpoint's class offsets out (B, 5), so
that inference.predict_proba applies the same softmax to it as to the PyTorch model. Inside the graph each
Conv1d / MaxPool1d runs as its 2-D twin over a (B, C, 1, L) signal: the same numbers, but onnxruntime runs
2-D convolutions on its fast blocked-layout CPU kernels and 1-D ones on a slow generic path (2.5-3 x the
speed in bench/bench_onnx.py's probe). The file carries
the checkpoint's description (classes, preprocessing, inputs, model arguments) as metadata, so it is as
self-describing as the checkpoint, and is checked against this code's inputs on load like one.
"""
import json
import logging
import warnings
from pathlib import Path

import copy

import numpy as np
import torch
from torch import nn

from . import CLASSES
from .checkpoint import CheckpointError, load_checkpoint
from .fileio import atomic_path
from .model import ModelConfig

METADATA_KEYS = ("classes", "preprocessing", "inputs", "model_args", "epoch")


def as_2d(model):
    """A copy of BeatNet whose Conv1d / MaxPool1d layers are (1, k) Conv2d / MaxPool2d layers with the same
    weights: BeatNet's own forward then runs unchanged on (B, C, 1, L) signals and gives the same logits."""
    twin = copy.deepcopy(model).eval()
    for parent in list(twin.modules()):
        for name, layer in parent.named_children():
            if isinstance(layer, nn.Conv1d):
                conv = nn.Conv2d(layer.in_channels, layer.out_channels, (1, layer.kernel_size[0]), padding="same")
                conv.weight.data, conv.bias.data = layer.weight.data.unsqueeze(2), layer.bias.data
                setattr(parent, name, conv)
            elif isinstance(layer, nn.MaxPool1d):
                setattr(parent, name, nn.MaxPool2d((1, layer.kernel_size), (1, layer.stride)))
    return twin


class _EvalForward(torch.nn.Module):
    """BeatNet in evaluation, with exactly the inputs the model takes as positional arguments (beats and
    template (B, 1, 187), features (B, k)), computed by its 2-D twin."""

    def __init__(self, model):
        super().__init__()
        self.model = as_2d(model)

    def forward(self, beats, *rest):
        spec, rest = self.model.inputs, list(rest)
        features = rest.pop(0) if spec.feature_names else None
        template = rest.pop(0).unsqueeze(2) if spec.template_channel else None  # (B, 1, 1, 187)
        return self.model(beats.unsqueeze(2), features, template)


def input_names(spec):
    return ["beats"] + (["features"] if spec.feature_names else []) + (["template"] if spec.template_channel else [])


def export_onnx(checkpoint, out):
    """Write the checkpoint's model to `out` (ONNX, atomically); returns the input names."""
    import onnx

    model, info = load_checkpoint(checkpoint)
    names = input_names(model.inputs)
    shapes = {"beats": (2, 1, 187), "features": (2, len(model.inputs.feature_names)), "template": (2, 1, 187)}
    example = tuple(torch.zeros(shapes[n]) for n in names)
    batch = torch.export.Dim("batch", min=1)
    # dynamic shapes follow forward's signature (beats, *rest): any batch size for every input
    dynamic = ({0: batch},) + ((tuple({0: batch} for _ in names[1:]),) if names[1:] else ())
    # the exporter warns about optional packages (torchvision) and its own deprecations: not the user's business
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(_EvalForward(model).eval(), example, input_names=names, output_names=["logits"],
                                    dynamic_shapes=dynamic, dynamo=True, verbose=False)
    proto = program.model_proto
    for key in METADATA_KEYS:
        entry = proto.metadata_props.add()
        entry.key, entry.value = f"heartbeat.{key}", json.dumps(info[key])
    with atomic_path(out) as tmp:
        onnx.save(proto, str(tmp))
    return names


class OnnxBeatNet:
    """An ONNX file run by onnxruntime, with what inference.predict_proba and the recording pipeline use
    of a BeatNet: inputs, logit_bias (its length), eval(), and a call returning logits as a tensor."""

    def __init__(self, path):
        import onnxruntime as ort

        path = Path(path)
        if not path.is_file():
            raise CheckpointError(f"{path}: no such ONNX file")
        try:
            self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            meta = {k.removeprefix("heartbeat."): json.loads(v)
                    for k, v in self.session.get_modelmeta().custom_metadata_map.items() if k.startswith("heartbeat.")}
        except Exception as e:  # onnxruntime raises its own kinds on a file that is not ONNX
            raise CheckpointError(f"{path}: not a readable ONNX model ({str(e).strip()[:160]})") from None
        missing = [k for k in METADATA_KEYS if k not in meta]
        if missing:
            raise CheckpointError(f"{path}: no heartbeat metadata ({', '.join(missing)}); export it with export.py")
        self.inputs = ModelConfig(**meta["model_args"]).inputs
        if meta["inputs"] != self.inputs.describe() or meta["classes"] != list(CLASSES):
            raise CheckpointError(f"{path}: made for other inputs or classes than this code computes")
        self.info = meta
        self.logit_bias = np.zeros(len(CLASSES), dtype=np.float32)  # its length: the class count

    def eval(self):
        return self

    def __call__(self, beats, features=None, template=None):
        given = {"beats": beats, "features": features, "template": template}
        feed = {name: given[name].numpy() for name in input_names(self.inputs)}
        return torch.from_numpy(self.session.run(["logits"], feed)[0])


def load_model(path):
    """(model, info) of a checkpoint (.pt) or an exported ONNX file (.onnx)."""
    if Path(path).suffix == ".onnx":
        model = OnnxBeatNet(path)
        return model, model.info
    return load_checkpoint(path)
