"""Streamlit app: look at the model and classify beats.  Run:  streamlit run app.py

Views: Model (classes, preprocessing, stored validation metrics, confusion matrix) and
Beats (a sample CSV from samples/ or an uploaded Kaggle-format CSV -> predictions, plot, download).
"""
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import streamlit as st  # noqa: E402

from heartbeat import UserError  # noqa: E402
from heartbeat.build import META_SUFFIX  # noqa: E402
from heartbeat.checkpoint import load_checkpoint  # noqa: E402
from heartbeat.data import load_beats  # noqa: E402
from heartbeat.inference import predict_proba, predictions_table  # noqa: E402
from heartbeat.metrics import confusion_figure, format_report  # noqa: E402

ROOT = Path(__file__).resolve().parent
CLASS_COLOURS = {"N": "tab:green", "S": "tab:orange", "V": "tab:red", "F": "tab:purple", "Q": "tab:gray"}


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


def beats_figure(x, classes_pred, max_beats=60):
    """Overlay of the beats (x axis in seconds at 120 Hz), one colour per predicted class."""
    fig, ax = plt.subplots(figsize=(9, 3.5), dpi=100)
    t = np.arange(x.shape[1]) / 120.0
    seen = set()
    for beat, name in zip(x[:max_beats], classes_pred[:max_beats]):
        ax.plot(t, beat, color=CLASS_COLOURS.get(name, "black"), alpha=0.6, lw=1,
                label=None if name in seen else name)
        seen.add(name)
    ax.set(xlabel="time from the R peak (s)", ylabel="scaled amplitude")
    ax.legend(title="predicted", loc="upper right")
    fig.tight_layout()
    return fig


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
    st.pyplot(beats_figure(x, table["class"].to_numpy()))
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
