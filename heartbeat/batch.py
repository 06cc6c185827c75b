"""A folder of recordings, one task each: what batch.py runs on every core or on a Dask cluster.

A task reads one recording, classifies its beats (and, with report=True, writes report.py's report)
into OUT/<name>/, with the beats as a WFDB annotation file <name>.ai (annotations.py), written atomically,
with a result.json that is the recording's row of index.csv.
A finished recording is skipped on the next run (its result.json is read back; one made with another model,
channel, rate or without --report stops the run instead); a failed one leaves no folder, only its row with the
one-line reason (a --force run's failure removes the recording's earlier results), and is tried again next time.
A patient's diary beside a recording, <name>.diary.csv (diary.py's format), goes into its report.
"""
import hashlib
import json
import shutil
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import CLASSES, UserError
from .fileio import atomic_dir

RESULT_FILE = "result.json"  # in OUT/<name>/: the row of index.csv, written last
SIGNAL_SUFFIXES = (".csv", ".npy")
DIARY_SUFFIX = ".diary.csv"  # 100.diary.csv beside 100.hea: record 100's diary, not a signal
INDEX_COLUMNS = ("name", "status", "reason", "warnings", "duration_s", "analyzable_s", "beats", *CLASSES,
                 "V_burden_pct", "S_burden_pct", "seconds", "source")


@dataclass(frozen=True)
class Job:
    name: str    # OUT/<name>/
    source: str  # the WFDB record path without extension, the EDF file, or the signal file
    fs: float = None  # signal files: their rate (WFDB records and EDF files carry theirs)
    channel: str = None  # WFDB records and EDF files: the channel read (None: as sources.channel_index chooses)
    second: str = None   # WFDB records and EDF files: a second channel to classify the beats on too
    diary: str = None    # the patient's diary beside it (<name>.diary.csv), read into its report


def sidecar_rate(sidecar, fs):
    """The "fs" of a signal's JSON sidecar, else `fs` (--fs); a sidecar that is not a JSON object stops the run in
    one line before any recording is read."""
    if not sidecar.is_file():
        return fs
    try:
        values = json.loads(sidecar.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{sidecar}: not a readable JSON sidecar ({str(e).strip()[:120]}); write it as "
                        '{"fs": HZ}') from None
    if not isinstance(values, dict):
        raise UserError(f'{sidecar}: a JSON sidecar is an object such as {{"fs": HZ}}, not a {type(values).__name__}')
    rate = values.get("fs", fs)
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0):
        raise UserError(f'{sidecar}: "fs" must be a number of samples per second, got {rate!r}')
    return rate


def find_recordings(folder, fs=None, channel=None, second=None):
    """Jobs for every WFDB record (by its .hea), EDF file and .csv / .npy signal in `folder`, sorted by name.
    A signal's rate is `fs`, or the "fs" of a JSON sidecar beside it (ecg.npy -> ecg.json); `channel` and
    `second` are the WFDB records' and EDF files' channels (a signal file holds one lead); a <name>.diary.csv beside
    a recording is its diary."""
    from .sources import is_edf

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    jobs = [Job(h.stem, str(h.with_suffix("")), None, channel, second) for h in folder.glob("*.hea")]

    def name(path):  # a file whose stem is taken already (100.hea and 100.edf) keeps its suffix
        return path.stem if path.stem not in {j.name for j in jobs} else path.name

    for path in sorted(p for p in folder.iterdir() if is_edf(p)):
        jobs.append(Job(name(path), str(path), None, channel, second))
    for path in (p for p in folder.iterdir() if p.suffix in SIGNAL_SUFFIXES and not p.name.endswith(DIARY_SUFFIX)):
        jobs.append(Job(name(path), str(path), sidecar_rate(path.with_suffix(".json"), fs)))
    if not jobs:
        raise UserError(f"{folder}: no recordings (WFDB .hea, .edf, .csv or .npy files)")
    diaries = {p.name[:-len(DIARY_SUFFIX)]: str(p) for p in folder.glob("*" + DIARY_SUFFIX)}
    return sorted((replace(j, diary=diaries.get(j.name)) for j in jobs), key=lambda j: j.name)


def job_options(job, checkpoint, report):
    """What a recording's results depend on besides the recording itself, stored in its result.json: the model by
    its contents (a checkout moved elsewhere is the same model; a file trained again in place is not), the report,
    the channels asked for and a signal's rate."""
    return {"model": checkpoint_digest(str(Path(checkpoint).resolve())), "report": bool(report),
            "fs": None if job.fs is None else float(job.fs), "channel": job.channel, "second_channel": job.second}


CHANNEL_KEYS = ("channel", "second_channel")


def read_channels(job, channel, second):
    """((index, name) of the channel, of the second channel or None) a record job would read with these options;
    as given for a signal file. UserError where the header cannot say."""
    from .sources import channel_names

    if job.fs is not None or Path(job.source).suffix in SIGNAL_SUFFIXES:
        return channel, second
    return channel_names(job.source, channel, second)


def _lead(channel):
    """A channel as a message names it: its name where read_channels resolved it to (index, name)."""
    return channel[1] if isinstance(channel, tuple) else channel


@lru_cache(maxsize=4)
def checkpoint_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def finished(out, job, wanted):
    """The stored index row of a recording finished by an earlier run, or None. Results made with other options
    (`wanted`: job_options) stop the run in one line: an index mixing two models or channels would read as one."""
    result = Path(out) / job.name / RESULT_FILE
    if not result.is_file():
        return None
    row = json.loads(result.read_text())
    made = row.pop("options", wanted)  # written before options were stored: nothing to compare
    # a report holds the beats too, so results made with --report serve a run without it
    changed = [f"{key} {made.get(key)} -> {value}" for key, value in wanted.items() if key not in CHANNEL_KEYS
               and made.get(key) != value and not (key == "report" and made.get(key))]
    # channels compared as the leads they name: no --channel, "--channel 0" and "--channel MLII" may be one lead
    try:
        before, now = (read_channels(job, *(options.get(key) for key in CHANNEL_KEYS)) for options in (made, wanted))
    except UserError:  # the header no longer reads: the words asked are all there is to compare (results are kept)
        before, now = (tuple(options.get(key) for key in CHANNEL_KEYS) for options in (made, wanted))
    changed += [f"{key} {_lead(a)} -> {_lead(b)}" for key, a, b in zip(CHANNEL_KEYS, before, now) if a != b]
    if changed:
        raise UserError(f"{result.parent} was made with other options ({', '.join(changed)}); --force redoes "
                        "every recording, or give another --out")
    return {**row, "status": "done before"}


@lru_cache(maxsize=2)
def cached_model(checkpoint):
    """A worker loads each checkpoint once, however many recordings it is given."""
    from .checkpoint import load_checkpoint

    return load_checkpoint(checkpoint)[0]


def run_job(job, out, checkpoint, report=False, rules=None, threads=1):
    """Classify one recording (and report it) into out/<name>/; returns its index row, never raises."""
    import torch

    from .allocator import keep_freed_memory
    from .annotations import annotation_file_name, write_annotations
    from .diary import read_diary
    from .events import Rules
    from .recording import classify_recording
    from .report import build_report, write_report
    from .signal_file import read_signal_file
    from .sources import read_record

    rules = rules or Rules()
    torch.set_num_threads(threads)
    keep_freed_memory()
    t0 = time.perf_counter()
    row = {"name": job.name, "source": job.source}
    try:
        source = Path(job.source)
        if source.suffix in SIGNAL_SUFFIXES and job.fs is None:
            sidecar = source.with_suffix(".json")
            raise UserError(f"{source}: no sampling rate; give --fs or " + (
                f'an "fs" in its sidecar {sidecar.name} {{"fs": HZ}}' if sidecar.is_file() else
                f'a sidecar {sidecar.name} {{"fs": HZ}}'))
        rec = read_signal_file(source, job.fs) if source.suffix in SIGNAL_SUFFIXES else \
            read_record(source, job.channel, job.second)
        diary = read_diary(job.diary, rec.start) if report and job.diary else None  # a bad one fails before the work
        table = classify_recording(cached_model(checkpoint), rec)
        built = build_report(table, rec, rules, about={"model": str(checkpoint)}, diary=diary) if report else None
        counts = table["class"].value_counts()
        duration = len(rec.signal) / rec.fs
        excluded = sum(e.stop - e.start for e in rec.excluded) / rec.fs
        row.update(status="ok", reason="", warnings="; ".join(rec.warnings), duration_s=round(duration, 3),
                   analyzable_s=round(duration - excluded, 3), beats=len(table),
                   **{c: int(counts.get(c, 0)) for c in CLASSES},
                   V_burden_pct=round(100 * counts.get("V", 0) / max(len(table), 1), 3),
                   S_burden_pct=round(100 * counts.get("S", 0) / max(len(table), 1), 3))
        with atomic_dir(Path(out) / job.name, force=True, replaceable=RESULT_FILE) as tmp:
            if built is not None:
                write_report(built, tmp, rec.signal, rec.fs)
            else:
                table.to_csv(tmp / "beats.csv", index=False, float_format="%.6f")
            write_annotations(tmp / annotation_file_name(job.name), table, rec, rules)
            row["seconds"] = round(time.perf_counter() - t0, 3)
            stored = {**row, "options": job_options(job, checkpoint, report)}
            (tmp / RESULT_FILE).write_text(json.dumps(stored, indent=1, default=float) + "\n")
    except UserError as e:
        row.update(status="failed", reason=str(e))
        _drop_stale(Path(out) / job.name)
    except FileExistsError:
        row.update(status="failed", reason=f"{Path(out) / job.name} exists and holds no {RESULT_FILE}: move it away")
    except Exception as e:  # one bad recording fails its own row, never the batch
        row.update(status="failed", reason=f"{type(e).__name__}: {str(e).strip()[:200]}")
        _drop_stale(Path(out) / job.name)
    row.setdefault("seconds", round(time.perf_counter() - t0, 3))
    return row


def _drop_stale(folder):
    """Remove an earlier run's results of a recording that just failed (only --force runs a finished one again):
    left, they would disagree with its failed row and stop every later run as made with other options."""
    if (folder / RESULT_FILE).is_file():
        shutil.rmtree(folder)
