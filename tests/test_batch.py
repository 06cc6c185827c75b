"""batch.py: a folder of real records on a 2-worker Dask cluster gives the beats of the single-process
pipeline; a broken recording fails its own row; a rerun skips what is finished."""
import json

import numpy as np
import pandas as pd
import pytest
import wfdb

from conftest import MITDB, ROOT, needs_mitdb, run_main, run_script

RECORDS = ("100", "208")


@pytest.fixture
def folder(tmp_path):
    if not (MITDB / "100.hea").exists():
        pytest.skip("MIT-BIH records not found")
    src = tmp_path / "in"
    src.mkdir()
    for name in RECORDS:
        for ext in ("hea", "dat", "atr"):
            (src / f"{name}.{ext}").symlink_to(MITDB / f"{name}.{ext}")
    (src / "broken.csv").write_text("mV\n0.1\nabc\n")
    from heartbeat.sources import read_wfdb

    np.save(src / "ecg.npy", -read_wfdb(MITDB / "100").signal[:120 * 360])  # upside down: a warning
    (src / "ecg.json").write_text(json.dumps({"fs": 360}))
    return src


@needs_mitdb
@pytest.mark.slow
def test_batch_on_a_dask_cluster(folder, tmp_path):
    from dask.distributed import LocalCluster

    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import classify_recording
    from heartbeat.sources import read_wfdb

    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_script("batch.py", folder, "--out", out, "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    index = pd.read_csv(out / "index.csv").set_index("name")
    assert index.loc[list(RECORDS) + ["ecg"], "status"].eq("ok").all()
    assert index.loc["broken", "status"] == "failed" and "no sampling rate; give --fs or a sidecar broken.json" in \
        index.loc["broken", "reason"]
    assert not (out / "broken").exists()
    model = load_checkpoint(ROOT / "models" / "recording.pt")[0]
    for name in RECORDS:  # the same beats and classes as one process gives
        alone = classify_recording(model, read_wfdb(MITDB / name))
        batch = pd.read_csv(out / name / "beats.csv")
        np.testing.assert_array_equal(batch["sample"], alone["sample"])
        assert (batch["class"] == alone["class"]).all()
        ann = wfdb.rdann(str(out / name / name), "ai")  # and the same beats as a WFDB annotation file
        is_beat = np.isin(ann.symbol, list("NSVFQ"))
        np.testing.assert_array_equal(ann.sample[is_beat], alone["sample"])
        assert list(np.asarray(ann.symbol)[is_beat]) == list(alone["class"])
        assert index.loc[name, "beats"] == len(alone)
    assert index.loc["ecg", "duration_s"] == 120.0
    assert index.loc["ecg", "warnings"].startswith("the lead points down") and index["warnings"].isna().sum() == 3
    assert "  warning ecg: the lead points down" in result.stdout

    # a rerun on a local cluster retries only broken.csv: now with a rate, and still broken
    again = run_script("batch.py", folder, "--out", out, "--workers", 1, "--fs", 360)
    assert again.returncode == 0, again.stderr
    assert "3 done before, 1 failed" in again.stdout and "'abc' is not a number" in again.stdout
    assert "  warning ecg: the lead points down" in again.stdout  # read back from the finished recording
    # asked for reports now, the finished recordings are not kept as if they had them
    index_before = (out / "index.csv").read_bytes()
    again = run_main("batch.py", folder, "--out", out, "--workers", 1, "--report")
    assert again.returncode == 1 and again.stderr.strip() == (f"error: {out / '100'} was made with other options "
                                                              "(report False -> True); --force redoes every "
                                                              "recording, or give another --out")
    assert (out / "index.csv").read_bytes() == index_before


def test_a_rerun_keeps_only_results_made_as_it_asks(tmp_path):
    """A finished recording is kept by a rerun that asks for what made it (a report serves a run without one);
    another model or channel stops the run; results from before options were stored are kept."""
    from heartbeat import UserError
    from heartbeat.batch import RESULT_FILE, Job, finished, job_options

    job = Job("100", "in/100", channel="MLII")
    (tmp_path / "model.pt").write_bytes(b"weights")
    (tmp_path / "other.pt").write_bytes(b"other weights")
    (tmp_path / "100").mkdir()
    made = job_options(job, tmp_path / "model.pt", report=True)
    (tmp_path / "100" / RESULT_FILE).write_text(json.dumps({"name": "100", "status": "ok", "options": made}))
    assert finished(tmp_path, job, made) == {"name": "100", "status": "done before"}
    assert finished(tmp_path, job, job_options(job, tmp_path / "model.pt", report=False))["status"] == "done before"
    with pytest.raises(UserError, match=r"other options \(model [0-9a-f]{12} -> [0-9a-f]{12}\)"):
        finished(tmp_path, job, job_options(job, tmp_path / "other.pt", report=True))
    (tmp_path / "moved").mkdir()  # the same model elsewhere (a checkout moved) is the same model
    (tmp_path / "moved" / "model.pt").write_bytes(b"weights")
    assert finished(tmp_path, job, job_options(job, tmp_path / "moved" / "model.pt", report=True))
    with pytest.raises(UserError, match=r"other options \(channel MLII -> V1, second_channel None -> V5\)"):
        finished(tmp_path, job, job_options(Job("100", "in/100", channel="V1", second="V5"), tmp_path / "model.pt",
                                            report=True))
    (tmp_path / "100" / RESULT_FILE).write_text(json.dumps({"name": "100", "status": "ok"}))
    assert finished(tmp_path, job, made)["status"] == "done before"
    assert finished(tmp_path, Job("208", "in/208"), made) is None


def test_batch_bad_input_is_one_line(tmp_path):
    result = run_main("batch.py", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert result.returncode == 1 and result.stderr.strip() == f"error: {tmp_path / 'nowhere'}: no such folder"
    (tmp_path / "empty").mkdir()
    result = run_main("batch.py", tmp_path / "empty", "--out", tmp_path / "out")
    assert result.returncode == 1 and "no recordings" in result.stderr
    result = run_script("batch.py", tmp_path / "empty", "--out", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    # every recording failed: the summary, then an exit code a calling script can see
    (tmp_path / "nofs").mkdir()
    np.save(tmp_path / "nofs" / "ecg.npy", np.zeros(3600))
    result = run_script("batch.py", tmp_path / "nofs", "--out", tmp_path / "out", "--workers", 1)
    assert result.returncode == 1 and "1 recordings: 1 failed" in result.stdout and "no sampling rate" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "error: all 1 recordings failed"


def test_a_json_sidecar_gives_the_rate_or_one_line(tmp_path):
    """A signal's sidecar gives its rate; one without "fs" leaves --fs; one that is not a JSON object stops the
    run in one line before any recording is read."""
    from heartbeat import UserError
    from heartbeat.batch import find_recordings

    for name in ("a", "b"):
        np.save(tmp_path / f"{name}.npy", np.zeros(10))
    (tmp_path / "a.json").write_text(json.dumps({"fs": 250}))
    (tmp_path / "b.json").write_text(json.dumps({"patient": "x"}))
    assert [(j.name, j.fs) for j in find_recordings(tmp_path, fs=360)] == [("a", 250), ("b", 360)]
    from heartbeat.batch import run_job

    row = run_job(find_recordings(tmp_path)[1], tmp_path / "out", ROOT / "models" / "recording.pt")
    assert row["status"] == "failed" and row["reason"].endswith('no sampling rate; give --fs or an "fs" in its '
                                                               'sidecar b.json {"fs": HZ}')
    (tmp_path / "b.json").write_text("{fs: 360}")
    with pytest.raises(UserError, match=r"b.json: not a readable JSON sidecar \(Expecting property name"):
        find_recordings(tmp_path, fs=360)
    (tmp_path / "b.json").write_text('{"fs": "250"}')
    with pytest.raises(UserError, match='b.json: "fs" must be a number of samples per second, got \'250\''):
        find_recordings(tmp_path, fs=360)
    (tmp_path / "b.json").write_text("[360]")
    with pytest.raises(UserError, match=r"b.json: a JSON sidecar is an object such as \{\"fs\": HZ\}, not a list"):
        find_recordings(tmp_path, fs=360)


@needs_mitdb
def test_a_second_channel_reaches_every_record(folder, tmp_path):
    """--second-channel applies to the WFDB records (a record without it fails its own row, with the reason);
    the beats are those of predict.py --second-channel."""
    from heartbeat.batch import find_recordings, run_job
    from heartbeat.checkpoint import load_checkpoint
    from heartbeat.recording import classify_recording
    from heartbeat.sources import read_wfdb

    jobs = {j.name: j for j in find_recordings(folder, channel="MLII", second="V1")}
    assert jobs["208"].second == "V1" and jobs["ecg"].second is None
    checkpoint = ROOT / "models" / "recording.pt"
    row = run_job(jobs["208"], tmp_path / "out", checkpoint)
    assert row["status"] == "ok", row
    alone = classify_recording(load_checkpoint(checkpoint)[0], read_wfdb(MITDB / "208", "MLII", "V1"))
    assert (pd.read_csv(tmp_path / "out" / "208" / "beats.csv")["class"] == alone["class"]).all()
    (tmp_path / "out" / "100").mkdir()  # an earlier run's results, redone (--force) with a channel 100 lacks
    (tmp_path / "out" / "100" / "result.json").write_text('{"status": "ok"}')
    row = run_job(jobs["100"], tmp_path / "out", checkpoint)  # 100 holds MLII and V5
    assert row["status"] == "failed" and "no channel 'V1'; channels: MLII, V5" in row["reason"]
    assert not (tmp_path / "out" / "100").exists()  # gone with its failure: it would contradict the failed row


@needs_mitdb
def test_a_diary_beside_a_recording_goes_into_its_report(folder, tmp_path):
    """100.diary.csv is record 100's diary, not a signal; its entries are in 100's report; a diary that cannot be
    read fails its recording's row with the reason, before the work."""
    from heartbeat.batch import find_recordings, run_job

    (folder / "100.diary.csv").write_text("time,symptom\n60,dizzy\n")
    jobs = {j.name: j for j in find_recordings(folder)}
    assert sorted(jobs) == ["100", "208", "broken", "ecg"] and jobs["100"].diary == str(folder / "100.diary.csv")
    assert jobs["208"].diary is None
    checkpoint = ROOT / "models" / "recording.pt"
    row = run_job(jobs["100"], tmp_path / "out", checkpoint, report=True)
    assert row["status"] == "ok", row
    entry, = json.loads((tmp_path / "out" / "100" / "report.json").read_text())["diary"]["entries"]
    beats = pd.read_csv(tmp_path / "out" / "100" / "beats.csv")
    near = beats[(beats["time_s"] >= 0) & (beats["time_s"] < 120)]["class"]
    assert entry["note"] == "symptom: dizzy" and (entry["V"], entry["S"]) == ((near == "V").sum(), (near == "S").sum())
    assert entry["finding"] == "isolated ectopic beats only" and entry["S"] > 0  # 100's sinus rhythm has APCs there
    (folder / "100.diary.csv").write_text("when\n60\n")
    row = run_job(jobs["100"], tmp_path / "again", checkpoint, report=True)
    assert row["status"] == "failed" and row["reason"].endswith("no 'time' column (columns: when); expected a "
                                                                "header like: time,symptom")


@needs_mitdb
def test_a_rerun_compares_the_leads_read_not_the_words_asked(tmp_path):
    """No --channel, "--channel 0" and "--channel MLII" read the same lead of MIT-BIH 100: results made with one
    serve a rerun with another; V5 is another lead."""
    from heartbeat import UserError
    from heartbeat.batch import RESULT_FILE, Job, finished, job_options

    (tmp_path / "model.pt").write_bytes(b"weights")
    (tmp_path / "100").mkdir()
    made = job_options(Job("100", str(MITDB / "100")), tmp_path / "model.pt", report=False)
    (tmp_path / "100" / RESULT_FILE).write_text(json.dumps({"name": "100", "status": "ok", "options": made}))
    for channel in ("MLII", "0"):
        job = Job("100", str(MITDB / "100"), channel=channel)
        assert finished(tmp_path, job, job_options(job, tmp_path / "model.pt", report=False))["status"] == "done before"
    job = Job("100", str(MITDB / "100"), channel="1")
    with pytest.raises(UserError, match=r"other options \(channel MLII -> V5\)"):
        finished(tmp_path, job, job_options(job, tmp_path / "model.pt", report=False))
    # two channels of one name (an EDF file's "ECG", "ECG") are two leads still
    (tmp_path / "in").mkdir()
    header = (MITDB / "100.hea").read_text().replace(" MLII", " ECG").replace(" V5", " ECG")
    (tmp_path / "in" / "same.hea").write_text(header.replace("100 ", "same ", 1))
    (tmp_path / "in" / "100.dat").symlink_to(MITDB / "100.dat")
    made = job_options(Job("same", str(tmp_path / "in" / "same"), channel="0"), tmp_path / "model.pt", report=False)
    (tmp_path / "same").mkdir()
    (tmp_path / "same" / RESULT_FILE).write_text(json.dumps({"name": "same", "status": "ok", "options": made}))
    job = Job("same", str(tmp_path / "in" / "same"), channel="1")
    with pytest.raises(UserError, match=r"other options \(channel ECG -> ECG\)"):
        finished(tmp_path, job, job_options(job, tmp_path / "model.pt", report=False))
