"""Load: 50 concurrent clients for a minute on a mix of named queries, IRI lookups, pages,
data documents and SPARQL (wrk, loopback only, bounded in time), with no 5xx; then the same
while a rebuild switches the served graph. The p50/p99 figures are printed at the end of the
test run (see the "load" section of pytest's summary)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.server import start_server
from tests.test_switch import build, retitle

SECONDS = int(os.environ.get("PROJECTGRAPH_LOAD_SECONDS", "60"))
CLIENTS = 50
MIX = Path(__file__).parent / "load" / "mix.lua"
REPORT: list[str] = []  # printed by conftest's terminal summary

# Two minutes by design: marked "load", left out of the default run (pyproject's addopts) and
# run as their own step of scripts/test.sh (pytest -m load).
pytestmark = [
    pytest.mark.load,
    pytest.mark.skipif(
        shutil.which("wrk") is None and not os.environ.get("CI"), reason="wrk is not installed"
    ),
]


def wrk(url: str, seconds: int) -> dict[str, float]:
    """Run wrk with the mix against ``url``; the figures its script prints."""
    done = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CLIENTS}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(MIX),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    assert done.returncode == 0, done.stderr
    figures = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", done.stdout)}
    requests = re.search(r"Requests/sec:\s+([0-9.]+)", done.stdout)
    figures["rps"] = float(requests[1]) if requests else 0.0
    return figures


def report(name: str, figures: dict[str, float]) -> None:
    REPORT.append(
        f"{name}: {CLIENTS} clients, {SECONDS} s: {figures['rps']:.0f} req/s, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, max {figures['max']:.0f} ms; "
        f"2xx {figures['2xx']:.0f}, 3xx {figures['3xx']:.0f}, 4xx {figures['4xx']:.0f}, "
        f"5xx {figures['5xx']:.0f}"
    )


def assert_clean(figures: dict[str, float]) -> None:
    assert figures["5xx"] == 0, figures
    assert figures["4xx"] == 0, figures  # every path of the mix exists
    assert figures["2xx"] > 100, figures
    for error in ("connect", "read", "write", "timeout"):
        assert figures[error] == 0, figures


def test_fifty_clients_for_a_minute(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--workers", "2")
    try:
        figures = wrk(server.url, SECONDS)
        report("load", figures)
        assert_clean(figures)
        health = httpx.get(server.url + "/health").json()
        assert health["status"] == "ok" and health["engine"]["worker_restarts"] == 0
    finally:
        server.stop()


def test_the_same_while_a_rebuild_switches_the_graph(project_copy: Path) -> None:
    server = start_server(project_copy, "--workers", "2", root=project_copy)
    try:
        old = httpx.get(server.url + "/health").json()["build_id"]
        results: list[dict[str, float]] = []
        load = threading.Thread(target=lambda: results.append(wrk(server.url, SECONDS)))
        load.start()
        time.sleep(SECONDS / 4)
        retitle(project_copy)
        rebuilt = build(project_copy)
        assert rebuilt.returncode == 0, rebuilt.stderr
        server.process.send_signal(signal.SIGHUP)
        load.join()
        report("load with a switch", results[0])
        assert_clean(results[0])
        assert httpx.get(server.url + "/health").json()["build_id"] != old
        assert "switched from build" in server.output()
    finally:
        server.stop()
