"""An exclusive lock on a folder, so two processes never write the same build or store."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` exclusively (released on exit, and by the OS if we die)."""
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
