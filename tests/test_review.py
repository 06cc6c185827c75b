"""Beats picked for a person to label (predict.py --review), and the training CSVs built from them
(prepare_data.py --reviewed): the adaptation of the recording model to one recording."""
import json

import numpy as np
import pandas as pd
import pytest
import torch
import wfdb

from conftest import ROOT, run_main, run_script
from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint
from heartbeat.database import aami_labels
from heartbeat.features import recording_inputs
from heartbeat.labelled import load_labelled
from heartbeat.model import BeatNet
from heartbeat.recording import beats_of, classify_recording
from heartbeat.review import changed_share, review_groups
from heartbeat.reviewed import ReviewError, read_reviewed, reviewed_labels, reviewed_tables
from heartbeat.sources import open_recording

SAMPLE = ROOT / "samples" / "recording" / "208_min15"  # ships with the repo: 3 minutes, N, S, V and F beats


@pytest.fixture(scope="module")
def recording_model():
    return load_checkpoint(ROOT / "models" / "recording.pt")[0]


def test_one_beat_is_picked_from_each_group():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    sizes = [200, 30, 5, 1]  # a rare kind of beat is picked as surely as a common one
    x = np.concatenate([c + rng.normal(0, 0.3, (n, 2)) for c, n in zip(centres, sizes)])
    group = np.repeat(np.arange(4), sizes)
    picked = review_groups(x, 4)[0]
    assert sorted(group[picked]) == [0, 1, 2, 3]
    # every beat's group is the picked beat of its own kind, and a picked beat stands for itself
    _, stands_for = review_groups(x, 4)
    assert np.array_equal(group[stands_for], group) and np.array_equal(stands_for[picked], picked)
    # fewer kinds of beat than asked for: one pick of each kind, every beat in the group of its kind's pick
    copies = np.repeat(centres[:3], 5, axis=0)
    few, their_groups = review_groups(copies, 5)
    assert len(few) == 3 and np.array_equal(their_groups, np.repeat(few, 5))
    assert np.array_equal(picked, np.sort(picked)) and np.array_equal(picked, review_groups(x, 4)[0])
    assert np.array_equal(review_groups(x[:3], 10)[0], np.arange(3))  # fewer beats than asked: all of them
    with pytest.raises(ValueError):
        review_groups(x, 0)


def test_a_changed_label_counts_for_every_beat_of_its_group():
    """changed_share: the reviewed beats whose class changes, and the share of all beats their groups hold."""
    table = pd.DataFrame({"sample": np.arange(10) * 100, "class": ["N"] * 7 + ["V"] * 3,
                          "review": [True] + [False] * 6 + [True, False, False],
                          "review_group": [0] * 7 + [700] * 3})
    assert changed_share(table, {0: "N", 700: "V"}) == (0, 0.0)
    assert changed_share(table, {700: "S"}) == (1, 0.3)  # a review row left out keeps the model's class
    assert changed_share(table, {0: "S", 700: "S"}) == (2, 1.0)


def test_corrections_the_adapted_model_reads_as_labelled_are_counted():
    from heartbeat.review_view import corrected_now

    marked = pd.DataFrame({"sample": [0, 100, 200, 300], "class": ["N", "N", "V", "N"],
                           "review": [True, True, True, False], "review_group": [0, 100, 200, 200]})
    after = marked.assign(**{"class": ["S", "N", "N", "N"]})
    assert corrected_now(marked, after, {0: "S", 100: "V", 200: "V"}) == (1, 2)  # 0 now S; 100 still N
    assert corrected_now(marked, after, {}) == (0, 0)


def test_the_embedding_is_what_the_last_layer_reads():
    """scores_and_embedding: forward's scores and, from the same pass, the fc2 outputs the class layer reads."""
    torch.manual_seed(0)
    model = BeatNet(rr_features=True, template_channel=True, morphology_dropout=0.5, morphology_mix=0.5).eval()
    beats, features = torch.rand(4, 1, 187), torch.rand(4, 8)
    template = torch.rand(4, 1, 187)
    scores, hidden = model.scores_and_embedding(beats, features, template)
    assert hidden.shape == (4, 32)
    assert torch.allclose(model.out(hidden), model.plain_logits(beats, features, template))
    assert torch.equal(scores, model(beats, features, template))


def test_a_recording_gets_exactly_the_beats_asked_for(recording_model):
    rec = open_recording(str(SAMPLE), None, "V1")
    plain = classify_recording(recording_model, rec)
    marked = classify_recording(recording_model, open_recording(str(SAMPLE), None, "V1"), review_beats=40)
    assert "review" not in plain and marked["review"].sum() == 40
    # marking beats changes no call; each beat's group is named by a marked beat's sample
    assert plain.equals(marked.drop(columns=["review", "review_group"]))
    assert set(marked["review_group"]) == set(marked.loc[marked["review"], "sample"])
    again = classify_recording(recording_model, open_recording(str(SAMPLE), None, "V1"), review_beats=40)
    assert marked["review"].equals(again["review"])
    # the marked beats cover the kinds of beat in the recording, not only its commonest
    assert set(marked.loc[marked["review"], "class"]) >= {"N", "V", "F"}


def test_the_apps_single_reading_marks_the_beats_predict_py_marks(recording_model):
    """The app reads a recording once, with the beats' embeddings, and marks beats for review from those; the marks
    must be predict.py --review's."""
    from heartbeat import review
    from heartbeat.recording import read_recording

    table, vectors = read_recording(recording_model, open_recording(str(SAMPLE), None, "V1"), embed=True)
    assert vectors.shape == (len(table), 64)
    marked = classify_recording(recording_model, open_recording(str(SAMPLE), None, "V1"), review_beats=40)
    assert review.marked(table, vectors, 40).equals(marked)
    assert "review" not in table and read_recording(recording_model, open_recording(str(SAMPLE), None, "V1"))[1] is None


def reviewed_by_the_reference(beats_csv):
    """The --out CSV with each review row's class set as the cardiologists' annotations say (a person reviewing)."""
    table = pd.read_csv(beats_csv)
    ann = wfdb.rdann(str(SAMPLE), "atr")
    labels = aami_labels(np.asarray(ann.symbol))
    is_beat = labels >= 0
    ref_samples, ref_labels = ann.sample[is_beat], labels[is_beat]
    nearest = np.abs(ref_samples[None, :] - table["sample"].to_numpy()[:, None]).argmin(1)
    review = table["review"]
    table.loc[review, "class"] = np.asarray(CLASSES)[ref_labels[nearest[review.to_numpy()]]]
    table.to_csv(beats_csv, index=False)
    return table


def test_reviewed_beats_become_training_csvs_with_the_pipelines_inputs(tmp_path, recording_model):
    """The whole loop of the README: mark, review, build the CSVs, adapt, predict. The CSVs must hold the very
    inputs the pipeline reads those beats with (beat, template and R-R context), on both leads."""
    beats_csv = tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", SAMPLE, "--second-channel", "V1", "--review", "30", "--out", beats_csv)
    assert proc.returncode == 0, proc.stderr
    assert "30 beats marked for review" in proc.stdout
    table = reviewed_by_the_reference(beats_csv)
    data = tmp_path / "data"
    built = run_script("prepare_data.py", "--reviewed", beats_csv, "--record", SAMPLE, "--second-channel", "V1",
                       "--out", data)
    assert built.returncode == 0, built.stderr
    csvs = [data / "208_min15_reviewed.csv", data / "208_min15_reviewed_lead1.csv"]
    assert ("adapt on them: python train.py --init models/recording.pt --config config/adapt.json --set "
            f"'data.train_csv={json.dumps([str(c) for c in csvs])}'") in built.stdout  # the command for these CSVs
    spec = recording_model.inputs
    first = load_labelled(csvs[0], spec)
    reviewed = table[table["review"]]
    assert np.array_equal(first.y, [CLASSES.index(c) for c in reviewed["class"]])
    # the pipeline's own inputs of those beats, lead 1 (one block, one segment: 3 minutes)
    rec = open_recording(str(SAMPLE), None, "V1")
    found = beats_of(rec)
    index = np.flatnonzero(np.isin(found.samples, reviewed["sample"]))
    pipeline = recording_inputs(spec, found.times, np.arange(len(found.samples)), found.beats(np.arange(len(found.samples))))
    assert np.array_equal(first.inputs.beats, pipeline.beats[index])
    assert np.array_equal(first.inputs.template, pipeline.template[index])
    np.testing.assert_allclose(first.inputs.features, pipeline.features[index], rtol=1e-4, atol=1e-5)
    second = load_labelled(csvs[1], spec)
    assert len(second.y) == len(first.y) and not np.array_equal(second.inputs.beats, first.inputs.beats)
    tuned = run_script("train.py", "--init", ROOT / "models" / "recording.pt", "--config", ROOT / "config" / "adapt.json",
                       "--set", f"data.train_csv={json.dumps([str(c) for c in csvs])}", "train.replay=0",
                       "train.epochs=1", f"run.log_dir={tmp_path / 'log'}", "run.name=me")
    assert tuned.returncode == 0, tuned.stderr
    assert "60 training / 0 validation beats" in tuned.stdout
    again = run_script("predict.py", "--checkpoint", tmp_path / "log" / "me" / "best.pt", "--record", SAMPLE,
                       "--second-channel", "V1", "--reviewed", beats_csv, "--out", tmp_path / "after.csv")
    assert again.returncode == 0, again.stderr
    # the adapted model reads the recording, and the reviewed beats keep the classes the person gave them
    assert "30 beats reviewed by a person keep the classes given in " in again.stdout
    after = pd.read_csv(tmp_path / "after.csv").set_index("sample")
    assert list(after.loc[reviewed["sample"], "class"]) == list(reviewed["class"])
    assert after["reviewed"].sum() == 30 and after.loc[reviewed["sample"], "reviewed"].all()  # which are a person's
    assert (after.loc[reviewed["sample"], "class_index"] == reviewed["class"].map(CLASSES.index).to_numpy()).all()
    # read by the model as shipped, which the reference contradicts on some of them, the same classes are kept
    changed = int((reviewed["class"] != reviewed["class_index"].map(dict(enumerate(CLASSES)))).sum())
    assert changed > 0
    shipped = run_script("predict.py", "--record", SAMPLE, "--second-channel", "V1", "--reviewed", beats_csv,
                         "--out", tmp_path / "shipped.csv")
    assert f"({changed} changed from the model's)" in shipped.stdout
    kept = pd.read_csv(tmp_path / "shipped.csv").set_index("sample").loc[reviewed["sample"], "class"]
    assert list(kept) == list(reviewed["class"])
    beats_only = run_main("predict.py", "--csv", ROOT / "samples" / "mitbih_test_labelled.csv",
                          "--reviewed", beats_csv)
    assert beats_only.returncode != 0 and len(beats_only.stderr.strip().splitlines()) == 1
    assert "--reviewed keeps a person's classes for beats of a recording" in beats_only.stderr
    over = run_main("predict.py", "--record", SAMPLE, "--reviewed", beats_csv, "--out", beats_csv, "--force")
    assert over.returncode != 0 and "is the --reviewed CSV" in over.stderr
    assert len(over.stderr.strip().splitlines()) == 1 and "review" in pd.read_csv(beats_csv)  # the review is intact
    # nothing is overwritten without --force
    twice = run_main("prepare_data.py", "--reviewed", beats_csv, "--record", SAMPLE, "--second-channel", "V1",
                     "--out", data)
    assert twice.returncode != 0 and "exists" in twice.stderr and len(twice.stderr.strip().splitlines()) == 1


def test_the_report_keeps_the_classes_a_person_gave(tmp_path):
    """report.py --reviewed: the reviewed beats take the reviewer's classes in beats.csv and in the counts, whatever
    the model calls them; the report says how many; a review of another recording is refused in one line."""
    beats_csv = tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", SAMPLE, "--review", "30", "--out", beats_csv)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(beats_csv)
    review = table["review"].to_numpy()
    table.loc[review, "class"] = "Q"  # a reviewer who calls every reviewed beat paced, as no model would
    table.to_csv(beats_csv, index=False)
    made = run_script("report.py", "--record", SAMPLE, "--reviewed", beats_csv, "--out", tmp_path / "report")
    assert made.returncode == 0, made.stderr
    beats = pd.read_csv(tmp_path / "report" / "beats.csv")
    assert (beats.set_index("sample").loc[table.loc[review, "sample"], "class"] == "Q").all()
    assert (beats.set_index("sample").drop(index=table.loc[review, "sample"])["class"] != "Q").all()
    assert list(beats["sample"][beats["reviewed"]]) == list(table.loc[review, "sample"])
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["beats"]["Q"] == 30 and report["reviewed"] == {"file": str(beats_csv), "beats": 30,
                                                                 "changed_from_model": 30}
    assert "30 beats reviewed by a person keep the classes given" in (tmp_path / "report" / "report.html").read_text()
    table["sample"] += 1  # beats that are not this recording's
    table.to_csv(beats_csv, index=False)
    bad = run_main("report.py", "--record", SAMPLE, "--reviewed", beats_csv, "--out", tmp_path / "other")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1
    assert "30 of the 30 reviewed beats are no beats of this recording" in bad.stderr
    assert not (tmp_path / "other").exists()


def test_classes_corrected_in_the_app_are_what_prepare_data_reads(recording_model):
    """The app's Review view writes the beats table with its edited classes; --reviewed must read exactly those."""
    from heartbeat.review import first_minutes_count
    from heartbeat.review_view import corrected

    marked = classify_recording(recording_model, open_recording(str(SAMPLE), None, None), review_beats=10)
    picked = marked.loc[marked["review"], "sample"].to_numpy()
    edits = {int(s): "S" for s in picked[:3]}
    out = corrected(marked, edits)
    labels = reviewed_labels(out, "app.csv")
    assert sorted(labels) == sorted(picked)
    assert [labels[s] for s in picked[:3]] == [CLASSES.index("S")] * 3
    assert all(labels[s] == marked.set_index("sample").loc[s, "class_index"] for s in picked[3:])
    assert (out["class_index"] == out["class"].map(CLASSES.index)).all()
    unmarked = ~marked["review"]
    assert out[unmarked].equals(marked[unmarked])
    assert first_minutes_count(marked) == len(marked)  # a 3-minute recording: all its beats are in its first 5 minutes


def test_review_tables_refuse_what_they_cannot_read():
    good = pd.DataFrame({"sample": [10, 20], "class": ["N", "v"], "review": [True, "True"]})
    assert reviewed_labels(good, "x.csv") == {10: 0, 20: 2}
    unticked = pd.DataFrame({"sample": [10, 20, 30], "class": ["N", "V", "S"], "review": ["yes", None, "0"]})
    assert reviewed_labels(unticked, "x.csv") == {10: 0}  # an empty cell is not reviewed
    # a class a person changed in a row left unreviewed is not dropped unnoticed; unchanged rows are fine
    written = pd.DataFrame({"sample": [10, 20, 30], "class": ["N", "V", "S"], "class_index": [0, 2, 0],
                            "review": [True, False, False]})
    with pytest.raises(ReviewError, match=r"line 4: class 'S' changed from N in a row whose review is false \(1 such"):
        reviewed_labels(written, "x.csv")
    assert reviewed_labels(written.assign(review=[True, False, True]), "x.csv") == {10: 0, 30: 1}
    for table, message in [
        (good.drop(columns="review"), "no column review"),
        (good.assign(review=False), "no row has review set"),
        (good.assign(**{"class": ["N", "X"]}), "line 3: class 'X' is not one of"),
        (good.assign(sample=[10, None]), "line 3: sample is empty"),  # a cell emptied in a spreadsheet
        (good.assign(sample=["10", "2.5"]), "line 3: sample '2.5' is not a whole number"),
        (good.assign(sample=[10, 10]), "line 3: sample 10 is reviewed twice"),
        (good.assign(review=[True, "x"]), "line 3: review 'x' is neither true nor false"),  # a tick not understood
        (good.assign(**{"class": ["N", None]}), "line 3: class is empty"),
    ]:
        with pytest.raises(ReviewError, match=message):
            reviewed_labels(table, "x.csv")
    rec = open_recording(str(SAMPLE), None, None)
    with pytest.raises(ReviewError, match="2 of the 2 reviewed beats are no beats of this recording as read now, "
                                          "e.g. sample 5"):
        reviewed_tables(rec, {5: 0, 7: 1})


@pytest.mark.parametrize("args, message", [
    (["--record", SAMPLE, "--review", "10"], "use it with --record or --signal and --out"),
    (["--review", "10", "--out", "x.csv"], "use it with --record or --signal and --out"),
    (["--record", SAMPLE, "--review", "-1", "--out", "x.csv"], "at least 1"),
    (["--record", SAMPLE, "--review", "0", "--out", "x.csv"], "at least 1"),
    (["--onnx", "m.onnx", "--record", SAMPLE, "--review", "10", "--out", "x.csv"], "ONNX"),
])
def test_review_options_are_checked_in_one_line(tmp_path, args, message):
    proc = run_main("predict.py", *args, cwd=tmp_path)
    assert proc.returncode != 0 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_reviewed_needs_its_recording(tmp_path):
    with pytest.raises(ReviewError, match="nowhere.csv: no such file$"):
        read_reviewed(tmp_path / "nowhere.csv")
    proc = run_main("prepare_data.py", "--reviewed", tmp_path / "beats.csv", "--out", tmp_path)
    assert proc.returncode != 0 and "go together" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    (tmp_path / "beats.csv").write_text("not,a\nprediction,table\n")
    proc = run_main("prepare_data.py", "--reviewed", tmp_path / "beats.csv", "--record", SAMPLE, "--out", tmp_path)
    assert proc.returncode != 0 and "no column sample, class, review" in proc.stderr
