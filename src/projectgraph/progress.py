"""Progress display for long commands: a rich bar on a terminal, nothing under --quiet or CI."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


def show_progress(quiet: bool) -> bool:
    """Whether to draw progress: not when asked to be quiet, in CI, or without a terminal."""
    return not quiet and not os.environ.get("CI") and sys.stderr.isatty()


@contextlib.contextmanager
def progress(description: str, total: int, quiet: bool) -> Iterator[Callable[[str], None]]:
    """Yield ``step(text)``: each call advances the bar by one and shows ``text``."""
    if not show_progress(quiet):
        yield lambda _text: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total, step="")

        def step(text: str) -> None:
            bar.update(task, advance=1, step=text)

        yield step


def name_process(name: str) -> None:
    """Show this process as ``name`` (15 characters at most) in ``ps``, ``top`` and
    ``/proc/PID/stat``, so that an operator, and the build benchmark, can tell the build's
    processes apart by what they do (``pg-answers``, ``pg-validate``); on Linux only, a no-op
    elsewhere. It names the process's main thread, the name ``ps`` shows."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as comm:
        comm.write(name[:15])
