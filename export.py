"""Export a trained checkpoint to ONNX, checked against PyTorch with onnxruntime on real-shaped beats.

    python export.py --checkpoint models/recording.pt --out models/recording.onnx
    python predict.py --onnx models/recording.onnx --record data/mitdb/208

The file takes the model's inputs (beats, and its R-R features / template where it uses them) with any
batch size, returns the class logits with the checkpoint's offsets, and carries the checkpoint's
classes, preprocessing and inputs as metadata.
"""
import argparse
import sys

import numpy as np
import torch

from heartbeat import BEAT_LEN, UserError
from heartbeat.checkpoint import load_checkpoint
from heartbeat.fileio import check_output
from heartbeat.onnx_model import OnnxBeatNet, export_onnx


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="trained checkpoint (.pt)")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = p.parse_args(argv)
    try:
        check_output(args.out, args.force)
        model, _ = load_checkpoint(args.checkpoint)
        names = export_onnx(args.checkpoint, args.out)
        # a quick check on random beats; tests/test_onnx.py checks 10,000 real ones
        rng = np.random.default_rng(0)
        feed = {"beats": rng.random((64, 1, BEAT_LEN)), "features": rng.random((64, len(model.inputs.feature_names))),
                "template": rng.random((64, 1, BEAT_LEN))}
        feed = {k: torch.from_numpy(v.astype(np.float32)) for k, v in feed.items() if k in names}
        with torch.no_grad():
            gap = (OnnxBeatNet(args.out)(**feed) - model(**feed)).abs().max().item()
    except UserError as e:
        sys.exit(f"error: {e}")
    print(f"wrote {args.out} (inputs: {', '.join(names)}; max |logit difference| against PyTorch {gap:.2e})")


if __name__ == "__main__":
    main()
