"""prepare_data.py --db --detected: an annotated record's beats as the pipeline detects and cuts them, labelled by the
reference beats they match (heartbeat/reviewed.py, annotated_tables), the training beats for adapting a model to
your own records."""
import numpy as np
import pytest

from conftest import ROOT, SVDB, needs_svdb, run_main
from heartbeat.checkpoint import load_checkpoint
from heartbeat.labelled import load_labelled
from heartbeat.recording import classify_recording
from heartbeat.reviewed import annotated_tables
from heartbeat.sources import open_recording

SAMPLE = ROOT / "samples" / "recording" / "208_min15"  # ships with the repo, with its reference annotations


@pytest.fixture(scope="module")
def recording_model():
    return load_checkpoint(ROOT / "models" / "recording.pt")[0]


def test_annotated_records_become_training_csvs_cut_where_the_pipeline_cuts(tmp_path, recording_model):
    """prepare_data.py --db --detected: the beats the pipeline detects that match a reference beat, each cut as
    predict.py cuts it and labelled with that beat's class, on both leads; not at the annotations, where a model
    adapted on them would be given beats it never reads."""
    rec = open_recording(str(SAMPLE), "0", "1")
    (first, second), n_ref = annotated_tables(rec, "mine")
    table = classify_recording(recording_model, rec)
    samples = first.meta["sample"].to_numpy()
    assert np.isin(samples, table["sample"]).all()  # the beats predict.py reads, where it cuts them
    nearest = np.abs(samples[:, None] - rec.ref_samples[None, :]).argmin(axis=1)
    assert (np.abs(rec.ref_samples[nearest] - samples) <= 0.15 * rec.fs).all()
    assert first.y.tolist() == rec.ref_labels[nearest].tolist() and set(first.y) >= {0, 1, 2, 3}
    assert n_ref == len(rec.ref_samples) - 1 and len(first.y) >= 0.99 * n_ref
    assert second.meta["sample"].tolist() == first.meta["sample"].tolist() and set(first.meta["db"]) == {"mine"}
    folder = tmp_path / "my_records"
    folder.mkdir()
    for ext in ("hea", "dat", "atr"):
        (folder / f"208_min15.{ext}").symlink_to(SAMPLE.with_suffix(f".{ext}"))
    made = run_main("prepare_data.py", "--db", folder, "--leads", 0, 1, "--detected", "--out", tmp_path / "data")
    assert made.returncode == 0, made.stderr
    assert f"{len(first.y)} of {n_ref} reference beats found by the pipeline" in made.stdout
    for csv in ("my_records.csv", "my_records_lead1.csv"):
        written = load_labelled(tmp_path / "data" / csv, recording_model.inputs)
        assert written.y.tolist() == first.y.tolist()
    for args, says in ((["--mitdb", folder], "--detected cuts the records of --db folders"),
                       (["--db", folder, "--leads", 0, 1, 2],
                        "--detected reads a record's beats on one lead, or on two")):
        refused = run_main("prepare_data.py", *args, "--detected", "--out", tmp_path / "other")
        assert refused.returncode == 1 and says in refused.stderr and not (tmp_path / "other").exists()


@needs_svdb
def test_annotated_beats_leave_out_what_the_pipeline_leaves_out(recording_model):
    """SVDB 821 has stretches too noisy to read: their beats are read by no model, so they are no training beats."""
    rec = open_recording(str(SVDB / "821"), None, None)
    (first, _), _ = annotated_tables(rec, "svdb")
    table = classify_recording(recording_model, rec)
    assert any(e.reason == "noise" for e in rec.excluded)
    samples = first.meta["sample"].to_numpy()
    assert np.isin(samples, table["sample"]).all() and len(samples) > 0.95 * len(table)
