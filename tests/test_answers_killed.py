"""The build survives losing its answers process: that child holds the whole graph in memory,
so when memory runs out it is the one the kernel kills (its ``oom_score_adj`` is 1000), and
the build goes on and publishes, with the queries it did not answer left to the engine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from projectgraph.pipeline.run import build
from projectgraph.publish import answers
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def _children_named(name: str) -> list[int]:
    """This process's children (started by any of its threads) that show as ``name``."""
    found = []
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread or a child that just ended
            for pid in (task / "children").read_text().split():
                if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                    found.append(int(pid))
    return found


def test_a_killed_answers_process_leaves_the_build_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "IN_PROCESS", 0)  # a child, as for a large graph
    records = tmp_path / "records"
    synthesize(records, 40, 5, load_settings(REPO), workers=1)
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / "dist"})
    seen: dict[str, str] = {}
    stop = threading.Event()

    def kill_it() -> None:
        # As the out-of-memory killer would: SIGKILL, as soon as the child is there.
        while not stop.wait(0.002):
            for pid in _children_named("pg-answers"):
                seen["oom_score_adj"] = Path(f"/proc/{pid}/oom_score_adj").read_text().strip()
                os.kill(pid, signal.SIGKILL)
                return

    killer = threading.Thread(target=kill_it)
    killer.start()
    try:
        result = build(settings, quiet=True)
    finally:
        stop.set()
        killer.join()
    assert seen == {"oom_score_adj": "1000"}, "the answers process was not seen"
    manifest = json.loads((result.published.folder / "build.json").read_text())
    queries = manifest["answers"]["queries"]
    lost = [q for q in queries.values() if not q["materialized"] and "SIGKILL" in q["reason"]]
    assert lost, queries
    assert all("out of memory?" in q["reason"] for q in lost)
    assert result.report.conforms
    assert (settings.dist_dir / "projectgraph.nq.zst").stat().st_size > 0
