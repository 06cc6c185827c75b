"""The P-wave coherence of a stretch of beats: does the same wave come before each QRS? Fibrillation has no P wave, so
the segments before its beats share nothing (coherence near 1 / their number); sinus rhythm with frequent premature
beats, whose irregular intervals can read as fibrillation, has one before every conducted beat (near 1). Measured on
MIT-BIH DS1's reference annotations on 2026-12-01 (30-s windows: fibrillation median .060, none above .25; other
rhythms median .891, 98.4% above .3; docs/cross-database-log.md) and put to work by a rule on the AF detection
itself (log/pwave-af-rule.txt)."""
import numpy as np
from scipy.signal import butter, detrend, sosfiltfilt

BAND_HZ = (0.5, 30.0)       # the lead is band-passed (zero phase) ...
BEFORE_S = (0.30, 0.05)     # ... and read from 0.30 s to 0.05 s before each R peak
COHERENT = 0.3              # a stretch at or above this has P waves: it is no fibrillation
MIN_BEATS = 10              # fewer beats than this tell nothing either way
BLOCK_S, PAD_S = 60.0, 5.0  # filtered a minute of beats at a time, with this much signal either side


def coherence(signal, fs, peaks):
    """Energy of the mean of the segments before the R peaks `peaks` (sorted sample indices inside `signal`, read by
    slices; `fs` at least sources.MIN_FS) over the mean of their energies, each segment linearly detrended; NaN for
    fewer than MIN_BEATS beats. Missing samples are interpolated, as the pipeline reads short gaps (read_span).
    One loud artifact in a segment lowers the number (towards fibrillation, the reading before this check)."""
    first, last = round(BEFORE_S[0] * fs), round(BEFORE_S[1] * fs)
    peaks = np.asarray(peaks, dtype=np.int64)
    peaks = peaks[peaks >= first]
    if len(peaks) < MIN_BEATS:
        return float("nan")
    sos = butter(2, BAND_HZ, btype="band", fs=fs, output="sos")
    pad, offsets = round(PAD_S * fs), np.arange(first - last)
    total, energy, i = np.zeros(len(offsets)), 0.0, 0
    while i < len(peaks):  # a minute of beats at a time: a week of fibrillation is never filtered whole
        j = int(np.searchsorted(peaks, peaks[i] + BLOCK_S * fs))
        a, b = max(int(peaks[i]) - first - pad, 0), min(int(peaks[j - 1]) + pad, len(signal))
        x = np.array(signal[a:b], dtype=np.float64)
        nan = np.isnan(x)
        if nan.any():  # short gaps inside an analyzable piece; the padding may reach into excluded time
            at = np.arange(len(x))
            x[nan] = np.interp(at[nan], at[~nan], x[~nan]) if not nan.all() else 0.0
        x = sosfiltfilt(sos, x)
        segments = detrend(x[(peaks[i:j] - first - a)[:, None] + offsets], axis=1)  # (beats, samples)
        total += segments.sum(axis=0)
        energy += float((segments ** 2).sum())
        i = j
    n = len(peaks)
    return float(((total / n) ** 2).sum() / (energy / n)) if energy > 0 else float("nan")
