"""Atomic file writes: a reader sees the old file or the complete new one, never half of one."""
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from . import UserError


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


def _nearest_existing(path):
    """The nearest ancestor of `path` that exists (a dangling link counts: it stands in the way as much as a file),
    or None."""
    return next((p for p in Path(path).absolute().parents if p.exists() or p.is_symlink()), None)


def _refuse_blocked(path, shown):
    """UserError (naming `shown`) when a file stands where a folder on the way to `path` must be, or the nearest
    existing folder may not be written in: found before any work, not as a traceback after it."""
    folder = _nearest_existing(path)
    if folder is None:
        return
    if not folder.is_dir():
        raise UserError(f"{shown} is not a folder" if folder == Path(shown).absolute() else
                        f"{shown}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{shown}: no permission to write in {folder}")


def check_output(path, force=False, what="name"):
    """Refuse, before any work is done, an output file `path` that cannot be written (UserError, one line): it is
    a folder, it exists and force is not given (`what` says what to choose instead), or a file stands where one of
    its folders must be. Scripts call this for every output before they load a model or read a recording."""
    if Path(path).is_dir():
        raise UserError(f"{path} is a folder; give a file name")
    if Path(path).exists() and not force:
        raise UserError(f"{path} exists; choose another {what} or add --force")
    _refuse_blocked(path, path)


def check_folder(path):
    """Refuse (UserError, one line) an output folder `path` that is not a folder (a file, a dangling link), or
    has one on its way, or may not be written in."""
    _refuse_blocked(Path(path) / "_", path)


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
