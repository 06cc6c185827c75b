"""Streamlit app: look at the model, classify beats, label a whole recording.  Run:  streamlit run app.py

Two models, chosen in the sidebar: one for beat CSVs (default models/mitbih.pt), one for recordings
(default models/recording.pt). Views: Model (classes, preprocessing, stored validation metrics, confusion
matrix, of both);
Beats (a sample CSV from samples/ or an uploaded Kaggle-format CSV -> predictions, plot, download);
Recording (the sample recording, an uploaded WFDB record or EDF file, or a one-column CSV signal -> Beats: rhythm strip
with labelled beats, class counts, heart rate, per-beat table, agreement with a reference .atr; Report:
report.py's report of it, events with their strips, classes given in the Review tab kept; Review: beats picked
for a person to label, as predict.py --review picks them, their classes corrected and downloaded for prepare_data.py
--reviewed, or the model adapted to the recording on them, after which the view reads with the adapted model).
"""
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import streamlit as st

from heartbeat import CLASSES, UserError, review
from heartbeat.adapt import adapt_to_recording
from heartbeat.annotations import annotation_bytes, annotation_file_name, wfdb_record_name
from heartbeat.checkpoint import load_checkpoint, preprocessing
from heartbeat.data import beat_csvs
from heartbeat.figures import beats_figure, confusion_figure, strip_figure
from heartbeat.inference import classify_csv, predictions_table
from heartbeat.metrics import classification_metrics, format_report
from heartbeat.recording import mean_heart_rate, read_recording, reference_agreement
from heartbeat.report_view import report_section, show
from heartbeat.review_view import review_section
from heartbeat.sidecar import meta_path, templates_path
from heartbeat.signal_file import read_signal_file
from heartbeat.sources import is_edf, other_channel, read_record

ROOT = Path(__file__).resolve().parent
SAMPLE_RECORD = ROOT / "samples" / "recording" / "208_min15"
OTHER = "another checkpoint file ..."
ADAPTED = "adapted to this recording"


@st.cache_resource
def cached_model(path):
    return load_checkpoint(path)


@st.cache_data(max_entries=8, show_spinner="detecting and classifying beats ...")
def analysed(checkpoint, content_key, embed, _rec):
    """(beats table, with embed the beats' embeddings for the Review tab, excluded stretches, flutter episodes,
    noise windows, warnings) of a recording, cached by checkpoint and content so that moving the window is instant."""
    model, _ = cached_model(checkpoint)
    table, vectors = read_recording(model, _rec, embed)
    return table, vectors, _rec.excluded, _rec.flutter, _rec.noise_windows, _rec.warnings


@st.cache_data(max_entries=4, show_spinner="picking beats to review ...")
def marked_beats(checkpoint, content_key, n, _table, _vectors):
    """The beats table of a recording with n beats marked review (predict.py --review n), cached like analysed."""
    return review.marked(_table, _vectors, n)


def labelled_beats(checkpoint, content_key, rec, embed=False):
    """(beats table, with embed its beats' embeddings) of a recording; rec gets its excluded stretches, flutter
    episodes, noise windows and warnings, as read_recording gives them, cached or not."""
    table, vectors, rec.excluded, rec.flutter, rec.noise_windows, rec.warnings = analysed(checkpoint, content_key,
                                                                                        embed, rec)
    return table, vectors


def model_view(info):
    st.write(f"Classes: **{' · '.join(info['classes'])}**  ·  epoch {info['epoch']}")
    st.json({"preprocessing": info["preprocessing"], "inputs": info["inputs"]}, expanded=False)
    if "calibration" in info:
        cal = info["calibration"]
        st.write(f"Prior calibration τ = {cal['tau']:.2f} (0: the training class frequencies, 1: equal priors), "
                 f"chosen on the {cal['chosen_on']}.")
    val = info.get("metrics", {}).get("val")
    if not val:
        st.info("This checkpoint stores no validation metrics.")
        return
    st.write("**Validation metrics stored in the checkpoint**")
    st.code(format_report(val))
    show(confusion_figure(val["confusion"], title="validation split"))


@contextmanager
def saved_uploads(files):
    """Write uploaded files into a temporary folder (removed afterwards) for readers that take paths."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            (Path(tmp) / Path(f.name).name).write_bytes(f.getvalue())
        yield Path(tmp)


def beats_view(model):
    samples = beat_csvs(ROOT / "samples")
    source = st.radio("Beats from", ["a sample file", "my CSV"], horizontal=True, key="beats_source")
    spec = model.inputs
    try:
        if source == "a sample file":
            path = st.selectbox("sample", samples, format_func=lambda p: p.name)
            inputs, y, proba = classify_csv(model, path)
        else:
            upload = st.file_uploader("Kaggle-format CSV: 187 values in [0, 1] per row, label optional", type="csv",
                                      key="beats_csv")
            sidecar = templates = None
            if spec.feature_names or spec.template_channel:
                sidecar = st.file_uploader("its .meta.csv sidecar from prepare_data.py (this model also takes the "
                                           "beat's context: R-R intervals / template / record)", type="csv",
                                           key="beats_meta_csv")
            if spec.template_channel:
                templates = st.file_uploader("its .templates.csv from prepare_data.py (this model compares each "
                                             "beat with its recording's median beat)", type="csv",
                                             key="beats_templates_csv")
            if upload is None:
                return
            path = Path(upload.name)
            with saved_uploads([upload]) as folder:
                # named as the CSV's sidecar and templates, whatever the uploads were called
                if sidecar is not None:
                    meta_path(folder / path.name).write_bytes(sidecar.getvalue())
                if templates is not None:
                    templates_path(folder / path.name).write_bytes(templates.getvalue())
                inputs, y, proba = classify_csv(model, folder / path.name)
    except UserError as e:
        st.error(str(e))
        return
    table = predictions_table(proba, CLASSES)
    if y is not None:
        table.insert(3, "label", np.asarray(CLASSES)[y])
        st.metric("accuracy against the file's labels", f"{(table['class_index'].to_numpy() == y).mean():.3f}")
    show(beats_figure(inputs.beats, table["class"].to_numpy(), fs=preprocessing()["sampling_rate_hz"]))
    st.dataframe(table, hide_index=True)
    st.download_button("download predictions CSV", table.to_csv(index=False, float_format="%.6f"),
                       file_name=f"{path.stem}_predictions.csv", mime="text/csv")


def content_key(files, *extra):
    return tuple(hashlib.sha1(f.getvalue()).hexdigest() for f in files) + extra


def record_file(path, both_leads):
    """A WFDB record or EDF file; with both_leads, its second channel too (each beat classified on both, averaged)."""
    return read_record(path, None, other_channel(path) if both_leads else None)


def uploaded_recording(source, both_leads):
    """(the uploaded recording, read; a key of its content; prepare_data.py's options that read it), or
    (None, None, None) while nothing is uploaded."""
    if source == "a WFDB record or EDF file":
        files = st.file_uploader("the record's .hea and .dat (and .atr for a reference), or one .edf file",
                                 accept_multiple_files=True, key="wfdb_files")
        if not files:
            return None, None, None
        with saved_uploads(files) as folder:
            headers = sorted(folder.glob("*.hea")) + sorted(p for p in folder.iterdir() if is_edf(p))
            if len(headers) != 1:
                raise UserError(f"upload exactly one .hea file with its .dat, or one .edf file (got {len(headers)})")
            rec = record_file(headers[0].with_suffix("") if headers[0].suffix == ".hea" else headers[0], both_leads)
            rec.signal = np.asarray(rec.signal[:])  # a long record is read lazily: read it before the files go
            if rec.second is not None:
                rec.second = np.asarray(rec.second[:])
            return rec, content_key(files, both_leads), f"--record {headers[0].name.removesuffix('.hea')}"
    upload = st.file_uploader("one-column CSV (optional header), one sample per line", type="csv", key="signal_csv")
    # no default: a CSV carries no rate, and a wrong one gives plausible-looking wrong beats and heart rates
    fs = st.number_input("its sampling rate (Hz)", min_value=1.0, value=None, step=1.0, key="signal_fs",
                         placeholder="e.g. 250")
    if upload is None:
        return None, None, None
    if fs is None:
        st.info("give the signal's sampling rate (a CSV file does not carry it)")
        return None, None, None
    with saved_uploads([upload]) as folder:
        return (read_signal_file(folder / Path(upload.name).name, fs), content_key([upload], fs),
                f"--signal {Path(upload.name).name} --fs {fs:g}")


def recording_view(checkpoint):
    source = st.radio("Recording from", ["the sample recording", "a WFDB record or EDF file", "a CSV signal"],
                      horizontal=True, key="recording_source")
    both_leads = source != "a CSV signal" and st.checkbox(
        "both leads: classify each beat on the record's second channel too and average the two",
        key="both_leads", help="predict.py --second-channel; finds more V beats on new patients (docs/results-cross-database.md)")
    try:
        if source == "the sample recording":
            rec, key = record_file(SAMPLE_RECORD, both_leads), f"{SAMPLE_RECORD} {both_leads}"
            reads = f"--record {SAMPLE_RECORD.relative_to(ROOT)}"
        else:
            rec, key, reads = uploaded_recording(source, both_leads)
        if rec is None:
            return
        adapted = st.session_state.setdefault("adapted", {}).get((checkpoint, key))
        if st.session_state.pop("read_adapted", False):  # just adapted: read with it (set before the radio exists)
            st.session_state["read_with"] = ADAPTED
        model = checkpoint
        if adapted and st.radio("read with", [Path(checkpoint).name, ADAPTED], horizontal=True,
                                key="read_with", help=adapted) == ADAPTED:
            model = adapted
        # the beats to review are picked, and the model adapted, from the model chosen in the sidebar
        base, vectors = labelled_beats(checkpoint, key, rec, embed=True)
        after = labelled_beats(adapted, key, rec)[0] if adapted else None
        table, _ = labelled_beats(model, key, rec, embed=model == checkpoint)  # cached; rec as this model reads it
    except UserError as e:
        st.error(str(e))
        return
    st.caption(f"{rec.name} {rec.channel}{' + ' + rec.second_channel if rec.second_channel else ''}: "
               f"{len(rec.signal) / rec.fs:.1f} s at {rec.fs:g} Hz"
               + (" · MIT-BIH record 208, minutes 15-18 (PhysioNet, ODC-By 1.0)" if source.startswith("the") else ""))
    for warning in rec.warnings:
        st.warning(warning)
    beats_tab, report_tab, review_tab = st.tabs(["Beats", "Report", "Review"])
    with review_tab:  # filled first: the report keeps the classes a person gave there
        reviewed = review_section(rec, base, lambda n: marked_beats(checkpoint, key, n, base, vectors), reads,
                                   os.path.relpath(checkpoint, ROOT),
                                   lambda labels: adapt_here(checkpoint, key, rec, labels), adapted, after)
    with beats_tab:
        beats_section(rec, table)
    with report_tab:
        report_section(rec, table, os.path.relpath(model, ROOT), reviewed)


def adapt_here(checkpoint, key, rec, labels):
    """Fine-tune the recording model on this recording's reviewed beats (labels: {sample: class index}), as
    train.py --init does with config/adapt.json (its run folder under ./log, as train.py's), and read the recording
    with it from now on."""
    with st.spinner(f"adapting {Path(checkpoint).name} to {rec.name} on {len(labels)} reviewed beats ..."):
        path = adapt_to_recording(checkpoint, ROOT / "config" / "adapt.json", rec, labels, log=lambda *_: None)
    st.session_state["adapted"][(checkpoint, key)] = str(Path(path).resolve())
    st.session_state["read_adapted"] = True
    st.rerun()


def beats_section(rec, table):
    duration = len(rec.signal) / rec.fs
    counts = table["class"].value_counts()
    cols = st.columns(len(CLASSES) + 1)
    cols[0].metric("heart rate", f"{mean_heart_rate(table):.0f} bpm")
    for col, name in zip(cols[1:], CLASSES):
        col.metric(f"{name} beats", int(counts.get(name, 0)))

    window = st.select_slider("window (s)", [5, 10, 20, 30, 60], value=20)
    start = st.slider("start (s)", 0.0, max(duration - window, 0.0), 0.0, step=1.0)
    show(strip_figure(rec.signal, rec.fs, table["sample"].to_numpy(), table["class"].to_numpy(),
                      start_s=start, seconds=window, title=f"{rec.name} {rec.channel}", units=rec.units))
    rr = np.diff(table["time_s"].to_numpy())
    st.line_chart({"time (s)": table["time_s"].to_numpy()[1:], "heart rate (bpm)": 60.0 / rr},
                  x="time (s)", y="heart rate (bpm)", height=200)
    if rec.ref_samples is not None and len(rec.ref_samples) > 1:
        agree = reference_agreement(table, rec)
        st.write(f"Against the reference annotations: detection Se **{agree['se']:.4f}**, +P **{agree['ppv']:.4f}**; "
                 f"class right for **{agree['accuracy']:.4f}** of the {agree['matched']} matched beats.")
        st.code(format_report(classification_metrics(agree["y_true"], agree["y_pred"])))
    st.dataframe(table, hide_index=True)
    cols = st.columns(2)
    cols[0].download_button("download beats CSV", table.to_csv(index=False, float_format="%.6f"),
                            file_name=f"{rec.name}_beats.csv", mime="text/csv")
    cols[1].download_button("download as WFDB annotations", annotation_bytes(table, rec, wfdb_record_name(rec.name)),
                            file_name=annotation_file_name(rec.name), help="for WFDB viewers and bxb (docs/batch.md)")


def pick_model(label, key, default):
    """A sidebar choice of checkpoint: a shipped model (`default` first) or a path; returns the path or None."""
    shipped = sorted((ROOT / "models").glob("*.pt"), key=lambda p: (p.name != default, p.name))
    choice = st.sidebar.selectbox(label, [p.name for p in shipped] + [OTHER], key=key)
    path = (st.sidebar.text_input(f"{label}: checkpoint file", key=f"{key}_path") if choice == OTHER
            else str(ROOT / "models" / choice))
    return path or None


def main():
    st.set_page_config(page_title="Heartbeat classifier", layout="wide")
    st.title("Heartbeat classification (MIT-BIH, AAMI classes)")
    beat_ckpt = pick_model("model for beat CSVs", "model_choice", "mitbih.pt")
    recording_ckpt = pick_model("model for recordings", "recording_model_choice", "recording.pt")
    if not beat_ckpt or not recording_ckpt:
        st.info("Give the path of a checkpoint, e.g. log/RUN/best.pt.")
        return
    try:
        model, info = cached_model(beat_ckpt)
        _, recording_info = cached_model(recording_ckpt)
    except UserError as e:
        st.error(str(e))
        return
    model_tab, beats_tab, recording_tab = st.tabs(["Model", "Beats", "Recording"])
    with model_tab:
        st.subheader(f"Model for beat CSVs: {Path(beat_ckpt).name}")
        model_view(info)
        if recording_ckpt != beat_ckpt:
            st.subheader(f"Model for recordings: {Path(recording_ckpt).name}")
            model_view(recording_info)
    with beats_tab:
        beats_view(model)
    with recording_tab:
        recording_view(recording_ckpt)


main()
