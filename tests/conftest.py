"""Shared fixtures. Tests that need the real MIT-BIH (or SVDB) records skip when ../shared/data/mitdb (svdb) is
absent."""
import os
import subprocess
import sys
from pathlib import Path

# Under pytest-xdist (pytest.ini) each worker, and each script it runs, would start a thread per core: two workers
# on 2 cores oversubscribe them. One OpenMP thread each (set before numpy and torch load) ran test_scripts.py,
# test_onnx.py and test_review.py in 292 s instead of 328 s. train.py still takes train.threads from its config.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MITDB = Path(os.environ.get("MITDB_DIR", ROOT.parent / "shared" / "data" / "mitdb"))
SVDB = Path(os.environ.get("SVDB_DIR", ROOT.parent / "shared" / "data" / "svdb"))
NSTDB = Path(os.environ.get("NSTDB_DIR", ROOT.parent / "shared" / "data" / "nstdb"))
REFERENCE = ROOT.parent / "shared" / "reference" / "seed_trial-0.pth"

HAVE_MITDB = (MITDB / "100.hea").exists()
if not HAVE_MITDB and os.environ.get("HEARTBEAT_REQUIRE_DATA") == "1":
    raise RuntimeError(f"HEARTBEAT_REQUIRE_DATA=1 but the MIT-BIH records are not in {MITDB}")
needs_mitdb = pytest.mark.skipif(not HAVE_MITDB, reason=f"MIT-BIH records not found in {MITDB}")
HAVE_SVDB = (SVDB / "800.hea").exists()
if not HAVE_SVDB and os.environ.get("HEARTBEAT_REQUIRE_DATA") == "1":
    raise RuntimeError(f"HEARTBEAT_REQUIRE_DATA=1 but the SVDB records are not in {SVDB}")
needs_svdb = pytest.mark.skipif(not HAVE_SVDB, reason=f"SVDB records not found in {SVDB}")
HAVE_NSTDB = (NSTDB / "em.hea").exists()
if not HAVE_NSTDB and os.environ.get("HEARTBEAT_REQUIRE_DATA") == "1":
    raise RuntimeError(f"HEARTBEAT_REQUIRE_DATA=1 but the noise stress test's noise records are not in {NSTDB}")
needs_nstdb = pytest.mark.skipif(not HAVE_NSTDB, reason=f"noise records not found in {NSTDB}")
HAVE_REFERENCE = REFERENCE.exists()
if not HAVE_REFERENCE and os.environ.get("HEARTBEAT_REQUIRE_DATA") == "1":
    raise RuntimeError(f"HEARTBEAT_REQUIRE_DATA=1 but the original project's checkpoint is not at {REFERENCE}")
needs_reference = pytest.mark.skipif(not HAVE_REFERENCE, reason=f"reference checkpoint not found at {REFERENCE}")


def run_script(script, *args, cwd=ROOT):
    """Run a top-level script as a user would; returns the CompletedProcess (never raises on failure)."""
    return subprocess.run([sys.executable, str(ROOT / script), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def run_main(script, *args, cwd=ROOT):
    """run_script's fast twin, for input refused before any work and other short runs: the script runs as __main__
    in this process (a new interpreter spends 3-5 s importing torch and pandas), from `cwd`, with its output
    captured; returns a CompletedProcess with the exit code and stderr the process would show (sys.exit("error:
    ...") prints its message and exits 1; Python's warnings print under its default filters). An exception the
    script lets through propagates, failing the test as the traceback would. Output written below Python (C++
    libraries' logs) is not captured. Scripts that train or start Dask run through run_script."""
    import contextlib
    import io
    import runpy
    import warnings

    argv = [str(ROOT / script), *map(str, args)]
    out, err, code = io.StringIO(), io.StringIO(), 0
    saved_argv, sys.argv = sys.argv, argv
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            warnings.resetwarnings()  # a new interpreter's filters, not pytest's: what a user would see
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: err.write(
                warnings.formatwarning(message, category, filename, lineno, line))
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        if isinstance(e.code, str):
            err.write(e.code + "\n")
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv = saved_argv
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def real_beats():
    """Kaggle-rule beats of records 208 (N, V, F), 217 (Q) and 232 (S): every class, real data."""
    if not HAVE_MITDB:
        pytest.skip(f"MIT-BIH records not found in {MITDB}")
    from heartbeat.build import build_beats

    return build_beats(MITDB, names=["208", "217", "232"], workers=1)


@pytest.fixture(scope="session")
def small_csvs(real_beats, tmp_path_factory):
    """A small real train/test pair in the Kaggle format (400 / 200 beats, every class in both)."""
    from heartbeat.build import write_kaggle_csv

    rng = np.random.default_rng(0)
    y = real_beats.y
    picks = [rng.permutation(np.flatnonzero(y == c))[:120] for c in range(5)]
    train = np.concatenate([p[: 2 * len(p) // 3] for p in picks])
    test = np.concatenate([p[2 * len(p) // 3:] for p in picks])
    out = tmp_path_factory.mktemp("csv")
    write_kaggle_csv(out / "train.csv", real_beats.take(rng.permutation(train)))
    write_kaggle_csv(out / "test.csv", real_beats.take(test))
    return out / "train.csv", out / "test.csv"


def small_split(real_beats, template=False):
    """Real beats of every class (300 N, 40 S, 80 V, 20 F, 60 Q), alternately into train and val.
    template=True: each beat is its own template."""
    from heartbeat.labelled import LabelledBeats
    from heartbeat.model import BeatInputs

    rng = np.random.default_rng(0)
    take = np.concatenate([rng.permutation(np.flatnonzero(real_beats.y == c))[:n]
                           for c, n in enumerate([300, 40, 80, 20, 60])])
    x = real_beats.x[take].astype(np.float32)
    data = LabelledBeats(BeatInputs(x, None, x.copy() if template else None), real_beats.y[take].astype(np.int64))
    return data.take(np.arange(0, len(take), 2)), data.take(np.arange(1, len(take), 2))


def quiet(*_):
    """A log function that prints nothing."""


def beats(classes, rr=0.8, segment=None, times=None):
    """events.Beats of a string of classes ("NNV..."), every rr seconds or at `times`, in one segment unless given."""
    from heartbeat.events import Beats

    classes = np.array(list(classes))
    t = np.arange(len(classes)) * rr if times is None else np.asarray(times, dtype=float)
    seg = np.zeros(len(classes), dtype=np.int64) if segment is None else np.asarray(segment)
    return Beats(t, classes, seg)


def beat_times(rr):
    """(n + 1,) beat times (s) from 0 of n intervals rr (s)."""
    return np.r_[0, np.cumsum(rr)]
