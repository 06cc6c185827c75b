"""report.html: one self-contained page (figures embedded as PNG) a clinician can read: summary, hourly
table, heart-rate trend with the excluded time, event strips."""
import base64
import html
import io

import numpy as np
import pandas as pd

from . import CLASSES
from .figures import plt, strip_figure
from .noise_flag import seconds_under_noise, under_noise
from .quality import NOISE_FLAG
from .report import pause_context, pause_counts
from .report_words import CLASS_NOTE, LABELS, at_a_glance, ectopic_table, fmt, hms
from .reviewed import kept_note

STRIP_BEFORE_S = 3.0   # a strip opens this long before its event ...
STRIP_MIN_S = 8.0      # ... lasts at least this long ...
STRIP_MAX_S = 20.0     # ... and at most this long
SAME_STRIP = 0.8       # two strips sharing this much of the shorter one show the same seconds: one strip
DIARY_STRIPS = 20      # a strip for each of the diary's first entries, up to this many
DIARY_COLUMNS = ("time", "clock", "at_s", "note", "finding", "hr_min_bpm", "hr_mean_bpm", "hr_max_bpm", "V", "S",
                 "excluded_s")

STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f2f2f2}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em}img{max-width:100%}
.note{color:#555;font-size:.9em}.warning{color:#a33;font-weight:bold}"""


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _table(rows):
    """A two-column HTML table from (label, value) pairs."""
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(fmt(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def trend_figure(report):
    """Heart rate per minute (median of the averaged rate), excluded time and atrial fibrillation shaded."""
    series = report.trend
    fig, ax = plt.subplots(figsize=(11, 3), dpi=100)
    if len(series):
        per_minute = series.groupby((series["time_s"] // 60).astype(int))["bpm"].median()
        minutes = per_minute.reindex(range(int(per_minute.index.max()) + 1))  # missing minutes break the line
        ax.plot(minutes.index / 60.0, minutes.to_numpy(), color="black", lw=0.8)
    for e in report.summary["excluded"]:
        ax.axvspan(e["start_s"] / 3600, e["end_s"] / 3600, color="tab:red", alpha=0.25, lw=0)
    for u in report.summary.get("under_noise", []):
        ax.axvspan(u["start_s"] / 3600, u["end_s"] / 3600, color="tab:orange", alpha=0.2, lw=0)
    for kind, colour in (("AF", "tab:blue"), ("VF/flutter", "tab:purple")):
        episodes = report.events[report.events["type"] == kind]
        for start, end in zip(episodes["start_s"], episodes["end_s"]):
            ax.axvspan(start / 3600, end / 3600, color=colour, alpha=0.2 if kind == "AF" else 0.5, lw=0)
    rules = report.summary["rules"]
    for bpm in (rules["brady_bpm"], rules["tachy_bpm"]):  # the bradycardia and tachycardia lines
        ax.axhline(bpm, color="grey", ls="--", lw=0.6)
    ax.set(xlabel="hours from the start", ylabel="heart rate (bpm)",
           xlim=(0, report.summary["duration_s"] / 3600),
           title="heart rate (excluded time in red, under noise in orange, AF in blue, VF/flutter in purple; dashed: "
                 "the bradycardia and tachycardia lines)")
    fig.tight_layout()
    return fig


def _pause_at(s, start_s):
    """The pause of report.json's summary `s` that starts at start_s (an events row's, unrounded)."""
    return min(s["pauses"], key=lambda p: abs(p["start_s"] - start_s))


def strips(report):
    """(title, start_s, seconds) of the strips a reader checks the report by: the longest and fastest V run, the
    longest S run, pause, VF/flutter and AF episode, the fastest and slowest heart rate, and an example of each
    ectopic class (its most confident beat, among beats whose cut stays clear of excluded time and flutter), and the
    first switch of a rhythm the report warns switches between an interval and twice it. Strips
    that would show the same seconds are one, with both titles."""
    events, beats, s, out = report.events, report.beats, report.summary, []
    for kind, by, title in (("V run", "beats", "longest V run"), ("V run", "rate_bpm", "fastest V run"),
                            ("S run", "beats", "longest S run"), ("pause", None, "longest pause"),
                            ("VF/flutter", None, "longest VF/flutter"), ("AF", None, "longest AF episode, its onset")):
        rows = events[events["type"] == kind]
        if len(rows):
            row = rows.loc[(rows["end_s"] - rows["start_s"]).idxmax() if by is None else rows[by].idxmax()]
            length = row["end_s"] - row["start_s"]
            what = (f"{length:.2f} s {pause_context(_pause_at(s, row['start_s']))}" if kind == "pause" else
                    f"{length:.0f} s" if by is None else f"{row['beats']} beats, {row['rate_bpm']:.0f} bpm")
            out.append((f"{title}: {what}, at {row['start_s']:.1f} s{_noisy(row.get('noise'))}", row["start_s"],
                        0.0 if kind == "AF" else length))
    rate = s["heart_rate"]
    for key, title in (("max", "fastest"), ("min", "slowest")):
        if rate[f"{key}_at_s"] is not None:  # the time of the beat that ends the averaged intervals: show them,
            # as many as a strip holds, up to that beat
            length = min(s["rules"]["hr_average_beats"] * 60.0 / rate[f"{key}_bpm"], STRIP_MAX_S - 2 * STRIP_BEFORE_S)
            out.append((f"{title} heart rate: {rate[f'{key}_bpm']:.0f} bpm, at {rate[f'{key}_at_s']:.1f} s"
                        f"{_noisy(rate.get(f'{key}_noise'))}",
                        rate[f"{key}_at_s"] - length, length))
    switches = s["rhythm_switches_s"]
    if len(switches):  # as the warning says: the first switch, a few intervals either side
        out.append((f"the rhythm switches between an interval and twice it (of {len(switches)}, the first): a 2:1 "
                    f"pattern? check the P waves, at {switches[0]:.1f} s", switches[0], 0.0))
    clear = _clear_of_excluded(beats["time_s"].to_numpy(), s)
    for c in CLASSES[1:]:
        of_class = beats[(beats["class"] == c) & clear]
        if len(of_class):
            best = of_class.loc[of_class[f"p_{c}"].idxmax()]
            out.append((f"example {c} beat (p={best[f'p_{c}']:.2f}) at {best['time_s']:.1f} s", best["time_s"], 0.0))
    unique = {}
    for title, start, length in out:
        span = strip_span(start, length)
        same = next((k for k in unique if _shared(k, span) >= SAME_STRIP * min(k[1], span[1])), None)
        if same is None:
            unique[span] = (title, start, length)
        else:  # the first strip's seconds, both titles
            unique[same] = (f"{unique[same][0]}; {title}", *unique[same][1:])
    return list(unique.values())


def _noisy(ratio):
    """A strip title's mark for a finding under noise (noise_flag.under_noise), else ""."""
    return f" (noisy, ratio {ratio:.2f}: check)" if under_noise(ratio) else ""


def _shared(a, b):
    """Seconds two (start, seconds) strips share."""
    return max(0.0, min(a[0] + a[1], b[0] + b[1]) - max(a[0], b[0]))


def _clear_of_excluded(times, summary):
    """(n,) bool: which beats (times, s, in order) lie with the interval to the next beat clear of the excluded
    stretches and flutter episodes: a beat is cut up to the next one, and one cut across an artifact is no example
    of its class. The last beat is never clear."""
    if not len(times):
        return np.zeros(0, dtype=bool)
    spans = [(e["start_s"], e["end_s"]) for e in summary["excluded"]]
    spans += [(f["start_s"], f["start_s"] + f["duration_s"]) for f in summary["flutter"]]
    nxt = np.r_[times[1:], np.inf]
    clear = np.isfinite(nxt)
    for a, b in spans:
        clear &= ~((times < b) & (nxt > a))
    return clear


def strip_span(start_s, length_s):
    """(start, seconds) of the strip that shows an event of length_s from start_s."""
    return max(0.0, start_s - STRIP_BEFORE_S), float(np.clip(length_s + 2 * STRIP_BEFORE_S, STRIP_MIN_S, STRIP_MAX_S))


def _reviewed_note(reviewed):
    """report.py --reviewed: how many beats a person labelled, whose classes the report keeps."""
    if not reviewed:
        return ""
    return "; " + kept_note(reviewed["beats"], reviewed["changed_from_model"])


def diary_table(diary):
    """The diary's entries as a table, the columns a reader wants first."""
    frame = pd.DataFrame(diary["entries"])
    return frame[[c for c in DIARY_COLUMNS if c in frame]]


def diary_part(report, signal, fs):
    """The Patient diary section: each entry with its finding, and a strip at its time."""
    d = report.summary["diary"]
    if not d:
        return []
    parts = ["<h2>Patient diary</h2>",
             f"<p>{d['with_event']} of {d['read']} entries read have an event within {d['window_s']:g} s of their "
             "time.</p>", diary_table(d).to_html(index=False, na_rep="-")]
    if signal is not None:
        samples, classes = report.beats["sample"].to_numpy(), report.beats["class"].to_numpy()
        for e in [e for e in d["entries"] if "events" in e][:DIARY_STRIPS]:
            title = f"diary {e['time']} ({e['at_s']:.0f} s, dashed): {e['note'] or 'no note'}; {e['finding']}"
            fig = strip_figure(signal, fs, samples, classes, *strip_span(e["at_s"], 0.0), title,
                               report.summary["recording"].get("units") or "")
            fig.axes[0].axvline(e["at_s"], color="0.4", linestyle="--", linewidth=1)
            parts.append(_png(fig))
    return parts


MAX_EVENT_ROWS = 500  # a week's couplets would make a page nobody reads; events.csv has every one


def report_html(report, signal=None, fs=None):
    s = report.summary
    rec = s["recording"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>ECG report: {html.escape(rec['name'])}"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>ECG report: {html.escape(rec['name'])} {html.escape(rec['channel'] or '')}"
             f"{' + ' + html.escape(rec['second_channel']) if rec.get('second_channel') else ''}</h1>",
             f"<p class='note'>model {html.escape(str(s.get('model', '')))}; beats classified automatically, "
             "to be confirmed by a clinician" + _reviewed_note(s.get("reviewed")) + ".</p>",
             *(f"<p class='warning'>Warning: {html.escape(w)}</p>" for w in s["warnings"]),
             "<h2>Summary</h2>", f"<p><b>At a glance:</b> {html.escape(at_a_glance(s))}</p>",
             _table([("start", rec.get("start") or "not given"), ("duration (h:mm:ss)", hms(s["duration_s"])),
                     ("analyzable (h:mm:ss)", hms(s["analyzable_s"])),
                     ("of it under noise (h:mm:ss; its findings to be checked)",
                      hms(seconds_under_noise(s))),
                     ("excluded stretches", len(s["excluded"]))]
                    + [(f"beats {k}", v) for k, v in s["beats"].items()]
                    + [(LABELS[part].get(k, k), v) for part in ("heart_rate", "hrv", "hrt") for k, v in s[part].items()]
                    + [("pauses", pause_counts(s["pauses"])), ("VF/flutter episodes", len(s["flutter"])),
                       ("VF/flutter total (s)", round(sum(f["duration_s"] for f in s["flutter"]), 1))]
                    + [(f"{name} {LABELS['episodes'].get(k, k)}", v) for key, name in (
                        ("atrial_fibrillation", "AF"), ("bradycardia", "bradycardia"), ("tachycardia", "tachycardia"))
                       for k, v in s[key].items()]),
             f"<p class='note'>{CLASS_NOTE}</p>",
             "<h2>Ectopic beats</h2>",
             ectopic_table(s).map(fmt).to_html(),  # cell by cell: counts stay whole numbers beside the burden's
             *diary_part(report, signal, fs),
             "<h2>Heart-rate trend</h2>", _png(trend_figure(report)),
             "<h2>Hour by hour</h2>", report.hourly.map(fmt).to_html(index=False)]
    if signal is not None:
        parts.append("<h2>Strips</h2>")
        samples, classes = report.beats["sample"].to_numpy(), report.beats["class"].to_numpy()
        for title, start, length in strips(report):
            fig = strip_figure(signal, fs, samples, classes, *strip_span(start, length), title, rec.get("units") or "")
            parts.append(_png(fig))
    if s["excluded"]:
        parts += ["<h2>Excluded time</h2>", pd.DataFrame(s["excluded"]).map(fmt).to_html(index=False)]
    shown = report.events.head(MAX_EVENT_ROWS)
    parts += ["<h2>Events</h2>",
              report.events.groupby("type").size().rename("count").to_frame().to_html() if len(report.events)
              else "<p>none</p>",
              *([f"<p>{'The first ' + str(len(shown)) + ' of ' if len(shown) < len(report.events) else 'All '}"
                 f"{len(report.events)} events, in time order (events.csv has them all; noise: the median noise "
                 f"ratio under each, to be checked from {NOISE_FLAG:g}):</p>",
                 shown.map(fmt).to_html(index=False)] if len(report.events) else []),
              "<h2>Definitions</h2><ul>" + "".join(f"<li>{html.escape(d)}</li>" for d in s["definitions"]) + "</ul>",
              "</body></html>"]
    return "\n".join(parts)
