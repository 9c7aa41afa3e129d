"""Build again whenever the inputs change (``projectgraph build --watch``).

What a build reads is watched by the operating system's notifications (watchfiles, made for
this: inotify on Linux, the other systems' own, polling where there is none): the record
folders, the ontology, the shapes, the reference data, the named queries and the JSON-LD
context. A burst of changes (an editor's save, an export writing thousands of records) is one
rebuild, once :data:`QUIET_MS` pass without a change (at most :data:`LONGEST_MS` after the
first). The build's own files (dist/ and its builds folder, which ``--project`` puts inside
the records' folder) are not watched, nor hidden files and folders, nor editors' temporary
files. Settings (projectgraph.toml) are read once: a change to them needs a new ``build
--watch``.

Each build runs in this process with what the build before kept in memory (see
:mod:`~projectgraph.pipeline.resident`): the same bytes as a build from the command line,
sooner.
"""

from __future__ import annotations

import threading
from pathlib import Path
from queue import Empty, SimpleQueue

import watchfiles

from projectgraph.publish.dist import builds_dir
from projectgraph.settings import Settings

QUIET_MS = 500  # a burst of changes ends once this long passes without one
LONGEST_MS = 60_000  # and is cut after this long (an export that never stops writing)


def watched(settings: Settings) -> list[Path]:
    """The files and folders a build of ``settings`` reads, those that exist (a folder that
    is missing has nothing to build from; it is not waited for)."""
    paths = [
        settings.ontology,
        settings.context,
        settings.shapes_dir,
        settings.reference_dir,
        settings.queries_dir,
        *settings.project_dirs,
    ]
    found: list[Path] = []
    for path in (Path(p).absolute() for p in paths):
        if path.exists() and path not in found:
            found.append(path)
    return found


class _Inputs(watchfiles.DefaultFilter):
    """Changes to inputs only: in a watched folder, or a watched file (seen through its
    folder: an editor that saves by replacing the file would leave a watch on the file itself
    with the old one); not under the build's own folders, nothing hidden below a watched
    folder (``--project`` keeps its build in ``.projectgraph``; discover skips hidden
    folders), not an editor's temporary file (watchfiles' default filter)."""

    def __init__(self, settings: Settings, inputs: list[Path]) -> None:
        super().__init__()
        dist = Path(settings.dist_dir).absolute()
        self.own = [dist, builds_dir(dist)]
        self.folders = [p for p in inputs if p.is_dir()]
        self.files = {p for p in inputs if not p.is_dir()}

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        changed = Path(path)
        if any(changed == own or changed.is_relative_to(own) for own in self.own):
            return False
        if changed in self.files:
            return super().__call__(change, path)
        for folder in self.folders:
            if changed.is_relative_to(folder):
                if any(p.startswith(".") for p in changed.relative_to(folder).parts):
                    return False
                return super().__call__(change, path)
        return False  # beside a watched file, in its folder


class Changes:
    """The inputs of ``settings``, watched from the moment this is made until :meth:`close`:
    the changes made while a build runs are kept for the next one. The paths watched are
    those of the start."""

    def __init__(self, settings: Settings, quiet: int = QUIET_MS) -> None:
        self.roots = watched(settings)
        self._filter = _Inputs(settings, self.roots)
        # The folders watched: a file's own folder, not recursively beyond what is asked.
        self._paths = sorted({p if p.is_dir() else p.parent for p in self.roots})
        self._quiet = quiet
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._found: SimpleQueue[set[Path] | BaseException] = SimpleQueue()
        self._thread = threading.Thread(target=self._watch, name="projectgraph-watch", daemon=True)
        self._thread.start()
        # Ready once the system watches (its first empty wait has ended): a change made
        # after this returns is seen.
        self._ready.wait(_READY_SECONDS)

    def _watch(self) -> None:
        try:
            for found in watchfiles.watch(
                *self._paths,
                watch_filter=self._filter,
                step=self._quiet,
                debounce=LONGEST_MS,
                stop_event=self._stop,
                rust_timeout=_WAIT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._ready.set()
                if found:
                    self._found.put({Path(path) for _, path in found})
            raise RuntimeError("the watch of the inputs ended")  # said by next()
        except BaseException as e:
            if not self._stop.is_set():
                self._found.put(e)
        finally:
            self._ready.set()

    def next(self) -> set[Path]:
        """The paths changed since the last call: waits for a burst of changes, and takes
        the bursts that came while a build ran with it."""
        found = self._found.get()
        while True:
            if isinstance(found, BaseException):
                raise found
            try:
                more = self._found.get_nowait()
            except Empty:
                return found
            if isinstance(more, BaseException):
                raise more
            found |= more

    def close(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._thread.join(_READY_SECONDS)


_WAIT_MS = 200  # how long one wait for a change lasts (the stop event is looked at between)
_READY_SECONDS = 10.0
