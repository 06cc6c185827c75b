"""The report's rhythm rules on small hand-made beat sequences (logic only: the report on real records is in
test_report.py)."""
import numpy as np
import pytest

from conftest import MITDB, beat_times, beats, needs_mitdb
from heartbeat import CLASSES
from heartbeat.database import aami_labels, rhythm_spans
from heartbeat.events import Beats, Rules, all_events, heart_rate, heart_rate_series, nn_intervals
from heartbeat.hrv import hrv

RULES = Rules()


def test_isolated_couplets_and_runs():
    v, s, events = all_events(beats("NNVNVVNVVVNVVVVVN"), RULES)
    assert (v["isolated"], v["couplets"], v["runs"], v["longest_run_beats"]) == (1, 1, 2, 5)
    assert v["fastest_run_bpm"] == 75.0 and v["fast_runs"] == 0 and v["slow_runs"] == 2  # 0.8 s apart: idioventricular
    assert v["burden_pct"] == pytest.approx(100 * 11 / 17, abs=1e-3)
    assert list(events["type"]) == ["V couplet", "V run", "V run"]
    assert list(events["beats"]) == [2, 3, 5]
    assert s["runs"] == 0 and s["burden_pct"] == 0


def test_fast_runs_and_supraventricular():
    v, s, _ = all_events(beats("NSSSSNNVVVN", rr=0.5), RULES)  # 120 bpm
    assert s["runs"] == 1 and s["fast_runs"] == 1 and s["longest_run_beats"] == 4 and s["fastest_run_bpm"] == 120
    assert v["runs"] == 1 and v["fast_runs"] == 1 and v["sustained_runs"] == 0
    # 61 V beats 0.5 s apart last 30 s: sustained VT; 60 last 29.5 s: non-sustained
    for n, sustained in ((61, 1), (60, 0)):
        v, _, _ = all_events(beats("NN" + "V" * n + "NN", rr=0.5), RULES)
        assert (v["fast_runs"], v["sustained_runs"]) == (1, sustained)
    slower = Rules(fast_run_bpm=130)
    s = all_events(beats("NSSSSNNVVVN", rr=0.5), slower)[1]
    assert (s["fast_runs"], s["slow_runs"]) == (0, 1)
    assert all_events(beats("NSSSSNNVVVN", rr=0.5), RULES)[1]["slow_runs"] == 0


def test_bigeminy_and_trigeminy():
    v, _, events = all_events(beats("NVNVNVNVNN"), RULES)
    assert v["bigeminy_episodes"] == 1 and v["trigeminy_episodes"] == 0 and v["isolated"] == 4
    episode = events[events["type"] == "V bigeminy"].iloc[0]
    assert episode["beats"] == 7 and episode["start_s"] == pytest.approx(0.8)
    assert all_events(beats("NVNVNNNN"), RULES)[0]["bigeminy_episodes"] == 0  # 2 cycles: too few
    assert all_events(beats("NVNVNNNN"), Rules(pattern_min_cycles=2))[0]["bigeminy_episodes"] == 1
    v, _, _ = all_events(beats("NNVNNVNNVNNVN"), RULES)
    assert v["trigeminy_episodes"] == 1 and v["bigeminy_episodes"] == 0
    # the beat between two ectopic ones must be normal: an S breaks the pattern
    assert all_events(beats("NVSVNVNV"), RULES)[0]["bigeminy_episodes"] == 1  # V N V N V only after the S


def test_nothing_joins_across_segments():
    b = beats("NVVVN", segment=[0, 0, 0, 1, 1])
    v, _, _ = all_events(b, RULES)
    assert (v["couplets"], v["runs"], v["isolated"]) == (1, 0, 1)
    # a long interval that spans excluded time is no pause
    times = [0, 1, 2, 10, 11, 12]
    _, _, events = all_events(beats("NNNNNN", times=times, segment=[0, 0, 0, 1, 1, 1]), RULES)
    assert (events["type"] == "pause").sum() == 0
    _, _, events = all_events(beats("NNNNNN", times=times), RULES)
    assert list(events["type"]) == ["pause"] and events["start_s"][0] == 2 and events["end_s"][0] == 10


def test_pause_threshold():
    times = [0, 1, 2.99, 3.99, 5.98, 6.98]  # intervals 1, 1.99, 1, 1.99, 1
    assert len(all_events(beats("NNNNNN", times=times), RULES)[2]) == 0
    assert len(all_events(beats("NNNNNN", times=times), Rules(pause_s=1.5))[2]) == 2


def rate(b):
    return heart_rate(b, heart_rate_series(b, RULES))


def test_heart_rate():
    hr = rate(beats("N" * 30, rr=1.0))
    assert hr["min_bpm"] == hr["mean_bpm"] == hr["max_bpm"] == 60.0
    times = np.r_[np.arange(20) * 1.0, 19 + np.arange(1, 21) * 0.5]  # 60 bpm, then 120 bpm
    hr = rate(beats("N" * 40, times=times))
    assert hr["min_bpm"] == 60.0 and hr["max_bpm"] == 120.0 and hr["max_at_s"] >= 19 + 8 * 0.5
    few = rate(beats("NNN"))  # fewer intervals than the min / max average needs; the mean still is one
    assert few["min_bpm"] is None and few["max_bpm"] is None and few["mean_bpm"] == 75.0


def test_an_interval_shorter_than_the_refractory_period_is_no_heart_rate():
    times = np.sort(np.r_[np.arange(40) * 1.0, 20.15])  # 60 bpm and one wave read as a beat 0.15 s after one
    series = heart_rate_series(beats("N" * 41, times=times), RULES)
    assert series["bpm"].max() < 61.2  # not 8 intervals in 7 s (68.6 bpm); 0.85 s + 7 x 1 s is one
    assert len(series) == 40 - RULES.hr_average_beats - 7  # the 8 windows holding the 0.15-s interval
    times = np.r_[np.arange(20) * 1.0, 19 + np.arange(1, 21) * 0.2]  # 300 bpm: still a rate, if VF / flutter is not
    assert rate(beats("N" * 40, times=times))["max_bpm"] == 300.0


def test_salvos_when_runs_start_later():
    v, _, events = all_events(beats("NVVVNVVNVVVVN"), Rules(run_min_beats=4))
    assert (v["couplets"], v["salvos"], v["runs"], v["longest_run_beats"]) == (1, 1, 1, 4)
    assert list(events["type"]) == ["V salvo", "V couplet", "V run"]
    assert all_events(beats("NVVVNVVNVVVVN"), RULES)[0]["salvos"] == 0


@pytest.mark.parametrize("bad, message", [
    (dict(pause_s=float("nan")), "pause-s must be a number > 0, got nan"),
    (dict(pause_s=0.0), "pause-s must be a number > 0"),
    (dict(run_min_beats=2), "run-min-beats must be a number >= 3"),
    (dict(fast_run_bpm=float("inf")), "fast-run-bpm must be a number > 0, got inf"),
    (dict(af_min_s=10.0), "af-min-s must be a number >= 30, got 10.0"),  # the pipeline marks 30 s and more
    (dict(brady_bpm=110.0), r"brady-bpm \(110\) must be below --tachy-bpm \(100\)"),
    (dict(rate_min_s=0.0), "rate-min-s must be a number > 0"),
])
def test_rules_refuse_nonsense(bad, message):
    with pytest.raises(ValueError, match=message):
        Rules(**bad)


def test_hrv_uses_normal_to_normal_intervals_only():
    rng = np.random.default_rng(0)
    rr = 0.8 + 0.05 * rng.standard_normal(400)
    times = np.r_[0, np.cumsum(rr)]
    classes = np.array(["N"] * len(times))
    classes[100] = "V"  # the intervals into and out of it are not N-N
    b = beats(classes, times=times)
    _, nn, adjacent = nn_intervals(b)
    expected = np.delete(rr, [99, 100])
    np.testing.assert_allclose(nn, expected)
    out = hrv(b, Rules(nn_filter_pct=0))  # every N-N interval (the filter: tests/test_hrv.py)
    assert out["sdnn_ms"] == pytest.approx(1000 * expected.std(ddof=1), abs=0.05)
    diffs = np.r_[np.diff(rr[:99]), np.diff(rr[101:])]  # successive differences never bridge the V beat
    assert out["rmssd_ms"] == pytest.approx(1000 * np.sqrt(np.mean(diffs ** 2)), abs=0.05)
    assert out["pnn50_pct"] == pytest.approx(100 * np.mean(np.abs(diffs) > 0.05), abs=0.01)
    assert out["sdann_ms"] is not None  # 320 s: two 5-min windows


@needs_mitdb
def test_bradycardia_and_tachycardia_on_mitbih_reference_beats():
    """231: 2:1 AV block (rhythm marks '(BII') halves the ventricular rate; 215: about 110 bpm throughout;
    100: sinus rhythm at 60-100 bpm."""
    import wfdb

    def episodes(record, kind):
        ann = wfdb.rdann(str(MITDB / record), "atr")
        labels = aami_labels(ann.symbol)
        times = ann.sample[labels >= 0] / ann.fs
        _, _, events = all_events(Beats(times, np.asarray(CLASSES)[labels[labels >= 0]],
                                        np.zeros(len(times), dtype=np.int64)), RULES)
        rows = events[events["type"] == kind]
        return list(zip(rows["start_s"], rows["end_s"])), ann.fs, times[-1]

    slow, fs, end = episodes("231", "bradycardia")
    block = rhythm_spans(MITDB / "231", fs, end, rhythm="(BII")
    inside = sum(max(0.0, min(b, d) - max(a, c)) for a, b in slow for c, d in block)
    assert inside > 0.95 * sum(d - c for c, d in block) and inside > 0.85 * sum(b - a for a, b in slow)
    fast, _, end = episodes("215", "tachycardia")
    assert sum(b - a for a, b in fast) > 0.95 * end
    assert episodes("100", "bradycardia")[0] == [] and episodes("100", "tachycardia")[0] == []


def test_sustained_bradycardia_and_tachycardia_are_episodes_of_the_averaged_rate():
    """70 bpm, then 40 s at 40 bpm, 70 bpm, 20 s at 130 bpm (too short for the 30-s rule), 70 bpm, 60 s at 130 bpm;
    a segment break inside the slow stretch splits it into two too-short pieces."""
    rr = np.r_[[60 / 70] * 60, [60 / 40] * 27, [60 / 70] * 60, [60 / 130] * 43, [60 / 70] * 60, [60 / 130] * 130,
               [60 / 70] * 30]
    times = beat_times(rr)
    _, _, events = all_events(beats("N" * len(times), times=times), RULES)
    slow, fast = events[events["type"] == "bradycardia"], events[events["type"] == "tachycardia"]
    assert len(slow) == 1 and len(fast) == 1
    # an episode runs from the first beat of the first averaging window under the line to the last beat under it:
    # the 8-interval average blurs each edge by up to 4 beats
    assert times[56] <= slow["start_s"].iloc[0] <= times[60] and times[87] <= slow["end_s"].iloc[0] <= times[91]
    assert slow["rate_bpm"].iloc[0] == pytest.approx(40, abs=4)
    assert times[246] <= fast["start_s"].iloc[0] <= times[250] and fast["rate_bpm"].iloc[0] == pytest.approx(130, abs=5)
    assert len(all_events(beats("N" * len(times), times=times), Rules(rate_min_s=15))[2]
               .query("type == 'tachycardia'")) == 2  # the 20-s stretch counts under a 15-s rule
    segment = (np.arange(len(times)) >= 74).astype(np.int64)  # excluded time in the middle of the slow stretch
    _, _, split = all_events(beats("N" * len(times), times=times, segment=segment), RULES)
    assert (split["type"] == "bradycardia").sum() == 0
    # a premature beat and its pause lift a few averages over the line: the windows still under it overlap, so
    # the slow stretch stays one episode (no time counted twice)
    times = beat_times(np.r_[[1.25] * 40, 0.8, 1.4, [1.25] * 40])
    _, _, events = all_events(beats("N" * len(times), times=times), RULES)
    assert events[["type", "start_s", "end_s"]].values.tolist() == [["bradycardia", 0.0, times[-1]]]


@pytest.mark.parametrize("between_s, episodes", [(10.0, 1), (60.0, 2)])
def test_tachycardia_interrupted_for_less_than_30_s_is_one_episode(between_s, episodes):
    """120 bpm for 60 s, 75 bpm for `between_s`, 120 bpm for 60 s: an interruption shorter than the shortest episode
    counted (rate_min_s, 30 s) does not end the episode."""
    rr = np.r_[np.full(120, 0.5), np.full(int(between_s / 0.8), 0.8), np.full(120, 0.5)]
    b = beats("N" * (len(rr) + 1), times=beat_times(rr))
    rows = [r for r in all_events(b, RULES)[2].itertuples() if r.type == "tachycardia"]
    assert len(rows) == episodes
    assert rows[0].start_s < 5 and rows[-1].end_s > beat_times(rr)[-1] - 5
