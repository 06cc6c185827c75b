"""Streamlit app: look at the model and classify beats.  Run:  streamlit run app.py

Views: Model (classes, preprocessing, stored validation metrics, confusion matrix) and
Beats (a sample CSV from samples/ or an uploaded Kaggle-format CSV -> predictions, plot, download).
"""
import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from heartbeat import UserError
from heartbeat.build import META_SUFFIX
from heartbeat.checkpoint import load_checkpoint
from heartbeat.data import load_beats
from heartbeat.figures import beats_figure, confusion_figure
from heartbeat.inference import predict_proba, predictions_table
from heartbeat.metrics import format_report

ROOT = Path(__file__).resolve().parent


@st.cache_resource
def cached_model(path):
    return load_checkpoint(path)


def model_view(meta):
    st.write(f"Classes: **{' · '.join(meta['classes'])}**  ·  epoch {meta['epoch']}")
    st.json(meta["preprocessing"], expanded=False)
    val = meta.get("metrics", {}).get("val")
    if not val:
        st.info("This checkpoint stores no validation metrics.")
        return
    st.subheader("Validation metrics stored in the checkpoint")
    st.code(format_report(val))
    st.pyplot(confusion_figure(val["confusion"], title="validation split"))


def beats_view(model, meta):
    samples = sorted(p for p in (ROOT / "samples").glob("*.csv") if not p.name.endswith(META_SUFFIX))
    source = st.radio("Beats from", ["a sample file", "my CSV"], horizontal=True)
    if source == "a sample file":
        path = st.selectbox("sample", samples, format_func=lambda p: p.name)
    else:
        upload = st.file_uploader("Kaggle-format CSV: 187 values in [0, 1] per row, label optional", type="csv")
        if upload is None:
            return
        tmp = Path(tempfile.mkdtemp()) / upload.name
        tmp.write_bytes(upload.getvalue())
        path = tmp
    try:
        x, y = load_beats(path)
        if x.shape[1] != meta["model_args"]["beat_len"]:
            raise UserError(f"beats of {x.shape[1]} values; the model takes {meta['model_args']['beat_len']}")
    except UserError as e:
        st.error(str(e))
        return
    table = predictions_table(predict_proba(model, x), meta["classes"])
    if y is not None:
        table.insert(3, "label", np.asarray(meta["classes"])[y])
        st.metric("accuracy against the file's labels", f"{(table['class_index'].to_numpy() == y).mean():.3f}")
    st.pyplot(beats_figure(x, table["class"].to_numpy(), fs=meta["preprocessing"]["sampling_rate_hz"]))
    st.dataframe(table, hide_index=True)
    st.download_button("download predictions CSV", table.to_csv(index=False, float_format="%.6f"),
                       file_name=f"{Path(path).stem}_predictions.csv", mime="text/csv")


def main():
    st.set_page_config(page_title="Heartbeat classifier", layout="wide")
    st.title("Heartbeat classification (MIT-BIH, AAMI classes)")
    ckpt = st.sidebar.text_input("checkpoint", str(ROOT / "models" / "mitbih.pt"))
    try:
        model, meta = cached_model(ckpt)
    except UserError as e:
        st.error(str(e))
        return
    model_tab, beats_tab = st.tabs(["Model", "Beats"])
    with model_tab:
        model_view(meta)
    with beats_tab:
        beats_view(model, meta)


main()
