"""R-peak detection: a Pan-Tompkins style detector (band-pass, slope energy, adaptive thresholds,
refractory period, search-back), then each detection moved to the R peak the way MIT-BIH's
cardiologists placed their annotations, because beats must start where training beats start, and
checked by a small learned model (verify.py) that drops detections of noise.
"""
from typing import NamedTuple

import numpy as np
from scipy import signal as sps

from .quality import runs
from .verify import verified

REFRACTORY_S = 0.2     # no second QRS within 200 ms
THRESHOLD = 0.25       # a beat rises above the noise level by this fraction of the signal-noise gap
T_WAVE_S = 0.36        # a candidate this soon after a beat must show QRS-like slope, or it is a T wave
SEARCHBACK_RR = 1.5    # no beat for 1.5 x the mean R-R: look again ...
SEARCHBACK_THR = 0.35  # ... with this fraction of the threshold
SEARCHBACK_MAX_S = 1.8  # ... and always after this long, a gap that would otherwise read as a 2 s pause
P_WAVE_RATIO = 0.35    # of two detections closer than T_WAVE_S, the first is a P wave under this energy ratio,
T_WAVE_RATIO = 0.25    # the second a T wave under this one
INTEGRATION_S = 0.15   # moving-window integration, about one QRS wide
REFINE_S = 0.1         # the R peak is searched within this distance of a detection
FLUTTER_RR_S = 0.6     # a run of FLUTTER_RUN intervals shorter than this, before each of which
FLUTTER_RUN = 4        # the QRS energy never fell below FLUTTER_FLOOR of the next peak,
FLUTTER_FLOOR = 0.1    # is flutter or fibrillation: waves, not beats ...
FLUTTER_SINE = 3.0     # ... if its waves are no steeper than this many times a sine wave of their rate and size


def _bandpass(sig, fs, lo, hi, order=2):
    sos = sps.butter(order, [lo, min(hi, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, sig)  # zero phase: peaks stay where they are


def shape_band(sig, fs):
    """The 0.5-40 Hz band: baseline wander and mains noise out, the QRS shape kept."""
    return _bandpass(sig, fs, 0.5, 40.0)


def qrs_energy(sig, fs):
    """(n,) signal -> (n,) moving-window-integrated squared slope of the 5-15 Hz band, and that band."""
    band = _bandpass(sig, fs, 5.0, 15.0)
    slope = np.gradient(band) * fs
    width = max(1, int(round(INTEGRATION_S * fs)))
    energy = np.convolve(slope ** 2, np.ones(width) / width, mode="same")
    return energy, band


def _max_slope(band, fs, peaks):
    """Steepest sample-to-sample change of the QRS band within 75 ms of each peak."""
    half = int(round(0.075 * fs))
    steps = np.abs(np.diff(band))
    # zeros around the steps change no maximum; window k covers steps[p - half : p + half], clipped at both ends
    padded = np.concatenate([np.zeros(half), steps, np.zeros(half + 1)])
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * half)[np.asarray(peaks)].max(axis=1, initial=0)


def _thresholded_peaks(energy, band, fs):
    """The adaptive-threshold decision of Pan & Tompkins 1985 over local maxima of the energy.

    A signal level (spk) and a noise level (npk) follow the heights of accepted and rejected
    candidates; a candidate is a beat above npk + THRESHOLD (spk - npk), unless it is a T wave. When no beat
    came for SEARCHBACK_RR x the mean R-R, the gap is searched again at SEARCHBACK_THR x the threshold,
    as often as needed.
    """
    cand, _ = sps.find_peaks(energy, distance=max(1, int(REFRACTORY_S * fs)))
    if len(cand) == 0:
        return cand
    heights = energy[cand]
    slopes = _max_slope(band, fs, cand)
    first = heights[cand < 2 * fs]  # the first 2 s set the starting levels
    spk = 0.25 * (first.max() if len(first) else heights.max())
    npk = 0.125 * (np.mean(first) if len(first) else np.mean(heights))
    beats, rr = [], []  # accepted candidate indices; recent R-R intervals (samples)

    def accept(weight, h):
        # clipped at 3 x the level, so that one artifact cannot lift the threshold over the next beats
        nonlocal spk
        spk = weight * min(h, 3 * spk) + (1 - weight) * spk

    def is_t_wave(j, prev):
        return cand[j] - cand[prev] < T_WAVE_S * fs and slopes[j] < 0.5 * slopes[prev]

    def searchback_after():  # called for every candidate: sum / len, not np.mean, which is ten times slower
        return min(SEARCHBACK_RR * (sum(rr) / len(rr)), SEARCHBACK_MAX_S * fs)

    def search_back(a, b, thr):
        """Best candidate strictly between beats a and b above thr; recurse into what is left of the gap."""
        inside = [j for j in range(a + 1, b) if heights[j] > thr and not is_t_wave(j, a)]
        if not inside:
            return []
        j = max(inside, key=lambda k: heights[k])
        limit = searchback_after()
        left = search_back(a, j, thr) if cand[j] - cand[a] > limit else []
        right = search_back(j, b, thr) if b < len(cand) and cand[b] - cand[j] > limit else []
        return left + [j] + right

    for i in range(len(cand)):
        thr = npk + THRESHOLD * (spk - npk)
        if len(rr) >= 2 and cand[i] - cand[beats[-1]] > searchback_after():
            for j in search_back(beats[-1], i, SEARCHBACK_THR * thr):
                rr = (rr + [cand[j] - cand[beats[-1]]])[-8:]
                beats.append(j)
                accept(0.25, heights[j])
            thr = npk + THRESHOLD * (spk - npk)
        if heights[i] > thr and not (beats and is_t_wave(i, beats[-1])):
            if beats:
                rr = (rr + [cand[i] - cand[beats[-1]]])[-8:]
            beats.append(i)
            accept(0.125, heights[i])
        else:
            npk = 0.125 * heights[i] + 0.875 * npk
    return cand[np.asarray(beats, dtype=np.int64)]


def refine_to_r_peak(sig, fs, peaks, wide=None):
    """Move each detection onto the QRS's main peak (0.5-40 Hz band of sig, or `wide` if given: that band,
    already filtered; within +-REFINE_S).

    The training beats start exactly at MIT-BIH's annotation: the R peak, or the trough of a QRS
    that is mostly negative. So: the highest point, unless the lowest is more than twice as deep.
    Always the largest deflection is worse: in paced beats a deep S wave outweighs the R peak and
    cutting there cost the shipped model most of its paced-beat recall (bench/eval_records.py).
    """
    if wide is None:
        wide = shape_band(sig, fs)
    half = int(round(REFINE_S * fs))
    out = np.empty_like(peaks)
    for k, p in enumerate(peaks):
        lo, hi = max(p - half, 0), min(p + half + 1, len(wide))
        w = wide[lo:hi]
        top, bottom = np.argmax(w), np.argmin(w)
        out[k] = lo + (top if w[top] >= -0.5 * w[bottom] else bottom)
    return np.unique(out)


def _drop_p_and_t_waves(peaks, energy, fs):
    """Of two detections closer than T_WAVE_S, drop the weak one: a tall P wave before its QRS
    (under P_WAVE_RATIO of the next one's energy) or a T wave after it (under T_WAVE_RATIO)."""
    keep = np.ones(len(peaks), dtype=bool)
    e = energy[peaks]
    for k in range(1, len(peaks)):
        if peaks[k] - peaks[k - 1] < T_WAVE_S * fs:
            if e[k] < T_WAVE_RATIO * e[k - 1]:
                keep[k] = False
            elif e[k - 1] < P_WAVE_RATIO * e[k]:
                keep[k - 1] = False
    return peaks[keep]


def _sine_ratio(wide, peaks):
    """How much steeper than a sine wave the signal is between consecutive peaks: the steepest slope times the
    interval over pi times the peak-to-peak size (a sine of that period and size scores 1)."""
    out = []
    for p, q in zip(peaks[:-1], peaks[1:]):
        w = wide[p:q + 1]
        out.append(np.abs(np.diff(w)).max() * (q - p) / (np.pi * max(w.max() - w.min(), 1e-12)))
    return np.median(out) if out else 0.0


def _drop_flutter(peaks, energy, wide, fs):
    """(peaks without the runs of detections that are flutter or fibrillation waves, not beats;
    (first, last) sample of each dropped run).

    Between two beats the QRS energy falls back to nearly nothing; between the waves of ventricular
    flutter it does not (MIT-BIH marks those as '!' waves, not beats). A run of FLUTTER_RUN or more
    intervals under FLUTTER_RR_S, each without that fall (floor > FLUTTER_FLOOR of the next peak's
    energy, in the 150 ms that end 83 ms before it), is dropped with the detection that opens it, if its
    waves are sinusoidal, as flutter waves are: a fast ventricular tachycardia has no fall either, but its
    QRS edges are steep (`wide`: the signal's shape_band; the median over the run's waves of _sine_ratio at most
    FLUTTER_SINE. On MIT-BIH, 207's flutter runs score 1.3-2.5; 205's tachycardia 3.6-3.9).
    """
    width, gap = int(0.15 * fs), int(0.083 * fs)
    floor = np.array([energy[max(p - gap - width, 0):max(p - gap, 1)].min() / max(energy[p], 1e-12)
                      for p in peaks])
    wave = np.r_[False, (np.diff(peaks) < FLUTTER_RR_S * fs) & (floor[1:] > FLUTTER_FLOOR)]
    drop = np.zeros(len(peaks), dtype=bool)
    start = None
    for k, is_wave in enumerate(np.r_[wave, False]):
        if is_wave and start is None:
            start = k
        elif not is_wave and start is not None:
            if k - start >= FLUTTER_RUN and _sine_ratio(wide, peaks[start - 1:k]) <= FLUTTER_SINE:
                drop[start - 1:k] = True
            start = None
    return peaks[~drop], [(peaks[a], peaks[b - 1]) for a, b in zip(*runs(drop))]


class EnergyDetection(NamedTuple):
    """What the energy detector found in a signal, before the learned check, and the bands it read."""
    peaks: np.ndarray   # (n,) R peaks (sorted, unique)
    flutter: list       # (first, last) sample of each flutter / fibrillation episode
    energy: np.ndarray  # qrs_energy of the signal (read by quality's noise rule too)
    wide: np.ndarray    # shape_band of the signal (read by the learned check too)


def energy_detection(sig, fs):
    """The energy detector alone on a single-lead ECG `sig` sampled at `fs` Hz."""
    sig = np.asarray(sig, dtype=np.float64)
    energy, band = qrs_energy(sig, fs)
    wide = shape_band(sig, fs)  # read by the flutter rule, the R-peak refinement and the check
    peaks = _thresholded_peaks(energy, band, fs)
    peaks, flutter = _drop_flutter(_drop_p_and_t_waves(peaks, energy, fs), energy, wide, fs)
    if len(peaks):
        peaks = refine_to_r_peak(sig, fs, peaks, wide)
    return EnergyDetection(peaks, flutter, energy, wide)


def detect_beats(sig, fs, verify=True):
    """(R-peak sample positions (sorted, unique), [(first, last) sample of each flutter / fibrillation
    episode]) of a single-lead ECG `sig` sampled at `fs` Hz. An episode's waves are no beats, and the
    R-R interval across it is no interval. verify=False leaves out the learned check (verify.py) that
    drops detections of noise: the energy detector alone."""
    found = energy_detection(sig, fs)
    return (verified(found.wide, fs, found.peaks) if verify else found.peaks), found.flutter


def detect_r_peaks(sig, fs, verify=True):
    """R-peak sample positions (sorted, unique) of a single-lead ECG `sig` sampled at `fs` Hz."""
    return detect_beats(sig, fs, verify)[0]
