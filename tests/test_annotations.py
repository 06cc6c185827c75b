"""The pipeline's beats as a WFDB annotation file (heartbeat/annotations.py, predict.py --annotations)."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import wfdb
from wfdb.processing import compare_annotations

from conftest import MITDB, ROOT, needs_mitdb, run_script
from heartbeat import UserError
from heartbeat.annotations import annotation_marks, annotation_target, write_annotations
from heartbeat.quality import Excluded

SAMPLE_RECORD = ROOT / "samples" / "recording" / "208_min15"


def table_of(samples, classes, af):
    return pd.DataFrame({"sample": samples, "class": list(classes), "af": af})


def recording(excluded, flutter, n_samples, fs=360.0):
    """What annotation_marks reads of a Recording."""
    return SimpleNamespace(excluded=excluded, flutter=flutter, signal=np.zeros(n_samples), fs=fs)


def test_marks_of_beats_excluded_time_flutter_and_af():
    table = table_of([100, 200, 300, 400, 500, 600], "NVNNNS", [False, True, True, False, True, True])
    excluded = [Excluded(0, 50, "lead-off"), Excluded(650, 700, "gap"), Excluded(900, 1000, "noise")]
    marks = annotation_marks(table, recording(excluded, [(700, 800)], 1000))
    got = list(marks.itertuples(index=False, name=None))
    assert got == [
        (0, "~", -1, "lead-off"), (50, "~", 0, ""),
        (100, "N", 0, ""),
        (200, "+", 0, "(AFIB"), (200, "V", 0, ""), (300, "N", 0, ""),
        (400, "+", 0, "(N"), (400, "N", 0, ""),
        (500, "+", 0, "(AFIB"), (500, "N", 0, ""), (600, "S", 0, ""),  # AF to the last beat: no end mark
        (650, "~", -1, "gap"),
        (700, "~", 0, ""), (700, "[", 0, ""),  # what ends at a sample comes before what begins there
        (800, "]", 0, ""),
        (900, "~", -1, "noise"),  # excluded to the end: nothing marks its end past the recording
    ]
    # AF that excluded time interrupts ends where that begins, not at the next beat after it
    table = table_of([100, 200, 300, 900], "NNNN", [True, True, True, False])
    marks = annotation_marks(table, recording([Excluded(400, 800, "gap")], [], 1000))
    assert [m for m in marks.itertuples(index=False, name=None) if m[1] in "+~"] == [
        (100, "+", 0, "(AFIB"), (400, "~", -1, "gap"), (400, "+", 0, "(N"), (800, "~", 0, "")]


def test_annotation_file_names(tmp_path):
    assert annotation_target(tmp_path / "208.ai") == (tmp_path, "208", "ai")
    for bad, says in [("208", "RECORD.ANNOTATOR"), ("208.a1", "letters only"), ("my ecg.ai", "my_ecg.ai"),
                      ("208.atr", "reference annotations")]:
        with pytest.raises(UserError, match=says):
            annotation_target(tmp_path / bad)


def test_written_file_reads_back_and_leaves_nothing_else(tmp_path):
    table = table_of([10, 20, 30], "NVN", [False, False, False])
    write_annotations(tmp_path / "out" / "r1.ai", table, recording([Excluded(35, 40, "noise")], [], 50, fs=128))
    ann = wfdb.rdann(str(tmp_path / "out" / "r1"), "ai")
    assert list(ann.sample) == [10, 20, 30, 35, 40] and ann.symbol == ["N", "V", "N", "~", "~"]
    assert list(ann.subtype) == [0, 0, 0, -1, 0] and ann.aux_note[3] == "noise" and ann.fs == 128
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["r1.ai"]  # no temporary file or folder left


def test_predict_writes_the_beats_as_annotations(tmp_path):
    """The file holds exactly the beats of --out, and the standard comparison with the reference (bxb's
    matching, wfdb.processing.compare_annotations, 150 ms) scores it as predict.py does."""
    ann_path, out = tmp_path / "208_min15.ai", tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", SAMPLE_RECORD, "--annotations", ann_path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    ann, beats = wfdb.rdann(str(tmp_path / "208_min15"), "ai"), pd.read_csv(out)
    assert ann.fs == 360
    is_beat = np.isin(ann.symbol, list("NSVFQ"))
    np.testing.assert_array_equal(ann.sample[is_beat], beats["sample"])
    assert list(np.asarray(ann.symbol)[is_beat]) == list(beats["class"])
    ref = wfdb.rdann(str(SAMPLE_RECORD), "atr")
    ref_beats = ref.sample[np.isin(ref.symbol, list("NLRBAaJSVrFejnE/fQ?"))][:-1]  # the last beat is never cut
    cmp = compare_annotations(ref_beats, ann.sample[is_beat], int(0.15 * 360))
    assert f"detection Se {cmp.tp / (cmp.tp + cmp.fn):.4f} +P {cmp.tp / (cmp.tp + cmp.fp):.4f}" in proc.stdout

    again = run_script("predict.py", "--record", SAMPLE_RECORD, "--annotations", ann_path)
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr
    for args, says in [(["--annotations", tmp_path / "x.ai"], "use it with --record"),
                       (["--record", SAMPLE_RECORD, "--annotations", tmp_path / "208.atr"], "reference annotations")]:
        proc = run_script("predict.py", *args)
        assert proc.returncode != 0 and says in proc.stderr and proc.stderr.count("\n") == 1


@needs_mitdb
@pytest.mark.slow
def test_annotations_of_a_record_with_fibrillation_and_excluded_time(tmp_path):
    """MIT-BIH 201 (atrial fibrillation, an artifact): the file's AF and unreadable marks pair up, and its AF
    episodes are the beats table's (the af column)."""
    ann_path, out = tmp_path / "201.ai", tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", MITDB / "201", "--annotations", ann_path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    ann, beats = wfdb.rdann(str(tmp_path / "201"), "ai"), pd.read_csv(out)
    notes = [a for s, a in zip(ann.symbol, ann.aux_note) if s == "+"]
    af = beats["af"].to_numpy()
    starts = beats["sample"][af & ~np.r_[False, af[:-1]]]
    assert notes[::2] == ["(AFIB"] * len(starts) and set(notes[1::2]) <= {"(N"} and len(starts) >= 2
    np.testing.assert_array_equal(ann.sample[np.asarray(ann.aux_note) == "(AFIB"], starts)
    quality = np.asarray(ann.subtype)[np.asarray(ann.symbol) == "~"]
    assert len(quality) >= 2 and (quality[::2] == -1).all() and (quality[1::2] == 0).all()


@needs_mitdb
def test_scoring_annotation_files_against_the_reference(tmp_path):
    """bench/score_annotations.py on MIT-BIH 201's reference written back as a test file: everything found; then
    with 10 beats dropped, 5 N beats called V and the AF marks removed, exactly those errors."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from score_annotations import score_record

    ref = wfdb.rdann(str(MITDB / "201"), "atr")
    keep = np.ones(len(ref.sample), dtype=bool)

    def write(symbols, keep):
        wfdb.wrann("201", "ai", ref.sample[keep], symbol=list(np.asarray(symbols)[keep]),
                   aux_note=[a.strip("\x00") for a in np.asarray(ref.aux_note, dtype=object)[keep]],
                   fs=ref.fs, write_dir=str(tmp_path))
        return score_record(MITDB / "201", tmp_path / "201", "ai")

    same = write(ref.symbol, keep)
    n_v = int(np.sum(np.asarray(ref.symbol) == "V"))
    assert (same["fn"], same["fp"]) == (0, 0) and same["tp"] > 1900
    assert list(same["V"]) == [n_v, n_v, n_v, n_v] and same["af"][0] == same["af"][1] == same["af"][2] > 0

    symbols = np.asarray(ref.symbol, dtype=object)
    normal = np.flatnonzero(symbols == "N")
    symbols[normal[:5]] = "V"
    keep[normal[100:110]] = False
    keep[symbols == "+"] = False  # no rhythm marks: no AF found
    worse = write(symbols, keep)
    assert (worse["fn"], worse["fp"], worse["tp"]) == (10, 0, same["tp"] - 10)
    assert list(worse["V"]) == [n_v, n_v, n_v, n_v + 5]
    n_n = same["N"][1]
    assert list(worse["N"]) == [n_n - 15, n_n, n_n - 15, n_n - 15]
    assert worse["af"][0] == 0 and worse["af"][2] == 0
