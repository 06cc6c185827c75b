"""The report of a whole recording: counts, heart rate, ectopic events, pauses, atrial fibrillation, sustained
bradycardia and tachycardia, HRV, hour by hour, and the excluded time; written as report.json, beats.csv,
events.csv, hourly.csv and report.html."""
import json
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from . import CLASSES, diary as diaries, hrt, hrv
from .clock import clock
from .detect import REFRACTORY_S
from .events import (AF_INTERVALS, AF_IRREGULARITY, AF_JOIN_S, Beats, Rules, all_events, heart_rate,
                     heart_rate_series, rates_between)
from .noise_flag import heart_rate_noise, noise_under, noisy_counts, noisy_stretches, seconds_under_noise
from .pwave import BEFORE_S, COHERENT
from .quality import NOISE_FLAG, NOISE_RATIO, NOISE_WINDOW_S, excluded_seconds
from .report_warnings import conduction_warnings, hrv_warnings, warned_switches

REPORT_FILE = "report.json"  # what marks a folder as a report (report.py --force replaces only those)
HOURLY_COLUMNS = ("hour", "clock", "analyzable_s", "beats", "hr_min", "hr_mean", "hr_max", "V", "S", "pauses")


@dataclass
class Report:
    summary: dict          # what report.json holds
    beats: pd.DataFrame    # one row per beat (the pipeline's table)
    events: pd.DataFrame   # events.EVENT_COLUMNS, and clock after start_s
    hourly: pd.DataFrame   # HOURLY_COLUMNS
    trend: pd.DataFrame    # events.heart_rate_series: time_s, bpm, beat, first


def definitions(rules):
    """The rules in words, stated in the report."""
    return [f"run: {rules.run_min_beats} or more ectopic beats of one class in a row; couplet: exactly 2",
            f"VT / SVT (fast_runs): a V / S run faster than {rules.fast_run_bpm:g} bpm; sustained (sustained_runs) "
            f"when it lasts {rules.sustained_s:g} s or more (first to last beat), else non-sustained (NSVT); the "
            "other runs are slow_runs (a V one: an idioventricular rhythm; an S one: an ectopic atrial or junctional "
            "rhythm)",
            f"bigeminy / trigeminy: isolated ectopic beats after exactly 1 / 2 normal beats, at least "
            f"{rules.pattern_min_cycles} cycles in a row",
            f"pause: an R-R interval of {rules.pause_s:g} s or more; each is said to follow a beat of a class or to lie "
            "in atrial fibrillation (its slow conduction); after a premature beat a pause may be its compensatory or "
            "reset pause or, when long, a sign of sinus node disease: beat classes do not tell which, nor a sinus "
            "pause from a block",
            f"heart rate min / max: over {rules.hr_average_beats} consecutive R-R intervals, none of them shorter "
            f"than the detector's refractory period ({REFRACTORY_S:g} s: two detections that close are a wave or "
            "noise read as a beat); mean: from the mean R-R interval",
            "burden: beats of the class / all beats, in %",
            f"AF (atrial fibrillation): at least {rules.af_min_s:g} s of irregular N-N intervals (median |successive "
            f"difference| over {AF_INTERVALS} of them above {AF_IRREGULARITY:g} of their median); intervals next to "
            f"an ectopic beat are left out; an irregular stretch is not called AF when the same wave precedes its QRS "
            f"complexes (P-wave coherence of {COHERENT:g} or more on a 0-1 scale, {BEFORE_S[0]:.2f}-{BEFORE_S[1]:.2f} s "
            "before each R peak on the lead read), as in sinus rhythm with frequent atrial premature beats, whose S calls then stay; "
            f"stretches less than {AF_JOIN_S:g} s apart are one episode; no beat "
            "inside AF is called S (no atrial beat, no atrial premature one); AF burden: % of the analyzable time",
            f"bradycardia / tachycardia: the heart rate (as for min / max) below {rules.brady_bpm:g} / above "
            f"{rules.tachy_bpm:g} bpm for at least {rules.rate_min_s:g} s; two episodes less than "
            f"{rules.rate_min_s:g} s apart are one; burden: % of the analyzable time",
            "VF/flutter: a run of fast, sine-like waves without the quiet between beats; its waves are no beats",
            "a beat called F between two beats called V is called V (a fusion beat needs a sinus beat to meet)",
            hrv.definition(rules),
            hrt.DEFINITION,
            f"noise (events.csv, pauses and the heart rate's extremes in report.json): the median noise ratio of the "
            f"{NOISE_WINDOW_S:g}-s windows under a finding, the QRS-band energy away from the beats over that at them; "
            f"clean ECG stays under about 0.2, a window from {NOISE_RATIO:g} is excluded as noise, and a finding from "
            f"{NOISE_FLAG:g} is counted as under noise: check its strip before trusting it",
            "an R-R interval that spans excluded time or a VF/flutter episode is none: not a pause, not in heart "
            "rate or HRV",
            "excluded time: gaps, lead-off, saturation, noise, artifacts that hid beats (with a second lead, also a "
            "long interval that lead beats through at the rhythm before it: second lead beats); the last beat before "
            "a gap, lead-off, saturation or a piece too short or with too few beats to read is not classified (a beat "
            "is cut up to the next one); the last beat before noise, an artifact or VF/flutter is, and its window "
            "holds some of that time (no example strip shows one)",
            "not assessed: P-wave shape and PR intervals (P waves are used only to rule out AF; so no AV block and "
            "no atrial flutter is named: a 2:1 block may "
            "read as bradycardia, flutter as tachycardia, AF or a regular rhythm; a warning points at a rhythm that "
            "switches between an interval and twice it), ST segments and QT intervals, pacemaker function (paced "
            "beats are class Q)",
            f"diary: each entry is read against the events, heart rate and ectopic beats within {rules.diary_window_s:g} s "
            "of its time; an event there is a rhythm finding for the symptom, none is a symptom without one"]


def hourly_table(beats, hr, events, duration_s, excluded, fs, start=None):
    rows = []
    for hour in range(int(np.ceil(duration_s / 3600))):
        lo, hi = 3600.0 * hour, min(3600.0 * (hour + 1), duration_s)
        inside = (beats.times >= lo) & (beats.times < hi)
        rows.append((hour, clock(start, lo), round(hi - lo - excluded_seconds(excluded, fs, lo, hi), 1),
                     int(inside.sum()), *rates_between(beats, hr, lo, hi),
                     int((beats.classes[inside] == "V").sum()), int((beats.classes[inside] == "S").sum()),
                     int(((events["type"] == "pause") & (events["start_s"] >= lo) & (events["start_s"] < hi)).sum())))
    return pd.DataFrame(rows, columns=list(HOURLY_COLUMNS))


def pause_list(pauses, events, beats):
    """report.json's pauses (the pause rows of `events`): start, duration, `after`: the class of the beat that
    starts it, `in_af`: whether it starts inside an atrial fibrillation episode of `events`, and `noise`: the
    noise ratio under it (None where no window was judged)."""
    af = events[events["type"] == "AF"]
    first = np.searchsorted(beats.times, pauses["start_s"].to_numpy())  # pauses start at a beat's time, exactly
    return [{"start_s": round(a, 3), "duration_s": round(b - a, 3), "after": str(beats.classes[k]),
             "in_af": bool(((af["start_s"] <= a) & (a < af["end_s"])).any()),
             "noise": round(float(r), 2) if r == r else None}
            for a, b, k, r in zip(pauses["start_s"], pauses["end_s"], first, pauses["noise"])]


def pause_context(pause):
    """Where a pause of report.json lies, in words: "in AF", "after an N beat", "after a V beat", ..."""
    return "in AF" if pause["in_af"] else f"after a{'n' if pause['after'] in 'NSF' else ''} {pause['after']} beat"


def pause_counts(pauses):
    """"3 (1 in AF, 2 after an N beat)": how many pauses, and how many of each context."""
    kinds = Counter(pause_context(p) for p in pauses).most_common()  # ties in time order
    return f"{len(pauses)}" + (f" ({', '.join(f'{n} {k}' for k, n in kinds)})" if pauses else "")


def episode_summary(durations_s, analyzable_s):
    """report.json's atrial_fibrillation, bradycardia or tachycardia from the episodes' durations (s): episodes,
    their total and longest duration, and the burden (% of the analyzable time)."""
    total = float(np.sum(durations_s))
    return {"episodes": len(durations_s), "total_s": round(total, 1),
            "longest_s": round(float(np.max(durations_s, initial=0.0)), 1),
            "burden_pct": round(100.0 * total / analyzable_s, 3) if analyzable_s > 0 else None}


def build_report(table, rec, rules=Rules(), about=None, diary=None):
    """Report of a classified recording: `table` from recording.classify_recording (or any table with
    time_s, class and segment columns), `rec` the recording.Recording it came from (for its length, rate
    and excluded stretches), `about` what to say about the model and settings, `diary` the patient's
    (diary.read_diary) or None."""
    fs, duration = rec.fs, len(rec.signal) / rec.fs
    beats = Beats.from_table(table)
    trend = heart_rate_series(beats, rules)
    v, s, events = all_events(beats, rules, trend)
    flutter = pd.DataFrame([("VF/flutter", a / fs, b / fs, 0, np.nan) for a, b in rec.flutter], columns=events.columns)
    events = pd.concat([events, flutter]).sort_values("start_s", kind="stable").reset_index(drop=True) \
        if len(flutter) else events
    events.insert(2, "clock", [clock(rec.start, t) for t in events["start_s"]])
    events["noise"] = noise_under(rec.noise_windows, events["start_s"].to_numpy() * fs,
                                  events["end_s"].to_numpy() * fs)
    events.loc[events["type"] == "VF/flutter", "noise"] = np.nan  # its waves fill the QRS band: no noise to judge
    hourly = hourly_table(beats, trend, events, duration, rec.excluded, fs, rec.start)
    counts = {c: int((beats.classes == c).sum()) for c in CLASSES}
    pauses = events[events["type"] == "pause"]
    analyzable = duration - excluded_seconds(rec.excluded, fs)

    def episodes(kind):  # an episode joined across excluded time lasts its analyzable seconds
        rows = events[events["type"] == kind]
        return episode_summary(np.array([b - a - excluded_seconds(rec.excluded, fs, a, b)
                                         for a, b in zip(rows["start_s"], rows["end_s"])]), analyzable)

    variability = hrv.hrv(beats, rules)
    switches = warned_switches(beats)
    summary = {
        "recording": {"name": rec.name, "channel": rec.channel, "second_channel": rec.second_channel or None,
                      "units": rec.units or None, "sampling_rate_hz": fs, "start": clock(rec.start, 0.0)},
        "duration_s": round(duration, 3),
        "analyzable_s": round(analyzable, 3),
        "excluded": [e.as_dict(fs) for e in rec.excluded],
        "under_noise": noisy_stretches(rec),
        "beats": {**counts, "total": int(len(beats.times))},
        "heart_rate": heart_rate_noise(heart_rate(beats, trend), trend, beats, rec),
        "ventricular": {**v, **noisy_counts(events, "V")},
        "supraventricular": {**s, **noisy_counts(events, "S")},
        "pauses": pause_list(pauses, events, beats),
        "atrial_fibrillation": episodes("AF"),
        "bradycardia": episodes("bradycardia"),
        "tachycardia": episodes("tachycardia"),
        "flutter": [{"start_s": round(a, 3), "duration_s": round(b - a, 3)}
                    for a, b in zip(flutter["start_s"], flutter["end_s"])],
        "hrv": variability,
        "hrt": hrt.turbulence(beats),
        "rhythm_switches_s": [round(float(t), 3) for t in switches],  # the 2:1 warning's times, for its strip
        # no HRV number, no warning about what it is read from
        "warnings": list(rec.warnings) + conduction_warnings(switches)
        + hrv_warnings(beats, events, rules, analyzable if variability["sdnn_ms"] is not None else None),
        "diary": None,
        "hourly": hourly.replace({np.nan: None}).to_dict(orient="records"),
        "rules": asdict(rules),
        "definitions": definitions(rules),
        **(about or {}),
    }
    if diary is not None:
        entries = [{**e, "clock": clock(rec.start, e["at_s"])} for e in
                   diaries.correlate(diary, beats, trend, events, rec.excluded, fs, duration, rules.diary_window_s)]
        found, read = diaries.with_rhythm_finding(entries)
        summary["diary"] = {"window_s": rules.diary_window_s, "entries": entries, "with_event": found, "read": read}
        outside = sum(e["finding"] == "outside the recording" for e in entries)
        if outside:  # most likely a diary kept in another clock or day than the recording's: say so beside the summary
            summary["warnings"].append(f"{outside} of the diary's {len(entries)} entries lie outside the recording "
                                       f"(0 to {duration:.0f} s): check their times against the recording's start")
    return Report(summary, table, events, hourly, trend)


def write_report(report, out_dir, signal=None, fs=None):
    """Write the report's files into out_dir (an existing, empty folder): report.json, beats.csv,
    events.csv, hourly.csv, and report.html (with signal strips when `signal` is given)."""
    from .report_html import report_html

    (out_dir / REPORT_FILE).write_text(report_json(report))
    report.beats.to_csv(out_dir / "beats.csv", index=False, float_format="%.6f")
    report.events.to_csv(out_dir / "events.csv", index=False, float_format="%.3f")
    report.hourly.to_csv(out_dir / "hourly.csv", index=False)
    (out_dir / "report.html").write_text(report_html(report, signal, fs))


def plural(n, one, many=None):
    """"1 episode", "2 episodes"."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def summary_lines(report):
    """A few lines for the terminal (report.json's null, too few intervals to compute a value, reads "none")."""
    def shown(value, unit=""):
        return "none" if value is None else f"{value}{unit}"

    s = report.summary
    hr, af, h = s["heart_rate"], s["atrial_fibrillation"], s["hrt"]
    lf_hf = s["hrv"]["lf_hf"] if s["hrv"]["lf_hf"] is not None else (
        f"none (no {hrv.SPECTRUM_S / 60:g}-minute window whose N-N intervals cover {hrv.SPECTRUM_COVER:.0%} of it)")
    turbulence = (f"TO {h['to_pct']}%, TS {h['ts_ms_per_rr']} ms per interval ({h['vpcs']} V beats)"
                  if h["to_pct"] is not None else f"none ({h['vpcs']} V beats qualify, {hrt.MIN_VPCS} needed)")
    noisy_min = seconds_under_noise(s) / 60
    return [f"{s['recording']['name']}: {s['duration_s'] / 3600:.2f} h, {s['analyzable_s'] / 3600:.2f} h analyzable "
            f"({plural(len(s['excluded']), 'excluded stretch', 'excluded stretches')}; {noisy_min:.1f} min of it under "
            f"noise), {s['beats']['total']} beats ("
            + " ".join(f"{c} {s['beats'][c]}" for c in CLASSES) + ")",
            f"  heart rate {shown(hr['min_bpm'])} / {shown(hr['mean_bpm'])} / {shown(hr['max_bpm'])} bpm "
            f"(min / mean / max; min and max over {s['rules']['hr_average_beats']} intervals)",
            *(f"  {c} {s['beats'][c]} ({e['burden_pct']}%): {plural(e['couplets'], 'couplet')}, "
              f"{plural(e['runs'], 'run')} "
              f"(longest {e['longest_run_beats']}; under noise {plural(e['noisy_couplets'], 'couplet')}, "
              f"{plural(e['noisy_runs'], 'run')}), {e['bigeminy_episodes']} bigeminy, "
              f"{e['trigeminy_episodes']} trigeminy"
              for c, e in (("V", s["ventricular"]), ("S", s["supraventricular"]))),
            f"  AF {plural(af['episodes'], 'episode')} ({af['burden_pct']}% of the analyzable time); "
            f"pauses {pause_counts(s['pauses'])}; "
            f"SDNN {shown(s['hrv']['sdnn_ms'], ' ms')}, RMSSD {shown(s['hrv']['rmssd_ms'], ' ms')}, LF / HF {lf_hf}; "
            f"HRT {turbulence}",
            f"  VF/flutter {plural(len(s['flutter']), 'episode')} "
            f"({sum(f['duration_s'] for f in s['flutter']):.1f} s); "
            f"bradycardia {plural(s['bradycardia']['episodes'], 'episode')} ({s['bradycardia']['burden_pct']}%), "
            f"tachycardia {plural(s['tachycardia']['episodes'], 'episode')} ({s['tachycardia']['burden_pct']}%)",
            *([f"  diary: {s['diary']['with_event']} of {s['diary']['read']} entries read have an event within "
               f"{s['diary']['window_s']:g} s"] if s["diary"] else []),
            *(f"  warning: {w}" for w in s["warnings"])]


def report_json(report):
    return json.dumps(report.summary, indent=2, default=_plain) + "\n"


def _plain(value):
    """numpy scalars -> Python numbers for json."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
