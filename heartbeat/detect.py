"""R-peak detection: a Pan-Tompkins style detector (band-pass, slope energy, adaptive thresholds,
refractory period, search-back), then each detection moved to the R peak the way MIT-BIH's
cardiologists placed their annotations, because beats must start where training beats start.
"""
import numpy as np
from scipy import signal as sps

REFRACTORY_S = 0.2     # no second QRS within 200 ms
T_WAVE_S = 0.36        # a candidate this soon after a beat must show QRS-like slope, or it is a T wave
SEARCHBACK_RR = 1.66   # no beat for 1.66 x the mean R-R: look again with half the threshold
INTEGRATION_S = 0.15   # moving-window integration, about one QRS wide
REFINE_S = 0.1         # the R peak is searched within this distance of a detection


def _bandpass(sig, fs, lo, hi, order=2):
    sos = sps.butter(order, [lo, min(hi, 0.45 * fs)], btype="bandpass", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, sig)  # zero phase: peaks stay where they are


def qrs_energy(sig, fs):
    """(n,) signal -> (n,) moving-window-integrated squared slope of the 5-15 Hz band, and that band."""
    band = _bandpass(sig, fs, 5.0, 15.0)
    slope = np.gradient(band) * fs
    width = max(1, int(round(INTEGRATION_S * fs)))
    energy = np.convolve(slope ** 2, np.ones(width) / width, mode="same")
    return energy, band


def _thresholded_peaks(energy, band, fs):
    """The adaptive-threshold decision of Pan & Tompkins 1985 over local maxima of the energy."""
    cand, _ = sps.find_peaks(energy, distance=max(1, int(REFRACTORY_S * fs)))
    if len(cand) == 0:
        return cand
    heights = energy[cand]
    half = int(round(0.075 * fs))
    slopes = np.array([np.abs(np.diff(band[max(c - half, 0):c + half + 1])).max(initial=0) for c in cand])
    # learn the first levels from the first 2 s
    first = heights[cand < 2 * fs]
    spk = 0.25 * (first.max() if len(first) else heights.max())
    npk = 0.5 * (np.mean(first) if len(first) else np.mean(heights)) * 0.25
    beats, rr_hist = [], []
    last_slope = None
    i = 0
    while i < len(cand):
        c, h = cand[i], heights[i]
        thr = npk + 0.25 * (spk - npk)
        is_beat = h > thr
        if is_beat and beats and c - beats[-1] < T_WAVE_S * fs and last_slope is not None \
                and slopes[i] < 0.5 * last_slope:
            is_beat = False  # a T wave: slower than the QRS before it
        if is_beat:
            if beats:
                rr_hist = (rr_hist + [c - beats[-1]])[-8:]
            beats.append(c)
            last_slope = slopes[i]
            spk = 0.125 * h + 0.875 * spk
        else:
            npk = 0.125 * h + 0.875 * npk
        # search-back: a long gap since the last beat -> take the best skipped candidate above thr / 2
        if beats and len(rr_hist) >= 2 and i + 1 < len(cand):
            mean_rr = np.mean(rr_hist)
            if cand[i + 1] - beats[-1] > SEARCHBACK_RR * mean_rr:
                lo = np.searchsorted(cand, beats[-1] + int(REFRACTORY_S * fs))
                hi = i + 1
                window = [j for j in range(lo, hi) if heights[j] > 0.5 * thr and cand[j] not in beats[-1:]]
                if window:
                    j = max(window, key=lambda j: heights[j])
                    beats.append(cand[j])
                    beats.sort()
                    spk = 0.25 * heights[j] + 0.75 * spk
        i += 1
    return np.unique(np.asarray(beats, dtype=np.int64))


def refine_to_r_peak(sig, fs, peaks):
    """Move each detection to the largest deflection from the local baseline within +-REFINE_S.

    MIT-BIH annotations sit on the QRS's major peak (R, or S/QS in negative complexes); the beats of
    the training CSVs start exactly there.
    """
    wide = _bandpass(sig, fs, 0.5, 40.0)  # baseline wander and mains noise out, QRS shape kept
    half = int(round(REFINE_S * fs))
    out = np.empty_like(peaks)
    for k, p in enumerate(peaks):
        lo, hi = max(p - half, 0), min(p + half + 1, len(wide))
        out[k] = lo + np.argmax(np.abs(wide[lo:hi]))
    return np.unique(out)


def _drop_p_and_t_waves(peaks, energy, fs, ratio=0.25):
    """Of two detections closer than T_WAVE_S, drop the one with under `ratio` of the other's energy:
    a tall P wave before its QRS, or a T wave after it."""
    keep = np.ones(len(peaks), dtype=bool)
    e = energy[peaks]
    for k in range(1, len(peaks)):
        if peaks[k] - peaks[k - 1] < T_WAVE_S * fs:
            if e[k] < ratio * e[k - 1]:
                keep[k] = False
            elif e[k - 1] < ratio * e[k]:
                keep[k - 1] = False
    return peaks[keep]


def detect_r_peaks(sig, fs):
    """R-peak sample positions (sorted, unique) of a single-lead ECG `sig` sampled at `fs` Hz."""
    sig = np.asarray(sig, dtype=np.float64)
    energy, band = qrs_energy(sig, fs)
    peaks = _drop_p_and_t_waves(_thresholded_peaks(energy, band, fs), energy, fs)
    return refine_to_r_peak(sig, fs, peaks) if len(peaks) else peaks
