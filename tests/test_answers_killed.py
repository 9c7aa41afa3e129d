"""The build survives losing its answers process: that child holds the graph in memory, so
when memory runs out it is the one the kernel kills (its ``oom_score_adj`` is 1000). The next
child holds its store on disk and answers the same; when that one is killed too, the build
goes on and publishes, with the queries it did not answer left to the engine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest

from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish import answers
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


def _children_named(name: str) -> list[int]:
    """This process's descendants that show as ``name``: the answers process is forked by the
    fork server, a child of this process (see warm_fork_server)."""
    found = []
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):  # a process or a thread that just ended
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    todo.append(int(child))
                    if Path(f"/proc/{child}/comm").read_text().strip() == name:
                        found.append(int(child))
    return found


def _build_killing(tmp_path: Path, name: str, kills: int) -> tuple[BuildResult, list[str]]:
    """Build 40 synthetic projects, answered in the child, killing the first ``kills``
    answers processes as the out-of-memory killer would (SIGKILL) as soon as each is there;
    the build and the ``oom_score_adj`` of each killed."""
    records = tmp_path / "records"
    if not records.exists():
        synthesize(records, 40, 5, load_settings(REPO), workers=1)
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / name})
    seen: list[str] = []
    stop = threading.Event()

    def kill_them() -> None:
        killed: set[int] = set()
        while len(killed) < kills and not stop.wait(0.002):
            for pid in set(_children_named("pg-answers")) - killed:
                with contextlib.suppress(OSError):  # ended meanwhile
                    seen.append(Path(f"/proc/{pid}/oom_score_adj").read_text().strip())
                    os.kill(pid, signal.SIGKILL)
                killed.add(pid)

    killer = threading.Thread(target=kill_them)
    killer.start()
    try:
        result = build(settings, quiet=True)
    finally:
        stop.set()
        killer.join()
    return result, seen


def test_an_answers_process_killed_in_memory_is_followed_by_one_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "IN_PROCESS", 0)  # a child, as for a large graph
    result, seen = _build_killing(tmp_path, "killed", kills=1)
    assert seen == ["1000"], "the answers process was not seen"
    # The next child held its store on disk, and answered everything.
    assert result.reused["answers store"][1] == 1
    undisturbed, _ = _build_killing(tmp_path, "undisturbed", kills=0)
    assert undisturbed.reused["answers store"][1] == 0

    def answered(built: BuildResult) -> dict[str, bool]:
        queries = built.published.manifest["answers"]["queries"]  # type: ignore[index]
        return {name: q["materialized"] for name, q in queries.items()}

    assert answered(result) == answered(undisturbed)
    assert sum(answered(result).values()) >= 19  # every query the build answers
    assert result.published.build_id == undisturbed.published.build_id


def test_a_killed_answers_process_leaves_the_build_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "IN_PROCESS", 0)  # a child, as for a large graph
    # Killed in memory, then on disk: the build goes on without them.
    result, seen = _build_killing(tmp_path, "dist", kills=2)
    assert seen == ["1000", "1000"], "the answers processes were not seen"
    manifest = json.loads((result.published.folder / "build.json").read_text())
    queries = manifest["answers"]["queries"]
    lost = [q for q in queries.values() if not q["materialized"] and "SIGKILL" in q["reason"]]
    assert lost, queries
    assert all("out of memory?" in q["reason"] for q in lost)
    assert result.report.conforms
    assert (result.published.folder / "projectgraph.nq.zst").stat().st_size > 0
