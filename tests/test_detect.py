"""The R-peak detector on synthetic signals with known beats (real records: test_recording.py)."""
import numpy as np

from heartbeat.detect import detect_r_peaks, refine_to_r_peak


def synthetic_ecg(fs, beats_s, seconds, negative=()):
    """Gaussian QRS spikes (12 ms wide) at the given times, small noise; `negative` beats point down."""
    t = np.arange(int(seconds * fs)) / fs
    sig = np.random.default_rng(0).normal(0, 0.01, len(t))
    for k, b in enumerate(beats_s):
        sign = -1 if k in negative else 1
        sig += sign * np.exp(-0.5 * ((t - b) / 0.012) ** 2)
        sig += 0.15 * np.exp(-0.5 * ((t - b - 0.25) / 0.06) ** 2)  # a T wave
    return sig


def test_finds_every_beat_on_the_peak():
    fs = 360
    beats = np.cumsum(np.r_[0.5, np.tile([0.8, 0.7, 0.9], 10)])  # irregular, 60-86 bpm
    found = detect_r_peaks(synthetic_ecg(fs, beats, beats[-1] + 1), fs)
    assert len(found) == len(beats)
    assert np.abs(found / fs - beats).max() <= 1.5 / fs


def test_negative_qrs_is_marked_at_its_trough():
    fs = 360
    beats = np.arange(1, 20) * 0.8
    sig = synthetic_ecg(fs, beats, 17, negative={5})
    found = refine_to_r_peak(sig, fs, np.round(beats * fs).astype(int) + 10)
    assert np.abs(found / fs - beats).max() <= 1.5 / fs


def test_flutter_waves_are_not_beats():
    fs = 360
    t = np.arange(30 * fs) / fs
    beats = np.r_[np.arange(0.5, 10, 0.8), np.arange(21, 29.5, 0.8)]
    sig = synthetic_ecg(fs, beats, 30)
    flutter = (t >= 12) & (t < 20)
    sig[flutter] += np.sin(2 * np.pi * 4.5 * t[flutter])  # ventricular flutter: a 270 bpm sine wave
    found = detect_r_peaks(sig, fs) / fs
    assert not ((found > 12.5) & (found < 19.5)).any()      # no "beats" inside the flutter
    outside = found[(found < 10) | (found > 20.5)]
    assert len(outside) == len(beats) and np.abs(outside - beats).max() <= 1.5 / fs  # every beat around it found


def test_fast_real_beats_are_kept():
    fs = 360
    beats = np.arange(0.5, 20, 0.33)  # 180 bpm, sharp QRS: a tachycardia, not flutter
    found = detect_r_peaks(synthetic_ecg(fs, beats, 20.5), fs)
    assert len(found) == len(beats)


def test_steepest_slope_is_taken_within_75_ms_of_each_peak_up_to_the_signal_ends():
    """_max_slope (a sliding-window maximum) against its definition, with peaks at and near both ends."""
    from heartbeat.detect import _max_slope

    fs = 360
    band = np.random.default_rng(1).normal(size=2000).cumsum()
    half = int(round(0.075 * fs))
    for first, size in ((700 + half, 50), (1000 + half - 1, 60), (1300 - half - 1, 70), (1600 - half, 80)):
        band[first + 1:] += size  # one large step just outside or just inside a peak's window
    peaks = np.array([0, 1, half - 1, half, 700, 1000, 1300, 1600, 1999 - half, 1998, 1999])
    expected = [np.abs(np.diff(band[max(p - half, 0):p + half + 1])).max() for p in peaks]
    assert np.array_equal(_max_slope(band, fs, peaks), expected)
