"""Atrial fibrillation from irregular N-N intervals (events.af_events) on hand-made beat sequences and on MIT-BIH's
reference beats."""
import numpy as np
import pytest

from conftest import MITDB, beat_times, beats, needs_mitdb
from heartbeat import CLASSES
from heartbeat.database import aami_labels, rhythm_spans
from heartbeat.events import Beats, Rules, af_events

RULES = Rules()


def test_atrial_fibrillation_is_an_irregular_stretch_of_normal_beats():
    rng = np.random.default_rng(1)
    regular = 0.8 + 0.01 * rng.standard_normal(300)      # sinus rhythm: successive steps of ~1% of the interval
    irregular = rng.uniform(0.4, 1.0, 200)                # AF: independent intervals, 140 s of them
    times = beat_times(np.r_[regular[:150], irregular, regular[150:]])
    rows = af_events(beats("N" * len(times), times=times), RULES)
    assert len(rows) == 1
    _, start, end, n, _ = rows[0]
    assert abs(start - times[150]) < 10 and abs(end - times[350]) < 10  # the window blurs the edges by a few beats
    assert n > 180
    # shorter than the rule's minimum: no episode; a clinic's longer rule keeps out what the 30-s rule finds
    assert af_events(beats("N" * len(times), times=times), Rules(af_min_s=200)) == []
    short = beat_times(np.r_[regular[:150], irregular[:30], regular[150:]])  # 21 s of AF
    assert af_events(beats("N" * len(short), times=short), RULES) == []


def test_ectopic_beats_do_not_make_a_sinus_rhythm_fibrillate():
    # bigeminy and frequent couplets: very irregular R-R, but no N-N interval touches an ectopic beat
    classes = "NV" * 150 + "NNVV" * 60
    rr = [0.5 if c == "V" else 1.0 for c in classes[1:]]  # premature, then the compensatory pause
    b = beats(classes, times=beat_times(rr))
    assert af_events(b, RULES) == []
    # the same beats all called N (a model that missed every V) read as fibrillation: the classes matter
    assert len(af_events(beats("N" * len(classes), times=beat_times(rr)), RULES)) == 1
    # a lone early beat the model missed: two odd intervals among thirty do not move the medians
    rr = np.full(400, 0.8)
    rr[200], rr[201] = 0.45, 1.15
    assert af_events(beats("N" * 401, times=beat_times(rr)), RULES) == []


@pytest.mark.parametrize("gap_s, episodes", [(60.0, 2), (5.0, 1)])
def test_atrial_fibrillation_across_excluded_time(gap_s, episodes):
    """AF on both sides of excluded time: a gap of af_min_s (30 s) or more ends the episode at it; a shorter one is
    no evidence of sinus rhythm, and the episode runs across it."""
    rng = np.random.default_rng(2)
    rr = rng.uniform(0.4, 1.0, 300)
    rr[149] = gap_s
    times = beat_times(rr)
    segment = (np.arange(len(times)) >= 150).astype(np.int64)
    rows = af_events(beats("N" * len(times), times=times, segment=segment), RULES)
    assert len(rows) == episodes
    if episodes == 2:
        assert rows[0][2] <= times[149] and rows[1][1] >= times[150]
    else:
        assert rows[0][1] < times[149] - 30 and rows[0][2] > times[150] + 30


def test_atrial_fibrillation_episodes_less_than_30_s_apart_are_one():
    rng = np.random.default_rng(3)
    regular = 0.8 + 0.01 * rng.standard_normal(300)
    irregular = rng.uniform(0.4, 1.0, 200)
    # 140 s of AF, 12 s of regular rhythm (15 intervals), 140 s of AF; then 60 s regular and 140 s of AF again
    rr = np.r_[regular[:100], irregular, regular[100:115], irregular[::-1], regular[115:190], irregular, regular[190:]]
    times = beat_times(rr)
    rows = af_events(beats("N" * len(times), times=times), RULES)
    assert len(rows) == 2 and rows[0][2] - rows[0][1] > 250
    # read back from the pipeline's marks, the same episodes, though a break (excluded time) splits the first one
    marks = np.zeros(len(times), dtype=bool)
    for _, start, end, _, _ in rows:
        marks[(times >= start) & (times <= end)] = True
    segment = (np.arange(len(times)) >= len(times) // 3).astype(np.int64)
    marked = Beats(times, np.array(["N"] * len(times)), segment, marks)
    assert [r[1:3] for r in af_events(marked, RULES)] == [r[1:3] for r in rows]


@needs_mitdb
@pytest.mark.parametrize("record, annotated", [("201", True), ("119", False)])
def test_atrial_fibrillation_on_mitbih_reference_beats(record, annotated):
    """201: three episodes of atrial fibrillation (rhythm marks '(AFIB'); 119: sinus rhythm with ventricular
    bigeminy. Both DS1 records, where the rule's constants were chosen (docs/holter-report.md)."""
    import wfdb

    ann = wfdb.rdann(str(MITDB / record), "atr")
    labels = aami_labels(ann.symbol)
    beat = labels >= 0
    times = ann.sample[beat] / ann.fs
    rows = af_events(Beats(times, np.asarray(CLASSES)[labels[beat]], np.zeros(beat.sum(), dtype=np.int64)), RULES)
    af = rhythm_spans(MITDB / record, ann.fs, times[-1])
    found = sum(max(0.0, min(b, d) - max(a, c)) for _, a, b, _, _ in rows for c, d in af)
    called = sum(b - a for _, a, b, _, _ in rows)
    if annotated:
        assert found > 0.9 * sum(d - c for c, d in af) and found > 0.85 * called
    else:
        assert called == 0


def test_a_longer_af_min_s_keeps_only_longer_episodes_both_ways():
    """Two 200-s AF stretches with 130 s of regular rhythm between: one episode each at 30 s, none at 360 s, read from
    the beats or from the pipeline's marks alike (the marks are joined at AF_JOIN_S, whatever af_min_s a report
    asks)."""
    rng = np.random.default_rng(4)
    rr = np.r_[0.8 + 0.01 * rng.standard_normal(50), rng.uniform(0.4, 1.0, 285), 0.8 + 0.01 * rng.standard_normal(160),
               rng.uniform(0.4, 1.0, 285), 0.8 + 0.01 * rng.standard_normal(50)]
    times = beat_times(rr)
    found = af_events(beats("N" * len(times), times=times), RULES)
    assert len(found) == 2
    marks = np.zeros(len(times), dtype=bool)
    for _, start, end, _, _ in found:
        marks[(times >= start) & (times <= end)] = True
    marked = Beats(times, np.array(["N"] * len(times)), np.zeros(len(times), dtype=np.int64), marks)
    for rules in (RULES, Rules(af_min_s=360)):
        assert [r[1:3] for r in af_events(marked, rules)] == [r[1:3] for r in af_events(beats("N" * len(times),
                                                                                               times=times), rules)]
    assert af_events(marked, Rules(af_min_s=360)) == []
