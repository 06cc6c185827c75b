"""The summary lines bench/report_validation.py prints per database, from its per-record rows: burden errors, event
Se / +P, pauses, VF/flutter, AF seconds, heart rate, HRV and HRT against the reference, and the report's marks
(noise, warnings) on true and false findings."""
import pandas as pd

from heartbeat import hrt
from heartbeat.database import DS1, DS2
from heartbeat.noise_flag import under_noise
from heartbeat.quality import NOISE_FLAG

EVENT_TYPES = ("V couplet", "V run", "S run", "pause", "AF", "bradycardia", "tachycardia")
HRV_KEYS = ("sdnn_ms", "rmssd_ms", "pnn50_pct", "lf_ms2", "hf_ms2", "lf_hf")
HRT_KEYS = ("to_pct", "ts_ms_per_rr")
HR_KEYS = ("min_bpm", "mean_bpm", "max_bpm")


def median_worst(err, rows):
    """"median / worst (record)" of per-record absolute errors `err` (a Series indexed as rows)."""
    return f"{err.median():.2f} / {err.max():.2f} ({rows['record'][err.idxmax()]})"


def summary_line(rows):
    out = {"records": len(rows)}
    for c in ("V", "S"):
        out[f"{c} burden |err| median / worst (pp)"] = median_worst(rows[f"{c}_burden_err"].abs(), rows)
    for kind in EVENT_TYPES:
        ref, pred = rows[f"{kind}|ref"].sum(), rows[f"{kind}|pred"].sum()
        se = rows[f"{kind}|hit_ref"].sum() / ref if ref else float("nan")
        ppv = rows[f"{kind}|hit_pred"].sum() / pred if pred else float("nan")
        out[f"{kind} Se / +P (ref, pred)"] = f"{se:.3f} / {ppv:.3f} ({ref}, {pred})"
    in_vf = rows["V run|in_vf"].sum()
    out["V run +P counting runs inside reference VF / flutter as hits"] = \
        f"{(rows['V run|hit_pred'].sum() + in_vf) / max(rows['V run|pred'].sum(), 1):.3f} ({in_vf} inside)"
    vf = rows[["VF|ref", "VF|hit_ref", "VF|pred", "VF|hit_pred", "VF_true_s", "VF_pred_s", "VF_hit_s",
               "VF_noise_s"]].sum()
    out["VF/flutter episodes Se / +P (ref, pred); seconds Se / +P; annotated seconds excluded as noise"] = (
        f"{vf['VF|hit_ref'] / max(vf['VF|ref'], 1):.3f} / {vf['VF|hit_pred'] / max(vf['VF|pred'], 1):.3f} "
        f"({vf['VF|ref']}, {vf['VF|pred']}); {vf['VF_hit_s'] / max(vf['VF_true_s'], 1e-9):.3f} / "
        f"{vf['VF_hit_s'] / max(vf['VF_pred_s'], 1e-9):.3f}; {vf['VF_noise_s']:.1f} of {vf['VF_true_s']:.1f} s")
    out["false pauses"] = int((rows["pause|pred"] - rows["pause|hit_pred"]).sum())
    differ = rows.filter(like="pause ctx|").sum()
    out["pauses that say what the reference's do (after which beat, or in AF); differing, pipeline / reference"] = (
        f"{int(rows['pause_ctx_same'].sum())} of {int(rows['pause_ctx_matched'].sum())}; "
        + (", ".join(f"{k.split('|')[1]} {int(v)}" for k, v in differ.items() if v) or "none"))
    if "AF_true_s" in rows:  # DS1 chose the AF rule's constants (on its reference beats); DS2 tests them
        for part, names in (("DS1", set(map(str, DS1))), ("DS2", set(map(str, DS2))), ("all", set(rows["record"]))):
            sub = rows[rows["record"].isin(names) & rows["AF_true_s"].notna()]
            if len(sub):
                out[f"AF seconds Se / +P vs the rhythm annotations, {part} ({len(sub)} records, "
                    f"{(sub['AF_true_s'] > 0).sum()} with AF): rule on the reference beats / pipeline"] = " / ".join(
                    f"{sub[f'AF_{n}_hit_s'].sum() / max(sub['AF_true_s'].sum(), 1e-9):.3f}, "
                    f"{sub[f'AF_{n}_hit_s'].sum() / max(sub[f'AF_{n}_s'].sum(), 1e-9):.3f}" for n in ("ref", "pred"))
        has_af, called = rows["AF_true_s"] > 0, rows["AF_pred_s"] > 0
        false = rows["record"][~has_af & called & rows["AF_true_s"].notna()]
        out["records with AF found by the pipeline / with annotated AF; records with AF called and none annotated"] = \
            f"{(has_af & called).sum()} / {has_af.sum()}; {len(false)} ({', '.join(false) or 'none'})"
    out["records warned of a 2:1 switch (report_warnings): pipeline; reference beats"] = "; ".join(
        ", ".join(rows["record"][rows[f"2:1 warning|{w}"]]) or "none" for w in ("pred", "ref"))
    for part, label, keys in (("heart_rate", "heart rate", HR_KEYS), ("hrv", "HRV", HRV_KEYS)):
        for key in keys:  # records where both reports have the value
            ref, pred = (pd.to_numeric(rows[f"{part}|{key}|{w}"], errors="coerce") for w in ("ref", "pred"))
            both = ref.notna() & pred.notna()
            err, rel = (pred - ref)[both].abs(), ((pred - ref).abs() / ref.abs())[both & (ref != 0)]
            out[f"{label} {key} |err| median / worst; median relative (records: in both / in the reference)"] = (
                f"{median_worst(err, rows)}; {100 * rel.median():.1f}% ({both.sum()} of {ref.notna().sum()})"
                if both.any() else "none")
    ref, pred = (pd.to_numeric(rows[f"heart_rate|max_bpm|{w}"], errors="coerce") for w in ("ref", "pred"))
    high, low = (rows["record"][d > 3] for d in (pred - ref, ref - pred))  # a false burst or a missed fast run
    out["heart rate max_bpm more than 3 bpm high; low (records)"] = (
        f"{len(high)} ({', '.join(high) or 'none'}); {len(low)} ({', '.join(low) or 'none'})")
    flagged, is_high = rows["heart_rate|max_noise|pred"].map(under_noise), pred - ref > 3
    out[f"heart rate max_bpm under noise (from {NOISE_FLAG:g}): of the records reading it >3 bpm high; of the others"] \
        = f"{(flagged & is_high).sum()} of {is_high.sum()}; {(flagged & ~is_high).sum()} of {(~is_high).sum()}"
    for kind in ("V couplet", "V run", "S run"):
        hit, pred_n = rows[f"{kind}|hit_pred"].sum(), rows[f"{kind}|pred"].sum()
        out[f"{kind}s under noise (from {NOISE_FLAG:g}): of the true ones; of the false ones"] = (
            f"{rows[f'{kind}|noisy_hit'].sum()} of {hit}; {rows[f'{kind}|noisy_false'].sum()} of {pred_n - hit}")
    ref, pred = ({k: pd.to_numeric(rows[f"hrt|{k}|{w}"], errors="coerce") for k in HRT_KEYS} for w in ("ref", "pred"))
    both, in_ref = ref["to_pct"].notna() & pred["to_pct"].notna(), ref["to_pct"].notna().sum()
    for key in HRT_KEYS:
        err = (pred[key] - ref[key])[both].abs()
        out[f"HRT {key} |err| median / worst (records: in both / in the reference)"] = (
            f"{median_worst(err, rows)} ({both.sum()} of {in_ref})" if both.any() else f"none ({in_ref} in the reference)")
    if both.any():  # the consensus's categories: 0, 1 or 2 of TO and TS abnormal
        ref_cat, pred_cat = (hrt.category(r["to_pct"][both], r["ts_ms_per_rr"][both]) for r in (ref, pred))
        out["HRT category (0, 1 or 2 abnormal) the reference's"] = f"{(ref_cat == pred_cat).sum()} of {both.sum()}"
    for kind, label in (("V run missed", "missed V runs by cause"),
                        ("V run false", "false V runs, the reference there")):
        causes = rows.filter(like=f"{kind}|").sum()
        out[label] = ", ".join(f"{k.split('|')[1]} {int(v)}" for k, v in causes.items() if v) or "none"
    return out
