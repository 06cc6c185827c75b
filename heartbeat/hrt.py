"""Heart-rate turbulence (Schmidt et al. 1999; the consensus of Bauer et al. 2008): how the sinus rhythm speeds up,
then slows down, after an isolated ventricular premature beat (VPC). Turbulence onset (TO, %) compares the two sinus
intervals after the compensatory pause with the two before the VPC; turbulence slope (TS, ms per interval) is the
steepest rise over 5 consecutive intervals of the 15 after it, averaged over the VPCs. TO < 0% and TS > 2.5 ms per
interval are normal."""
import numpy as np

BEFORE = 5             # sinus intervals before the VPC: its reference interval is their mean ...
AFTER = 15             # ... and after its compensatory pause
MIN_VPCS = 5           # fewer qualifying VPCs give no HRT (too noisy an average)
TS_SPAN = 5            # TS: the steepest regression line over this many consecutive intervals
RR_RANGE_S = (0.3, 2.0)  # a sinus interval outside this is no sinus interval ...
MAX_STEP_S = 0.2         # ... nor one this far from the one before it ...
MAX_OFF = 0.2            # ... nor one this far off the reference interval
PREMATURITY = 0.2        # the VPC comes at least this much early, and its pause is at least this much late
ABNORMAL_TO_PCT = 0.0    # TO at or above this is abnormal ...
ABNORMAL_TS = 2.5        # ... and TS at or below this (ms per interval)

DEFINITION = (f"HRT (heart-rate turbulence; Bauer et al. 2008): over the isolated V beats with {BEFORE + 1} N "
              f"beats before and {AFTER + 1} after in one segment, at least {PREMATURITY:.0%} early and followed by a "
              f"pause at least {PREMATURITY:.0%} long against the mean of the {BEFORE} intervals before, whose sinus "
              f"intervals lie within {RR_RANGE_S[0]:g}-{RR_RANGE_S[1]:g} s, within {MAX_OFF:.0%} of that mean and "
              f"within {1000 * MAX_STEP_S:g} ms of the one before; TO: the mean over them of (RR1 + RR2 - RR-2 - "
              f"RR-1) / (RR-2 + RR-1), in %; TS: the steepest regression slope over {TS_SPAN} consecutive intervals "
              f"of the {AFTER} after the pause, of their mean, in ms per interval; none with fewer than {MIN_VPCS} "
              f"such beats; normal: TO < {ABNORMAL_TO_PCT:g}% and TS > {ABNORMAL_TS:g}")


def category(to_pct, ts_ms_per_rr):
    """The consensus's HRT category, how many of TO and TS are abnormal: 0, 1 or 2 (elementwise for arrays)."""
    return ((np.asarray(to_pct) >= ABNORMAL_TO_PCT).astype(int)
            + (np.asarray(ts_ms_per_rr) <= ABNORMAL_TS).astype(int))


def turbulence(beats):
    """{"vpcs": how many VPCs qualified, "to_pct", "ts_ms_per_rr"} of events.Beats (None with fewer than MIN_VPCS).
    A VPC qualifies when it is a V beat with BEFORE + 1 N beats before it and AFTER + 1 after it, all in one segment,
    whose sinus intervals pass the consensus filters, coming early and followed by a compensatory pause."""
    classes, n = beats.classes, len(beats.times)
    rr, valid = beats.intervals()  # interval j runs from beat j to beat j + 1
    onsets, tachograms = [], []
    for k in np.flatnonzero(classes == "V"):
        first, last = k - BEFORE - 1, k + AFTER + 1  # the beats of the tachogram
        if first < 0 or last >= n or not valid[first:last].all():
            continue
        if not ((classes[first:k] == "N").all() and (classes[k + 1:last + 1] == "N").all()):
            continue
        before, coupling, pause, after = rr[first:k - 1], rr[k - 1], rr[k], rr[k + 1:last]  # (5,), -, -, (15,)
        reference = before.mean()
        sinus = np.r_[before, after]
        off = (sinus < RR_RANGE_S[0]) | (sinus > RR_RANGE_S[1]) | (np.abs(sinus - reference) > MAX_OFF * reference)
        if off.any():
            continue
        if (np.abs(np.diff(before)) > MAX_STEP_S).any() or (np.abs(np.diff(after)) > MAX_STEP_S).any():
            continue
        if coupling > (1 - PREMATURITY) * reference or pause < (1 + PREMATURITY) * reference:
            continue
        onsets.append(100 * (after[0] + after[1] - before[-2] - before[-1]) / (before[-2] + before[-1]))
        tachograms.append(after)
    if len(onsets) < MIN_VPCS:
        return {"vpcs": len(onsets), "to_pct": None, "ts_ms_per_rr": None}
    mean = 1000 * np.mean(tachograms, axis=0)  # (15,) ms: the averaged tachogram after the pause
    x = np.arange(TS_SPAN)
    slope = max(np.polyfit(x, mean[i:i + TS_SPAN], 1)[0] for i in range(AFTER - TS_SPAN + 1))
    return {"vpcs": len(onsets), "to_pct": round(float(np.mean(onsets)), 2), "ts_ms_per_rr": round(float(slope), 2)}
