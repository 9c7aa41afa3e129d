"""Atomic publication of a build directory: readers see the old build or the new one, never half.

``dist`` is a symbolic link to ``.<dist>-builds/<build id>/``. A build is written into a
temporary folder beside it, synced to disk, renamed to its id, and the link is replaced with
one ``rename`` (atomic on POSIX). A crash at any point leaves the previous link, hence the
previous build, in place. A lock file keeps two builds from interleaving.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from projectgraph.errors import ProjectGraphError
from projectgraph.files import FileDigests, exclusive_lock, in_use

KEEP_BUILDS = 3  # the current build and the two before it; builds a server pins are kept too
BUILD_ID = re.compile(r"^[0-9a-f]{16}$")
DIGESTS_FILE = "digests.sqlite"  # the sources' SHA-256, by their stat signature
MANIFEST = "build.json"  # in every build folder: what the build holds


def builds_dir(dist: Path) -> Path:
    """Where the builds behind the ``dist`` link live."""
    return dist.parent / f".{dist.name}-builds"


def file_digests(dist: Path) -> FileDigests:
    """The remembered digests of the files ``dist`` is built from (in its builds folder, when
    there is one): see :class:`~projectgraph.files.FileDigests`."""
    folder = builds_dir(dist)
    return FileDigests(folder / DIGESTS_FILE if folder.is_dir() else None)


def current_build(dist: Path) -> Path | None:
    """The build directory ``dist`` points to, if any."""
    return dist.resolve() if dist.exists() else None


def publish_atomically(
    dist: Path,
    write: Callable[[Path], str],
    switched: Callable[[Path | None, Path], None] | None = None,
) -> Path:
    """Run ``write(folder)`` (which returns the build id) and make its folder the new ``dist``;
    then ``switched(previous, final)`` (the build folders ``dist`` pointed to before and
    after), still under the builds' lock, before older builds are pruned.

    Returns the published build folder. If ``write`` fails, nothing visible changes.
    """
    if dist.exists() and not dist.is_symlink() and not (dist / MANIFEST).is_file():
        raise ProjectGraphError(
            f"{dist} exists and is not a projectgraph build: refusing to replace it "
            "(remove it, or publish to another --dist)"
        )
    builds = builds_dir(dist)
    builds.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(builds):
        _remove_stale_temporaries(builds)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
        tmp.chmod(0o755)  # mkdtemp makes it private; a published build is for everyone to read
        previous = current_build(dist) if dist.is_symlink() else None
        try:
            build_id = write(tmp)
            _sync_tree(tmp)
            final = builds / build_id
            # The same inputs were built before: the same files (the search index by content).
            if final.is_dir():
                shutil.rmtree(tmp)
            else:
                os.rename(tmp, final)
            _switch_link(dist, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if switched is not None:
            switched(previous, final)
        _prune(builds, keep=final)
    return final


def _remove_stale_temporaries(builds: Path) -> None:
    # Left by a build that was killed; we hold the lock, so no build is writing them.
    for tmp in builds.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def _sync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_dir():  # the named queries' answers
            _sync_tree(path)
        else:
            sync_files([path])
    _sync_dir(folder)


def sync_files(paths: Iterable[Path]) -> None:
    """Write the files at ``paths`` through to the disk."""
    for path in paths:
        with path.open("rb") as f:
            os.fsync(f.fileno())


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _switch_link(dist: Path, target: Path) -> None:
    if dist.exists() and not dist.is_symlink():
        # A build folder from an earlier layout (checked above): kept beside the builds.
        os.rename(dist, builds_dir(dist) / f"previous-{os.getpid()}")
    link = dist.parent / f".{dist.name}.{os.getpid()}.link"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(os.path.relpath(target, dist.parent), link)
    os.replace(link, dist)
    _sync_dir(dist.parent)


def _prune(builds: Path, keep: Path, kept: int = KEEP_BUILDS - 1) -> None:
    """Remove old builds: only folders named by a build id, never ``keep`` nor one a server
    pins, and not the ``kept`` newest others."""
    others = sorted(
        (p for p in builds.iterdir() if p.is_dir() and BUILD_ID.match(p.name) and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in others[kept:]:
        if not in_use(old):
            shutil.rmtree(old, ignore_errors=True)


def prune_ahead(dist: Path) -> None:
    """Remove, while a build is written (its caller holds the builds' lock), the builds that
    its switch would prune after: it will keep the one served now, itself, and the newest
    others up to :data:`KEEP_BUILDS` (the prune after the switch finds nothing more then)."""
    served = current_build(dist)
    if served is not None:
        _prune(builds_dir(dist), keep=served, kept=KEEP_BUILDS - 2)
