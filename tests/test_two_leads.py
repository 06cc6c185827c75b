"""A second lead: each beat classified on both leads of a record, the two leads' probabilities averaged."""
import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from conftest import MITDB, ROOT, SVDB, needs_mitdb, needs_svdb, run_script
from heartbeat.checkpoint import load_checkpoint
from heartbeat.recording import classify_recording
from heartbeat.sources import SignalError, open_recording, read_wfdb

MINUTES = 6


@pytest.fixture(scope="module")
def recording_model():
    return load_checkpoint(ROOT / "models" / "recording.pt")[0]


def first_minutes(rec):
    n = MINUTES * 60 * int(rec.fs)
    second = None if rec.second is None else np.asarray(rec.second[:n], dtype=np.float64)
    return replace(rec, signal=np.asarray(rec.signal[:n], dtype=np.float64), second=second)


def probabilities(table):
    return table[[c for c in table if c.startswith("p_")]].to_numpy()


@needs_mitdb
def test_a_second_lead_equal_to_the_first_changes_nothing(recording_model):
    """Both leads' beats are cut at the same R peaks with their own templates: the same signal twice must
    give the one-lead answer, beat for beat."""
    rec = first_minutes(read_wfdb(MITDB / "208"))
    alone = classify_recording(recording_model, rec)
    twice = classify_recording(recording_model, replace(rec, second=rec.signal.copy(), second_channel="MLII copy"))
    assert len(alone) > 300 and (alone["sample"] == twice["sample"]).all()
    np.testing.assert_allclose(probabilities(twice), probabilities(alone), atol=1e-6)


@needs_mitdb
def test_the_second_lead_votes_only_where_it_can_be_read(recording_model, monkeypatch):
    """Record 208 (many V beats) with V1 beside MLII, V1 missing for a minute: the beats are those MLII
    finds; inside V1's gap a beat keeps MLII's probabilities, elsewhere both leads decide (read before the
    beats of one shape share theirs, which would mix the two stretches)."""
    monkeypatch.setattr("heartbeat.recording.share_by_shape", lambda proba, shapes: proba)
    both = first_minutes(read_wfdb(MITDB / "208", "MLII", "V1"))
    assert both.second_channel == "V1"
    gap = slice(120 * 360, 180 * 360)
    both.second[gap] = np.nan
    alone = classify_recording(recording_model, replace(both, second=None, second_channel=""))
    fused = classify_recording(recording_model, both)
    assert (alone["sample"] == fused["sample"]).all()
    assert [(e.start, e.stop, e.reason) for e in both.second_excluded] == [(gap.start, gap.stop, "gap")]
    inside = (fused["sample"] >= gap.start) & (fused["sample"] < gap.stop)
    assert inside.sum() > 50
    np.testing.assert_array_equal(probabilities(fused)[inside], probabilities(alone)[inside])
    changed = np.abs(probabilities(fused)[~inside] - probabilities(alone)[~inside]).max(axis=1) > 1e-3
    assert changed.mean() > 0.5


@needs_mitdb
def test_bad_second_leads_are_one_line_errors(tmp_path, recording_model):
    with pytest.raises(SignalError, match="the second channel is the channel read"):
        read_wfdb(MITDB / "100", "MLII", "0")
    with pytest.raises(SignalError, match="no channel 'V9'"):
        read_wfdb(MITDB / "100", None, "V9")
    with pytest.raises(SignalError, match="a second channel needs a WFDB record"):
        open_recording(second="1", signal=tmp_path / "ecg.npy", fs=360)
    flat = first_minutes(read_wfdb(MITDB / "100", None, "V5"))
    flat.second[:] = 0.0
    with pytest.raises(SignalError, match=r"second channel V5\): the signal is flat"):
        classify_recording(recording_model, flat)
    proc = run_script("predict.py", "--record", MITDB / "100", "--second-channel", "MLII")
    assert proc.returncode != 0 and "the second channel is the channel read" in proc.stderr
    assert "Traceback" not in proc.stderr


@needs_svdb
def test_adapting_the_recording_model_on_both_leads_of_a_new_patient(tmp_path):
    """The README's adaptation for a two-lead recorder: both leads' labelled beats (prepare_data.py --leads 0 1
    --detected: cut where the pipeline cuts) fine-tune the head of recording.pt (config/adapt.json), then
    predict.py reads both leads with it."""
    mine = tmp_path / "my_records"
    mine.mkdir()
    for suffix in (".hea", ".dat", ".atr"):
        shutil.copy(SVDB / f"800{suffix}", mine)
    data = tmp_path / "data"
    built = run_script("prepare_data.py", "--db", mine, "--leads", "0", "1", "--detected", "--out", data)
    assert built.returncode == 0, built.stderr
    csvs = [data / "my_records.csv", data / "my_records_lead1.csv"]
    beats = sum(len(csv.read_text().splitlines()) for csv in csvs)
    tuned = run_script("train.py", "--init", ROOT / "models" / "recording.pt", "--config", ROOT / "config" / "adapt.json",
                       "--set", f"data.train_csv={json.dumps([str(c) for c in csvs])}", "train.replay=0",
                       "train.epochs=1", f"run.log_dir={tmp_path / 'log'}", "run.name=me")
    assert tuned.returncode == 0, tuned.stderr
    assert f"{beats} training / 0 validation beats" in tuned.stdout
    shipped, _ = load_checkpoint(ROOT / "models" / "recording.pt")
    adapted, _ = load_checkpoint(tmp_path / "log" / "me" / "best.pt")
    same = {name: np.array_equal(a.detach().numpy(), b.detach().numpy())
            for (name, a), b in zip(shipped.named_parameters(), adapted.parameters())}
    convolutions = [name for name in same if name.startswith(("stem", "blocks"))]
    assert convolutions and all(same[name] for name in convolutions), "head only: the convolutions stay"
    assert not all(same[name] for name in same if name not in convolutions), "the linear layers trained"
    # the network is the checkpoint's, its reading the recipe's: an adapted model is read without the mix
    assert shipped.config.network() == adapted.config.network()
    assert shipped.config.morphology_mix == 0.5 and adapted.config.morphology_mix == 0.0
    proc = run_script("predict.py", "--checkpoint", tmp_path / "log" / "me" / "best.pt", "--record", mine / "800",
                      "--second-channel", "ECG2", "--out", tmp_path / "beats.csv")
    assert proc.returncode == 0, proc.stderr
    assert "800 channel ECG1 with ECG2" in proc.stdout and "against the reference annotations" in proc.stdout
