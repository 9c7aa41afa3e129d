"""The servers running on a build folder, and ``projectgraph reload``, which switches them.

Each ``projectgraph serve`` registers itself while it runs: a small JSON file (pid, address)
under ``.<dist>-builds/.servers/``. ``reload`` finds the live ones, sends each ``SIGHUP`` (the
server then switches to the build ``dist`` points at, see :mod:`projectgraph.serve.switch`) and
waits until its ``/health`` names that build, so a script knows when the new build is served.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from projectgraph.errors import ProjectGraphError
from projectgraph.files import write_atomic
from projectgraph.publish.dist import builds_dir
from projectgraph.publish.manifest import read_manifest

REGISTRY = ".servers"


@dataclass(frozen=True)
class RunningServer:
    """A registered server: its process and the base URL its ``/health`` answers on."""

    pid: int
    url: str


def local_url(host: str, port: int) -> str:
    """Where a server listening on ``host``:``port`` is reached from this machine."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def registered(dist: Path, host: str, port: int) -> Iterator[None]:
    """Register this process as a server of ``dist`` for as long as the block runs. A folder
    that cannot be written is no reason not to serve: the server then cannot be reloaded by
    name, only by ``kill -HUP``. uvicorn ends the process with the SIGTERM it was stopped by,
    past this block: such an entry, like a SIGKILLed server's, is dropped by :func:`running`."""
    folder = builds_dir(Path(dist)) / REGISTRY
    path = folder / f"{os.getpid()}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        entry = {"pid": os.getpid(), "url": local_url(host, port)}
        write_atomic(path, json.dumps(entry).encode(), durable=False)
        written = True
    except OSError:
        written = False
    try:
        yield
    finally:
        if written:
            path.unlink(missing_ok=True)


def running(dist: Path) -> list[RunningServer]:
    """The live servers registered for ``dist`` (entries of dead processes are removed)."""
    folder = builds_dir(Path(dist)) / REGISTRY
    found = []
    for entry in sorted(folder.glob("*.json")) if folder.is_dir() else ():
        try:
            data = json.loads(entry.read_text())
            server = RunningServer(int(data["pid"]), str(data["url"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _is_server(server.pid):
            found.append(server)
        else:  # killed without cleaning up (SIGKILL)
            entry.unlink(missing_ok=True)
    return found


def _is_server(pid: int) -> bool:
    """Whether ``pid`` is alive and (where /proc tells) a projectgraph process: a pid reused
    by another program must not get our signal."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process: not one we started
    try:
        return b"projectgraph" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def served_build(server: RunningServer) -> str | None:
    """The build id ``server`` reports on /health, None while it does not answer."""
    try:
        answer = httpx.get(server.url + "/health", timeout=5.0, trust_env=False)
        return str(answer.json()["build_id"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def reload(dist: Path, wait: float, say: Callable[[str], None]) -> None:
    """Make every server of ``dist`` serve the build ``dist`` points at now, waiting up to
    ``wait`` seconds for each (0: signal and return). ProjectGraphError if there is none, or
    one did not switch in time (it keeps serving its build, and its log says why)."""
    manifest = read_manifest(dist)
    if manifest is None:
        raise ProjectGraphError(f"{dist}: no build to serve (no {dist}/build.json)")
    target = str(manifest["build_id"])
    servers = running(dist)
    if not servers:
        raise ProjectGraphError(f"no running projectgraph serve is registered for {dist}")
    signalled = []
    for server in servers:
        before = served_build(server)
        if before == target:
            say(f"{server.url} (pid {server.pid}) already serves build {target}")
            continue
        os.kill(server.pid, signal.SIGHUP)
        signalled.append((server, before))
    deadline = time.monotonic() + wait
    late = []
    for server, before in signalled:
        now = served_build(server)
        while wait and now != target and time.monotonic() < deadline:
            time.sleep(0.2)
            now = served_build(server)
        if not wait:
            say(f"{server.url} (pid {server.pid}) was asked to switch to build {target}")
        elif now == target:
            say(f"{server.url} (pid {server.pid}) switched from build {before} to {target}")
        else:
            late.append(f"{server.url} (pid {server.pid}) still serves build {now}")
    if late:
        raise ProjectGraphError(
            f"not switched to build {target} within {wait:g} s: {'; '.join(late)} "
            "(a build it cannot serve is reported in its log, and the old one kept)"
        )
