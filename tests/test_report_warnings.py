"""The report's warnings (heartbeat/report_warnings.py): what HRV is read from, and a rhythm that switches between an
interval and twice it (a 2:1 pattern), on synthetic beats and on MIT-BIH 231's 2:1 AV block."""
import numpy as np
import pandas as pd
import pytest
import wfdb

from conftest import MITDB, beat_times, beats, needs_mitdb
from heartbeat.database import aami_labels, rhythm_spans
from heartbeat.events import Beats
from heartbeat.report_warnings import (SWITCH_MIN, conduction_warnings, hrv_warnings, rhythm_switches,
                                       warned_switches)


def beats_at(intervals, classes=None, segment=None):
    """Beats at these intervals from 0 s, N unless classes are given."""
    return beats(classes if classes is not None else "N" * (len(intervals) + 1), times=beat_times(intervals),
                 segment=segment)


def test_a_steady_rhythm_that_halves_and_recovers_is_two_switches():
    """0.8-s intervals, ten at 1.6 s (every second beat not conducted), 0.8 s again: a switch at the first long
    interval's beat and one at the first short one's, and a warning naming them."""
    beats = beats_at([0.8] * 10 + [1.6] * 10 + [0.8] * 10)
    assert rhythm_switches(beats).tolist() == pytest.approx([8.0, 24.0])   # beats 10 and 20
    assert conduction_warnings(warned_switches(beats)) == [
        "the rhythm switches 2 times between a steady interval and twice it (at 8.0, 24.0 s): a 2:1 pattern, such as "
        "2:1 AV block, blocked atrial beats, atrial flutter changing between 2:1 and 4:1 conduction, a tachycardia at "
        "twice the rate starting or stopping, or the detector missing every second beat, which beat timing cannot tell "
        "apart (P waves are not read here); a block may also begin or end where no switch is seen: check the strips "
        "at those times"]


def test_patterns_that_are_not_a_steady_doubling_raise_no_warning():
    """Bigeminy's alternating intervals, one missed beat in a steady rhythm, a rate that changes by 1.5, a single
    switch, and a switch across a V beat, a segment boundary or too few steady intervals."""
    quiet = [beats_at([0.6, 1.0] * 15), beats_at([0.8] * 10 + [1.6] + [0.8] * 10),
             beats_at([0.8] * 10 + [1.2] * 10 + [0.8] * 10), beats_at([0.8] * 10 + [1.6] * 10),
             beats_at([0.8] * 6 + [1.6] * 5 + [0.8] * 6)]
    for pattern in quiet:
        assert conduction_warnings(warned_switches(pattern)) == []
    assert SWITCH_MIN == 2 and len(rhythm_switches(beats_at([0.8] * 10 + [1.6] * 10))) == 1
    twice = [0.8] * 10 + [1.6] * 10 + [0.8] * 10
    assert rhythm_switches(beats_at(twice, ["N"] * 10 + ["V"] + ["N"] * 20)).tolist() == pytest.approx([24.0])
    assert rhythm_switches(beats_at(twice, ["V"] + ["N"] * 30)).tolist() == pytest.approx([8.0, 24.0])
    assert rhythm_switches(beats_at(twice, ["N"] * 4 + ["V"] + ["N"] * 26)).tolist() == pytest.approx([24.0])
    assert rhythm_switches(beats_at(twice, segment=[0] * 10 + [1] * 21)).tolist() == pytest.approx([24.0])
    assert len(rhythm_switches(beats_at(twice, ["S"] * 31))) == 2   # S beats count: the pipeline calls some S there


def test_the_switch_rule_s_edges():
    """Exactly 1.8 and 2.2 times the interval are switches, 1.75 and 2.25 are not; an interval exactly 10% off its
    window's median still leaves it steady; 12 intervals hold one switch, 11 none; no beats, or two at one time, none.
    (Dyadic intervals, so the ratios are computed exactly.)"""
    for longer, switch in ((1.125, True), (1.375, True), (1.09375, False), (1.40625, False)):  # 0.625 x 1.8, 2.2, 1.75, 2.25
        assert len(rhythm_switches(beats_at([0.625] * 6 + [longer] * 6))) == switch
    assert len(rhythm_switches(beats_at([0.625] * 5 + [0.6875] + [1.25] * 6))) == 1    # 0.6875 = 0.625 + 10%
    assert len(rhythm_switches(beats_at([0.625] * 5 + [0.6953125] + [1.25] * 6))) == 0  # 11.25% off
    assert len(rhythm_switches(beats_at([0.625] * 6 + [1.25] * 5))) == 0
    assert len(rhythm_switches(Beats(np.array([]), np.array([], dtype=str), np.array([], dtype=int)))) == 0
    with np.errstate(all="raise"):
        assert len(rhythm_switches(beats_at([0.0] * 6 + [1.25] * 6))) == 0


def test_two_switches_warn_only_within_an_hour():
    """A 2:1 stretch of 20 minutes (its two switches 20 minutes apart) is warned about; one of more than an hour is
    not: two switches that far apart may each be chance (219 has a lone one in the 43 h of the 87 records)."""
    def halved_for(seconds):
        return beats_at([0.8] * 10 + [1.6] * int(seconds / 1.6) + [0.8] * 10)

    assert len(warned_switches(halved_for(1200.0))) == 2 and len(conduction_warnings(warned_switches(halved_for(1200.0)))) == 1
    far = halved_for(4000.0)
    assert len(rhythm_switches(far)) == 2 and len(warned_switches(far)) == 0 and conduction_warnings(warned_switches(far)) == []


@needs_mitdb
def test_231s_two_to_one_block_is_warned_about_and_records_without_one_are_not():
    """On the reference beats of MIT-BIH 231, every switch lies within 3 s of a boundary of its annotated 2:1 block
    ("(BII"), and there are enough of them for the warning; 232's long pauses and 202's atrial fibrillation and
    flutter, the records whose N-N intervals most often read as doubled, raise none."""
    def reference_beats(name):
        ann = wfdb.rdann(str(MITDB / name), "atr")
        labels = aami_labels(ann.symbol)
        beat = labels >= 0
        return Beats(ann.sample[beat] / 360.0, np.array(list("NSVFQ"))[labels[beat]], np.zeros(beat.sum(), dtype=int))

    at = rhythm_switches(reference_beats("231"))
    edges = np.ravel(rhythm_spans(MITDB / "231", 360.0, 1805.6, "(BII"))
    assert len(at) >= SWITCH_MIN and all(np.abs(edges - t).min() < 3.0 for t in at)
    assert len(warned_switches(reference_beats("232"))) == 0 and len(warned_switches(reference_beats("202"))) == 0


def test_hrv_read_inside_atrial_fibrillation_is_warned_about():
    """HRV of N-N intervals inside AF measures the fibrillation: a warning from 10% of them on."""
    beats = Beats(np.arange(100) * 0.8, np.array(["N"] * 100), np.zeros(100, dtype=int))  # 99 N-N intervals
    af = pd.DataFrame({"type": ["pause", "AF"], "start_s": [1.0, 0.0], "end_s": [3.0, 40.0]}).iloc[[1, 0]]
    assert hrv_warnings(beats, af.sort_values("start_s")) == [
        "51% of the N-N intervals HRV is computed from lie inside atrial fibrillation: its HRV numbers describe the "
        "fibrillation, not a sinus rhythm"]  # the 50 intervals ending by 40 s
    assert hrv_warnings(beats, af.assign(end_s=[5.0, 3.0])) == []  # 6 of 99
    assert hrv_warnings(beats, af[af["type"] == "pause"]) == []


def test_hrv_read_from_few_normal_intervals_is_warned_about():
    """HRV from N-N intervals that cover under half the analyzable time (a paced rhythm, MIT-BIH 217) is warned
    about; 79.2 s of N-N intervals in 80 s are not."""
    no_events = pd.DataFrame({"type": [], "start_s": [], "end_s": []})
    normal = Beats(np.arange(100) * 0.8, np.array(["N"] * 100), np.zeros(100, dtype=int))
    assert hrv_warnings(normal, no_events, analyzable_s=80.0) == []
    paced = Beats(np.arange(100) * 0.8, np.array(["N"] * 30 + ["Q"] * 70), np.zeros(100, dtype=int))  # 23.2 s of N-N
    assert hrv_warnings(paced, no_events, analyzable_s=80.0) == [
        "the N-N intervals HRV is computed from (both beats N, after the 20% filter) cover 29% of the analyzable time: "
        "its HRV numbers describe little of the recording (paced, ectopic or unclassified beats, or irregular intervals, "
        "fill the rest)"]
