"""Warnings about how a recording was read: which way up its lead points (a warning where it points down), and a
median heart rate no heart has (a wrong sampling rate).

The models learned leads whose QRS mostly points up: by this module's rule MIT-BIH's first lead does in 47 of 48
records (207 is the one). A lead the other way round (electrodes swapped, a recorder whose lead points elsewhere) is
read worse: held out on SVDB, the 8 of 39 records whose ECG1 QRS points clearly down had V Se / +P .363 / .314 on
that lead against .792 / .855 on the other 31, and three times as many normal beats called something else
(docs/cross-database-log.md, "A warning where a lead points down"). Reading such a lead negated lost on
validation patients ("Tried and lost: reading a lead upside down"), so the pipeline reads every lead as recorded and
says where one points down: its user can check the electrodes or choose another lead.
"""
import numpy as np

DOWN_RATIO = 2.0     # down: the QRS's trough more than twice as far below the baseline as its peak rises above it
                     # (the R-peak rule's "mostly negative QRS", detect.refine_to_r_peak)
PR_S = (0.15, 0.10)  # the baseline: the median beat between 150 and 100 ms before the R peak (the PR segment)
QRS_HALF_S = 0.06    # the QRS: within 60 ms of the R peak
MAX_BEATS = 500      # beats in the median, spread over the recording (a long WFDB record is read window by window)
MIN_BEATS = 20       # fewer normal beats than this: no judgement


def qrs_down_ratio(signal, fs, samples):
    """How far the median beat around the R peaks `samples` (sorted, input rate) of `signal` swings below its PR
    baseline within QRS_HALF_S of the peak, as a multiple of how far it swings above (> 1: more down than up);
    nan with fewer than MIN_BEATS beats. `signal` may be a lazy reader: only the beats' windows are read."""
    before, after = int(round(PR_S[0] * fs)), int(round(QRS_HALF_S * fs))
    samples = np.asarray(samples)
    samples = samples[(samples >= before) & (samples + after < len(signal))]
    if len(samples) < MIN_BEATS:
        return float("nan")
    picked = samples[np.linspace(0, len(samples) - 1, min(MAX_BEATS, len(samples))).astype(np.int64)]
    beats = np.stack([np.asarray(signal[s - before:s + after + 1], dtype=np.float64) for s in picked])  # (n, w)
    beats = beats[~np.isnan(beats).any(axis=1)]  # a window reaching into a gap
    if len(beats) < MIN_BEATS:
        return float("nan")
    median = np.median(beats, axis=0)  # (before + after + 1,), the R peak at index `before`
    baseline = np.median(median[:before - int(round(PR_S[1] * fs)) + 1])
    qrs = median[before - after:] - baseline
    up, down = qrs.max(), -qrs.min()
    if up <= 0:  # nothing rises above the baseline: all the way down, or a flat line
        return float("inf") if down > 0 else float("nan")
    return float(down / up)


def lead_warnings(rec, table):
    """One-line warnings about the lead a recording was classified on (`table` from classify_recording): its QRS
    pointing down, judged on the beats called N (none where fewer than MIN_BEATS are: ectopic beats often point
    the other way, and a short strip of mixed beats would say nothing reliable)."""
    ratio = qrs_down_ratio(rec.signal, rec.fs, table["sample"].to_numpy()[table["class"].to_numpy() == "N"])
    if not ratio > DOWN_RATIO:
        return []
    lead = f"lead {rec.channel}" if rec.channel else "the lead"
    return [f"{lead} points down (its QRS falls {ratio:.1f} times further below the baseline than it rises above): "
            "the models learned upright leads, and on held-out SVDB records whose lead points down they found a third "
            "of the V beats (Se .36 against .79 on the others) and called three times as many normal beats something "
            "else. Check the electrodes or choose another lead"]


PLAUSIBLE_BPM = (30, 220)  # a recording's median heart rate outside these says more of a wrong rate than of a heart


def rate_warnings(rec, bpm):
    """A warning where a recording's median heart rate `bpm` (recording.mean_heart_rate; NaN: too few beats) is
    implausible: most often a signal file read at a wrong --fs, which detection and classification do not notice."""
    if not np.isfinite(bpm) or PLAUSIBLE_BPM[0] <= bpm <= PLAUSIBLE_BPM[1]:
        return []
    return [f"the median heart rate is {bpm:.0f} bpm, outside {PLAUSIBLE_BPM[0]}-{PLAUSIBLE_BPM[1]}: if that is not "
            f"the patient's, the sampling rate ({rec.fs:g} Hz) is wrong and so is every beat's class"]
