"""report.py on real records: gaps, lead-off and saturation are excluded instead of refusing the recording,
nothing is counted across them, and the outputs are complete, atomic and never overwritten by accident."""
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import wfdb

from conftest import MITDB, NSTDB, ROOT, SVDB, needs_mitdb, needs_nstdb, needs_svdb, run_main, run_script
from heartbeat import quality
from heartbeat.recording import check_signal
from heartbeat.clock import clock
from heartbeat.report import build_report
from heartbeat.sources import Recording, SignalError, read_wfdb

KEYS = {"duration_s", "analyzable_s", "excluded", "under_noise", "beats", "heart_rate", "ventricular", "supraventricular",
        "pauses", "hrv", "hrt", "diary", "hourly", "rules", "definitions", "model"}
ECTOPIC_KEYS = {"isolated", "couplets", "runs", "longest_run_beats", "fastest_run_bpm", "bigeminy_episodes",
                "trigeminy_episodes", "burden_pct"}


@pytest.fixture(scope="module")
def damaged_100(tmp_path_factory):
    """MIT-BIH 100 (no pause anywhere) with a 60-s gap at 600 s and a 20-s lead-off (flat) at 1200 s."""
    if not (MITDB / "100.hea").exists():
        pytest.skip("MIT-BIH records not found")
    sig = read_wfdb(MITDB / "100").signal.copy()
    sig[600 * 360:660 * 360] = np.nan
    sig[1200 * 360:1220 * 360] = sig[1200 * 360]
    path = tmp_path_factory.mktemp("signal") / "damaged.npy"
    np.save(path, sig)
    return path


@needs_mitdb
def test_report_around_a_gap_and_lead_off(damaged_100, tmp_path):
    out = tmp_path / "report"
    result = run_script("report.py", "--signal", damaged_100, "--fs", 360, "--out", out, "--start", "2026-12-01 23:50")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["recording"]["start"] == "2026-12-01 23:50:00"  # wall-clock times from --start
    assert pd.read_csv(out / "hourly.csv")["clock"].tolist() == ["2026-12-01 23:50:00"]
    events = pd.read_csv(out / "events.csv")
    assert list(events.columns[:3]) == ["type", "start_s", "clock"]  # 100 has no event; the clock's rows: below
    assert KEYS <= set(report) and ECTOPIC_KEYS <= set(report["ventricular"]) <= set(report["supraventricular"])
    excluded = {e["reason"]: e for e in report["excluded"]}
    assert excluded["gap"]["start_s"] == 600 and excluded["gap"]["end_s"] == 660
    assert 1199 <= excluded["lead-off"]["start_s"] <= 1200 and 1220 <= excluded["lead-off"]["end_s"] <= 1221
    assert report["duration_s"] - report["analyzable_s"] == pytest.approx(60 + 20 + 1, abs=1.5)
    assert report["pauses"] == []  # 100 has none, and the 60 s across the gap is none either
    assert report["hrv"]["sdnn_ms"] is not None and 60 < report["heart_rate"]["mean_bpm"] < 90
    # 100 is sinus rhythm: no atrial fibrillation, and the key says so
    assert report["atrial_fibrillation"] == {"episodes": 0, "total_s": 0.0, "longest_s": 0.0, "burden_pct": 0.0}
    beats = pd.read_csv(out / "beats.csv")
    inside = ((beats["time_s"] > 600) & (beats["time_s"] < 660)) | ((beats["time_s"] > 1200.5) & (beats["time_s"] < 1220))
    assert not inside.any()
    assert beats["segment"].nunique() == 3
    assert report["beats"]["total"] == len(beats) and 2000 < len(beats) < 2273  # 100 has 2273 beats
    hourly = pd.read_csv(out / "hourly.csv")
    assert hourly["beats"].sum() == len(beats) and len(hourly) == 1
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 2 and "http" not in page.split("<body>")[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder left behind
    # the same beats and excluded time as a WFDB annotation file, named after the recording
    ann = wfdb.rdann(str(out / "damaged"), "ai")
    is_beat = np.isin(ann.symbol, list("NSVFQ"))
    np.testing.assert_array_equal(ann.sample[is_beat], beats["sample"])
    unreadable = {note: sample for sample, symbol, subtype, note in zip(ann.sample, ann.symbol, ann.subtype,
                                                                        ann.aux_note) if symbol == "~" and subtype == -1}
    assert unreadable["gap"] == 600 * 360 and unreadable["lead-off"] / 360 == pytest.approx(
        excluded["lead-off"]["start_s"], abs=0.01)


@needs_mitdb
def test_report_refuses_to_overwrite(damaged_100, tmp_path):
    """An existing folder needs --force, and --force replaces only a report folder, never other data."""
    out = tmp_path / "report"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    result = run_main("report.py", "--signal", damaged_100, "--fs", 360, "--out", out)
    assert result.returncode == 1 and result.stderr.strip() == f"error: {out} exists; choose another folder or add --force"
    result = run_main("report.py", "--signal", damaged_100, "--fs", 360, "--out", out, "--force")
    assert result.returncode == 1 and "is not a report folder (no report.json)" in result.stderr
    assert (out / "mine.txt").read_text() == "keep"
    (out / "report.json").write_text("{}")  # an old report: --force replaces it whole
    result = run_script("report.py", "--signal", damaged_100, "--fs", 360, "--out", out, "--force")
    assert result.returncode == 0, result.stderr
    assert not (out / "mine.txt").exists() and json.loads((out / "report.json").read_text())["beats"]["total"] > 2000


@needs_mitdb
def test_clean_records_lose_nothing_but_clipping():
    """On the 48 MIT-BIH records only 116's amplifier clipping is excluded: three clips, each with 0.5 s
    before it and the amplifier's 3.2-s recovery after it."""
    excluded = {}
    for header in sorted(MITDB.glob("*.hea")):
        rec = check_signal(read_wfdb(header.with_suffix("")))
        if rec.excluded:
            excluded[header.stem] = [(e.reason, round((e.stop - e.start) / rec.fs, 1)) for e in rec.excluded]
    assert list(excluded) == ["116"]
    assert [r for r, _ in excluded["116"]] == ["saturation"] * 3 and all(3.7 < s < 6 for _, s in excluded["116"])


def test_unanalyzable_end_to_end_is_one_line():
    sig = np.full(3600 * 2, np.nan)
    sig[:1000] = np.sin(np.arange(1000))  # 2.8 s of signal, then a gap to the end
    with pytest.raises(SignalError, match="nothing to analyse: all 20.0 s are excluded \\(gap, short\\)"):
        check_signal(Recording(sig, 360.0, "x"))


def test_excluded_stretches_merge_and_leave_no_short_piece():
    fs = 100.0
    sig = np.sin(np.arange(6000) / 7.0)  # 60 s
    sig[1000:1100] = np.nan              # gap at 10 s
    sig[1300:1500] = 0.0                 # flat 2 s right after it: 2 s of ECG between them is too short
    found = quality.scan(sig, fs).excluded
    assert [(e.reason, e.start, e.stop) for e in found] == [("gap", 1000, 1100), ("short", 1100, 1250),
                                                            ("lead-off", 1250, 1550)]
    assert quality.analyzable_segments(len(sig), found) == [(0, 1000), (1550, 6000)]
    # overlapping marks (a noise window and an artifact interval) count their seconds once
    assert quality.union([(500, 600, "noise"), (550, 580, "artifact"), (700, 710, "gap")]) == [
        (500, 600, "noise"), (700, 710, "gap")]


@pytest.mark.parametrize("db, name", [pytest.param(MITDB, "207", marks=needs_mitdb, id="mitdb-207"),
                                      pytest.param(SVDB, "859", marks=needs_svdb, id="svdb-859")])
def test_windows_and_lazy_reading_give_the_beats_of_one_pass(monkeypatch, db, name):
    """Read lazily and detected in 2-minute windows, a record (207: flutter across a window border; SVDB 859:
    128 Hz, clipping) gives exactly the beats, flutter episodes and classes of a single pass over it."""
    from heartbeat import sources, windows
    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import beats_of, classify_recording

    path = db / name
    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]

    def run():
        rec = check_signal(read_wfdb(path))
        found = [beats_of(rec, a, b) for a, b in rec.segments]
        return rec, found, classify_recording(model, rec)

    one_rec, one, one_table = run()
    monkeypatch.setattr(windows, "DETECT_WINDOW_S", 120.0)
    monkeypatch.setattr(sources, "LAZY_S", 60.0)
    rec, windowed, table = run()
    assert isinstance(rec.signal, sources.WfdbSignal) and not isinstance(one_rec.signal, sources.WfdbSignal)
    assert rec.excluded == one_rec.excluded
    for a, b in zip(one, windowed):
        np.testing.assert_array_equal(a.peaks, b.peaks)
        assert a.flutter == b.flutter
        index = np.arange(len(a.samples))
        np.testing.assert_array_equal(a.beats(index), b.beats(index))
    pd.testing.assert_frame_equal(one_table, table)


@needs_mitdb
def test_scan_in_chunks_finds_what_one_chunk_finds(damaged_100, monkeypatch):
    """Gaps, lead-off and clipping across chunk borders are found whole, as in one chunk."""
    sig = np.load(damaged_100)
    sig[60 * 360 - 30:60 * 360 + 30] = np.nanmax(sig)  # 167 ms clipped, across a 20-s chunk border below
    one = quality.scan(sig, 360.0)
    monkeypatch.setattr(quality, "CHUNK_S", 20.0)
    chunked = quality.scan(sig, 360.0)
    assert chunked == one
    assert [e.reason for e in one.excluded] == ["saturation", "gap", "lead-off"]


@pytest.mark.parametrize("args, message", [
    (["--record", "nowhere/100"], "error: nowhere/100.hea: no such WFDB header"),
    (["--record", "nowhere/100", "--pause-s", "nan"], "error: --pause-s must be a number > 0, got nan"),
    (["--record", "nowhere/100", "--af-min-s", "0"], "error: --af-min-s must be a number >= 30, got 0.0"),
    (["--record", "nowhere/100", "--nn-filter-pct", "-5"], "error: --nn-filter-pct must be a number >= 0, got -5.0"),
    (["--record", "nowhere/100", "--brady-bpm", "120"], "error: --brady-bpm (120) must be below --tachy-bpm (100)"),
    (["--record", "nowhere/100", "--fs", "250"], "error: nowhere/100: --fs is for --signal; a WFDB or EDF header gives"),
    (["--record", "nowhere/100", "--start", "8 am"], "error: --start '8 am': expected HH:MM[:SS] or YYYY-MM-DD"),
    (["--record", "nowhere/100", "--diary-window-s", "0"], "error: --diary-window-s must be a number > 0, got 0.0"),
    (["--signal", "nowhere.npy"], "error: nowhere.npy: give the sampling rate with --fs HZ"),
])
def test_report_bad_input_is_one_line(tmp_path, args, message):
    result = run_main("report.py", *args, "--out", tmp_path / "out")
    assert result.returncode == 1 and result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


@needs_mitdb
@needs_nstdb
def test_noise_bursts_are_excluded_and_clean_time_is_not():
    """MIT-BIH 118 with two minutes of the noise stress test's electrode-motion noise at -6 dB: part of
    those minutes is excluded as noise (and, where the detector's check dropped the noise's detections, the
    long intervals left as artifacts, not pauses), nothing outside them is, and no beat is left there."""
    import wfdb

    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import classify_recording

    rec = read_wfdb(MITDB / "118", 0)
    noise = wfdb.rdrecord(str(NSTDB / "em"), channels=[0]).p_signal[:, 0]
    burst = slice(300 * 360, 420 * 360)
    qrs = np.median([np.ptp(rec.signal[r - 18:r + 18]) for r in rec.ref_samples[1:-1]])
    sig = rec.signal.copy()
    sig[burst] += 2 * noise[burst] * qrs / (2 * np.sqrt(2) * noise[burst].std())  # -6 dB as bench/noise_stress.py has it
    rec = Recording(sig, 360.0, "118 + em")
    table = classify_recording(load_checkpoint(ROOT / "models" / "recording.pt")[0], rec)
    noisy = [(e.start / 360, e.stop / 360) for e in rec.excluded if e.reason == "noise"]
    assert sum(b - a for a, b in noisy) >= 30  # of the 120 noisy seconds (50 when written)
    excluded = [(e.start / 360, e.stop / 360) for e in rec.excluded]
    assert {e.reason for e in rec.excluded} <= {"noise", "artifact"}
    assert all(295 <= a and b <= 425 for a, b in excluded)
    t = table["time_s"]
    for a, b in noisy:
        assert not ((t >= a) & (t < b)).any()
    for a, b in set(excluded) - set(noisy):  # artifacts: long intervals from one kept beat to the next ...
        inside = table[(t > a + 0.01) & (t < b - 0.01)]  # ... where two meet, the beat between them
        assert all((table["segment"] == seg).sum() == 1 for seg in inside["segment"])  # stands alone: no R-R
    assert not [p for p in build_report(table, rec).summary["pauses"] if 295 <= p["start_s"] <= 425]  # no false pause


def test_wall_clock_times_from_a_start_of_day_or_a_date():
    assert clock(None, 10.0) is None
    assert [clock(dt.time(23, 30), t) for t in (0.0, 1799.6, 1800.0, 86460.0)] == \
        ["23:30:00", "day 2 00:00:00", "day 2 00:00:00", "day 2 23:31:00"]  # whole seconds, rounded
    assert clock(dt.datetime(2026, 12, 31, 23, 0), 7200.0) == "2027-01-01 01:00:00"
    # in a report: each event at its start, each hour at its beginning
    table = pd.DataFrame({"time_s": np.arange(40) * 0.8, "class": ["N"] * 10 + ["V", "V"] + ["N"] * 28, "segment": 0})
    report = build_report(table, Recording(np.zeros(40 * 360), 360.0, "x", start=dt.time(23, 59, 55)))
    assert report.events[["type", "clock"]].values.tolist() == [["V couplet", "day 2 00:00:03"]]
    assert report.hourly["clock"].tolist() == ["23:59:55"] and report.summary["recording"]["start"] == "23:59:55"


@needs_mitdb
def test_a_wfdb_header_start_time_reaches_the_recording(tmp_path):
    """WFDB's optional base time and date on a header's first line ("100 2 360 650000 08:15:00 01/12/2026")."""
    for suffix in (".dat", ".hea"):
        (tmp_path / f"100{suffix}").write_bytes((MITDB / f"100{suffix}").read_bytes())
    assert read_wfdb(tmp_path / "100").start is None
    lines = (tmp_path / "100.hea").read_text().splitlines()
    (tmp_path / "100.hea").write_text("\n".join([lines[0] + " 08:15:00 01/12/2026"] + lines[1:]) + "\n")
    assert read_wfdb(tmp_path / "100").start == dt.datetime(2026, 12, 1, 8, 15)
    (tmp_path / "100.hea").write_text("\n".join([lines[0] + " 08:15:00"] + lines[1:]) + "\n")
    assert read_wfdb(tmp_path / "100").start == dt.time(8, 15)


def test_an_episode_joined_across_excluded_time_counts_only_analyzable_seconds():
    """Ten 35-s stretches at 120 bpm, each followed by 25 s of noise: one tachycardia episode (the gaps are under
    30 s), lasting its 350 analyzable seconds at 120 bpm, not 575 s at 74 bpm, and a burden of at most 100%."""
    times, segment, excluded = [], [], []
    for k in range(10):
        start = 60.0 * k
        times += list(start + np.arange(71) * 0.5)  # 70 intervals of 0.5 s: 35 s
        segment += [k] * 71
        excluded.append(quality.Excluded(int((start + 35.2) * 360), int((start + 59.8) * 360), "noise"))
    table = pd.DataFrame({"time_s": times, "class": "N", "segment": segment})
    report = build_report(table, Recording(np.zeros(600 * 360), 360.0, "x", excluded=excluded))
    tachy = report.events[report.events["type"] == "tachycardia"]
    assert len(tachy) == 1 and tachy["rate_bpm"].iloc[0] == pytest.approx(120.0)
    assert report.summary["tachycardia"]["total_s"] == pytest.approx(350.0, abs=6.0)
    assert report.summary["tachycardia"]["burden_pct"] <= 100.0


def test_each_pause_says_what_it_follows_or_that_it_lies_in_atrial_fibrillation():
    """A pause after a normal beat (a sinus pause or a block), one after a premature V beat (its compensatory
    pause), and one inside 40 s the pipeline marked as atrial fibrillation (its slow conduction)."""
    from heartbeat.report import pause_counts

    times = list(np.arange(21) * 0.8)                    # N beats to 16.0 s
    times += list(18.5 + np.arange(10) * 0.8)            # a 2.5-s pause after an N beat, N beats to 25.7 s
    times += [26.1] + list(28.3 + np.arange(10) * 0.8)   # a V beat at 26.1 s, a 2.2-s pause after it
    af_from = len(times)
    times += list(36.0 + np.cumsum(np.tile([0.6, 0.9, 0.7], 8)))   # irregular, to 89.6 s ...
    times += list(times[-1] + 2.3 + np.cumsum(np.tile([0.6, 0.9, 0.7], 6)))  # ... with a 2.3-s pause inside
    classes = np.array(["N"] * len(times), dtype=object)
    classes[31] = "V"
    af = np.zeros(len(times), dtype=bool)
    af[af_from:] = True
    table = pd.DataFrame({"time_s": times, "class": classes, "segment": 0, "af": af})
    pauses = build_report(table, Recording(np.zeros(int(times[-1] + 5) * 360), 360.0, "x")).summary["pauses"]
    assert [(p["start_s"], p["after"], p["in_af"]) for p in pauses] == [
        (16.0, "N", False), (26.1, "V", False), (pytest.approx(times[af_from + 23]), "N", True)]
    assert pause_counts(pauses) == "3 (1 after an N beat, 1 after a V beat, 1 in AF)"
    assert pause_counts([]) == "0"
