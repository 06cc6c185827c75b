"""The app's Report view: report.py's report of a recording in Streamlit (summary, trend, hourly table, events
with their strips, the report's files to download), and the figure helper every view of the app uses."""
import matplotlib.pyplot as plt
import pandas as pd
import streamlit as st

from . import CLASSES, UserError
from .events import Rules
from .figures import strip_figure
from .report import build_report, pause_counts, report_json
from .diary import read_diary
from .noise_flag import seconds_under_noise
from .quality import NOISE_FLAG
from .report_html import diary_table, report_html, strip_span, strips, trend_figure
from .report_words import LABELS, at_a_glance, ectopic_table
from .reviewed import apply_reviewed


def show(fig):
    """Draw a matplotlib figure and free it: pyplot keeps every figure alive until closed."""
    st.pyplot(fig)
    plt.close(fig)


# report.py's options as the app's inputs: (Rules field, label, lowest, highest, step)
RULE_INPUTS = (("pause_s", "pause: R-R of at least (s)", 0.5, 10.0, 0.1),
               ("run_min_beats", "run: ectopic beats in a row", 3, 10, 1),
               ("fast_run_bpm", "VT / SVT above (bpm)", 50.0, 250.0, 5.0),
               ("pattern_min_cycles", "bigeminy / trigeminy: cycles", 2, 10, 1),
               ("af_min_s", "AF episode: at least (s)", 30.0, 3600.0, 5.0),
               ("brady_bpm", "bradycardia below (bpm)", 20.0, 75.0, 5.0),  # apart: brady below tachy always
               ("tachy_bpm", "tachycardia above (bpm)", 85.0, 200.0, 5.0),
               ("rate_min_s", "brady / tachy: at least (s)", 5.0, 3600.0, 5.0),
               ("nn_filter_pct", "HRV: N-N off the one before by at most (%)", 0.0, 100.0, 5.0),
               ("diary_window_s", "diary: what lies within (s)", 5.0, 3600.0, 5.0))


def report_rules():
    """The report's definitions, as report.py's options set them."""
    d = Rules()
    with st.expander("definitions"):
        cols = st.columns(4)
        return Rules(**{name: cols[k % 4].number_input(label, lo, hi, getattr(d, name), step, key=name)
                        for k, (name, label, lo, hi, step) in enumerate(RULE_INPUTS)})


def report_section(rec, table, model_name, reviewed=None):
    """report.py's report of the same recording (classified by the checkpoint `model_name`, as the report names
    it): summary, trend, hourly table, events with their strips. `reviewed` ({sample: class name}): the beats of the
    Review tab with the classes given there (the labels the app adapts on); where the model read now calls them
    otherwise, they keep the classes given unless unticked, as report.py --reviewed keeps its CSV's."""
    about = {"model": model_name}
    if reviewed:
        try:
            kept, changed = apply_reviewed(table, {s: CLASSES.index(c) for s, c in reviewed.items()}, rec.name)
        except UserError as e:  # the model read now finds other beats than the ones the review was made on
            st.warning(str(e))
            changed = 0
        if changed and st.checkbox(f"keep the classes given in the Review tab ({changed} beat{'s' * (changed != 1)} "
                                   f"this model reads otherwise)", value=True, key="report_reviewed",
                                   help="a person's classes are final in the report, whatever model reads the other "
                                        "beats (as report.py --reviewed)"):
            table = kept
            about["reviewed"] = {"file": "the app's Review tab", "beats": len(reviewed), "changed_from_model": changed}
    upload = st.file_uploader("patient diary (CSV: a time column, then symptom, activity, ...), as report.py --diary",
                              type="csv", key="diary")
    diary = None
    if upload is not None:
        try:
            diary = read_diary(upload, rec.start, upload.name)
        except UserError as e:
            st.error(str(e))
    report = build_report(table, rec, report_rules(), about=about, diary=diary)
    s = report.summary
    for warning in s["warnings"][len(rec.warnings):]:  # the report's own (the recording's are shown above its tabs)
        st.warning(warning)
    hr, v, sv = s["heart_rate"], s["ventricular"], s["supraventricular"]
    st.write(f"**At a glance:** {at_a_glance(s)}")
    cols = st.columns(7)
    cols[0].metric("analyzable", f"{s['analyzable_s'] / 60:.1f} of {s['duration_s'] / 60:.1f} min",
                   help=f"{seconds_under_noise(s) / 60:.1f} min of it under noise "
                        "(orange in the trend): check the findings there")
    cols[1].metric("heart rate min / mean / max", f"{hr['min_bpm']} / {hr['mean_bpm']} / {hr['max_bpm']}",
                   help=f"noise ratio under the slowest / fastest: {hr['min_noise']} / {hr['max_noise']} (from "
                        f"{NOISE_FLAG:g}: check the strip)")
    cols[2].metric("V burden", f"{v['burden_pct']} %")
    cols[3].metric("S burden", f"{sv['burden_pct']} %")
    cols[4].metric("pauses", len(s["pauses"]), help=pause_counts(s["pauses"]))
    cols[5].metric("SDNN / RMSSD (ms)", f"{s['hrv']['sdnn_ms']} / {s['hrv']['rmssd_ms']}")
    cols[6].metric("AF / brady / tachy burden", " / ".join(str(s[k]["burden_pct"]) for k in
                                                          ("atrial_fibrillation", "bradycardia", "tachycardia")) + " %")
    st.dataframe(ectopic_table(s).astype(str))
    st.dataframe(pd.Series({LABELS[part].get(k, k): x for part in ("hrv", "hrt") for k, x in s[part].items()},
                           name="value").astype(str))
    if s["diary"]:
        st.write(f"**Patient diary**: {s['diary']['with_event']} of {s['diary']['read']} entries read have an event "
                 f"within {s['diary']['window_s']:g} s of their time")
        st.dataframe(diary_table(s["diary"]).astype({"note": str, "finding": str}), hide_index=True)
    if s["excluded"]:
        st.write("**Excluded time**")
        st.dataframe(pd.DataFrame(s["excluded"]), hide_index=True)
    show(trend_figure(report))
    st.write("**Hour by hour**")
    st.dataframe(report.hourly, hide_index=True)
    key_strips = {title: (start, length) for title, start, length in strips(report)}
    shown = st.selectbox("strip of a key finding (as report.html shows them)", ["none", *key_strips], key="key_strip")
    if shown != "none":
        start, seconds = strip_span(*key_strips[shown])
        show(strip_figure(rec.signal, rec.fs, table["sample"].to_numpy(), table["class"].to_numpy(),
                          start_s=start, seconds=seconds, title=shown, units=rec.units))
    st.write("**Events** (select one to see its strip)")
    picked = st.dataframe(report.events, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key="events_table")
    rows = picked.selection.rows if picked else []
    if rows:
        event = report.events.iloc[rows[0]]
        start, seconds = strip_span(event["start_s"], event["end_s"] - event["start_s"])
        show(strip_figure(rec.signal, rec.fs, table["sample"].to_numpy(), table["class"].to_numpy(),
                          start_s=start, seconds=seconds, title=f"{event['type']} at {event['start_s']:.1f} s",
                          units=rec.units))
    cols = st.columns(4)
    cols[0].download_button("report.json", report_json(report), file_name="report.json")
    cols[1].download_button("events.csv", report.events.to_csv(index=False, float_format="%.3f"), file_name="events.csv")
    cols[2].download_button("hourly.csv", report.hourly.to_csv(index=False), file_name="hourly.csv")
    cols[3].download_button("report.html", report_html(report, rec.signal, rec.fs), file_name="report.html")
