"""Continuous ECG -> beats: detection on real records, any sampling rate, and every bad input."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import signal as sps

from conftest import MITDB, ROOT, needs_mitdb, run_main, run_script
from heartbeat import CLASSES
from heartbeat.checkpoint import load_checkpoint
from heartbeat.detect import detect_beats, detect_r_peaks
from heartbeat.class_rules import no_f_between_v, no_s_in_af
from heartbeat.events import Beats, Rules, all_events
from heartbeat.recording import (beats_of, check_signal, classify_recording, read_span,
                                 reference_agreement)
from heartbeat.signal_file import read_signal_file
from heartbeat.sources import Recording, SignalError, open_recording, read_wfdb


@pytest.fixture(scope="module")
def shipped():
    return load_checkpoint(ROOT / "models" / "mitbih.pt")[0]


@needs_mitdb
@pytest.mark.parametrize("name", ["100", "208"])
def test_detection_on_real_records(shipped, name):
    rec = read_wfdb(MITDB / name)
    assert rec.channel == "MLII" and rec.fs == 360
    agree = reference_agreement(classify_recording(shipped, rec), rec)
    assert agree["se"] >= 0.99 and agree["ppv"] >= 0.99


@needs_mitdb
@pytest.mark.parametrize("name, beat_s", [("116", 1364.79), ("201", 1126.74)])
def test_a_gap_that_would_read_as_a_pause_is_searched_again(name, beat_s):
    """Two beats that were missed and read as 2 s pauses: a small beat after 116's baseline jump, and one
    of 201's aberrated APCs. Each left a gap under 1.5 x the slow mean R-R there, so no search-back ran;
    now any gap over SEARCHBACK_MAX_S gets one."""
    rec = read_wfdb(MITDB / name)
    found = detect_r_peaks(rec.signal, rec.fs) / rec.fs
    assert np.abs(found - beat_s).min() < 0.02


@needs_mitdb
def test_fast_ventricular_tachycardia_is_beats_and_flutter_is_not():
    """205's VT at 200-220 bpm has no quiet between its beats, like flutter, but steep QRS edges: its 7
    annotated V beats at 304.1-305.9 s are found (within 150 ms, as detections are matched) and no flutter
    episode is reported there. 207's flutter (sinusoidal waves, '!' in the annotations) at 269.8-276.6 s
    stays flutter, with no beats in it."""
    rec = read_wfdb(MITDB / "205")
    found, flutter = detect_beats(rec.signal, rec.fs)
    found = found / rec.fs
    vt = (rec.ref_samples / rec.fs)[(rec.ref_samples >= 304.0 * rec.fs) & (rec.ref_samples <= 306.0 * rec.fs)]
    assert len(vt) == 7 and np.abs(found[:, None] - vt[None, :]).min(axis=0).max() < 0.15
    assert not any(a < 306 * rec.fs and b > 304 * rec.fs for a, b in flutter)
    rec = read_wfdb(MITDB / "207")
    found, flutter = detect_beats(rec.signal, rec.fs)
    found = found / rec.fs
    assert any(a < 271 * rec.fs and b > 276 * rec.fs for a, b in flutter)
    assert not ((found > 270.5) & (found < 276)).any()


@needs_mitdb
def test_other_sampling_rates_give_the_same_beats(tmp_path):
    rec = read_wfdb(MITDB / "100")
    seg = rec.signal[: 120 * 360]  # two minutes
    found = beats_of(check_signal(Recording(seg, 360.0, "100")))
    ref_samples = found.samples
    for fs, up, down in ((250, 25, 36), (500, 25, 18)):
        sig = sps.resample_poly(seg, up, down)
        path = tmp_path / f"ecg{fs}.csv"
        np.savetxt(path, sig, fmt="%.5f", header="ecg_mV", comments="")
        samples = beats_of(check_signal(read_signal_file(path, fs))).samples
        times, ref_times = samples / fs, ref_samples / 360
        assert abs(len(times) - len(ref_times)) <= 1
        nearest = np.abs(times[:, None] - ref_times[None, :]).min(axis=1)
        assert np.median(nearest) <= 0.003  # same beats, within a sample of the 360 Hz grid
        assert (nearest < 0.05).mean() > 0.99


def make(sig, fs=360.0):
    return Recording(np.asarray(sig, dtype=np.float64), fs, "x")


def test_bad_signals():
    rng = np.random.default_rng(0)
    ok = rng.normal(size=3600)
    with pytest.raises(SignalError, match="sampling rate 50 Hz is implausible"):
        check_signal(make(ok, 50))
    with pytest.raises(SignalError, match="flat"):
        check_signal(make(np.ones(3600)))
    with pytest.raises(SignalError, match="at least 5 s"):
        check_signal(make(ok[:1000]))
    gap = ok.copy()
    gap[1000:1100] = np.nan  # a gap is excluded, not refused (tests/test_report.py has real records)
    rec = check_signal(make(gap))
    # the 2.8 s before it are too few to detect beats in
    assert [(e.reason, e.start, e.stop) for e in rec.excluded] == [("short", 0, 1000), ("gap", 1000, 1100)]
    assert rec.segments == [(1100, 3600)]
    glitch = ok.copy()
    glitch[500] = np.nan  # a single missing sample is interpolated
    assert np.isfinite(read_span(check_signal(make(glitch)).signal, 0, 3600)).all()
    with pytest.raises(SignalError, match="found 0 beats|found [0-3] beats"):
        beats_of(check_signal(make(np.sin(np.arange(3600) / 1000))))


def test_bad_signal_files(tmp_path):
    with pytest.raises(SignalError, match="--fs"):
        read_signal_file(tmp_path / "a.csv", None)
    with pytest.raises(SignalError, match="no such file"):
        read_signal_file(tmp_path / "a.csv", 250)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SignalError, match="empty"):
        read_signal_file(tmp_path / "empty.csv", 250)
    (tmp_path / "text.csv").write_text("mV\n0.1\n0.2\nabc\n0.3\n")
    with pytest.raises(SignalError, match="line 4: 'abc' is not a number"):
        read_signal_file(tmp_path / "text.csv", 250)
    (tmp_path / "header.csv").write_text("just a note\n")  # one line of text: read as a header, nothing left
    with pytest.raises(SignalError, match="no numbers, only a header line"):
        read_signal_file(tmp_path / "header.csv", 250)
    (tmp_path / "two.csv").write_text("0.1,0.2\n0.3,0.4\n")
    with pytest.raises(SignalError, match="2 columns"):
        read_signal_file(tmp_path / "two.csv", 250)
    np.save(tmp_path / "m.npy", np.zeros((3, 3)))
    with pytest.raises(SignalError, match="1-D numeric array"):
        read_signal_file(tmp_path / "m.npy", 250)
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf0.1\n0.2\n0.3\n")  # Excel's "CSV UTF-8": no header
    assert np.array_equal(read_span(read_signal_file(tmp_path / "bom.csv", 250).signal, 0, 3), [0.1, 0.2, 0.3])
    # a blank line is a missing sample (a spreadsheet's empty cell), kept in its place; blank lines at the end are none
    (tmp_path / "blank.csv").write_text("mV\n0.1\n\n\n0.4\n0.5\n\n\n")
    got = np.asarray(read_signal_file(tmp_path / "blank.csv", 250).signal)
    np.testing.assert_array_equal(got, [0.1, np.nan, np.nan, 0.4, 0.5])
    (tmp_path / "first.csv").write_text("\n\nmV\n0.1\n0.2\n")  # blank lines before the header: none either
    np.testing.assert_array_equal(np.asarray(read_signal_file(tmp_path / "first.csv", 250).signal), [0.1, 0.2])
    (tmp_path / "late.csv").write_text("\nmV\n0.1\nabc\n0.3\n\n\n")  # the line named is the file's own
    with pytest.raises(SignalError, match="late.csv line 4: 'abc' is not a number"):
        read_signal_file(tmp_path / "late.csv", 250)
    for name, text in (("semicolon.csv", "time;II\n0,004;-1,04\n"), ("comma.csv", "-0,84\n-0,85\n")):
        (tmp_path / name).write_text(text)  # a spreadsheet's European CSV
        with pytest.raises(SignalError, match="semicolons or decimal commas .* '.' as the decimal mark"):
            read_signal_file(tmp_path / name, 250)
    for shape in ((4, 1), (1, 4)):  # one column or one row of an array: the signal, in order
        np.save(tmp_path / "col.npy", np.arange(4.0).reshape(shape))
        got = read_span(read_signal_file(tmp_path / "col.npy", 250).signal, 0, 4)
        np.testing.assert_array_equal(got, np.arange(4.0))
    (tmp_path / "ecg.mat").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SignalError, match="ecg.mat: not a text file; a signal file is a one-column CSV or a 1-D .npy"):
        read_signal_file(tmp_path / "ecg.mat", 250)
    with pytest.raises(SignalError, match="--channel picks a channel of a WFDB record or EDF file"):
        open_recording(signal=tmp_path / "bom.csv", fs=250, channel="V5")


@needs_mitdb
def test_bad_records(tmp_path):
    with pytest.raises(SignalError, match="no such WFDB header"):
        read_wfdb(tmp_path / "nothing")
    with pytest.raises(SignalError, match="is a folder; give one record's path without extension, or run batch.py"):
        read_wfdb(MITDB)
    np.save(tmp_path / "ecg.npy", np.zeros(10))
    with pytest.raises(SignalError, match="ecg.npy: a signal file goes with --signal and --fs HZ"):
        read_wfdb(tmp_path / "ecg.npy")
    with pytest.raises(SignalError, match="no channel 'V9'; channels: MLII, V5"):
        read_wfdb(MITDB / "100", "V9")
    with pytest.raises(SignalError, match="channel 5 out of range"):
        read_wfdb(MITDB / "100", "5")
    assert read_wfdb(MITDB / "114").channel == "MLII"  # MLII is the second channel there
    for ext in ("hea", "dat"):
        (tmp_path / f"r.{ext}").write_bytes((MITDB / f"100.{ext}").read_bytes())
    (tmp_path / "r.hea").write_text((MITDB / "100.hea").read_text().replace("100", "r"))
    (tmp_path / "r.atr").write_bytes(b"\xff" * 50)
    with pytest.raises(SignalError, match="r.atr: unreadable annotations"):
        read_wfdb(tmp_path / "r")
    assert read_wfdb(MITDB / "114", "0").channel == "V5"


@needs_mitdb
@pytest.mark.slow
def test_predict_script_on_a_record_and_a_signal(tmp_path):
    out = tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", MITDB / "100", "--out", out, "--plot", tmp_path / "s.png")
    assert proc.returncode == 0, proc.stderr
    assert "detection Se 1.0000" in proc.stdout or "detection Se 0.99" in proc.stdout
    assert proc.stdout.startswith(f"model {Path('models') / 'recording.pt'}:")  # the default for recordings
    header = out.read_text().splitlines()[0]
    assert header == "sample,time_s,segment,af,class,class_index,p_N,p_S,p_V,p_F,p_Q"
    assert (tmp_path / "s.png").stat().st_size > 10_000
    sig = read_wfdb(MITDB / "100").signal[: 60 * 360]
    np.save(tmp_path / "ecg.npy", sps.resample_poly(sig, 25, 36))
    proc = run_script("predict.py", "--signal", tmp_path / "ecg.npy", "--fs", 250)
    assert proc.returncode == 0, proc.stderr
    assert "60.0 s at 250 Hz" in proc.stdout
    proc = run_main("predict.py", "--signal", tmp_path / "ecg.npy")
    assert proc.returncode != 0 and "--fs" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_scripts_allocator_settings_are_accepted():
    """mallopt refuses values out of its range (a 32 MB mmap threshold is glibc's largest): both settings
    must be taken, or the scripts' speed-up silently does not happen."""
    from heartbeat.allocator import keep_freed_memory

    assert keep_freed_memory() is True


def test_no_beat_is_atrial_premature_inside_atrial_fibrillation():
    rng = np.random.default_rng(3)
    rr = np.r_[np.full(100, 0.8), rng.uniform(0.4, 1.0, 200), np.full(100, 0.8)]  # AF from about 80 s to 220 s
    times = np.r_[0, np.cumsum(rr)]
    classes = np.array(["N"] * len(times), dtype=object)
    early = [50, 150, 160, 170, 250, 350]  # S calls: in sinus rhythm (50, 350) and inside the fibrillation
    classes[early] = "S"
    p_s = rng.uniform(0.5, 1.0, len(times))
    table = pd.DataFrame({"sample": np.round(times * 360).astype(int), "time_s": times, "segment": 0,
                          "class": classes, "class_index": [1 if c == "S" else 0 for c in classes], "p_S": p_s})
    out = no_s_in_af(table.copy(), np.random.default_rng(4).normal(0, 0.02, int((times[-1] + 2) * 360)), 360.0)
    assert list(out.columns[:4]) == ["sample", "time_s", "segment", "af"]
    assert out["af"][150] and out["af"][250] and not out["af"][50] and not out["af"][350]
    assert list(out["class"][early]) == ["S", "N", "N", "N", "N", "S"]
    assert list(out["class_index"][early]) == [1, 0, 0, 0, 0, 1]
    np.testing.assert_array_equal(out["p_S"], p_s)  # the model's probabilities stay as they were
    # the report reads its AF episodes from the af column: they are its runs, and no S event lies inside one
    _, _, events = all_events(Beats.from_table(out), Rules())
    af = events[events["type"] == "AF"]
    marked = out["time_s"][out["af"]]
    assert len(af) == 1 and af["start_s"].iloc[0] == marked.min() and af["end_s"].iloc[0] == marked.max()
    s_times = out["time_s"][out["class"] == "S"]
    assert not ((s_times >= marked.min()) & (s_times <= marked.max())).any()


def test_an_f_beat_between_two_v_beats_of_its_segment_is_v():
    classes = list("NVFVFVNFVFFVNVF") + list("VFV")
    segment = [0] * 15 + [1, 2, 2]  # the last V-F-V spans two segments: no triple
    p_f = np.linspace(0.1, 0.9, len(classes))
    table = pd.DataFrame({"time_s": np.arange(len(classes), dtype=float), "segment": segment, "class": classes,
                          "class_index": [CLASSES.index(c) for c in classes], "p_F": p_f})
    out = no_f_between_v(table.copy())
    # V-F-V-F-V becomes V throughout (one pass on the classes before it); N-F-V, V-F-F-V, the last beat of a
    # segment (whose next V lies in the next segment) and a triple across segments stay
    assert "".join(out["class"]) == "NVVVVVNFVFFVNVF" + "VFV"
    assert list(out["class_index"]) == [CLASSES.index(c) for c in out["class"]]
    np.testing.assert_array_equal(out["p_F"], p_f)  # the model's probabilities stay as they were


def test_a_wrong_sampling_rate_is_warned_about():
    """The shipped sample read at its own rate: no warning; its samples taken for four times as many per second (a
    1000 Hz file given --fs 250): a median heart rate under 30 bpm, and a warning that names the rate."""
    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]
    sample = read_wfdb(ROOT / "samples" / "recording" / "208_min15")
    classify_recording(model, sample)
    assert sample.warnings == []
    at_1440 = sps.resample_poly(np.asarray(sample.signal[:], dtype=np.float64), 4, 1)
    slow = Recording(at_1440, sample.fs, "x")  # read at 360 Hz
    table = classify_recording(model, slow)
    assert len(table) > 20 and len(slow.warnings) == 1
    assert slow.warnings[0].startswith("the median heart rate is ") and "the sampling rate (360 Hz) is wrong" in \
        slow.warnings[0]


def test_flutter_pieces_join_and_noise_gives_way_to_them():
    """Two flutter episodes less than 10 s apart with no beat read and no gap, lead-off or saturation between them are
    one episode; a noise stretch loses the episodes' time; other reasons are left alone (samples at 100 Hz)."""
    from heartbeat.quality import Excluded, join_flutter

    flutter = [(1000, 1500), (2200, 3000), (5000, 5500), (6000, 6400), (7000, 7300), (8000, 8200), (20000, 21000)]
    beats = np.array([100, 5800, 7300, 9000])  # a beat between the 3rd and 4th episode, one where the 5th ends
    excluded = [Excluded(800, 2500, "noise"), Excluded(2600, 2700, "artifact"), Excluded(2900, 4000, "noise"),
                Excluded(6500, 6600, "lead-off")]  # no signal between the 4th and 5th: VF may have stopped there
    joined, kept = join_flutter(flutter, excluded, beats, 100.0)
    assert joined == [(1000, 3000), (5000, 5500), (6000, 6400), (7000, 7300), (8000, 8200), (20000, 21000)]
    assert kept == [Excluded(800, 1000, "noise"), Excluded(2600, 2700, "artifact"), Excluded(3000, 4000, "noise"),
                    Excluded(6500, 6600, "lead-off")]  # the 7th starts 118 s after the 6th: apart


@needs_mitdb
def test_ventricular_flutter_is_reported_as_flutter_not_noise():
    """MIT-BIH 207's flutter fills the QRS band as noise does: none of its time is excluded as noise, and its
    annotated 98-s episode (1,540.8-1,638.7 s) is one episode, not pieces around the noise windows."""
    rec = read_wfdb(MITDB / "207")
    classify_recording(load_checkpoint(ROOT / "models" / "recording.pt")[0], rec)
    noise = [(e.start, e.stop) for e in rec.excluded if e.reason == "noise"]
    assert not any(a < d and c < b for a, b in rec.flutter for c, d in noise)
    inside = [(a / rec.fs, b / rec.fs) for a, b in rec.flutter if a < 1638.7 * rec.fs and b > 1540.8 * rec.fs]
    assert len(inside) == 1 and inside[0][1] - inside[0][0] > 80
