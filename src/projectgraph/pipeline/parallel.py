"""Run a build stage's tasks in worker processes, or in this process when there are few.

Workers are forked from a fork server: a small process started from a fresh interpreter the
first time a stage needs workers, with the build's modules imported once. A worker so starts
in milliseconds, like a fork of the build itself, but without the build's memory: a fork of a
large build's process counted its gigabytes again in every worker (RSS summed over the tree
at 100,000 projects: 14 GiB, for 6 GiB really used). A stage's shared data (shapes,
reference data, shared descriptions) is pickled to each worker once, by the initializer. Small
work (see :func:`worth_processes`) runs in this process with the same functions.

Inside :func:`cluster`, the same tasks go to the workers of a Dask distributed cluster instead
(:mod:`projectgraph.pipeline.cluster`); Dask is imported only then.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from projectgraph.errors import ClusterError, ProjectGraphError
from projectgraph.progress import name_process

if TYPE_CHECKING:
    from projectgraph.pipeline.cluster import Cluster

T = TypeVar("T")
R = TypeVar("R")

SMALL_WORK = 20_000  # quads: below this, a build stage runs in this process

_cluster: Cluster | None = None  # where run() sends its tasks, inside cluster()


def default_workers() -> int:
    """One worker per CPU this process may use; inside :func:`cluster`, one per thread of the
    cluster's workers, at least two (a stage worth distributing goes even to a one-thread
    cluster: one worker means this process)."""
    if _cluster is not None:
        return max(2, _cluster.threads)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def cluster(address: str, paths: Sequence[Path] = ()) -> Iterator[None]:
    """Inside the block, :func:`run` sends its tasks to the Dask scheduler at ``address``
    (``tcp://host:8786``) instead of local processes; empty: local, as without the block.

    Connecting checks that every worker runs this projectgraph and can read ``paths`` (the
    project and source folders); any failure raises :class:`~projectgraph.errors.ClusterError`.
    """
    global _cluster
    if not address:
        yield
        return
    try:
        from projectgraph.pipeline.cluster import connect  # Dask only when a cluster is used
    except ImportError as error:
        raise ClusterError(
            f"cluster {address}: Dask distributed is not installed here ({error}); "
            "pip install 'projectgraph[cluster]'"
        ) from None

    with connect(address, paths) as connected:
        previous, _cluster = _cluster, connected
        try:
            yield
        finally:
            _cluster = previous


def worth_processes(quads: int, workers: int) -> int:
    """``workers``, or 1 when ``quads`` of work would not repay starting processes."""
    return workers if quads >= SMALL_WORK else 1


def run(
    function: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    stage: str = "worker",
) -> Generator[R, None, None]:
    """``function`` over ``tasks``, results in task order, in ``workers`` processes (1: here),
    or on the cluster inside :func:`cluster`; ``initializer(*initargs)`` runs first in each
    process that runs tasks. Local workers show as ``pg-<stage>`` in ``ps``."""
    if workers <= 1 or len(tasks) <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(function, tasks)
        return
    if _cluster is not None:
        yield from _cluster.map(function, tasks, initializer, initargs)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_fork_server(),
        initializer=_start_worker,
        initargs=(f"pg-{stage}", initializer, initargs),
    ) as pool:
        # Small batches: steady progress, and no worker idles at the end for long.
        chunksize = max(1, min(16, len(tasks) // (workers * 8)))
        yield from pool.map(functools.partial(carrying, function), tasks, chunksize=chunksize)


def _start_worker(
    name: str, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]
) -> None:
    name_process(name)
    if initializer is not None:
        initializer(*initargs)


# The modules whose functions the stages run, imported once by the fork server.
PRELOAD = ["projectgraph.pipeline.run"]


@functools.cache
def _fork_server() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_fork_server() -> None:
    """Start the fork server now, with :data:`PRELOAD`: it imports them on a core of its own
    while the build reads its sources, and each worker and answers process after is forked
    from it ready, where a spawned one imports them again (1 s of a rebuild's answers)."""
    _fork_server()
    multiprocessing.forkserver.ensure_running()


def carrying(function: Callable[[T], R], task: T) -> R:
    """``function(task)``, its :class:`ProjectGraphError` made to cross a process boundary.

    Such errors take other arguments than their message (a :class:`SourceError` its location),
    which pickle's default for exceptions does not replay: unpickling one in the parent failed,
    and a malformed source in a large build ended in ``BrokenProcessPool`` instead of its
    ``file:line:column`` message.
    """
    try:
        return function(task)
    except ProjectGraphError as error:
        raise _Carried(error) from None


class _Carried(Exception):
    """Pickles as the error it carries, rebuilt from its class, arguments and attributes."""

    def __init__(self, error: ProjectGraphError) -> None:
        super().__init__(str(error))
        self.error = error

    def __reduce__(self) -> tuple[Any, ...]:
        error = self.error
        return (_rebuilt, (type(error), error.args, dict(vars(error))))


def _rebuilt(
    kind: type[ProjectGraphError], args: tuple[Any, ...], state: dict[str, Any]
) -> ProjectGraphError:
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(state)
    return error
