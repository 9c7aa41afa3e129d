"""Safe file writes: a file is replaced whole (a reader never sees half of it), builds and
stores are written by one process at a time, and a folder a running server reads is never
pruned under it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple


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


def read_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, hex: read every time (see :class:`FileDigests`), a
    buffer at a time."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Stamp(NamedTuple):
    """A file's ``stat`` signature (see :class:`FileDigests`), and when it was taken."""

    name: str  # the file's absolute path
    signature: str
    changed_ns: int  # its change time
    taken_ns: int


class FileDigests:
    """SHA-256 of files, remembered in a small SQLite file by each file's ``stat`` signature
    (device, inode, size, modification and change times, in nanoseconds), so a rebuild of
    100,000 records does not read 900 MB of unchanged files again to learn that they are
    unchanged (as ``git status`` and ``make`` do).

    A remembered digest is trusted only when the signature is the same and the file's change
    time (which every write sets, and which no tool can set back) is more than ``racy_ns``
    before the moment it was hashed: any write after hashing moves it past that moment, even
    one that keeps the size and puts the modification time back, and a write just before
    hashing, within the clock's granularity, is not trusted either (git's "racily clean"
    entries). Anything the file cannot remember (no folder, read-only, damaged) is computed
    instead: it never decides what a digest is, only whether to read the file again."""

    RACY_NS = 2_000_000_000

    def __init__(self, path: Path | None, racy_ns: int | None = None) -> None:
        self.racy_ns = self.RACY_NS if racy_ns is None else racy_ns
        self.hashed = 0  # files read and hashed by this object
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[str, str, str, int]] = []
        self._seen: set[str] = set()
        self._known: dict[str, tuple[str, str, int]] = {}
        if path is not None:
            with contextlib.suppress(sqlite3.Error, OSError):
                self._db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, timeout=5)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS digests (path TEXT PRIMARY KEY, "
                "signature TEXT NOT NULL, sha256 TEXT NOT NULL, checked INTEGER NOT NULL)"
            )
            rows = db.execute("SELECT path, signature, sha256, checked FROM digests")
            self._known = {
                name: (signature, digest, int(checked)) for name, signature, digest, checked in rows
            }
        except BaseException:  # unusable (read-only, damaged): not left open
            db.close()
            raise
        return db

    def sha256(self, file: Path) -> str:
        """The SHA-256 of ``file``'s bytes (hex), read only if it may have changed since it was
        last hashed; raises OSError as reading it would."""
        stamp = self.stamp(file)
        digest = self.known(stamp)
        if digest is None:
            digest = read_sha256(file)
            self.remember(stamp, digest)
        return digest

    def stamp(self, file: Path) -> Stamp:
        """``file``'s signature now, to ask :meth:`known` about and to :meth:`remember` its
        digest by, when the file is hashed elsewhere (a build's workers hash the files they
        read); raises OSError as ``stat`` would."""
        name = str(file.absolute())
        st = file.stat()
        signature = f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}"
        self._seen.add(name)
        return Stamp(name, signature, st.st_ctime_ns, time.time_ns())

    def known(self, stamp: Stamp) -> str | None:
        """The remembered digest of the file ``stamp`` was taken of, if it is still trusted."""
        known = self._known.get(stamp.name)
        if (
            known is not None
            and known[0] == stamp.signature
            and stamp.changed_ns < known[2] - self.racy_ns
        ):
            return known[1]
        return None

    def remember(self, stamp: Stamp, digest: str) -> None:
        """Remember ``digest``, read after ``stamp`` was taken, as the file's."""
        self.hashed += 1
        self._known[stamp.name] = (stamp.signature, digest, stamp.taken_ns)
        self._pending.append((stamp.name, stamp.signature, digest, stamp.taken_ns))

    def close(self, only_seen: bool = False) -> None:
        """Remember the digests computed (best effort) and close the file; ``only_seen``
        forgets the files not asked about since opening (a build's sources that are gone)."""
        if self._db is None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("BEGIN")
            if only_seen:
                self._db.execute("DELETE FROM digests")
                self._pending = [(n, *self._known[n]) for n in sorted(self._seen)]
            self._db.executemany(
                "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?)", self._pending
            )
            self._db.execute("COMMIT")
        self._pending.clear()
        self._db.close()
        self._db = None

    def __enter__(self) -> FileDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
