"""export.py: every shipped model as ONNX gives the probabilities of PyTorch (max |dp| <= 1e-5) on more
than 10,000 real beats, with the inputs each model takes; predict.py --onnx gives the same classes."""
import numpy as np
import pytest

from conftest import MITDB, ROOT, needs_mitdb, run_main, run_script

RECORDS = ("100", "203", "208", "217", "232")  # over 10,000 beats: every class, paced, noisy


@pytest.fixture(scope="module")
def found():
    """Every record's detected beats (SegmentBeats of each analyzable segment)."""
    if not (MITDB / "100.hea").exists():
        pytest.skip("MIT-BIH records not found")
    from heartbeat.recording import beats_of, check_signal
    from heartbeat.sources import read_wfdb

    out = []
    for name in RECORDS:
        rec = check_signal(read_wfdb(MITDB / name))
        out += [beats_of(rec, a, b) for a, b in rec.segments]
    return out


@needs_mitdb
@pytest.mark.slow
@pytest.mark.parametrize("shipped", ["mitbih.pt", "mitbih_ds1.pt", "recording.pt"])
def test_onnx_matches_pytorch_on_real_beats(found, shipped, tmp_path):
    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.features import recording_inputs
    from heartbeat.inference import predict_proba
    from heartbeat.model import BeatInputs
    from heartbeat.onnx_model import load_model

    out = tmp_path / "model.onnx"
    result = run_script("export.py", "--checkpoint", ROOT / "models" / shipped, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the exporter's own warnings are not shown to the user
    model, _ = load_checkpoint(ROOT / "models" / shipped)
    onnx_model, info = load_model(out)
    assert info["inputs"] == model.inputs.describe() and info["preprocessing"]["sampling_rate_hz"] == 120
    inputs = BeatInputs.concatenate([recording_inputs(model.inputs, f.times, index, f.beats(index))
                                     for f in found for index in f.blocks])
    assert len(inputs) > 10_000
    gap = np.abs(predict_proba(model, inputs) - predict_proba(onnx_model, inputs)).max()
    assert gap <= 1e-5


@needs_mitdb
def test_predict_with_onnx_and_bad_onnx_files(tmp_path):
    out = tmp_path / "recording.onnx"
    assert run_script("export.py", "--checkpoint", ROOT / "models" / "recording.pt", "--out", out).returncode == 0
    again = run_main("export.py", "--checkpoint", ROOT / "models" / "recording.pt", "--out", out)
    assert again.returncode == 1 and "exists; choose another name or add --force" in again.stderr
    with_onnx = run_script("predict.py", "--onnx", out, "--record", MITDB / "100")
    with_torch = run_script("predict.py", "--record", MITDB / "100")
    assert with_onnx.returncode == 0, with_onnx.stderr
    assert with_onnx.stdout.splitlines()[-2:] == with_torch.stdout.splitlines()[-2:]  # class counts, agreement
    (tmp_path / "bad.onnx").write_text("not a model")
    bad = run_main("predict.py", "--onnx", tmp_path / "bad.onnx", "--record", MITDB / "100")
    assert bad.returncode == 1 and bad.stderr.startswith("error: ") and "not a readable ONNX model" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    named = run_main("predict.py", "--onnx", tmp_path / "bad.txt", "--record", MITDB / "100")  # not read as a .pt
    assert named.returncode == 1 and named.stderr.strip().endswith("an ONNX model's name ends in .onnx (export.py writes one)")
