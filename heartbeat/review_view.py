"""The app's Review view: predict.py --review in Streamlit. Beats of a recording picked for a person to label
(review.review_groups) are shown a page at a time, a few seconds around each; their classes are corrected in a
table, and the beats CSV with the corrections is downloaded for prepare_data.py --reviewed, as on the command line
(docs/model-options.md, "One recording without annotations"), or the model is adapted to the recording on them
right here (adapt.adapt_to_recording, as train.py --init does)."""
import hashlib
import json
from shlex import quote

import numpy as np
import pandas as pd
import streamlit as st

from . import CLASSES, UserError
from .figures import review_figure
from .review import changed_labels, changed_share, first_minutes_count
from .report_view import show
from .reviewed import reviewed_labels

PER_PAGE = 12


def corrected(marked, classes):
    """The beats table `marked` (with review) with the review rows' class and class_index set from `classes`
    ({sample: class name}); other rows as they were."""
    out = marked.copy()
    rows = out["review"].to_numpy() & out["sample"].isin(classes.keys()).to_numpy()
    out.loc[rows, "class"] = out.loc[rows, "sample"].map(classes)
    out.loc[rows, "class_index"] = out.loc[rows, "class"].map(CLASSES.index)
    return out


def corrected_now(marked, after, classes):
    """(how many of the reviewed beats whose class `classes` ({sample: class name}) changes from the model's in
    `marked` the table `after` calls so, how many changed)."""
    changed = changed_labels(marked, classes)
    now = after.set_index("sample")["class"].reindex(list(changed))
    return int((now.to_numpy() == np.array(list(changed.values()))).sum()), len(changed)


def picks_digest(picked):
    """A name for the review table of these picked beats as this model reads them: the editor keeps a person's edits
    by row number, so another recording, model or lead choice (other picks, other classes) needs a fresh table."""
    return hashlib.sha1(picked[["sample", "class_index"]].to_numpy().tobytes()).hexdigest()[:12]


def review_section(rec, table, mark, reads, checkpoint, adapt, adapted, after):
    """The Review view of one recording: `table` its beats, mark(n) its beats table with n beats marked review,
    `reads` the options with which prepare_data.py reads the same recording (e.g. "--record 100"), `checkpoint` the
    model's path as the commands shown give it, adapt(labels) adapts that model on reviewed beats ({sample: class
    index}); `adapted` the adapted checkpoint's path and `after` its beats table, or None. Returns {sample: class
    name} of the reviewed beats, the classes as the person left them (the Report tab keeps them)."""
    st.write("Label a few beats of this recording and the model can be adapted to it: the beats below are picked "
             "across the whole recording, one per group of beats that the model sees alike. Correct their class, "
             "then adapt the model here, or download the CSV and adapt as the commands under the table say.")
    n = st.number_input("beats to review", 1, len(table), first_minutes_count(table), key="review_count",
                        help="by default as many as the first 5 minutes hold; on validation patients that many "
                             "beats picked so adapted the model better than the first 5 minutes' beats. Fewer adapt "
                             "less: of that default's gain over the model as trained, 100 beats gave 85-90%, 25 "
                             "beats 33-72% "
                             "(docs/cross-database-log.md, \"How many beats a review needs\")")
    marked = mark(int(n))
    picked = marked[marked["review"]].reset_index(drop=True)
    pages = -(-len(picked) // PER_PAGE)
    page = st.number_input(f"page (of {pages})", 1, pages, 1, key="review_page") if pages > 1 else 1
    shown = picked.iloc[(page - 1) * PER_PAGE: page * PER_PAGE]
    titles = [f"#{i + 1}  {t:.1f} s  model: {c}" for i, t, c in zip(shown.index, shown["time_s"], shown["class"])]
    show(review_figure(rec.signal, rec.fs, shown["sample"].to_numpy(), titles))
    group_size = marked["review_group"].value_counts()
    editor = pd.DataFrame({"#": picked.index + 1, "time_s": picked["time_s"].round(2), "model": picked["class"],
                           "class": picked["class"], "stands for": picked["sample"].map(group_size).to_numpy(),
                           "sample": picked["sample"]})
    edited = st.data_editor(editor, hide_index=True, disabled=["#", "time_s", "model", "stands for", "sample"],
                            column_config={"class": st.column_config.SelectboxColumn("class", options=list(CLASSES),
                                                                                     required=True),
                                           "stands for": st.column_config.NumberColumn(
                                               "stands for", help="beats of the recording in this beat's group "
                                                                  "(column review_group of the CSV)")},
                            key=f"review_editor_{picks_digest(picked)}")
    classes = dict(zip(edited["sample"], edited["class"]))
    changed, share = changed_share(marked, classes)
    st.caption(f"{len(picked)} beats to review, {changed} changed from the model's class; their groups hold "
               f"{share:.1%} of the recording's beats, about the share the model reads wrong")
    out = corrected(marked, classes)
    file_name = f"{rec.name}_reviewed_beats.csv"
    st.download_button("download the beats CSV with the reviewed classes", out.to_csv(index=False, float_format="%.6f"),
                       file_name=file_name, mime="text/csv")
    second = f" --second-channel {quote(rec.second_channel)}" if rec.second_channel else ""
    csvs = [f"data/{rec.name}_reviewed.csv"] + ([f"data/{rec.name}_reviewed_lead1.csv"] if rec.second_channel else [])
    st.code(f"python prepare_data.py --reviewed {quote(file_name)} {reads}{second} --out data\n"
            f"python train.py --init {quote(checkpoint)} --config config/adapt.json "
            f"--set {quote('data.train_csv=' + json.dumps(csvs))}", language="bash")
    if st.button("adapt the model to this recording", key="adapt", type="primary",
                 help="fine-tunes its linear layers on the reviewed beats and on beats of every class it was "
                      "trained on (config/adapt.json), then reads the recording with it; the run is saved as "
                      "train.py saves one"):
        try:
            adapt(reviewed_labels(out, "the review table"))
        except UserError as e:
            st.error(str(e))
        except OSError as e:  # e.g. ./log cannot be written
            st.error(f"cannot write the adapted model: {e}")
    if adapted:
        fixed = corrected_now(marked, after, classes)
        st.success(f"Adapted: {adapted}. Choose the model the Beats and Report tabs read with above (read with)."
                   + (f" It reads {fixed[0]} of the {fixed[1]} beats whose class you changed as you labelled them; "
                      "adaptation learns from all the reviewed beats, so a few corrections move it little (the "
                      "Report tab and predict.py --reviewed keep the classes you gave)."
                      if fixed[1] else ""))
        st.code(f"python predict.py --checkpoint {quote(adapted)} {reads}{second} --reviewed {quote(file_name)} "
                f"--out beats.csv", language="bash")
    return classes
