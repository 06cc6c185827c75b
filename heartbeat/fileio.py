"""Atomic file writes: a reader sees the old file or the complete new one, never half of one."""
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; on success move it onto `path`, on error remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    # mkstemp makes the file private (0600); give it the permissions a plain open() would.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


@contextmanager
def atomic_dir(path, force=False, replaceable=None):
    """Yield a temporary folder beside `path`; on success it becomes `path`, on error it is removed. A reader
    never sees a half-written folder at `path`. An existing `path` is replaced only with force=True, and
    only when it is an empty folder or holds the file named `replaceable` (what this code writes there):
    otherwise FileExistsError, so that --force never deletes a folder of someone's data."""
    import shutil

    path = Path(path)
    if path.exists() and not (force and path.is_dir() and (not any(path.iterdir()) or (
            replaceable is not None and (path / replaceable).is_file()))):
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            old = tmp.with_suffix(".old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask
