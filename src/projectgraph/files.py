"""File locks: builds and stores are written by one process at a time, and a folder a running
server reads is never pruned under it."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import IO


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
