"""Frequency-domain HRV (heartbeat/hrv.py): a known modulation lands in its band with its power, holes leave their
window out, and on a real record the two bands hold no more than the intervals' variance."""
import numpy as np
import pytest

from conftest import MITDB, needs_mitdb
from heartbeat.events import Beats, Rules, nn_intervals
from heartbeat.hrv import HF_HZ, LF_HZ, SPECTRUM_S, filtered_nn_intervals, hrv, spectral_windows
from heartbeat.sources import read_wfdb

AMPLITUDE_S = 0.030  # R-R modulation of +-30 ms: a power of 30² / 2 = 450 ms²


def modulated(freq_hz, seconds=1200.0):
    """Normal beats whose R-R interval is 0.8 s + 30 ms sin(2 pi f t)."""
    t, times = 0.0, [0.0]
    while t < seconds:
        t += 0.8 + AMPLITUDE_S * np.sin(2 * np.pi * freq_hz * t)
        times.append(t)
    times = np.array(times)
    return Beats(times, np.array(["N"] * len(times)), np.zeros(len(times), dtype=np.int64))


@pytest.mark.parametrize("freq_hz, band", [(0.1, "lf_ms2"), (0.25, "hf_ms2")])
def test_a_modulation_lands_in_its_band_with_its_power(freq_hz, band):
    out = hrv(modulated(freq_hz), Rules())
    other = "hf_ms2" if band == "lf_ms2" else "lf_ms2"
    power = 1e6 * AMPLITUDE_S ** 2 / 2
    assert out[band] == pytest.approx(power, rel=0.03)
    assert out[other] < 0.01 * power
    assert out["spectral_windows"] == 4  # 1,200 s: four whole 5-minute windows
    assert LF_HZ[0] < freq_hz < HF_HZ[1]


def test_a_window_with_a_hole_is_left_out():
    b = modulated(0.1)
    hole = (b.times > 400) & (b.times < 460)  # a minute of excluded time inside the second window
    b.segment = np.cumsum(np.r_[0, np.diff(hole.astype(int)) != 0])
    b.times, b.classes, b.segment = b.times[~hole], b.classes[~hole], b.segment[~hole]
    out = hrv(b, Rules())
    assert out["spectral_windows"] == 3
    assert out["lf_ms2"] == pytest.approx(1e6 * AMPLITUDE_S ** 2 / 2, rel=0.03)


def test_the_filter_drops_intervals_far_off_the_one_before():
    rr = np.full(301, 0.8)
    rr[100] = 0.55  # an S beat read as N: its short interval (31% off) and its pause (73% off the short one) go;
    rr[101] = 0.95  # the 0.8 after the pause (16% off) stays
    rr[200] = 0.9   # 12.5% off: kept
    times = np.r_[0, np.cumsum(rr)]
    b = Beats(times, np.array(["N"] * len(times)), np.zeros(len(times), dtype=np.int64))
    kept_times, nn, adjacent = filtered_nn_intervals(b, 20)
    near = lambda value: np.isclose(nn, value).any()  # noqa: E731
    assert len(nn) == len(rr) - 2 and not near(0.55) and not near(0.95) and near(0.9)
    assert adjacent.sum() == len(nn) - 2  # no successive difference across the hole
    assert len(filtered_nn_intervals(b, 0)[1]) == len(rr)
    filtered, every = hrv(b, Rules()), hrv(b, Rules(nn_filter_pct=0))
    assert filtered["rmssd_ms"] < every["rmssd_ms"]
    diffs = np.diff(np.delete(rr, [100, 101]))
    diffs = np.delete(diffs, 99)  # the pair that spans the hole
    assert filtered["rmssd_ms"] == pytest.approx(1000 * np.sqrt(np.mean(diffs ** 2)), abs=0.05)


def test_too_few_intervals_give_none():
    b = Beats(np.array([0.0, 0.8, 1.6]), np.array(["N", "V", "N"]), np.zeros(3, dtype=np.int64))
    out = hrv(b, Rules())
    assert out["lf_ms2"] is None and out["sdnn_ms"] is None and out["spectral_windows"] == 0


@needs_mitdb
@pytest.mark.parametrize("name", ["100", "106"])
def test_real_band_powers_stay_within_the_variance(name):
    """On a real record's reference beats (100: sinus rhythm; 106: 520 V beats, one window left), each window's LF + HF is part
    of its N-N intervals' variance (a spectrum cannot hold more power than the series has)."""
    rec = read_wfdb(MITDB / name)
    classes = np.array(["N", "S", "V", "F", "Q"])[rec.ref_labels]
    b = Beats(rec.ref_samples / rec.fs, classes, np.zeros(len(classes), dtype=np.int64))
    out = hrv(b, Rules())
    times, nn, _ = nn_intervals(b)
    windows = spectral_windows(times, nn)
    assert out["spectral_windows"] == len(windows) >= 1
    variance = np.mean([np.var(1000 * nn[w]) for w in windows])
    assert 0 < out["lf_ms2"] and 0 < out["hf_ms2"]
    assert out["lf_ms2"] + out["hf_ms2"] <= variance
    assert len(windows) <= (b.times[-1] // SPECTRUM_S) + 1
