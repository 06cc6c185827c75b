"""End to end: the real scripts on small real data in a temp dir, as a user runs them."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ROOT, run_main, run_script

pytestmark = pytest.mark.slow


def train_args(tmp_path, train_csv, name, *sets):
    return ["--config", ROOT / "config" / "config.json", "--set", f"data.train_csv={train_csv}",
            f"run.log_dir={tmp_path / 'log'}", f"run.name={name}", "data.val_fraction=0.25",
            "train.batch_size=64", "train.threads=1", *sets]


def ok(proc):
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def test_train_test_predict(tmp_path, small_csvs):
    train_csv, test_csv = small_csvs
    out = ok(run_script("train.py", *train_args(tmp_path, train_csv, "e2e", "train.epochs=2")))
    run = tmp_path / "log" / "e2e"
    assert f"checkpoint to use: {run / 'calibrated.pt'}" in out.stdout
    # config.json calibrates at the end of a run
    assert {"config.json", "best.pt", "last.pt", "calibrated.pt"} <= {p.name for p in run.iterdir()}
    assert any(p.name.startswith("events.out.tfevents") for p in run.iterdir())
    assert json.loads((run / "config.json").read_text())["train"]["epochs"] == 2

    proc = ok(run_script("test.py", "--checkpoint", run / "best.pt", "--csv", test_csv,
                         "--out", tmp_path / "t", "--json"))
    metrics = json.loads(proc.stdout)  # stdout is exactly one JSON object
    assert set(metrics) == {"accuracy", "macro_f1", "per_class", "confusion"}
    assert list(metrics["per_class"]) == ["N", "S", "V", "F", "Q"]
    assert np.array(metrics["confusion"]).sum() == 200 and metrics["per_class"]["Q"]["support"] == 40
    assert (tmp_path / "t" / "confusion.png").stat().st_size > 1000

    pred = tmp_path / "pred.csv"
    proc = ok(run_script("predict.py", "--checkpoint", run / "best.pt", "--csv", test_csv, "--out", pred))
    table = pd.read_csv(pred)
    assert list(table.columns) == ["row", "class", "class_index", "p_N", "p_S", "p_V", "p_F", "p_Q"]
    assert len(table) == 200 and np.allclose(table.filter(like="p_").sum(axis=1), 1, atol=1e-4)
    acc = (table["class_index"].to_numpy() == np.repeat(np.arange(5), 40)).mean()
    assert f"accuracy against the file's labels: {acc:.4f}" in proc.stdout
    assert f"more rows (all saved to {pred})" in proc.stdout
    assert f"accuracy {metrics['accuracy']:.4f}" in ok(run_script(
        "test.py", "--checkpoint", run / "best.pt", "--csv", test_csv, "--out", tmp_path / "t2")).stdout

    # outputs are never overwritten without --force
    again = run_main("predict.py", "--checkpoint", run / "best.pt", "--csv", test_csv, "--out", pred)
    assert again.returncode != 0 and "exists" in again.stderr
    again = run_main("train.py", *train_args(tmp_path, train_csv, "e2e"))
    assert again.returncode != 0 and "exists" in again.stderr
    mine = tmp_path / "mine"  # a folder holding only a figure of the user's, named like test.py's
    mine.mkdir()
    (mine / "confusion.png").write_bytes(b"user's figure")
    again = run_main("test.py", "--checkpoint", run / "best.pt", "--csv", test_csv, "--out", mine)
    assert again.returncode != 0 and "confusion.png exists" in again.stderr
    assert (mine / "confusion.png").read_bytes() == b"user's figure" and not (mine / "metrics.json").exists()


def test_resume_matches_an_uninterrupted_run(tmp_path, small_csvs):
    train_csv, _ = small_csvs
    # the paper's step schedule: a cosine one is laid out over the planned epochs and cannot be extended
    ok(run_script("train.py", *train_args(tmp_path, train_csv, "full", "train.epochs=3", "train.schedule=step")))
    ok(run_script("train.py", *train_args(tmp_path, train_csv, "cut", "train.epochs=1", "train.schedule=step")))
    ok(run_script("train.py", "--resume", tmp_path / "log" / "cut", "--set", "train.epochs=3"))
    full = torch.load(tmp_path / "log" / "full" / "last.pt", weights_only=True)
    cut = torch.load(tmp_path / "log" / "cut" / "last.pt", weights_only=True)
    assert cut["epoch"] == full["epoch"] == 3
    for key, value in full["model_state"].items():
        assert torch.equal(value, cut["model_state"][key]), key
    assert cut["metrics"]["val"] == full["metrics"]["val"]
    # config.json calibrates at the end of a run: the resumed run calibrates the same best weights alike
    full = torch.load(tmp_path / "log" / "full" / "calibrated.pt", weights_only=True)
    cut = torch.load(tmp_path / "log" / "cut" / "calibrated.pt", weights_only=True)
    assert cut["epoch"] == full["epoch"] and cut["calibration"]["tau"] == full["calibration"]["tau"]
    assert cut["calibration"]["logit_bias"] == full["calibration"]["logit_bias"]
    for key, value in full["model_state"].items():
        assert torch.equal(value, cut["model_state"][key]), key


def test_training_options_run(tmp_path, small_csvs):
    train_csv, _ = small_csvs
    ok(run_script("train.py", *train_args(tmp_path, train_csv, "opts", "train.epochs=2", "train.max_batches=3",
                                          "train.augment=true", "train.loss=weighted", "train.weight_power=0.5",
                                          "train.untilt_priors=false", "train.schedule=cosine")))
    cfg = json.loads((tmp_path / "log" / "opts" / "config.json").read_text())["train"]
    assert (cfg["augment"], cfg["loss"], cfg["weight_power"], cfg["untilt_priors"], cfg["schedule"]) == \
        (True, "weighted", 0.5, False, "cosine")
    # and the run followed them: the cosine schedule over 2 x 3 steps starts epoch 2 at half the learning rate
    last = torch.load(tmp_path / "log" / "opts" / "last.pt", weights_only=True)
    assert last["epoch"] == 2 and last["metrics"]["lr"] == pytest.approx(cfg["lr"] / 2)
    resume = run_main("train.py", "--resume", tmp_path / "log" / "opts", "--set", "train.epochs=4")
    assert resume.returncode != 0 and "cannot be extended" in resume.stderr
    # a finished run has nothing to resume: its files stay as they were
    before = {p.name: p.read_bytes() for p in (tmp_path / "log" / "opts").iterdir()}
    resume = run_main("train.py", "--resume", tmp_path / "log" / "opts")
    assert resume.returncode != 0 and "finished its 2 epochs; nothing to resume" in resume.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "log" / "opts").iterdir()} == before
    # the options removed in issue 19 are refused in one line, before any training
    for option in ("train.sampler=balanced", "train.patience=3"):
        gone = run_main("train.py", *train_args(tmp_path, train_csv, "gone", option))
        assert gone.returncode != 0 and f"unknown key {option.split('=')[0]}" in gone.stderr
        assert "Traceback" not in gone.stderr
    for option, message in (("train.loss=focal", "must be one of ce, weighted"),
                            ("train.schedule=onecycle", "must be one of step, cosine")):
        gone = run_main("train.py", *train_args(tmp_path, train_csv, "gone", option))
        assert gone.returncode != 0 and message in gone.stderr and "Traceback" not in gone.stderr
    assert not (tmp_path / "log" / "gone").exists()


def test_predict_default_runs_the_shipped_model_on_the_samples():
    proc = ok(run_script("predict.py"))
    assert proc.stdout.startswith("model models/mitbih.pt:")  # the paper model is the default for beat CSVs
    assert "mitbih_test_labelled.csv: 50 beats" in proc.stdout
    assert "unlabelled.csv: 20 beats" in proc.stdout
    assert "accuracy against the file's labels" in proc.stdout


@pytest.mark.parametrize("script, args, message", [
    ("train.py", ["--set", "train.lrr=1"], "unknown key train.lrr"),
    ("train.py", ["--set", "data.train_csv=nowhere.csv", "train.epochs=1"], "nowhere.csv: no such file"),
    ("train.py", ["--resume", "nowhere"], "no such config file"),
    ("train.py", ["--resume", "nowhere", "--set", "train.lr=1"], "only --set train.epochs"),
    ("train.py", ["--calibrate", "nowhere", "--set", "train.lr=1"], "--calibrate takes no --set"),
    ("test.py", ["--checkpoint", "nowhere.pt"], "nowhere.pt: no such checkpoint file"),
    ("test.py", ["--checkpoint", "pytest.ini"], "not a readable PyTorch checkpoint"),
    ("test.py", ["--csv", "samples/unlabelled.csv", "--out", "{tmp}/o"], "has no labels"),
    ("predict.py", ["--csv", "samples/unlabelled.meta.csv"], "columns; expected 187"),
    ("predict.py", ["--csv", "nowhere.csv"], "nowhere.csv: no such file"),
    ("predict.py", ["--signal", "ecg.npy", "--fs", "360", "--plot", "{tmp}/s.png", "--plot-seconds", "-5"],
     "--plot-seconds must be more than 0, got -5"),
    ("prepare_data.py", ["--noise", "nowhere", "--out", "{tmp}/o"], "nowhere: no such noise folder"),
])
def test_cli_errors_are_one_line(tmp_path, script, args, message):
    proc = run_main(script, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


NOT_A_FOLDER = "is not a folder"


@pytest.mark.parametrize("script, args, message", [
    ("train.py", ["--set", "run.log_dir={file}/runs"], NOT_A_FOLDER),
    ("train.py", ["--resume", "{file}"], "no such config file"),
    ("train.py", ["--calibrate", "{file}"], "no such config file"),
    ("test.py", ["--csv", "samples/mitbih_test_labelled.csv", "--out", "{file}/metrics"], NOT_A_FOLDER),
    ("test.py", ["--csv", "samples/mitbih_test_labelled.csv", "--out", "{file}"], NOT_A_FOLDER),
    ("test.py", ["--csv", "samples/mitbih_test_labelled.csv", "--out", "{taken}", "--force"], "is a folder"),
    ("predict.py", ["--csv", "samples/unlabelled.csv", "--out", "{file}/deeper/beats.csv"], NOT_A_FOLDER),
    ("predict.py", ["--csv", "samples/unlabelled.csv", "--out", "{dangling}/beats.csv"], NOT_A_FOLDER),
    ("predict.py", ["--csv", "samples/unlabelled.csv", "--out", "{taken}", "--force"], "is a folder; give a file name"),
    ("export.py", ["--checkpoint", "models/mitbih.pt", "--out", "{file}/model.onnx"], NOT_A_FOLDER),
    ("prepare_data.py", ["--noise", "nowhere", "--out", "{file}/data"], NOT_A_FOLDER),
    ("report.py", ["--record", "samples/recording/208_min15", "--out", "{file}/report"], NOT_A_FOLDER),
    ("batch.py", ["samples/recording", "--out", "{file}/batch"], NOT_A_FOLDER),
    ("batch.py", ["samples/recording", "--out", "{taken}"], "index.csv is a folder"),
])
def test_outputs_that_cannot_be_written_are_refused_in_one_line(tmp_path, script, args, message):
    """A file (or a dangling link) where an output's folder must be, a folder where an output file must be: one
    line before any work, nothing touched."""
    (tmp_path / "notes.txt").write_text("someone's notes")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for name in ("metrics.json", "index.csv"):  # folders where outputs are written
        (tmp_path / "taken" / name).mkdir(parents=True)
    paths = {"{file}": tmp_path / "notes.txt", "{dangling}": tmp_path / "dangling", "{taken}": tmp_path / "taken"}
    for key, path in paths.items():
        args = [a.replace(key, str(path)) for a in args]
    proc = run_main(script, *args)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and message in proc.stderr, proc.stderr
    assert (tmp_path / "notes.txt").read_text() == "someone's notes"
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["index.csv", "metrics.json"]


def test_rr_model_end_to_end(tmp_path, small_csvs):
    """Train with R-R and template features, the template channel and calibration; test, predict on CSVs
    and on a recording; a CSV without its sidecar or its templates is refused with a clear message."""
    train_csv, test_csv = small_csvs
    out = ok(run_script("train.py", *train_args(tmp_path, train_csv, "rr", "train.epochs=1", "model.rr_features=true",
                                                "model.template_features=true", "model.template_channel=true",
                                                "train.calibrate=true")))
    run = tmp_path / "log" / "rr"
    assert "calibrated on validation: tau" in out.stdout and (run / "calibrated.pt").is_file()
    chosen_on = torch.load(run / "calibrated.pt", weights_only=True)["calibration"]["chosen_on"]
    assert chosen_on == "validation split (beats of every training record), maximising macro-F1"
    ok(run_script("test.py", "--checkpoint", run / "calibrated.pt", "--csv", test_csv, "--out", tmp_path / "t"))
    ok(run_script("predict.py", "--checkpoint", run / "calibrated.pt", "--csv", test_csv))
    proc = ok(run_script("predict.py", "--checkpoint", run / "calibrated.pt",
                         "--record", ROOT / "samples" / "recording" / "208_min15"))
    assert "against the reference annotations" in proc.stdout

    bare = tmp_path / "bare.csv"
    bare.write_bytes(test_csv.read_bytes())
    proc = run_main("test.py", "--checkpoint", run / "calibrated.pt", "--csv", bare, "--out", tmp_path / "t2")
    assert proc.returncode != 0 and "sidecar bare.meta.csv" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "bare.meta.csv").write_bytes(test_csv.with_name("test.meta.csv").read_bytes())
    proc = run_main("predict.py", "--checkpoint", run / "calibrated.pt", "--csv", bare)
    assert proc.returncode != 0 and "bare.templates.csv beside the CSV; there is none" in proc.stderr
    assert "Traceback" not in proc.stderr
    again = run_main("train.py", "--calibrate", run)
    assert again.returncode != 0 and "calibrated.pt exists" in again.stderr


def test_validation_on_held_out_records(tmp_path, small_csvs):
    """data.val_split=records validates on whole records of the training CSV (named in its sidecar)."""
    train_csv, _ = small_csvs
    per_record = pd.read_csv(train_csv.with_name("train.meta.csv"))["record"].value_counts()
    out = ok(run_script("train.py", *train_args(tmp_path, train_csv, "by-record", "train.epochs=1",
                                                "train.max_batches=2", "data.val_split=records",
                                                "data.val_fraction=0.5", "train.calibrate=true")))
    chosen_on = torch.load(tmp_path / "log" / "by-record" / "calibrated.pt", weights_only=True)["calibration"]["chosen_on"]
    assert chosen_on.startswith("validation split (held-out records)")
    n_val = int(out.stdout.split(" validation beats")[0].split("/ ")[-1])
    # three records in two folds: one record is held out, or two (all but one)
    assert n_val in {*per_record, *(per_record.sum() - per_record)}
    too_many = run_main("train.py", *train_args(tmp_path, train_csv, "by-record-5", "data.val_split=records",
                                                  "data.val_fraction=0.2"))
    assert too_many.returncode != 0 and "at least 5 records" in too_many.stderr
    assert "Traceback" not in too_many.stderr


def test_fine_tune_a_shipped_model(tmp_path, small_csvs):
    """train.py --init takes the model from the checkpoint (here the inter-patient model, with R-R and template
    inputs), whatever the config file's model section says, and records where it started."""
    train_csv, _ = small_csvs
    ok(run_script("train.py", "--init", ROOT / "models" / "mitbih_ds1.pt",
                  *train_args(tmp_path, train_csv, "tuned", "train.epochs=1", "train.finetune=head")))
    cfg = json.loads((tmp_path / "log" / "tuned" / "config.json").read_text())
    assert cfg["train"]["init"].endswith("mitbih_ds1.pt") and cfg["model"]["template_channel"]
    assert (tmp_path / "log" / "tuned" / "calibrated.pt").is_file()
    bad = run_main("train.py", "--init", "nowhere.pt", *train_args(tmp_path, train_csv, "bad"))
    assert bad.returncode != 0 and "nowhere.pt: no such checkpoint file" in bad.stderr and "Traceback" not in bad.stderr
    # a reading the checkpoint's network cannot give (the mix needs morphology dropout): one line saying why
    mixed = run_main("train.py", "--init", ROOT / "models" / "mitbih.pt", "--config", ROOT / "config" / "recording.json",
                     "--dry-run", cwd=tmp_path)
    assert mixed.returncode != 0 and len(mixed.stderr.strip().splitlines()) == 1
    assert "needs model.morphology_dropout" in mixed.stderr and "with --init the network's keys are" in mixed.stderr
    # config/adapt.json replays beats of the checkpoint's training CSV (data/mitbih_ds1.csv, relative to where
    # the command runs): from a folder without it, one line says so
    no_replay = run_main("train.py", "--init", ROOT / "models" / "mitbih_ds1.pt", "--config",
                         ROOT / "config" / "adapt.json", "--set", f"data.train_csv={train_csv}",
                         f"run.log_dir={tmp_path / 'log'}", cwd=tmp_path)
    assert no_replay.returncode != 0 and "Traceback" not in no_replay.stderr
    assert "data/mitbih_ds1.csv are not found" in no_replay.stderr and len(no_replay.stderr.strip().splitlines()) == 1
