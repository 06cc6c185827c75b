"""Long recordings in bounded memory: an analyzable segment of any length is detected in overlapping
windows and its beats are cut and classified in blocks, each read from the signal when it is needed.

Detection reads DETECT_WINDOW_S at a time with DETECT_OVERLAP_S on either side, so that the band-pass
filters and the detector's adaptive thresholds have settled before the window's core, and keeps the
beats of the core. Cutting reads, for each block of beats, the samples from its first R peak to the end
of its last beat (the Kaggle rule) plus a filter margin, so a beat is cut from the very samples a
single pass would give it. R-R context comes from all of the segment's beat times. The template (the
patients' usual beat) is the median of a block of about BLOCK_S, the length of the MIT-BIH records the
models learned it on: a day-long recording has one per half hour, as a patient's beat drifts.
"""
from typing import NamedTuple

import numpy as np
from tqdm import tqdm

from . import quality, segment
from .detect import REFRACTORY_S, energy_detection
from .verify import verified

DETECT_WINDOW_S = 600.0
DETECT_OVERLAP_S = 30.0
BLOCK_S = 1800.0
RESAMPLE_MARGIN_S = 1.0  # more than the polyphase filter reaches on either side


class Span(NamedTuple):
    """Input samples [start, stop) of a recording, read at 360 Hz: offset is the 360-Hz position of start."""
    start: int
    stop: int
    offset: int


class Resampler:
    """Reads a piece of a recording's segment at 360 Hz, at positions that agree with the whole segment's."""

    def __init__(self, read, fs, start, stop):
        self.read, self.fs, self.start, self.stop = read, fs, start, stop
        ratio = segment.resample_ratio(fs, segment.KAGGLE_FS) if fs != segment.KAGGLE_FS else None
        self.num, self.den = (ratio.numerator, ratio.denominator) if ratio else (1, 1)

    def to_360(self, x):
        """An aligned input position (a multiple of den) from the segment's start -> its 360-Hz position."""
        return x * self.num // self.den

    def to_input(self, x):
        """360-Hz positions from the segment's start (any shape) -> the input samples of the recording they fall on:
        how every beat, interval and stretch detected at 360 Hz is placed back on the recording."""
        return self.start + np.round(np.asarray(x, dtype=np.float64) * self.fs / segment.KAGGLE_FS).astype(np.int64)

    def span(self, lo, hi):
        """The Span (aligned, within the segment) whose 360-Hz samples cover [lo, hi) of the segment's."""
        a = max(0, (int(np.floor(lo * self.den / self.num)) // self.den - 1) * self.den)
        b = min(self.stop - self.start, int(np.ceil(hi * self.den / self.num)) + self.den)
        return Span(a, b, self.to_360(a))

    def samples(self, span, margin=0):
        """(360-Hz signal of span widened by `margin` input samples on either side, its first 360-Hz position)."""
        margin = margin // self.den * self.den
        a, b = max(0, span.start - margin), min(self.stop - self.start, span.stop + margin)
        sig = self.read(self.start + a, self.start + b)
        out, _ = segment.resample(sig, self.fs, segment.KAGGLE_FS)
        return out, self.to_360(a)


class Detected(NamedTuple):
    """What detection found in a segment, in 360-Hz samples from the segment's start."""
    peaks: np.ndarray  # (n,) R peaks
    flutter: list      # (first, last) of each flutter / fibrillation episode
    noisy: list        # (start, stop) of each stretch of quality.NOISE_WINDOW_S windows too noisy to read
    noise_windows: list  # (start, stop, noise ratio) of every such window judged (not a segment's last few s)
    artifacts: list    # (beat, next beat) of each long R-R interval that is an artifact, not a pause


def detect_segment(resampler):
    """Detected beats, flutter, noise and artifacts of one analyzable segment, window by window."""
    n, den = resampler.stop - resampler.start, resampler.den
    window = int(DETECT_WINDOW_S * resampler.fs) // den * den
    overlap = int(DETECT_OVERLAP_S * resampler.fs) // den * den
    peaks, flutter, windows, gaps, amplitudes = [], [], [], [], []
    cores = list(range(0, n, window))
    for a in tqdm(cores, desc="detect", unit="window", disable=None if len(cores) > 6 else True, leave=False):
        b = min(n, a + window)
        sig, first = resampler.samples(Span(a, b, resampler.to_360(a)), overlap)
        lo, hi = resampler.to_360(a), (resampler.to_360(b) if b < n else np.inf)
        raw = energy_detection(sig, segment.KAGGLE_FS)
        # the noise rule reads the energy detector's own detections, on which NOISE_RATIO was set: noise the
        # check drops would otherwise count as noise between beats and exclude twice as many noisy minutes
        windows += quality.window_noise(raw.energy, raw.peaks, first, lo, hi, segment.KAGGLE_FS)
        found, episodes = verified(raw.wide, segment.KAGGLE_FS, raw.peaks), raw.flutter
        core = (found + first >= lo) & (found + first < hi)
        if peaks and len(peaks[-1]):  # a beat refined across the border by both reads is kept once
            core &= found + first >= peaks[-1][-1] + REFRACTORY_S * segment.KAGGLE_FS
        peaks.append(found[core] + first)
        amplitudes.append(quality.qrs_amplitudes(sig, found[core], segment.KAGGLE_FS))
        gaps += [(x + first, y + first, r) for x, y, r in quality.long_intervals(sig, found, core, segment.KAGGLE_FS)
                 if y - x < DETECT_OVERLAP_S * segment.KAGGLE_FS]  # longer ones may reach past this read
        # an episode across the core's border is kept in parts, joined again below
        flutter += [(max(x + first, lo), min(y + first, hi)) for x, y in episodes if x + first < hi and y + first >= lo]
    # adjacent noise windows are one stretch of noise; an episode's parts are one episode again
    noisy = [(x, y) for x, y, _ in quality.union((x, y, "noise") for x, y, r in windows if r >= quality.NOISE_RATIO)]
    joined = [(x, y) for x, y, _ in quality.union((x, y, "flutter") for x, y in flutter)]
    typical = np.median(np.concatenate(amplitudes)) if amplitudes else 0.0
    artifacts = [(x, y) for x, y, r in gaps if r > quality.ARTIFACT_RATIO * typical
                 and not any(x <= f_end and f_start <= y for f_start, f_end in joined)]  # flutter is no artifact
    return Detected(np.concatenate(peaks) if peaks else np.zeros(0, dtype=np.int64), joined, noisy, windows,
                    artifacts)


def beat_blocks(times_s, n_beats):
    """Index ranges of the cut beats (n_beats of them) in blocks of about BLOCK_S, of equal length."""
    duration = times_s[n_beats] - times_s[0] if n_beats else 0.0
    count = max(1, int(round(duration / BLOCK_S)))
    edges = np.searchsorted(times_s[:n_beats], times_s[0] + duration * np.arange(1, count) / count)
    bounds = np.r_[0, edges, n_beats]
    return [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def cut_block(resampler, peaks, index):
    """(len(index), 187) beats at peaks[index] (360 Hz), each cut by the Kaggle rule from its own samples."""
    first, last = index[0], index[-1]
    end = segment.kaggle_segment_end(peaks, last)
    sig, offset = resampler.samples(resampler.span(peaks[first], end), int(RESAMPLE_MARGIN_S * resampler.fs))
    anchors = peaks[first:min(last + 3, len(peaks))] - offset  # the Kaggle rule reads up to the beat after next
    return segment.kaggle_beats(sig, anchors, index - first)
