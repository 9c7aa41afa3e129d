"""Safe file writes: a file is replaced whole (a reader never sees half of it), builds and
stores are written by one process at a time, and a folder a running server reads is never
pruned under it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename, so
    a reader sees the old bytes or the new ones, never half a file. ``durable`` also syncs the
    file to disk before the rename (so a crash cannot leave an empty file in its place); leave
    it off for files that are cheap to make again, where the sync is most of the time."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def exclusive_lock(folder: Path, name: str = ".lock") -> Iterator[None]:
    """Hold ``folder/name`` exclusively (released on exit, and by the OS if we die)."""
    with (folder / name).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pin_file(folder: Path) -> Path:
    """The lock file a reader holds (shared) while it uses ``folder`` (a build or a store)."""
    return folder.parent / ".locks" / f"{folder.name}.lock"


def pin(folder: Path) -> IO[str]:
    """Hold a shared lock on ``folder`` for as long as the returned handle stays open, so
    pruning leaves it alone while a server reads it."""
    path = pin_file(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_SH)
    return handle


def in_use(folder: Path) -> bool:
    """True when some process pins ``folder`` (checked without waiting)."""
    path = pin_file(folder)
    if not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
