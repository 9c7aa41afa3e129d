"""A running server switches to a new build on SIGHUP without failing a request; a build
killed with SIGKILL leaves the previous one served."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.server import new_build_after, projectgraph, start_server

OLD_TITLE = "Leveraging Cluster Policies for successful implementation of RIS3"
NEW_TITLE = "Leveraging Cluster Policies, second edition"
WHICH = (
    "SELECT ?t WHERE { ?p <http://data.europa.eu/s66#title> ?t "
    'FILTER(STRSTARTS(STR(?t), "Leveraging Cluster Policies")) }'
)


def build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return projectgraph(
        "build", "--root", str(root), "--quiet", *args,
        env={"PROJECTGRAPH_DIST_DIR": str(root / "dist")},
    )  # fmt: skip


def retitle(root: Path) -> None:
    record = root / "data" / "projects" / "clusters3.ttl"
    record.write_text(record.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), "utf-8")


@pytest.fixture
def project_copy(built_project_copy: Path) -> Path:
    """The project copy, already built: every test here builds it or serves it first (a
    build then reuses the cache)."""
    return built_project_copy


def test_sighup_switches_to_the_new_build_with_no_failed_request(project_copy: Path) -> None:
    server = start_server(project_copy, "--workers", "2", root=project_copy)
    try:
        old_id = httpx.get(server.url + "/health").json()["build_id"]
        # Nothing new: a signal changes nothing.
        server.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert httpx.get(server.url + "/health").json()["build_id"] == old_id

        statuses: Counter[int] = Counter()
        titles: list[str] = []
        stop = threading.Event()

        def client(path: str, params: dict[str, str] | None = None) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while not stop.is_set():
                    answer = http.get(path, params=params)
                    statuses[answer.status_code] += 1
                    if path == "/sparql" and answer.status_code == 200:
                        titles.append(answer.json()["results"]["bindings"][0]["t"]["value"])

        clients = [
            threading.Thread(target=client, args=("/sparql", {"query": WHICH})),
            threading.Thread(target=client, args=("/page/project/clusters3",)),
            threading.Thread(target=client, args=("/api/queries/projects",)),
            threading.Thread(target=client, args=("/data/project/clusters3.ttl",)),
        ]
        for thread in clients:
            thread.start()
        try:
            retitle(project_copy)
            done = build(project_copy)
            assert done.returncode == 0, done.stderr
            server.process.send_signal(signal.SIGHUP)
            new_id = new_build_after(server, old_id)
            assert new_id != old_id, server.output()[-3000:]
            time.sleep(1.0)  # requests go on against the new build for a while
        finally:
            stop.set()
            for thread in clients:
                thread.join()
        assert set(statuses) == {200}, statuses
        assert sum(statuses.values()) > 50
        # Old answers, then new ones: never a mix, never back.
        switched = titles.index(NEW_TITLE)
        assert set(titles[:switched]) == {OLD_TITLE} and set(titles[switched:]) == {NEW_TITLE}
        page = httpx.get(server.url + "/page/project/clusters3").text
        assert NEW_TITLE in page and OLD_TITLE not in page
        assert "switched from build" in server.output()
    finally:
        server.stop()


# Kills the build with SIGKILL when it reaches the named function: a deterministic "kill -9 in
# the middle" (a kill on a timer could land after the switch and prove nothing).
KILL_AT = """
import os, signal, sys
import projectgraph.publish.manifest as publish
import projectgraph.publish.dist as dist
module = {"publish": publish, "dist": dist}[sys.argv[1]]
name = sys.argv[2]
def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
setattr(module, name, kill)
from projectgraph.cli import app
app(args=sys.argv[3:], prog_name="projectgraph")
"""
KILL_POINTS = {
    "dumps written, manifest not yet": ("publish", "describe"),
    "build folder complete, not yet renamed": ("dist", "_sync_tree"),
    "renamed, link not yet switched": ("dist", "_switch_link"),
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_build_killed_midway_leaves_the_previous_one_served(
    project_copy: Path, point: str
) -> None:
    first = build(project_copy)
    assert first.returncode == 0, first.stderr
    good = (project_copy / "dist").resolve()
    retitle(project_copy)
    module, name = KILL_POINTS[point]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT, module, name,
         "build", "--root", str(project_copy), "--quiet"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        env={**os.environ, "PROJECTGRAPH_DIST_DIR": str(project_copy / "dist")},
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (project_copy / "dist").resolve() == good  # the link still names the good build

    server = start_server(project_copy, "--no-build", root=project_copy)
    try:
        assert httpx.get(server.url + "/health").json()["build_id"] == good.name
        answer = httpx.get(server.url + "/sparql", params={"query": WHICH}).json()
        assert answer["results"]["bindings"][0]["t"]["value"] == OLD_TITLE
    finally:
        server.stop()

    # The next build clears what the killed one left and publishes the new title.
    again = build(project_copy)
    assert again.returncode == 0, again.stderr
    assert (project_copy / "dist").resolve() != good
    assert not list(good.parent.glob(".tmp-*"))
    assert NEW_TITLE in (project_copy / "dist" / "projectgraph.ttl").read_text("utf-8")


def test_reload_switches_the_running_servers_and_waits_for_them(project_copy: Path) -> None:
    env = {"PROJECTGRAPH_DIST_DIR": str(project_copy / "dist")}
    server = start_server(project_copy, root=project_copy)
    try:
        old_id = httpx.get(server.url + "/health").json()["build_id"]
        registry = project_copy / ".dist-builds" / ".servers"
        assert (registry / f"{server.process.pid}.json").is_file()
        # A server killed with SIGKILL left its entry: it is skipped and removed.
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        (registry / f"{gone.pid}.json").write_text(f'{{"pid": {gone.pid}, "url": "http://x"}}')

        retitle(project_copy)
        assert build(project_copy).returncode == 0
        done = projectgraph("reload", "--root", str(project_copy), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        new_id = (project_copy / "dist").resolve().name
        assert f"switched from build {old_id} to {new_id}" in done.stdout
        assert httpx.get(server.url + "/health").json()["build_id"] == new_id
        page = httpx.get(server.url + "/page/project/clusters3").text
        assert NEW_TITLE in page
        assert not (registry / f"{gone.pid}.json").exists()

        again = projectgraph("reload", "--root", str(project_copy), env=env)
        assert again.returncode == 0 and "already serves build" in again.stdout
    finally:
        server.stop()
    # uvicorn ends the process by the signal itself, so the entry may stay: reload skips it.
    none = projectgraph("reload", "--root", str(project_copy), env=env)
    assert none.returncode == 2 and "no running projectgraph serve" in none.stderr
    assert not list(registry.glob("*.json"))
