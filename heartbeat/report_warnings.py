"""The report's warnings about what its numbers are read from and what beat timing hints at but cannot name: HRV read
from too few N-N intervals or from atrial fibrillation, and a rhythm that switches between an interval and twice it
(a 2:1 pattern, such as 2:1 AV block, which only the P waves tell)."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import hrv
from .events import Rules, nn_intervals

AF_HRV_SHARE = 0.1  # HRV read from this share of N-N intervals inside atrial fibrillation or more gets a warning
HRV_COVER = 0.5  # HRV read from N-N intervals that cover less of the analyzable time than this gets a warning
# A 2:1 switch: the SWITCH_SIDE intervals before a beat and the SWITCH_SIDE from it each steady (every one within
# SWITCH_STEADY of their median), the two medians in a ratio of SWITCH_RATIO. Set before any number was read
# (log/halving-rule.txt) and warned about from SWITCH_MIN switches; the only block the MIT-BIH and SVDB annotations
# hold is 231's 2:1 block, so the rule is designed on it: a hint to check the P waves, not a finding.
SWITCH_SIDE = 6
SWITCH_STEADY = 0.10
SWITCH_RATIO = (1.8, 2.2)
SWITCH_MIN = 2
# ... within an hour (added after a review, before any number of it: on the 87 half-hour records it changes nothing,
# and 219's lone switch in about 43 h of them says a week-long recording would reach 2 by chance)
SWITCH_WITHIN_S = 3600.0


def hrv_warnings(beats, events, rules=Rules(), analyzable_s=None):
    """Warnings about what HRV is read from: N-N intervals (after the 20% filter) that cover less than HRV_COVER of
    the analyzable time (most beats paced, ectopic or unclassified: MIT-BIH 217's HRV came from 104 scattered N beats
    among 1,542 paced ones), and many of them inside atrial fibrillation (events' AF rows, in time order): HRV then
    measures the fibrillation's irregularity, not a sinus rhythm's autonomic modulation."""
    out = []
    covered = hrv.filtered_nn_intervals(beats, rules.nn_filter_pct)[1].sum()
    if analyzable_s and 0 < covered < HRV_COVER * analyzable_s:
        which = f"both beats N, after the {rules.nn_filter_pct:g}% filter" if rules.nn_filter_pct else "both beats N"
        out.append(f"the N-N intervals HRV is computed from ({which}) cover {covered / analyzable_s:.0%} of the "
                   "analyzable time: its HRV numbers describe little of the recording (paced, ectopic or unclassified "
                   "beats, or irregular intervals, fill the rest)")
    return out + _af_hrv_warnings(beats, events)


def _af_hrv_warnings(beats, events):
    ends = nn_intervals(beats)[0]
    af = events[events["type"] == "AF"]
    if not len(ends) or not len(af):
        return []
    episode = np.searchsorted(af["start_s"].to_numpy(), ends, side="right") - 1  # the last AF to start before
    inside = (episode >= 0) & (ends <= af["end_s"].to_numpy()[np.maximum(episode, 0)])
    if inside.mean() < AF_HRV_SHARE:
        return []
    return [f"{inside.mean():.0%} of the N-N intervals HRV is computed from lie inside atrial fibrillation: its HRV "
            "numbers describe the fibrillation, not a sinus rhythm"]


def rhythm_switches(beats):
    """Times (s) of the beats at which a steady rhythm of N and S beats (an S beat is often where the interval
    shortens: 231's pipeline calls the first beat after its 2:1 block S) doubles or halves its interval and stays
    steady there, within one segment."""
    rr, valid = beats.intervals()
    valid &= np.isin(beats.classes[1:], ("N", "S")) & np.isin(beats.classes[:-1], ("N", "S"))
    if len(rr) < 2 * SWITCH_SIDE:
        return np.array([])
    windows = sliding_window_view(rr, SWITCH_SIDE)                      # (n - SIDE + 1, SIDE): window j from rr[j]
    level = np.median(windows, axis=1)
    steady = (np.abs(windows - level[:, None]) <= SWITCH_STEADY * level[:, None]).all(axis=1) \
        & sliding_window_view(valid, SWITCH_SIDE).all(axis=1)
    before, after = np.arange(len(level) - SWITCH_SIDE), np.arange(SWITCH_SIDE, len(level))  # interval i = after
    with np.errstate(divide="ignore", invalid="ignore"):  # two beats at one time (a hand-made table): no switch
        ratio = np.maximum(level[before], level[after]) / np.minimum(level[before], level[after])
    at = steady[before] & steady[after] & (ratio >= SWITCH_RATIO[0]) & (ratio <= SWITCH_RATIO[1])
    return beats.times[after[at]]                                        # interval i starts at beat i


def warned_switches(beats):
    """rhythm_switches(beats) when SWITCH_MIN of them lie within SWITCH_WITHIN_S of each other (the warning's
    condition), else none: what the warning, report.json's rhythm_switches_s, report.html's strip and the validation
    read."""
    at = rhythm_switches(beats)
    k = SWITCH_MIN - 1
    return at if len(at) > k and (at[k:] - at[:len(at) - k] <= SWITCH_WITHIN_S).any() else at[:0]


def conduction_warnings(at):
    """A warning where the rhythm switches between an interval and twice it: `at` from warned_switches."""
    if not len(at):
        return []
    shown = ", ".join(f"{t:.1f}" for t in at[:3]) + (" ..." if len(at) > 3 else "")
    return [f"the rhythm switches {len(at)} times between a steady interval and twice it (at {shown} s): a 2:1 pattern, "
            "such as 2:1 AV block, blocked atrial beats, atrial flutter changing between 2:1 and 4:1 conduction, a "
            "tachycardia at twice the rate starting or stopping, or the detector missing every second beat, which beat "
            "timing cannot tell apart (P waves are not read here); a block may also begin or end where no switch is "
            "seen: check the strips at those times"]
