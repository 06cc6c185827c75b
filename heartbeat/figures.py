"""Figures (matplotlib): the confusion matrix, beats overlaid by class, a rhythm strip with labelled beats."""
import matplotlib

matplotlib.use("Agg")  # figures go to files or the app; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import CLASSES  # noqa: E402
from .metrics import row_normalized  # noqa: E402

CLASS_COLOURS = {"N": "tab:green", "S": "tab:orange", "V": "tab:red", "F": "tab:purple", "Q": "tab:gray"}


def confusion_figure(confusion, title=""):
    """Matplotlib figure: row-normalized confusion matrix with the counts in each cell."""
    counts = np.asarray(confusion)
    norm = row_normalized(counts)
    fig, ax = plt.subplots(figsize=(5.2, 4.4), dpi=120)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(CLASSES))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=CLASSES, yticklabels=CLASSES,
           xlabel="predicted class", ylabel="true class", title=title)
    for i in ticks:
        for j in ticks:
            ax.text(j, i, f"{norm[i, j]:.3f}\n({counts[i, j]})", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    fig.tight_layout()
    return fig


def beats_figure(beats, classes, fs=120.0, max_beats=60):
    """Beats (n, L) overlaid, x in seconds from the R peak, one colour per (predicted) class."""
    fig, ax = plt.subplots(figsize=(9, 3.5), dpi=100)
    t = np.arange(beats.shape[1]) / fs
    seen = set()
    for beat, name in zip(beats[:max_beats], classes[:max_beats]):
        ax.plot(t, beat, color=CLASS_COLOURS.get(name, "black"), alpha=0.6, lw=1,
                label=None if name in seen else name)
        seen.add(name)
    ax.set(xlabel="time from the R peak (s)", ylabel="scaled amplitude")
    ax.legend(title="class", loc="upper right")
    fig.tight_layout()
    return fig


def strip_figure(signal, fs, beat_samples, beat_classes, start_s=0.0, seconds=20.0, title="", units=""):
    """A rhythm strip of `seconds` from `start_s`, each beat marked and coloured by its class; `units`: the signal's
    physical unit (Recording.units; "" where the file names none, and the axis says so)."""
    lo = int(start_s * fs)
    hi = min(len(signal), lo + int(seconds * fs))
    t = np.arange(lo, hi) / fs
    strip = np.asarray(signal[lo:hi], dtype=np.float64)  # one slice: the signal may be read from disk
    fig, ax = plt.subplots(figsize=(12, 3.2), dpi=100)
    ax.plot(t, strip, color="black", lw=0.7)
    inside = (beat_samples >= lo) & (beat_samples < hi)
    top = np.nanmax(strip) if hi > lo and not np.isnan(strip).all() else 0
    for name in CLASSES:
        sel = inside & (beat_classes == name)
        if sel.any():
            ax.scatter(beat_samples[sel] / fs, strip[beat_samples[sel] - lo], color=CLASS_COLOURS[name], s=28,
                       zorder=3, label=f"{name} ({sel.sum()})")
            for s in beat_samples[sel]:
                ax.annotate(name, (s / fs, top), color=CLASS_COLOURS[name], fontsize=8, ha="center", va="bottom")
    ax.set(xlabel="time (s)", ylabel=f"signal ({units or 'unit not given'})", title=title,
           xlim=(lo / fs, max(hi, lo + 1) / fs))
    if ax.get_legend_handles_labels()[0]:  # a strip without beats (all excluded time) has nothing to name
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def review_figure(signal, fs, samples, titles, seconds=2.4, columns=4):
    """Small strips of `seconds` centred on each beat at `samples`, one panel per beat titled by `titles`: a
    reviewer judges a beat by its neighbours as much as by its shape (a premature beat is early)."""
    rows = max(1, -(-len(samples) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(12, 1.9 * rows), dpi=90, squeeze=False)
    half = int(seconds * fs / 2)
    for ax, sample, title in zip(axes.flat, samples, titles):
        lo, hi = max(0, sample - half), min(len(signal), sample + half)
        ax.plot((np.arange(lo, hi) - sample) / fs, np.asarray(signal[lo:hi], dtype=np.float64), color="black", lw=0.7)
        ax.axvline(0, color="tab:blue", lw=0.8, alpha=0.5)
        ax.set_title(title, fontsize=9)
        ax.set(xlim=(-half / fs, half / fs), yticks=[])
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(samples):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
