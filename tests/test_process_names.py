"""A build's processes show what they do in ``ps`` and ``top`` (Linux): the stage's workers
as ``pg-<stage>``; the benchmark reads the same names to report memory by process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from projectgraph.pipeline.parallel import run
from projectgraph.progress import name_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/comm")

COMM = Path("/proc/self/comm")


def test_a_stages_workers_show_its_name() -> None:
    names = list(run(Path.read_text, [COMM] * 4, 2, stage="validate"))
    assert names == ["pg-validate\n"] * 4
    assert COMM.read_text() != "pg-validate\n"  # this process keeps its own name


def test_work_done_here_leaves_this_process_named_as_it_was() -> None:
    before = COMM.read_text()
    assert list(run(Path.read_text, [COMM], 2, stage="dumps")) == [before]


def test_a_long_name_is_cut_to_what_linux_keeps() -> None:
    before = COMM.read_text().strip()
    try:
        name_process("pg-a-name-longer-than-fifteen")
        assert COMM.read_text() == "pg-a-name-longe\n"
    finally:
        name_process(before)
