"""Every long interval (>= quality.LONG_RR_S) the pipeline's detection makes, with three artifact features
(log/ampblock-rule.txt): SPAN (today's), STEP, FLOOR; labelled real (no reference beat inside) or hiding."""
import sys
from pathlib import Path
import numpy as np
from heartbeat import quality, recording, windows
from heartbeat.database import ALL_RECORDS, record_names
from heartbeat.detect import qrs_energy
from heartbeat.sources import read_wfdb

FS = 360
state = {"first": 0, "rows": [], "amps": []}
orig_samples, orig_long, orig_amp = windows.Resampler.samples, quality.long_intervals, quality.qrs_amplitudes


def samples(self, *a, **k):
    sig, first = orig_samples(self, *a, **k)
    state["first"] = first
    return sig, first


def amplitudes(sig, peaks, fs):
    out = orig_amp(sig, peaks, fs)
    state["amps"].append(out)
    return out


def long_intervals(sig, peaks, core, fs):
    out = orig_long(sig, peaks, core, fs)
    energy = qrs_energy(sig, fs)[0]
    at_beats = np.median(energy[peaks[core]]) if core.any() else np.nan
    away = np.ones(len(energy), dtype=bool)
    half = int(round(quality.QRS_HALF_S * fs))
    for p in peaks:
        away[max(p - half, 0):p + half] = False
    between = np.median(energy[away]) if away.any() else np.nan
    for x, y, span in out:
        a, b = x + int(0.2 * fs), y - int(0.1 * fs)
        seg = sig[a:b]
        step = float(np.max(np.abs(seg[36:] - seg[:-36]))) if len(seg) > 36 else 0.0
        floor = float(np.median(energy[a:b]) / at_beats) if b > a else np.nan
        quiet = float(np.median(energy[a:b]) / between) if b > a else np.nan
        state["rows"].append([x + state["first"], y + state["first"], span, step, floor, quiet])
    return out


windows.Resampler.samples = samples
quality.long_intervals = long_intervals
quality.qrs_amplitudes = amplitudes

print("db record start_s dur_s hidden today SPAN STEP FLOOR QUIET")
for db in map(Path, sys.argv[1:]):
    for name in ALL_RECORDS if db.name == "mitdb" else record_names(db):
        rec = read_wfdb(db / name)
        recording.check_signal(rec)
        for start, stop in rec.segments:
            state["rows"], state["amps"] = [], []
            try:
                recording.beats_of(rec, start, stop)
            except recording.SignalError:
                continue
            typical = np.median(np.concatenate(state["amps"]))
            for x, y, span, step, floor, quiet in state["rows"]:
                xi, yi = start + x * rec.fs / FS, start + y * rec.fs / FS
                hidden = int(((rec.ref_samples > xi + 0.15 * rec.fs) & (rec.ref_samples < yi - 0.15 * rec.fs)).sum())
                print(db.name, name, f"{xi / rec.fs:.1f} {(yi - xi) / rec.fs:.2f} {hidden} "
                      f"{int(span > quality.ARTIFACT_RATIO * typical)} {span / typical:.3f} {step / typical:.3f} {floor:.4f} {quiet:.4f}",
                      flush=True)
