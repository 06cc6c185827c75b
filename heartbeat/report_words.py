"""report.json in a clinician's words: the labels of its keys, the beat classes, the at-a-glance sentence and
the ectopic table, and how numbers and durations are written; shared by report.html and the app's Report view."""
import numpy as np
import pandas as pd

from . import CLASSES
from .noise_flag import under_noise
from .report import pause_context, plural

# report.json's keys as a clinician reads them
LABELS = {
    "heart_rate": {"min_bpm": "slowest heart rate (bpm)", "min_at_s": "slowest at (s)",
                   "mean_bpm": "mean heart rate (bpm)", "max_bpm": "fastest heart rate (bpm)",
                   "max_at_s": "fastest at (s)", "min_noise": "slowest: noise ratio under it",
                   "max_noise": "fastest: noise ratio under it"},
    "hrv": {"sdnn_ms": "HRV SDNN (ms)", "sdann_ms": "HRV SDANN (ms)", "rmssd_ms": "HRV RMSSD (ms)",
            "pnn50_pct": "HRV pNN50 (%)", "lf_ms2": "HRV LF power (ms²)", "hf_ms2": "HRV HF power (ms²)",
            "lf_hf": "HRV LF / HF", "spectral_windows": "HRV 5-minute windows read for LF / HF"},
    "hrt": {"vpcs": "HRT V beats read", "to_pct": "HRT turbulence onset (%)",
            "ts_ms_per_rr": "HRT turbulence slope (ms per R-R)"},
    "episodes": {"episodes": "episodes", "total_s": "total (s)", "longest_s": "longest (s)",
                 "burden_pct": "burden (% of analyzable time)"},
    "ectopic": {"isolated": "isolated beats", "couplets": "couplets (2 beats)",
                "salvos": "salvos (between a couplet and a run)", "runs": "runs", "fast_runs": "fast runs (VT / SVT)",
                "slow_runs": "slow runs (idioventricular / ectopic atrial or junctional rhythm)",
                "sustained_runs": "sustained runs", "longest_run_beats": "longest run (beats)",
                "fastest_run_bpm": "fastest run (bpm)", "bigeminy_episodes": "bigeminy episodes",
                "trigeminy_episodes": "trigeminy episodes", "burden_pct": "burden (% of all beats)",
                "noisy_couplets": "couplets under noise (check their strips)",
                "noisy_runs": "runs under noise (check their strips)"},
}
CLASS_WORDS = {"N": "normal", "S": "supraventricular ectopic", "V": "ventricular ectopic", "F": "fusion",
               "Q": "paced or unclassifiable"}  # CLASS_NOTE's first words, for a sentence
CLASS_NOTE = ("Beat classes (AAMI EC57 groups of the MIT-BIH labels): N normal, and bundle branch block; "
              "S supraventricular ectopic (atrial or junctional premature, aberrated atrial premature, escape); "
              "V ventricular ectopic (premature ventricular contraction, ventricular escape); F fusion of a "
              "ventricular and a normal beat; Q paced, fusion of paced and normal, or unclassifiable.")


def at_a_glance(s):
    """One sentence of the findings a reader looks for first, from report.json's summary `s`."""
    beats, total = s["beats"], max(s["beats"]["total"], 1)
    share = {c: 100.0 * beats[c] / total for c in CLASSES}
    main = max(CLASSES, key=share.get)
    parts = [f"{share[main]:.0f}% of {beats['total']} beats {main} ({CLASS_WORDS[main]})"]
    if s["atrial_fibrillation"]["episodes"]:
        parts.append(f"atrial fibrillation {fmt(s['atrial_fibrillation']['burden_pct'])}% of the analyzable time")
    for c, key in (("V", "ventricular"), ("S", "supraventricular")):
        e = s[key]
        if beats[c]:
            parts.append(f"{c} {beats[c]} ({fmt(e['burden_pct'])}%; {plural(e['couplets'], 'couplet')}, "
                         f"{plural(e['runs'], 'run')}" + (f", the longest {e['longest_run_beats']} beats" if e["runs"]
                                                            else "") + ")")
    if s["flutter"]:
        parts.append(f"VF/flutter {plural(len(s['flutter']), 'episode')}")
    longest = max(s["pauses"], key=lambda p: p["duration_s"], default=None)
    parts.append(f"{plural(len(s['pauses']), 'pause')}, the longest {longest['duration_s']:.1f} s "
                 f"{pause_context(longest)}" if longest else "no pause")
    rate = s["heart_rate"]
    if rate["min_bpm"] is not None:
        noisy = " and ".join(word for key, word in (("min", "slowest"), ("max", "fastest"))
                             if under_noise(rate.get(f"{key}_noise")))
        parts.append(f"heart rate {rate['min_bpm']:.0f}-{rate['max_bpm']:.0f} bpm (mean {rate['mean_bpm']:.0f}"
                     + (f"; the {noisy} under noise: check the strip" if noisy else "") + ")")
    return "; ".join(parts) + "."


def ectopic_table(summary):
    """The ventricular and supraventricular summaries side by side, rows labelled in words; no salvo row unless runs
    start above 3 beats (only then are there salvos)."""
    table = pd.DataFrame({"ventricular": summary["ventricular"], "supraventricular": summary["supraventricular"]})
    return table.drop(index=[] if summary["rules"]["run_min_beats"] > 3 else ["salvos"]).rename(index=LABELS["ectopic"])


def hms(seconds):
    """A duration as h:mm:ss, as Holter reports give it."""
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def fmt(value):
    """A cell: whole numbers as such; other numbers to 0.1 from 100 on, to 2 decimals from 1 on (trailing zeros
    dropped), else to 3 significant digits."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if not isinstance(value, float):
        return str(value)
    if abs(value) < 1:
        return f"{value:.3g}"
    text = f"{value:.1f}" if abs(value) >= 100 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".")
