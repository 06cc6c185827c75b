"""Continuous ECG in, labelled beats out: read, check, bring to 360 Hz, detect, cut as in training, classify.

The training beats follow the Kaggle rule on 360 Hz signals, so any input is resampled to 360 Hz
first and then cut by the very function that built the training CSVs (segment.kaggle_beats). Beats are
detected on one lead; a second lead (rec.second), where given, is cut at the same R peaks and classified
too, and the two leads' probabilities are averaged (block_proba); beats of the same shape then share
their V, F and Q probabilities (shapes.share_by_shape), within each block of about 30 minutes.
"""
from typing import NamedTuple

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import CLASSES, quality, review, segment, witness
from .class_rules import no_f_between_v, no_s_in_af
from .features import recording_inputs
from .inference import predict_proba, predictions_table
from .polarity import lead_warnings, rate_warnings
from .shapes import share_by_shape, shape_vectors
from .sources import MAX_FS, MIN_FS, SignalError
from .windows import Resampler, beat_blocks, cut_block, detect_segment

MIN_BEATS = 3


def check_signal(rec):
    """Raise SignalError for a rate, length or content the pipeline cannot use; set rec.excluded
    (quality.Excluded stretches: gaps, lead-off, saturation), rec.second_excluded (the same, of a second
    lead) and rec.segments ((start, stop) of the analyzable pieces). The signal is scanned in chunks, never
    loaded whole. A recording with nothing analyzable, or a second lead with nothing, is an error."""
    if not MIN_FS <= rec.fs <= MAX_FS:
        raise SignalError(f"{rec.name}: sampling rate {rec.fs:g} Hz is implausible; expected {MIN_FS:g} to {MAX_FS:g} Hz")
    n = len(rec.signal)
    if n == 0:
        raise SignalError(f"{rec.name}: the signal is empty")
    if n < quality.MIN_SEGMENT_S * rec.fs:
        raise SignalError(f"{rec.name}: {n / rec.fs:.1f} s of signal; at least {quality.MIN_SEGMENT_S:g} s is needed")
    rec.excluded = _scan(rec.signal, rec.fs, rec.name)
    if rec.second is not None:
        rec.second_excluded = _scan(rec.second, rec.fs, f"{rec.name} (second channel {rec.second_channel})")
    rec.segments = quality.analyzable_segments(n, rec.excluded)
    if not rec.segments:
        reasons = sorted({e.reason for e in rec.excluded})
        raise SignalError(f"{rec.name}: nothing to analyse: all {n / rec.fs:.1f} s are excluded "
                          f"({', '.join(reasons)})")
    return rec


def _scan(signal, fs, name):
    """quality.Excluded stretches of one lead; SignalError for a lead with nothing to read."""
    try:
        found = quality.scan(signal, fs)
    except ValueError as e:
        if e.args[0] != "inf":
            raise
        raise SignalError(f"{name}: infinite values at sample {e.args[1]}") from None
    if found.low > found.high:
        raise SignalError(f"{name}: every sample is missing (NaN)")
    if found.low == found.high:
        raise SignalError(f"{name}: the signal is flat (every sample {found.low:g}): no ECG to read, e.g. a "
                          "recording made with the lead off")
    return found.excluded


def in_spans(samples, spans):
    """(len(samples),) bool: which samples lie in one of the (start, stop) spans."""
    inside = np.zeros(len(samples), dtype=bool)
    for a, b in spans:
        inside |= (samples >= a) & (samples < b)
    return inside


def read_span(signal, start, stop):
    """signal[start:stop] as float64, missing samples (shorter than a gap: gaps are excluded) bridged."""
    sig = np.array(signal[start:stop], dtype=np.float64)
    nan = np.isnan(sig)
    if nan.any() and not nan.all():
        idx = np.arange(len(sig))
        sig[nan] = np.interp(idx[nan], idx[~nan], sig[~nan])
    return sig


class SegmentBeats(NamedTuple):
    samples: np.ndarray  # (n,) R peaks of the cut beats, input samples
    times: np.ndarray    # (n + 1,) seconds of every detected beat (the last one is never cut)
    flutter: list        # (start, stop) input samples of each flutter / fibrillation episode
    noisy: list          # (start, stop) input samples of each stretch too noisy to read (quality.noise_ratio)
    noise_windows: list  # (start, stop, noise ratio) input samples of every window judged (windows.Detected)
    artifacts: list      # (beat, next beat) input samples of each long interval an artifact hid beats in
    blocks: list         # index arrays into the n cut beats: the blocks they are cut and classified in
    resampler: Resampler
    peaks: np.ndarray    # (n + 1,) R peaks at 360 Hz from the segment's start

    def beats(self, index):
        """(len(index), 187) float32: the beats at `index`, cut by the rule that cut the training beats."""
        return cut_block(self.resampler, self.peaks, index)


def beats_of(rec, start=0, stop=None):
    """SegmentBeats of rec.signal[start:stop] (check_signal first): every detected beat that has a successor."""
    stop = len(rec.signal) if stop is None else stop
    resampler = Resampler(lambda a, b: read_span(rec.signal, a, b), rec.fs, start, stop)
    found = detect_segment(resampler)
    peaks = found.peaks
    if len(peaks) < MIN_BEATS + 1:
        raise SignalError(f"{rec.name}: found {len(peaks)} beats; is this an ECG at {rec.fs:g} Hz?")
    times = start / rec.fs + peaks / segment.KAGGLE_FS
    spans = {kind: [tuple(resampler.to_input(span)) for span in getattr(found, kind)]
             for kind in ("flutter", "noisy", "artifacts")}
    windows = [(*resampler.to_input([a, b]).tolist(), ratio) for a, b, ratio in found.noise_windows]
    return SegmentBeats(resampler.to_input(peaks[:-1]), times, spans["flutter"], spans["noisy"], windows,
                        spans["artifacts"], beat_blocks(times, len(peaks) - 1), resampler, peaks)


def _second_lead(rec, start, stop, found):
    """(Resampler of the second lead over the segment, which of found's cut beats it can be read at), or None."""
    if rec.second is None:
        return None
    readable = np.ones(len(found.samples), dtype=bool)
    for e in rec.second_excluded:
        readable &= (found.samples < e.start) | (found.samples >= e.stop)
    return Resampler(lambda a, b: read_span(rec.second, a, b), rec.fs, start, stop), readable


def block_proba(model, found, index, keep, second=None, embedded=None):
    """(len(index), 5) class probabilities of the beats found.peaks[index]. With a second lead, the mean of
    both leads' probabilities, each lead's beat cut at the same R peak with its own template, as the
    training CSVs of both leads were cut at the same annotations; where the second lead is unanalyzable
    the first lead's alone. Then the kept beats (keep (len(index),) bool: not in noise) share their
    V, F and Q probabilities with the block's beats of the same shape (shapes.share_by_shape), on both
    leads' shapes where every kept beat has both. With a list `embedded`, the beats' embeddings
    ((len(index), 64): the first lead's, then the second's, or the first's again where it has none; see
    inference.predict_proba) are appended to it."""
    beats = found.beats(index)
    inputs = recording_inputs(model.inputs, found.times, index, beats)
    embed = embedded is not None
    proba, vectors = _proba(model, inputs, embed)
    shapes = shape_vectors(beats)
    if embed:
        embedded.append(np.hstack([vectors, vectors]))
    if second is not None:
        resampler, readable = second
        at = readable[index]
        both = index[at]
        if len(both) >= MIN_BEATS:  # too few beats make no template
            other_beats = cut_block(resampler, found.peaks, both)
            other_inputs = recording_inputs(model.inputs, found.times, both, other_beats)
            other, other_vectors = _proba(model, other_inputs, embed)
            proba[at] = (proba[at] + other) / 2
            if embed:
                embedded[-1][at, vectors.shape[1]:] = other_vectors
            if at[keep].all():  # shapes compared on both leads only where every kept beat has both
                second_beats = np.zeros_like(beats)
                second_beats[at] = other_beats
                shapes = shape_vectors(beats, second_beats)
    proba[keep] = share_by_shape(proba[keep], shapes[keep])
    return proba


def _proba(model, inputs, embed):
    """(class probabilities, the beats' embeddings or None) of model.BeatInputs, from one pass with embed."""
    return predict_proba(model, inputs, embed=True) if embed else (predict_proba(model, inputs), None)


def classify_recording(model, rec, review_beats=0):
    """DataFrame with one row per beat (read_recording's) and, with review_beats > 0, review: True for the
    review_beats beats a person should label to adapt the model to this recording, and review_group: the picked
    beat whose group each beat is in (review.marked; a PyTorch model only)."""
    table, vectors = read_recording(model, rec, embed=review_beats > 0)
    return review.marked(table, vectors, review_beats) if review_beats else table


def read_recording(model, rec, embed=False):
    """(DataFrame with one row per beat: sample (input rate), time_s, segment, af, class, class_index,
    p_<class>...; with embed, (n_beats, 64) float32: each beat's embeddings on both leads (block_proba), else None).

    Beats of one segment are joined by R-R intervals; a new segment starts after excluded time and after
    a flutter / fibrillation episode (rec.flutter), whose waves are no beats. Beats of stretches too noisy
    to read are dropped and the stretches excluded ("noise"); a long interval in which an artifact hid the beats
    ("artifact") or that the second lead beats through ("second lead beats", witness.py) is excluded, no pause.
    Each analyzable piece is read on its own, R-R context and template included: after a gap the electrodes may sit
    elsewhere.
    A piece with too few beats is excluded ("no beats"); if all are, that is an error. The p_<class> columns
    are the probabilities after the beats of one shape shared theirs (block_proba). Beats inside atrial
    fibrillation are marked (af) and none of them is S (no_s_in_af); no beat between two V beats of its segment
    is F (no_f_between_v). rec.warnings says where the lead read points down (polarity.lead_warnings).
    """
    check_signal(rec)
    tables, error, rec.flutter, rec.noise_windows, segment_id, vectors = [], None, [], [], 0, []
    for start, stop in rec.segments:
        try:
            found = beats_of(rec, start, stop)
        except SignalError as e:
            rec.excluded.append(quality.Excluded(start, stop, "no beats"))
            error = e
            continue
        second = _second_lead(rec, start, stop, found)
        witnessed = witness.artifacts(found, second[0], rec) if second else []  # beaten through: no pause
        found = found._replace(artifacts=found.artifacts + witnessed)
        noisy = in_spans(found.samples, found.noisy)
        rec.excluded += [quality.Excluded(a, b, "noise") for a, b in found.noisy]
        # a bar for long recordings (detect_segment has its own), on a terminal only (disable=None)
        blocks = tqdm(found.blocks, desc="classify", unit="block", leave=False,
                      disable=None if len(found.blocks) > 2 else True)
        embedded = [] if embed else None
        proba = np.concatenate([block_proba(model, found, index, ~noisy[index], second, embedded) for index in blocks])
        if embed:
            vectors.append(np.concatenate(embedded)[~noisy])
        table = predictions_table(proba, CLASSES).drop(columns="row")
        table.insert(0, "sample", found.samples)
        table.insert(1, "time_s", found.samples / rec.fs)
        # segment numbers go on across pieces, flutter episodes, noise and artifacts: no R-R interval spans one
        breaks = np.sort([b for _, b in found.flutter + found.noisy + found.artifacts]).astype(np.int64)
        table.insert(2, "segment", segment_id + np.searchsorted(breaks, found.samples, side="right"))
        segment_id += len(breaks) + 1
        rec.excluded += [quality.Excluded(a, b, witness.REASON if (a, b) in witnessed else "artifact")
                         for a, b in found.artifacts]
        rec.flutter += found.flutter
        rec.noise_windows += found.noise_windows
        tables.append(table[~noisy])
    if not tables:
        raise error
    # noise windows and artifact intervals may overlap: the list must count no second twice
    rec.excluded = [quality.Excluded(*mark) for mark in quality.union((e.start, e.stop, e.reason) for e in rec.excluded)]
    table = pd.concat(tables, ignore_index=True)
    rec.flutter, rec.excluded = quality.join_flutter(rec.flutter, rec.excluded, table["sample"].to_numpy(), rec.fs)
    table = no_f_between_v(no_s_in_af(table, rec.signal, rec.fs))
    rec.warnings = lead_warnings(rec, table) + rate_warnings(rec, mean_heart_rate(table))
    return table, np.concatenate(vectors) if embed else None


def mean_heart_rate(table):
    """Beats per minute from the median R-R interval (robust to a missed or extra beat) within segments."""
    rr = np.diff(table["time_s"].to_numpy())[np.diff(table["segment"].to_numpy()) == 0]
    return 60.0 / np.median(rr) if len(rr) else float("nan")


def reference_match(rec, samples):
    """wfdb's comparison of the record's reference beats with the detections at `samples`, 150 ms apart at most, and
    for each reference beat the index of the detection it matches, or -1. The last beat of a record is never cut
    (no successor), so the reference's last beat is left out."""
    from wfdb.processing import compare_annotations

    if not len(samples):  # wfdb's comparison fails on no detections
        raise SignalError(f"{rec.name}: no beats detected to compare with the reference annotations")
    cmp = compare_annotations(rec.ref_samples[:-1], np.asarray(samples), int(round(0.15 * rec.fs)))
    return cmp, cmp.matching_sample_nums


def matched_labels(rec, samples):
    """(for each detection at `samples`, the class index of the reference beat it matches, or -1;
    reference_match's index of each reference beat's detection)."""
    _, match = reference_match(rec, samples)
    label = np.full(len(samples), -1)
    label[match[match >= 0]] = rec.ref_labels[:-1][match >= 0]
    return label, match


def reference_agreement(table, rec):
    """Detection and classification against the record's reference annotations (reference_match).

    Returns {"se", "ppv", "matched", "accuracy", "y_true", "y_pred"}.
    """
    cmp, match = reference_match(rec, table["sample"].to_numpy())
    hit = match >= 0
    y_true = rec.ref_labels[:-1][hit]
    y_pred = table["class_index"].to_numpy()[match[hit]]
    return {"se": cmp.tp / max(cmp.tp + cmp.fn, 1), "ppv": cmp.tp / max(cmp.tp + cmp.fp, 1),
            "matched": int(hit.sum()), "accuracy": float((y_true == y_pred).mean()) if hit.any() else float("nan"),
            "y_true": y_true, "y_pred": y_pred}
