"""The pipeline's beats as a WFDB annotation file (heartbeat/annotations.py, predict.py --annotations)."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import wfdb
from wfdb.processing import compare_annotations

from conftest import MITDB, ROOT, needs_mitdb, run_main, run_script
from heartbeat import UserError
from heartbeat.annotations import annotation_marks, annotation_target, write_annotations
from heartbeat.events import Rules
from heartbeat.quality import Excluded

SAMPLE_RECORD = ROOT / "samples" / "recording" / "208_min15"


def table_of(samples, classes, af, segment=None):
    """A beats table whose samples are seconds (fs 1 Hz), so that AF episodes last their 30 s and more."""
    return pd.DataFrame({"sample": samples, "time_s": np.asarray(samples, dtype=float), "class": list(classes),
                         "af": af, "segment": np.zeros(len(samples), dtype=int) if segment is None else segment})


def recording(excluded, flutter, n_samples, fs=360.0):
    """What annotation_marks reads of a Recording."""
    return SimpleNamespace(excluded=excluded, flutter=flutter, signal=np.zeros(n_samples), fs=fs)


def marks_of(table, excluded, flutter, n_samples, rules=None):
    return list(annotation_marks(table, recording(excluded, flutter, n_samples), rules).itertuples(index=False,
                                                                                                   name=None))


def test_marks_of_beats_excluded_time_flutter_and_af():
    table = table_of([100, 200, 300, 400, 500, 600], "NVNNNS", [False, True, True, False, True, True])
    excluded = [Excluded(0, 50, "lead-off"), Excluded(650, 700, "gap"), Excluded(900, 1000, "noise")]
    assert marks_of(table, excluded, [(700, 800)], 1000) == [
        (0, "~", -1, "lead-off"), (50, "~", 0, ""),
        (100, "N", 0, ""),
        (200, "+", 0, "(AFIB"), (200, "V", 0, ""), (300, "N", 0, ""),
        (400, "+", 0, "(N"), (400, "N", 0, ""),  # AF ends at the next beat ...
        (500, "+", 0, "(AFIB"), (500, "N", 0, ""), (600, "S", 0, ""),
        (650, "+", 0, "(N"), (650, "~", -1, "gap"),  # ... or where excluded time begins; an unreadable mark last
        (700, "~", 0, ""), (700, "[", 0, ""),  # what ends at a sample comes before what begins there
        (800, "]", 0, ""),
        (900, "~", -1, "noise"),  # excluded to the end: nothing marks its end past the recording
    ]


def test_af_episodes_are_the_reports_and_unreadable_marks_pair_up():
    # AF in two segments on either side of a noise window: two episodes, the first ending where the noise begins
    table = table_of([100, 200, 300, 500, 600, 700], "NNNNNN", [True] * 6, segment=[0, 0, 0, 1, 1, 1])
    assert [m for m in marks_of(table, [Excluded(350, 450, "noise")], [], 1000) if m[1] != "N"] == [
        (100, "+", 0, "(AFIB"), (350, "+", 0, "(N"), (350, "~", -1, "noise"), (450, "~", 0, ""),
        (500, "+", 0, "(AFIB")]  # AF to the last beat and nothing after it: no end mark
    # AF whose last beat is where an artifact begins: that beat is still AF, the end mark comes after it
    table = table_of([100, 200, 300, 400, 500], "NNNNN", [True, True, True, False, False], segment=[0, 0, 0, 1, 1])
    assert marks_of(table, [Excluded(300, 400, "artifact")], [], 1000)[3:7] == [
        (300, "N", 0, ""), (300, "+", 0, "(N"), (300, "~", -1, "artifact"), (400, "~", 0, "")]
    # the episodes are the report's: with --af-min-s 300 a 200-s one is none
    assert not [m for m in marks_of(table, [], [], 1000, Rules(af_min_s=300)) if m[1] == "+"]
    # an artifact from one beat to the next: the beat, then the unreadable mark and at once its end, then the beat
    table = table_of([100, 200, 300], "NNN", [False] * 3, segment=[0, 0, 1])
    assert marks_of(table, [Excluded(200, 300, "artifact")], [], 1000) == [
        (100, "N", 0, ""), (200, "N", 0, ""), (200, "~", -1, "artifact"), (300, "~", 0, ""), (300, "N", 0, "")]
    # excluded time overlapping flutter keeps only its pieces outside the episode (bxb skips all inside [ ])
    table = table_of([100], "N", [False])
    assert marks_of(table, [Excluded(450, 800, "noise")], [(500, 700)], 1000)[1:] == [
        (450, "~", -1, "noise"), (500, "~", 0, ""), (500, "[", 0, ""), (700, "]", 0, ""), (700, "~", -1, "noise"),
        (800, "~", 0, "")]


def test_annotation_file_names(tmp_path):
    assert annotation_target(tmp_path / "208.ai") == (tmp_path, "208", "ai")
    for bad, says in [("208", "RECORD.ANNOTATOR"), ("208.a1", "letters only"), ("my ecg.ai", "my_ecg.ai"),
                      ("208.atr", "reference annotations"), ("208.ATR", "reference annotations"),
                      ("208.dat", "recording's own file"), ("208.EDF", "recording's own file")]:
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
    """The file holds exactly the beats of --out, and a 150-ms match with the reference like bxb's
    (wfdb.processing.compare_annotations) scores it as predict.py does."""
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

    again = run_main("predict.py", "--record", SAMPLE_RECORD, "--annotations", ann_path)
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr
    ann_path.write_bytes(b"a colleague's file")
    again = run_script("predict.py", "--record", SAMPLE_RECORD, "--annotations", ann_path, "--force")
    assert again.returncode == 0 and wfdb.rdann(str(tmp_path / "208_min15"), "ai").sample.tolist() == ann.sample.tolist()
    for args, says in [(["--annotations", tmp_path / "x.ai"], "use it with --record"),
                       (["--record", SAMPLE_RECORD, "--annotations", tmp_path / "208.atr"], "reference annotations"),
                       (["--record", SAMPLE_RECORD, "--annotations", out / "x.ai"], "is not a folder")]:
        proc = run_main("predict.py", *args)
        assert proc.returncode != 0 and says in proc.stderr and proc.stderr.count("\n") == 1


@needs_mitdb
@pytest.mark.slow
@pytest.mark.parametrize("record", ["201", "207"])
def test_annotations_of_records_with_fibrillation_flutter_and_excluded_time(tmp_path, record):
    """MIT-BIH 201 (atrial fibrillation, an artifact) and 207 (ventricular flutter, noise): the file's AF episodes
    are the report's, each unreadable mark is followed at once by its end (or ends the file), and no quality mark
    lies inside a flutter episode, as bxb reads them."""
    from heartbeat.events import Beats, Rules, af_events

    ann_path, out = tmp_path / f"{record}.ai", tmp_path / "beats.csv"
    proc = run_script("predict.py", "--record", MITDB / record, "--annotations", ann_path, "--out", out)
    assert proc.returncode == 0, proc.stderr
    ann, beats = wfdb.rdann(str(tmp_path / record), "ai"), pd.read_csv(out)
    symbols, subtypes, notes = np.asarray(ann.symbol), np.asarray(ann.subtype), np.asarray(ann.aux_note)
    af = af_events(Beats.from_table(beats), Rules())
    starts = ann.sample[notes == "(AFIB"]
    np.testing.assert_allclose(starts / 360, [start for _, start, *_ in af], atol=1e-5)  # beats.csv: 6 decimals
    ends = ann.sample[notes == "(N"]
    assert len(ends) >= len(af) - 1 and all(e / 360 > end for e, (_, _, end, *_) in zip(ends, af))
    assert (record == "201") == (len(af) >= 2)
    unreadable = np.flatnonzero((symbols == "~") & (subtypes == -1))
    assert len(unreadable) >= 1
    assert all(k == len(symbols) - 1 or (symbols[k + 1] == "~" and subtypes[k + 1] == 0) for k in unreadable)
    inside = np.cumsum(symbols == "[") - np.cumsum(symbols == "]")  # > 0 from a [ up to its ]
    assert (record == "207") == (symbols == "[").any() and not ((inside > 0) & (symbols == "~")).any()


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
    assert list(same["V"]) == [n_v, n_v, n_v] and same["af"][0] == same["af"][1] == same["af"][2] > 0

    symbols = np.asarray(ref.symbol, dtype=object)
    normal = np.flatnonzero(symbols == "N")
    symbols[normal[:5]] = "V"
    keep[normal[100:110]] = False
    keep[symbols == "+"] = False  # no rhythm marks: no AF found
    worse = write(symbols, keep)
    assert (worse["fn"], worse["fp"], worse["tp"]) == (10, 0, same["tp"] - 10)
    assert list(worse["V"]) == [n_v, n_v, n_v + 5]
    n_n = same["N"][1]
    assert list(worse["N"]) == [n_n - 15, n_n, n_n - 15]
    assert worse["af"][0] == 0 and worse["af"][2] == 0
