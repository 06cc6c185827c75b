"""The P-wave coherence (heartbeat/pwave.py) and its use by the pipeline's AF marks (class_rules.no_s_in_af): on
synthetic beats with and without a P wave, and on MIT-BIH's annotated fibrillation and sinus rhythm."""
import numpy as np
import pandas as pd
import pytest
import wfdb

from conftest import MITDB, needs_mitdb
from heartbeat import pwave
from heartbeat.database import rhythm_spans
from heartbeat.class_rules import no_s_in_af

FS = 360.0


def ecg(times, p_wave, n_samples, seed=0):
    """Noise (0.02 mV), a QRS spike at each beat time and a bump of p_wave mV 0.15 s before it (True: 0.1 mV)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.02, n_samples)
    t = np.arange(n_samples) / FS
    for r in times:
        x[int(r * FS)] += 1.0
        if p_wave:
            near = slice(max(int((r - 0.3) * FS), 0), int(r * FS))
            x[near] += (0.1 if p_wave is True else p_wave) * np.exp(-0.5 * ((t[near] - (r - 0.15)) / 0.02) ** 2)
    return x


def test_coherence_is_near_one_with_a_p_wave_and_near_nothing_without():
    times = np.arange(1, 200) * 0.8
    peaks = np.round(times * FS).astype(int)
    with_p, without = ecg(times, True, 170 * 360), ecg(times, False, 170 * 360)
    assert pwave.coherence(with_p, FS, peaks) > 0.8
    assert pwave.coherence(without, FS, peaks) < 0.05   # noise alone: about 1 / the number of beats
    assert np.isnan(pwave.coherence(with_p, FS, peaks[:pwave.MIN_BEATS - 1]))


def test_coherence_read_a_minute_at_a_time_is_coherence_read_whole(monkeypatch):
    """The blocks a long stretch is filtered in (with PAD_S either side) change the number by little."""
    times = np.arange(1, 400) * 0.8
    peaks = np.round(times * FS).astype(int)
    x = ecg(times, True, 330 * 360, seed=1) + np.sin(np.arange(330 * 360) / FS * 2 * np.pi * 0.2)  # wander too
    blocked = pwave.coherence(x, FS, peaks)
    monkeypatch.setattr(pwave, "BLOCK_S", 1e6)
    assert blocked == pytest.approx(pwave.coherence(x, FS, peaks), rel=1e-6)


def test_a_short_gap_is_read_as_the_pipeline_reads_it_not_as_zeros():
    """A signal riding on 2 mV (12-bit counts, say) with 30 ms missing before one beat: the gap is interpolated, so
    the number is as without it (zeros would make a 2-mV spike that swamps every P wave)."""
    times = np.arange(1, 60) * 0.8
    peaks = np.round(times * FS).astype(int)
    x = ecg(times, True, 50 * 360) + 2.0
    gappy = x.copy()
    gappy[peaks[20] - 60:peaks[20] - 49] = np.nan
    assert pwave.coherence(gappy, FS, peaks) == pytest.approx(pwave.coherence(x, FS, peaks), abs=0.02)


def af_table(seed=3):
    rng = np.random.default_rng(seed)
    rr = np.r_[np.full(100, 0.8), rng.uniform(0.4, 1.0, 200), np.full(100, 0.8)]  # irregular from about 80 s to 220 s
    times = np.r_[0.5, 0.5 + np.cumsum(rr)]
    classes = np.array(["N"] * len(times), dtype=object)
    early = [50, 150, 160, 170, 250, 350]  # S calls: in the regular rhythm (50, 350) and inside the irregular one
    classes[early] = "S"
    table = pd.DataFrame({"sample": np.round(times * FS).astype(int), "time_s": times, "segment": 0,
                          "class": classes, "class_index": [1 if c == "S" else 0 for c in classes],
                          "p_S": rng.uniform(0.5, 1.0, len(times))})
    return table, early, int((times[-1] + 2) * FS)


def test_irregular_beats_with_a_p_wave_before_each_are_no_fibrillation():
    """The same irregular stretch: without P waves it is marked AF and its S calls become N; with a P wave before
    every beat (sinus rhythm with premature beats) it is not, and its S calls stay."""
    table, early, n = af_table()
    times = table["time_s"].to_numpy()
    fibrillation = no_s_in_af(table.copy(), ecg(times, False, n), FS)
    assert fibrillation["af"][150] and list(fibrillation["class"][early]) == ["S", "N", "N", "N", "N", "S"]
    sinus = no_s_in_af(table.copy(), ecg(times, True, n), FS)
    assert not sinus["af"].any() and list(sinus["class"][early]) == ["S"] * 6
    # only beats called N after a beat called N are read: before a premature beat (every sixth beat from 105 on is
    # called S here) lies the T wave of the beat before it, large and wherever its prematurity puts it; read, those
    # segments would swamp the sinus P waves (coherence about .06 instead of .95)
    ectopic, premature = table.copy(), list(range(105, 296, 6))
    ectopic.loc[premature, ["class", "class_index"]] = ["S", 1]
    assert no_s_in_af(ectopic.copy(), ecg(times, False, n), FS)["af"][150]  # without P waves: AF
    x, rng = ecg(times, True, n), np.random.default_rng(5)
    for r in times[premature]:
        near = slice(int((r - 0.3) * FS), int(r * FS))
        t_wave = r - rng.uniform(0.08, 0.27)
        x[near] += 2.0 * np.exp(-0.5 * ((np.arange(near.start, near.stop) / FS - t_wave) / 0.04) ** 2)
    assert not no_s_in_af(ectopic, x, FS)["af"].any()
    # the line is COHERENT (0.3, set on MIT-BIH DS1): a P wave half the noise's size reads about .17 and stays AF, one
    # as large as the noise about .46 and does not
    assert no_s_in_af(table.copy(), ecg(times, 0.01, n), FS)["af"][150]
    assert not no_s_in_af(table.copy(), ecg(times, 0.02, n), FS)["af"].any()


@needs_mitdb
def test_201s_fibrillation_has_no_coherent_p_wave_and_its_sinus_rhythm_has():
    """MIT-BIH 201, lead MLII, its reference N beats: inside the annotated AFIB under COHERENT, in its annotated
    normal rhythm at or above it."""
    ann = wfdb.rdann(str(MITDB / "201"), "atr")
    signal = wfdb.rdrecord(str(MITDB / "201"), channels=[0]).p_signal[:, 0]
    n_beats = ann.sample[np.asarray(ann.symbol) == "N"]

    def inside(rhythm):
        spans = rhythm_spans(MITDB / "201", FS, len(signal) / FS, rhythm)
        return n_beats[np.any([(n_beats >= a * FS) & (n_beats < b * FS) for a, b in spans], axis=0)]

    assert pwave.coherence(signal, FS, inside("(AFIB")) < pwave.COHERENT <= pwave.coherence(signal, FS, inside("(N"))
