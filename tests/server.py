"""Start the real ``projectgraph serve`` in a child process on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

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


def start_server(
    folder: Path,
    *args: str,
    root: Path = REPO,
    env: dict[str, str] | None = None,
    wait: float = 90.0,
    quiet: bool = True,
) -> Server:
    """``projectgraph serve`` with dist/ under ``folder``; returns once /health answers 200
    and the start-up run of the named queries is over."""
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
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"projectgraph serve exited with {process.returncode}:\n{server.output()}"
            )
        try:
            health = httpx.get(server.url + "/health", timeout=2)
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
