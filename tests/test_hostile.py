"""Hostile input against the real server: every file of ``tests/hostile/`` is one request.

Each case is sent over a raw socket to ``projectgraph serve`` on 127.0.0.1 (a raw socket because
HTTP clients refuse to send what these cases are made of: CR/LF in a path, bytes that are not
UTF-8, a 1 MB request line, a Host header with a CR in it). After every case the test asserts:

- the status is the documented one (``status`` in the case file);
- never a 5xx, unless the case documents one (503: the query was stopped by the timeout or
  the worker's memory limit, and the answer must say which);
- the response is complete, came within the case's time limit, holds no injected header
  (``Set-Cookie``, ``X-Injected``), no line of ``/etc/passwd`` or of ``pyproject.toml`` and no
  Python traceback;
- the loopback listener that ``{{listener}}`` points at never received a connection;
- ``/health`` answers 200 with ``"status": "ok"`` and all workers alive (a worker stopped by a
  timeout may take a moment to be replaced: the test waits for it), and every worker restart
  is explained by a query timeout: a worker that died any other way fails the case.

**Why a server of its own.** The shared session ``server`` fixture is parametrised over two
backends (every case would run twice, on Virtuoso too, doubling the run time), has limits of
its own (500 rows, 20,000 characters) and serves the rest of the suite: hostile cases kill and
replace its workers, which other tests count (``worker_restarts``), and a case that leaves it
unhealthy would fail unrelated tests. Here one server is started for this module with a short timeout (3 s,
so a runaway query costs 3 s), 2 workers (the default), the default row cap (10,000), and
``--max-query-length 60000`` so that both length answers are reachable: with the default
100,000 characters a GET that long no longer fits the HTTP parser's 64 KiB request line (400),
so 414 could never be seen. The rate limit is switched off explicitly (the test makes hundreds
of requests from one address).

**The corpus.** ``tests/hostile/<group>/<name>.toml``, one case a file; adding a case is adding a
file (``tests/hostile/README.md`` has the format). Strings may use ``{{listener}}`` (the
loopback listener's ``127.0.0.1:port``) and ``{{repeat N}}text{{/repeat}}`` (``text`` N times),
so a 1 MB query stays a small readable file.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlencode

import httpx
import pytest

from tests.server import Server, start_server

CORPUS = Path(__file__).parent / "hostile"
WORKER_MEMORY = 512  # MiB a query may take beyond the store (the default is 4096)
QUERY_TIMEOUT = 3.0
MAX_QUERY_LENGTH = 60_000
# Ceilings that catch a hang, not a slow machine: a passing case waits only as long as it takes.
HEALTH_WAIT = 60.0  # seconds a replacement worker may take to be up
DEFAULT_MAX_SECONDS = 30.0  # a case's answer must come within this (10 x the query timeout)
# What a 503 may say: the query timeout or the worker's memory limit stopped the query. Any other
# 503 (no worker running, all workers busy) is a failure, even where a case documents 503.
STOPPED = (b"limit and was stopped", b"more memory than a query worker may use")

# The ways a ``query`` is sent to /sparql (the SPARQL 1.1 Protocol's, and the update ones).
TRANSPORTS = ("get", "form", "update-form", "query-body", "update-body")
KEYS = {
    "why",
    "status",
    "note",
    "send",
    "query",
    "method",
    "target",
    "params",
    "headers",
    "content_type",
    "body",
    "body_percent",
    "form",
    "body_contains",
    "body_lacks",
    "headers_lack",
    "max_seconds",
}
# Never in any answer: injected headers, a line of /etc/passwd, the project's own files, a
# Python traceback.
INJECTED_HEADERS = {"set-cookie", "x-injected"}
LEAKS = [
    re.compile(rb"Traceback \(most recent call last\)"),
    re.compile(rb"(?m)^root:"),
    re.compile(rb"root:x:0:0:"),
    re.compile(rb'build-backend = "setuptools\.build_meta"'),
    re.compile(rb"\[tool\.ruff\.lint\]"),
]
_REPEAT = re.compile(r"\{\{repeat (\d+)\}\}(.*?)\{\{/repeat\}\}", re.DOTALL)


# --- the corpus --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One file of the corpus, sent one way (``transport``: how its ``query`` travels)."""

    name: str
    spec: dict[str, Any]
    transport: str | None

    @property
    def statuses(self) -> set[int]:
        status = self.spec["status"]
        if isinstance(status, dict):
            status = status[self.transport]
        return {status} if isinstance(status, int) else set(status)


def load_corpus() -> list[Case]:
    """Every case file, checked for its keys, once per way its query is sent."""
    cases = []
    for path in sorted(CORPUS.rglob("*.toml")):
        name = path.relative_to(CORPUS).with_suffix("").as_posix()
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(spec) - KEYS
        missing = {"why", "status"} - set(spec)
        if unknown or missing or ("query" in spec) == ("target" in spec):
            raise ValueError(
                f"{path}: unknown keys {sorted(unknown)}, missing {sorted(missing)}, "
                "or not exactly one of 'query' and 'target'"
            )
        if "query" in spec:
            send = spec.get("send", ["get", "form"])
            bad = set(send) - set(TRANSPORTS)
            if bad:
                raise ValueError(f"{path}: unknown ways to send {sorted(bad)}")
            cases += [Case(name, spec, transport) for transport in send]
        else:
            cases.append(Case(name, spec, None))
    return cases


def expand(text: str, listener: str) -> str:
    """The case text with ``{{repeat N}}...{{/repeat}}`` and ``{{listener}}`` filled in."""
    text = _REPEAT.sub(lambda m: m[2] * int(m[1]), text)
    return text.replace("{{listener}}", listener)


# --- a raw HTTP/1.1 exchange ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    target: bytes
    headers: list[tuple[str, str]]
    body: bytes | None

    def encode(self, port: int) -> bytes:
        names = {name.lower() for name, _ in self.headers}
        headers = list(self.headers)
        if "host" not in names:
            headers.insert(0, ("Host", f"127.0.0.1:{port}"))
        headers.append(("Connection", "close"))
        framed = {"content-length", "transfer-encoding"} & names
        if self.body is not None and not framed:
            headers.append(("Content-Length", str(len(self.body))))
        lines = [self.method.encode("latin-1") + b" " + self.target + b" HTTP/1.1"]
        lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
        return b"\r\n".join(lines) + b"\r\n\r\n" + (self.body or b"")


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    complete: bool
    seconds: float

    def header_names(self) -> set[str]:
        return {name.lower() for name, _ in self.headers}

    def describe(self) -> str:
        head = "\n".join(f"{n}: {v}" for n, v in self.headers)
        return f"{self.status} after {self.seconds:.2f} s\n{head}\n\n{self.body[:600]!r}"


def exchange(port: int, request: Request, limit: float) -> Response:
    """Send ``request`` and read the answer until the server closes the connection. The
    request is written from a thread: a server may answer (413, 400) and close before it has
    read a long request, and the answer must still be read."""
    started = time.monotonic()
    data = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as sock:

        def send() -> None:
            # OSError: the server answered and closed first; its answer is what counts.
            with contextlib.suppress(OSError):
                sock.sendall(request.encode(port))

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        while True:
            remaining = started + limit - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no complete answer within {limit} s")
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break  # after an answer, a reset only cuts what the server had not read
            if not chunk:
                break
            data += chunk
        sender.join(timeout=5)
    return parse(bytes(data), request.method, time.monotonic() - started)


def parse(data: bytes, method: str, seconds: float) -> Response:
    head, separator, rest = data.partition(b"\r\n\r\n")
    if not separator:
        raise AssertionError(f"not an HTTP response: {data[:300]!r}")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = [(n.strip(), v.strip()) for n, _, v in (h.partition(":") for h in header_lines)]
    fields = {n.lower(): v for n, v in headers}
    if method == "HEAD" or status in (204, 304):
        return Response(status, headers, b"", True, seconds)
    if fields.get("transfer-encoding", "").lower() == "chunked":
        body, complete = dechunk(rest)
    elif "content-length" in fields:
        length = int(fields["content-length"])
        body, complete = rest[:length], len(rest) >= length
    else:
        body, complete = rest, True
    return Response(status, headers, body, complete, seconds)


def dechunk(data: bytes) -> tuple[bytes, bool]:
    """A chunked body, and whether its last chunk came (a server that stops mid-stream)."""
    body, position = bytearray(), 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            return bytes(body), False
        size = int(data[position:end].split(b";")[0], 16)
        if size == 0:
            return bytes(body), True
        body += data[end + 2 : end + 2 + size]
        if len(data) < end + 2 + size + 2:
            return bytes(body), False
        position = end + 2 + size + 2


def build_request(case: Case, listener: str) -> Request:
    """The request a case describes, its strings expanded."""
    spec = case.spec

    def text(value: str) -> str:
        return expand(value, listener)

    headers = [(name, text(value)) for name, value in spec.get("headers", [])]
    params = [(name, text(value)) for name, value in spec.get("params", [])]
    method = spec.get("method")
    body: bytes | None = None
    if case.transport is not None:
        query = text(spec["query"])
        target = "/sparql"
        if case.transport == "get":
            params.insert(0, ("query", query))
        elif case.transport in ("form", "update-form"):
            name = "query" if case.transport == "form" else "update"
            body = urlencode([(name, query)], quote_via=quote).encode()
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        else:
            body = query.encode("utf-8")
            kind = "sparql-query" if case.transport == "query-body" else "sparql-update"
            headers.append(("Content-Type", f"application/{kind}"))
        method = method or ("GET" if case.transport == "get" else "POST")
    else:
        target = text(spec["target"])
    if "content_type" in spec:
        headers.append(("Content-Type", text(spec["content_type"])))
    if "form" in spec:
        pairs = [(name, text(value)) for name, value in spec["form"]]
        body = urlencode(pairs, quote_via=quote).encode()
    if "body" in spec:
        body = text(spec["body"]).encode("utf-8")
    if "body_percent" in spec:
        body = unquote_to_bytes(text(spec["body_percent"]))
    if params:
        encoded = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
        target += ("&" if "?" in target else "?") + encoded
    method = method or ("POST" if body is not None else "GET")
    return Request(method, target.encode("latin-1"), headers, body)


# --- the server, the listener, health ------------------------------------------------------------


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    sock: socket.socket
    connections: list[tuple[str, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> str:
        host, port = self.sock.getsockname()
        return f"{host}:{port}"

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(peer)
            conn.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    running = Listener(sock)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    yield running
    running.stop.set()
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("hostile"),
        "--timeout",
        str(QUERY_TIMEOUT),
        "--workers",
        "2",
        "--max-query-length",
        str(MAX_QUERY_LENGTH),
        env={"PROJECTGRAPH_RATE_LIMIT": "0", "PROJECTGRAPH_WORKER_MEMORY": str(WORKER_MEMORY)},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def health_client() -> Iterator[httpx.Client]:
    """One client for every /health of the module (a new one loads the CA bundle: 30 ms of
    CPU, twice a case)."""
    with httpx.Client(timeout=5) as client:
        yield client


def healthy(server: Server, client: httpx.Client) -> dict[str, Any]:
    """/health once it says ok with every worker alive (replacements get HEALTH_WAIT)."""
    deadline = time.monotonic() + HEALTH_WAIT
    last: object = None
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"the server exited:\n{server.output()[-3000:]}"
        try:
            response = client.get(server.url + "/health")
            last = (response.status_code, response.text)
            body = response.json()
            engine = body["engine"]
            if (
                response.status_code == 200
                and body["status"] == "ok"
                and engine["workers_alive"] == engine["workers"]
            ):
                return body
        except (httpx.HTTPError, ValueError) as e:
            last = e
        time.sleep(0.1)
    raise AssertionError(f"/health not ok within {HEALTH_WAIT} s: {last}")


def counters(health: dict[str, Any]) -> tuple[int, int]:
    engine = health["engine"]
    stopped = int(engine.get("query_timeouts", 0)) + int(engine.get("queries_out_of_memory", 0))
    return int(engine.get("worker_restarts", 0)), stopped


# --- the test ------------------------------------------------------------------------------------

CASES = load_corpus()


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[c.name if c.transport is None else f"{c.name}[{c.transport}]" for c in CASES],
)
def test_hostile_input(
    case: Case, hostile_server: Server, listener: Listener, health_client: httpx.Client
) -> None:
    restarts, timeouts = counters(healthy(hostile_server, health_client))
    port = int(hostile_server.url.rsplit(":", 1)[1])
    request = build_request(case, listener.address)
    limit = float(case.spec.get("max_seconds", DEFAULT_MAX_SECONDS))
    response = exchange(port, request, limit)
    shown = response.describe()
    expected = case.statuses

    assert response.status in expected, f"expected {sorted(expected)}, got {shown}"
    assert response.status < 500 or response.status in expected, shown
    if response.status == 503:
        assert any(s in response.body for s in STOPPED), f"not a timeout or memory stop: {shown}"
    # A 200 cut short after the query timeout is how a timeout ends an answer already streaming
    # (test_limits checks it): the same stop as a 503, where a case documents one.
    cut_by_timeout = 503 in expected and response.seconds >= QUERY_TIMEOUT
    assert response.complete or cut_by_timeout, f"the answer stopped short: {shown}"
    injected = response.header_names() & INJECTED_HEADERS
    assert not injected, f"injected header(s) {injected}: {shown}"
    for name, value in response.headers:
        inside = [h for h in INJECTED_HEADERS if f"{h}:" in value.lower()]
        assert not inside, f"{name} holds an injected header {inside}: {shown}"
        for text in case.spec.get("headers_lack", []):
            assert text.lower() not in value.lower(), f"{text!r} in {name}: {shown}"
    for leak in LEAKS:
        assert not leak.search(response.body), f"{leak.pattern!r} in the answer: {shown}"
    for text in case.spec.get("body_contains", []):
        assert expand(text, listener.address).encode() in response.body, shown
    for text in case.spec.get("body_lacks", []):
        assert expand(text, listener.address).encode() not in response.body, shown
    assert listener.connections == [], f"the server connected to the listener: {shown}"

    after_restarts, after_timeouts = counters(healthy(hostile_server, health_client))
    assert after_restarts - restarts == after_timeouts - timeouts, (
        f"a query worker died without a timeout ({after_restarts - restarts} restarts, "
        f"{after_timeouts - timeouts} timeouts): {shown}"
    )
