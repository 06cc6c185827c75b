"""The Streamlit app runs every view headless (streamlit.testing) without exceptions, bad uploads included."""
from pathlib import Path

import pytest

from conftest import MITDB, ROOT, needs_mitdb

SAMPLE = ROOT / "samples" / "recording" / "208_min15"

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


@pytest.fixture
def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()


def errors(at):
    return [e.value for e in at.error]


def test_every_view_renders_with_the_shipped_files(app):
    assert not app.exception and not errors(app)
    assert [s.value for s in app.subheader] == ["Model for beat CSVs: mitbih.pt",           # Model
                                                "Model for recordings: recording.pt"]
    assert any("Validation metrics" in md.value for md in app.markdown)
    assert any("Prior calibration τ" in md.value for md in app.markdown)  # the shipped model is calibrated
    assert app.radio(key="beats_source").value == "a sample file"               # Beats
    assert any(m.label == "accuracy against the file's labels" for m in app.metric)
    assert any(m.label == "heart rate" for m in app.metric)                      # Recording
    assert any("Against the reference annotations" in md.value for md in app.markdown)
    assert any(m.label == "V burden" for m in app.metric)                        # Recording: Report
    assert any(m.label == "pauses" for m in app.metric)
    # beats, the recording's beats; its report's ectopic summary, HRV and HRT, hourly table and events; the review table
    assert len(app.dataframe) == 7
    assert any("HRT turbulence onset (%)" in df.value.index and "HRV LF / HF" in df.value.index for df in app.dataframe)
    # beat predictions; the recording's beats as CSV and as WFDB annotations; the report's four files; reviewed beats
    assert len(app.get("download_button")) == 1 + 2 + 4 + 1


def test_review_view_picks_the_beats_asked_for(app):
    """Recording: Review: by default every beat of the 3-minute sample (its first 5 minutes); 20 when asked,
    with the commands that build their training CSVs from the same recording."""
    assert any(c.value.startswith("281 beats to review") for c in app.caption)
    app.number_input(key="review_count").set_value(20).run()
    assert not app.exception and not errors(app)
    assert any(c.value.startswith("20 beats to review, 0 changed") for c in app.caption)
    assert any("--reviewed 208_min15_reviewed_beats.csv --record samples/recording/208_min15 --out data" in c.value
               for c in app.code)


def test_the_model_is_adapted_to_the_recording_in_the_review_tab(tmp_path, monkeypatch):
    """Review: adapt writes a train.py run folder under ./log and the Recording view reads with the adapted model
    (its class counts are that checkpoint's), or, when chosen, with the sidebar's model again."""
    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import classify_recording
    from heartbeat.sources import open_recording

    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.get("radio") or "read_with" not in [r.key for r in at.radio]
    at.number_input(key="review_count").set_value(20).run()
    at.button(key="adapt").click().run()
    assert not at.exception and not errors(at)
    runs = list((tmp_path / "log").glob("*-adapt-208_min15/best.pt"))
    assert len(runs) == 1
    # the run says what it was trained on: the 20 reviewed beats, in the run folder, and 250 replayed of each class
    from heartbeat.config import load_run_config
    from heartbeat.labelled import load_split

    cfg = load_run_config(runs[0].parent)
    assert cfg.data.train_csv == [str(Path("log") / runs[0].parent.name / "reviewed.csv")]
    assert len(load_split(cfg)[0].y) == 20 + 5 * 250
    assert at.radio(key="read_with").value == "adapted to this recording"
    assert any(f"predict.py --checkpoint {runs[0].resolve()} --record" in c.value for c in at.code)

    def shown_counts():
        return {m.label.split()[0]: int(m.value) for m in at.metric if m.label.endswith(" beats")}

    def counts(checkpoint):
        table = classify_recording(load_checkpoint(checkpoint)[0], open_recording(str(SAMPLE), None, None))
        return {c: int((table["class"] == c).sum()) for c in ("N", "S", "V", "F", "Q")}

    adapted, shipped = counts(runs[0]), counts(ROOT / "models" / "recording.pt")
    assert adapted != shipped  # else the choice below would show nothing
    assert shown_counts() == adapted
    at.radio(key="read_with").set_value("recording.pt").run()
    assert not at.exception and shown_counts() == shipped


def test_bad_beats_upload_shows_an_error(app):
    app.radio(key="beats_source").set_value("my CSV").run()
    app.file_uploader(key="beats_csv").set_value(("bad.csv", b"0.1,0.2,0.3\n", "text/csv")).run()
    assert not app.exception
    assert any("3 columns; expected 187" in e for e in errors(app))


def test_a_signal_upside_down_is_warned_about(app):
    """The sample recording upright: no warning about its lead (its report's, in the Report view, says its HRV is read
    from few N-N intervals); the same signal negated, uploaded as a CSV: the lead's warning above the views."""
    import wfdb

    assert [w.value[:33] for w in app.warning] == ["the N-N intervals HRV is computed"]
    signal = wfdb.rdrecord(str(ROOT / "samples" / "recording" / "208_min15"), channels=[0]).p_signal[:, 0]
    app.radio(key="recording_source").set_value("a CSV signal").run()
    app.number_input(key="signal_fs").set_value(360.0).run()
    negated = "\n".join(f"{-v:.3f}" for v in signal).encode()
    app.file_uploader(key="signal_csv").set_value(("negated.csv", negated, "text/csv")).run()
    assert not app.exception and not errors(app)
    assert [w.value[:24] for w in app.warning][0] == "the lead points down (it"


def test_signal_upload_and_a_bad_one(app):
    app.radio(key="recording_source").set_value("a CSV signal").run()
    app.file_uploader(key="signal_csv").set_value(("flat.csv", b"mV\n" + b"0.5\n" * 4000, "text/csv")).run()
    # a CSV carries no rate: none is assumed
    assert not app.exception and not errors(app) and [i.value for i in app.info] == [
        "give the signal's sampling rate (a CSV file does not carry it)"]
    app.number_input(key="signal_fs").set_value(360.0).run()
    assert not app.exception and any("flat" in e for e in errors(app))
    app.number_input(key="signal_fs").set_value(20.0).run()
    assert any("implausible" in e for e in errors(app))


@needs_mitdb
def test_wfdb_upload(app):
    app.radio(key="recording_source").set_value("a WFDB record or EDF file").run()
    files = [(f"100.{ext}", (MITDB / f"100.{ext}").read_bytes(), "application/octet-stream")
             for ext in ("hea", "dat", "atr")]
    app.file_uploader(key="wfdb_files").set_value(files).run()
    assert not app.exception and not errors(app)
    assert any("detection Se **1.0000**" in md.value or "detection Se **0.99" in md.value for md in app.markdown)
    app.file_uploader(key="wfdb_files").set_value([files[1]]).run()  # a .dat alone
    assert any("exactly one .hea" in e for e in errors(app))


@needs_mitdb
def test_edf_upload_on_both_leads(app, tmp_path):
    from wfdb.io.convert.edf import wfdb_to_edf

    wfdb_to_edf(str(MITDB / "100"), sampto=120 * 360, output_filename=str(tmp_path / "100.EDF"))  # as many devices name it
    app.radio(key="recording_source").set_value("a WFDB record or EDF file").run()
    app.checkbox(key="both_leads").check().run()
    app.file_uploader(key="wfdb_files").set_value(
        [("100.EDF", (tmp_path / "100.EDF").read_bytes(), "application/octet-stream")]).run()
    assert not app.exception and not errors(app)
    assert any("100 MLII + V5" in c.value for c in app.caption)


def test_bad_checkpoint_path(app):
    app.selectbox(key="model_choice").set_value("another checkpoint file ...").run()
    app.text_input(key="model_choice_path").set_value(str(ROOT / "pytest.ini")).run()
    assert not app.exception
    assert any("not a readable PyTorch checkpoint" in e for e in errors(app))


@pytest.fixture(scope="module")
def context_checkpoint(tmp_path_factory):
    """An (untrained) model that takes R-R features and the template channel, saved as a checkpoint file."""
    from dataclasses import asdict

    from heartbeat.checkpoint import make_checkpoint, save_checkpoint
    from heartbeat.config import load_config
    from heartbeat.model import BeatNet

    cfg = load_config(ROOT / "config" / "config.json", ["model.rr_features=true", "model.template_channel=true"])
    path = tmp_path_factory.mktemp("ckpt") / "context.pt"
    save_checkpoint(make_checkpoint(BeatNet(**asdict(cfg.model)), cfg, 1, {}), path)
    return path


def test_context_model_in_every_view(app, context_checkpoint):
    for key in ("model_choice", "recording_model_choice"):
        app.selectbox(key=key).set_value("another checkpoint file ...").run()
        app.text_input(key=f"{key}_path").set_value(str(context_checkpoint)).run()
    assert not app.exception and not errors(app)  # sample beats (with sidecar, templates) and the sample recording
    assert any(m.label == "accuracy against the file's labels" for m in app.metric)
    assert any("Against the reference annotations" in md.value for md in app.markdown)

    labelled = ROOT / "samples" / "mitbih_test_labelled"
    app.radio(key="beats_source").set_value("my CSV").run()
    app.file_uploader(key="beats_csv").set_value(("mine.csv", labelled.with_suffix(".csv").read_bytes(),
                                                  "text/csv")).run()
    assert any("there is none" in e for e in errors(app))  # the CSV alone is not enough for this model
    sidecar = (ROOT / "samples" / "mitbih_test_labelled.meta.csv").read_bytes()
    app.file_uploader(key="beats_meta_csv").set_value(("whatever.csv", sidecar, "text/csv")).run()
    assert any("median beat" in e and "there is none" in e for e in errors(app))  # and its templates
    templates = (ROOT / "samples" / "mitbih_test_labelled.templates.csv").read_bytes()
    app.file_uploader(key="beats_templates_csv").set_value(("other.csv", templates, "text/csv")).run()
    assert not app.exception and not errors(app)
    assert len(app.dataframe) == 7  # the beats' predictions beside the recording's six tables


def test_shipped_inter_patient_model(app):
    """models/mitbih_ds1.pt takes R-R and template features: the sample beats (with sidecars) and the
    sample recording both work with it."""
    assert app.selectbox(key="recording_model_choice").options[0] == "recording.pt"  # the default for recordings
    choice = app.selectbox(key="model_choice")
    assert choice.options[0] == "mitbih.pt" and "mitbih_ds1.pt" in choice.options
    choice.set_value("mitbih_ds1.pt").run()
    app.selectbox(key="recording_model_choice").set_value("mitbih_ds1.pt").run()
    assert not app.exception and not errors(app)
    assert any("Against the reference annotations" in md.value for md in app.markdown)


def test_report_view_shows_the_strip_of_a_selected_event(app):
    """Recording -> Report: selecting a row of the events table draws that event's strip."""
    images = len(app.get("image"))
    events = app.dataframe(key="events_table").value
    assert len(events) > 0 and {"type", "start_s", "end_s", "beats", "rate_bpm", "noise"} <= set(events.columns)
    app.session_state["events_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    assert not app.exception and not errors(app)
    assert len(app.get("image")) == images + 1
    # redrawn from the cache, the events keep the noise under them
    assert app.dataframe(key="events_table").value["noise"].equals(events["noise"])
    assert events["noise"].notna().any()
    # the key findings' strips, as report.html shows them, one on request
    key_strip = app.selectbox(key="key_strip")
    assert key_strip.options[0] == "none" and any(o.startswith("fastest heart rate") for o in key_strip.options)
    key_strip.set_value(key_strip.options[1]).run()
    assert not app.exception and not errors(app)
    assert len(app.get("image")) == images + 2
    assert any(m.value.startswith("**At a glance:**") for m in app.markdown)


def test_both_leads_on_the_sample_recording(app):
    """The sample record holds MLII and V1: with both leads the beats are classified on both and averaged."""
    before = [m.value for m in app.metric]
    app.checkbox(key="both_leads").check().run()
    assert not app.exception and not errors(app)
    assert any("208_min15 MLII + V1:" in c.value for c in app.caption)
    assert [m.value for m in app.metric] != before  # V1 changes some beats' classes in these 3 minutes


def test_the_report_keeps_the_classes_corrected_in_the_review_tab(app):
    """Review -> Report: a beat whose class a person changes from N to V in the review table is V in the report (as
    report.py --reviewed keeps it), one more V beat of the 281; unticked, the report is the model's again; with other
    picks (both leads read) the edit is not carried over to whatever beat takes its row."""
    def v_burden():
        return float(next(m.value for m in app.metric if m.label == "V burden").rstrip(" %"))

    app.number_input(key="review_count").set_value(20).run()
    editor = app.get("data_editor")[0]
    row = int(next(i for i, c in enumerate(editor.value["class"]) if c == "N"))
    before = v_burden()
    app.session_state[editor.key] = {"edited_rows": {row: {"class": "V"}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception and not errors(app)
    assert app.checkbox(key="report_reviewed").label == ("keep the classes given in the Review tab (1 beat this model "
                                                          "reads otherwise)")
    assert v_burden() == pytest.approx(before + 100 / 281, abs=0.002)
    assert any(c.value.startswith("20 beats to review, 1 changed") for c in app.caption)
    app.checkbox(key="report_reviewed").uncheck().run()
    assert v_burden() == before
    app.checkbox(key="both_leads").check().run()
    assert not app.exception and not errors(app)
    assert app.get("data_editor")[0].key != editor.key
    assert any(c.value.startswith("20 beats to review, 0 changed") for c in app.caption)
    assert "report_reviewed" not in [c.key for c in app.checkbox]


def test_a_diary_upload_in_the_report_view(app):
    """Recording -> Report: a diary CSV adds its entries' table (one finding each); a bad one is an error."""
    tables = len(app.dataframe)
    app.file_uploader(key="diary").set_value(("diary.csv", b"time,symptom\n60,dizzy\n400,palpitations\n",
                                              "text/csv")).run()
    assert not app.exception and not errors(app)
    assert any(md.value.startswith("**Patient diary**: ") for md in app.markdown)
    assert len(app.dataframe) == tables + 1
    entries = next(df.value for df in app.dataframe if "finding" in df.value.columns)
    assert entries["note"].tolist() == ["symptom: dizzy", "symptom: palpitations"]
    # the report's own warnings are shown in its view: here, the entry past the recording's 180 s
    assert any(w.value.startswith("1 of the diary's 2 entries lie outside the recording (0 to 180 s)")
               for w in app.warning)
    app.file_uploader(key="diary").set_value(("diary.csv", b"when\n60\n", "text/csv")).run()
    assert any("no 'time' column" in e for e in errors(app))
