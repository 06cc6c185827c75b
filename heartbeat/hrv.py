"""Heart-rate variability of the N-N intervals (both beats normal, in one analyzable segment), without those more
than Rules.nn_filter_pct off the interval before (the "20% filter" of automated Holter HRV: it drops what an ectopic
beat read as N, or a missed or extra detection, puts among them): the time domain over the whole recording, and the
frequency domain as the mean of 5-minute spectra (Task Force of the ESC and NASPE 1996). Names follow neurokit2's
(HRV_SDNN, HRV_LF, ...), in ms and ms²."""
import numpy as np
import pandas as pd
from scipy import signal as sps
from scipy.interpolate import CubicSpline

from .events import nn_intervals

LF_HZ = (0.04, 0.15)      # low-frequency band (Task Force 1996)
HF_HZ = (0.15, 0.40)      # high-frequency band
SPECTRUM_S = 300.0        # the spectra are of 5-minute windows, the Task Force's short-term recording ...
SPECTRUM_COVER = 0.9      # ... whose N-N intervals cover at least this share of it (ectopic beats and excluded
                          # time leave holes, bridged by the interpolation only while they are this small)
RESAMPLE_HZ = 4.0         # the N-N series is interpolated (cubic spline) onto an even grid at this rate
WELCH_S = 64.0            # Welch segments of this length: bins of 1/64 Hz, 7 of them in the LF band



def definition(rules):
    """The report's words for what hrv() computes under `rules`."""
    which = (f"without those more than {rules.nn_filter_pct:g}% off the one before" if rules.nn_filter_pct
             else "all of them")
    return (f"HRV from N-N intervals (both beats normal), {which}; SDANN over {rules.sdann_window_s:g}-s windows "
            f"holding at least {rules.sdann_min_intervals} of them; LF ({LF_HZ[0]:g}-{LF_HZ[1]:g} Hz) and HF "
            f"({HF_HZ[0]:g}-{HF_HZ[1]:g} Hz) power: the mean over the {SPECTRUM_S:g}-s windows the N-N intervals "
            f"cover {SPECTRUM_COVER:.0%} of, of Welch's spectrum of the intervals interpolated at {RESAMPLE_HZ:g} Hz "
            "(Task Force 1996)")


KEYS = ("sdnn_ms", "sdann_ms", "rmssd_ms", "pnn50_pct", "lf_ms2", "hf_ms2", "lf_hf", "spectral_windows")


def hrv(beats, rules):
    """{sdnn_ms, sdann_ms, rmssd_ms, pnn50_pct, lf_ms2, hf_ms2, lf_hf, spectral_windows} of events.Beats; None where
    there are too few N-N intervals (spectral_windows: how many 5-minute windows the LF and HF powers average)."""
    times, nn, adjacent = filtered_nn_intervals(beats, rules.nn_filter_pct)
    out = dict.fromkeys(KEYS)
    if len(nn) < 3:
        out["spectral_windows"] = 0
        return out
    diffs = np.diff(nn)[adjacent]
    window = (times // rules.sdann_window_s).astype(np.int64)
    per_window = pd.Series(nn).groupby(window).agg(["mean", "size"])
    means = per_window["mean"][per_window["size"] >= rules.sdann_min_intervals]
    out.update(sdnn_ms=round(1000 * nn.std(ddof=1), 1),
               sdann_ms=round(1000 * means.std(ddof=1), 1) if len(means) >= 2 else None,
               rmssd_ms=round(1000 * np.sqrt(np.mean(diffs ** 2)), 1) if len(diffs) else None,
               pnn50_pct=round(100 * np.mean(np.abs(diffs) > 0.05), 2) if len(diffs) else None)
    powers = [band_powers(times[w], nn[w]) for w in spectral_windows(times, nn)]
    out["spectral_windows"] = len(powers)
    if powers:
        lf, hf = np.mean(powers, axis=0)
        out.update(lf_ms2=round(float(lf), 1), hf_ms2=round(float(hf), 1),
                   lf_hf=round(float(lf / hf), 3) if hf > 0 else None)
    return out


def filtered_nn_intervals(beats, filter_pct):
    """events.nn_intervals without the intervals more than filter_pct % off the N-N interval directly before them
    (0: all kept); adjacency as among the kept ones."""
    times, nn, adjacent = nn_intervals(beats)
    keep = np.ones(len(nn), dtype=bool)
    if filter_pct and len(nn):
        keep[1:] = ~(adjacent & (np.abs(nn[1:] / nn[:-1] - 1) > filter_pct / 100))
    index = np.flatnonzero(keep)
    return times[index], nn[index], (np.diff(index) == 1) & adjacent[index[:-1]]


def spectral_windows(times, nn):
    """Index arrays into the N-N intervals (end times `times` (m,) s, lengths `nn` (m,) s) of each 5-minute window
    (by end time) that they cover enough of."""
    window = (times // SPECTRUM_S).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(window) != 0])
    pieces = np.split(np.arange(len(nn)), starts[1:])
    return [p for p in pieces if nn[p].sum() >= SPECTRUM_COVER * SPECTRUM_S]


def band_powers(times, nn):
    """(LF, HF) power in ms² of one window's N-N intervals: the series (ms at each interval's end time) interpolated
    by a cubic spline at RESAMPLE_HZ, its linear trend removed, Welch's density integrated over each band."""
    grid = np.arange(times[0], times[-1], 1 / RESAMPLE_HZ)
    series = CubicSpline(times, 1000 * nn)(grid)  # (k,) ms on an even grid
    f, psd = sps.welch(series, fs=RESAMPLE_HZ, nperseg=min(len(grid), int(WELCH_S * RESAMPLE_HZ)),
                       detrend="linear")  # psd in ms²/Hz
    df = f[1] - f[0]
    return tuple(psd[(f >= lo) & (f < hi)].sum() * df for lo, hi in (LF_HZ, HF_HZ))
