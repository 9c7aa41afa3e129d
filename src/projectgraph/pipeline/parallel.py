"""Run a build stage's tasks in worker processes, or in this process when there are few.

Workers are forked: they start in milliseconds with the modules and the stage's data (shapes,
reference data) already loaded, where ``spawn`` would pay seconds of imports per worker and
pickle the data. Workers only compute and return; they never print or take the parent's
locks, so forking a parent whose progress display runs a thread is safe. Small work (see
:func:`worth_processes`) runs in this process with the same functions.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

SMALL_WORK = 20_000  # quads: below this, a build stage runs in this process


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worth_processes(quads: int, workers: int) -> int:
    """``workers``, or 1 when ``quads`` of work would not repay starting processes."""
    return workers if quads >= SMALL_WORK else 1


def run(
    function: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``function`` over ``tasks``, results in task order, in ``workers`` processes (1: here)."""
    if workers <= 1 or len(tasks) <= 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(function, tasks)
        return
    # Forked workers share the parent's memory until they write to it, and the garbage
    # collector writes to every object it scans: frozen objects are never scanned, so the
    # parent's gigabytes (a large build's summaries) stay shared instead of being copied.
    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=initializer,
            initargs=initargs,
        ) as pool:
            # Small batches: steady progress, and no worker idles at the end for long.
            chunksize = max(1, min(16, len(tasks) // (workers * 8)))
            yield from pool.map(function, tasks, chunksize=chunksize)
    finally:
        gc.unfreeze()
