"""Start the real ``projectgraph serve`` in a child process on a free loopback port."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish.dist import builds_dir
from projectgraph.settings import load_settings

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    """A running server: its base URL, process and log file."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    backend: str = "oxigraph"  # or the remote store it serves from

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def shipped_build() -> BuildResult:
    """One build of the shipped data per test process, made on first use (in a temporary
    folder removed at exit): the session's ``built`` fixture, and the seed of every server's
    dist (see :func:`seed_dist`)."""
    folder = Path(tempfile.mkdtemp(prefix="projectgraph-shipped-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return build(load_settings(REPO, {"dist_dir": folder / "dist"}), quiet=True)


def seed_dist(folder: Path) -> None:
    """Give ``folder/dist`` a copy of :func:`shipped_build`, laid out as a build publishes it
    (``dist`` a link into ``.dist-builds/``), unless it exists. A server or ``publish`` over
    the shipped data then finds its dist current and does not build it again (a few seconds
    each, some thirty times a run); one whose inputs differ (an edited project copy, other
    settings) finds it stale and builds, as it would have anyway."""
    dist = folder / "dist"
    if dist.exists() or dist.is_symlink():
        return
    source = shipped_build().published.folder
    target = builds_dir(dist) / source.name
    shutil.copytree(source, target)
    dist.symlink_to(os.path.relpath(target, folder))


def start_server(
    folder: Path,
    *args: str,
    root: Path = REPO,
    env: dict[str, str] | None = None,
    wait: float = 90.0,
    quiet: bool = True,
) -> Server:
    """``projectgraph serve`` with dist/ under ``folder`` (seeded with the shipped build unless
    it exists or ``--no-build`` asks to serve it as it is); returns once /health answers 200
    and the start-up run of the named queries is over."""
    if "--no-build" not in args:
        seed_dist(folder)
    port = free_port()
    environment = {**os.environ, "PROJECTGRAPH_DIST_DIR": str(folder / "dist"), **(env or {})}
    log = folder / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "projectgraph",
                "serve",
                "--root",
                str(root),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *(["--quiet"] if quiet else []),
                *args,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + wait
    # One client for the whole wait: each new one loads the CA bundle (30 ms of CPU a poll).
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"projectgraph serve exited with {process.returncode}:\n{server.output()}"
                )
            try:
                health = client.get(server.url + "/health")
                # Up, and done running the named queries' defaults (start-up work that would
                # otherwise race with what a test does to the workers).
                if health.status_code == 200 and health.json()["named_queries"]["examples_ready"]:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"projectgraph serve did not answer /health within {wait} s:\n{server.output()}"
    )


def schemathesis(url: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``schemathesis run`` over the OpenAPI document at ``url`` (fixed seed, a JUnit report
    in ``folder``); ``args`` select operations and checks."""
    script = Path(sys.executable).parent / "schemathesis"
    command = [
        str(script if script.exists() else shutil.which("schemathesis")),
        "run",
        url,
        "--max-examples",
        "25",
        "--seed",
        "20261124",
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(folder),
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=folder
    )


def projectgraph(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m projectgraph ARGS`` (stdin closed, output captured as text)."""
    return subprocess.run(
        [sys.executable, "-m", "projectgraph", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def new_build_after(server: Server, old_id: str, seconds: float = 90.0) -> str:
    """The build id ``server``'s /health names once it has switched from ``old_id`` (after a
    SIGHUP); ``old_id`` if it did not within ``seconds``."""
    deadline = time.monotonic() + seconds
    new_id = old_id
    with httpx.Client() as client:
        while new_id == old_id and time.monotonic() < deadline:
            time.sleep(0.2)
            new_id = client.get(server.url + "/health").json()["build_id"]
    return new_id
