"""Read-only access to an SQLite file of a build (the answers and the search index): the file
never changes once the build is published, so it is opened ``immutable`` and connections are
kept for reuse by the threads that read."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self


def read_only_uri(path: Path) -> str:
    """The URI that opens the SQLite file at ``path`` read-only and immutable (a build's files
    are never written again once published)."""
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


class ReadOnlyDatabase:
    """An SQLite file opened read-only, its connections pooled across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @classmethod
    def open_file(cls, path: Path) -> Self | None:
        """The file at ``path`` opened; None when there is none or it cannot be read as this
        code's (an older build's, or one whose step failed: build.json says why)."""
        if not path.is_file():
            return None
        try:
            return cls(path)
        except (sqlite3.Error, ValueError, TypeError):
            return None

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection, for this thread until the block ends."""
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = sqlite3.connect(read_only_uri(self.path), uri=True, check_same_thread=False)
        try:
            yield db
        finally:
            with self._lock:
                self._idle.append(db)

    def check_layout(self, table: str, expected: int) -> None:
        """Raise ValueError unless ``table`` says the file's tables are of layout ``expected``
        (a file made by other code is not read as this code's)."""
        with self.connection() as db:
            (version,) = db.execute(f"SELECT version FROM {table}").fetchone()
        if version != expected:
            raise ValueError(f"{self.path}: {table} {version}, not {expected}")

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            while self._idle:
                self._idle.pop().close()
