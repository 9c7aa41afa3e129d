"""Benchmark projectgraph on a remote SPARQL store: Debian's Virtuoso 7.2.5 (``virtuoso-t``).

    python -m bench.remote [--sizes 1000,10000] [--project DIR ...] [--runs N] [--quick]
                           [--memory-mb MB] [--update-chunks N,...] [--no-update] [--keep]
                           [--out DIR] [...]

Each subject is either a number of synthetic projects (``--sizes``: ``projectgraph synth``,
then ``projectgraph build --project``, timed) or a project folder that is built already
(``--project DIR``, repeatable: its build under ``DIR/.projectgraph/dist`` is used as it is).
For each one the benchmark

1. starts a private Virtuoso (:func:`tests.virtuoso.start_virtuoso`: its own database in the
   work folder, 127.0.0.1 only, ``--memory-mb`` for its buffers) and publishes the build into
   it through the Graph Store protocol (:func:`projectgraph.publish.remote.publish_build`, as
   ``projectgraph publish --graph-store`` does): triples, seconds, triples/s. The publish
   checks the triple count of the version graph itself; the benchmark counts it once more
   through the public ``/sparql``;
2. serves the build through that Virtuoso (``projectgraph serve --store <Virtuoso /sparql>
   --no-build``, result cache off, ``--max-rows 0`` so both sides return the same rows) and
   times every named query of ``queries/*.rq`` with its default parameters (a parameter whose
   default names a project of the shipped data gets a project of the subject, as in
   :mod:`bench.suite`), prepared into the SPARQL text the API runs
   (:meth:`projectgraph.sparql.named.NamedQuery.prepare`, with its first page for a paginated
   query):

   - *direct*: POSTed to Virtuoso's own ``/sparql`` with the dataset projectgraph uses
     (``default-graph-uri=<version graph>``, ``named-graph-uri=urn:x-projectgraph:no-graph``)
     and the text projectgraph forwards (comments blanked), by a client that sets
     TCP_QUICKACK before every read (:class:`QuickAckTransport`, see there why);
   - *direct plain*: the same with plain httpx, which often waits ~40 ms for a delayed ACK;
   - *through projectgraph*: the same query POSTed to projectgraph's ``/sparql``;
   - *API*: ``GET /api/queries/{name}`` with the same parameters (JSON rows or JSON-LD).

   SELECT answers are asked for as ``application/sparql-results+json``, CONSTRUCT answers as
   ``application/n-triples`` (what projectgraph itself asks Virtuoso for). After one checked,
   untimed request of each kind, the four kinds are timed in turn, ``--runs`` times (fewer
   once a query's timed runs pass ``--budget`` seconds, at least three), sequentially, each
   kind over one kept-alive connection. The direct and the through answers must have the
   same rows (SELECT: as multisets, numbers to 9 digits; CONSTRUCT: the same number of
   triples). The overhead ratio is the through median over the direct median; the target,
   a ratio under 1.2x, is held against the queries whose direct median is over 20 ms;
3. up to ``--update-max`` projects (10,000; ``--no-update`` skips it), publishes the build
   again with SPARQL Update only (``INSERT DATA``, as ``projectgraph publish`` without
   ``--graph-store``), once per ``--update-chunks`` size (2,000, publish's default without
   a Graph Store), each into a fresh Virtuoso. Virtuoso 7.2.5's SPARQL compiler refuses an
   ``INSERT DATA`` of more than about 4,990 lines ("SP030 ... memory exhausted"); a failed
   load is reported, not hidden.

The tables go to stdout and, with the machine, the Virtuoso settings and the raw samples, to
``--out`` (``bench/results``): ``REMOTE.md`` and ``remote.json``. Every server listens on
127.0.0.1 only and is stopped at the end; the work folder under /tmp is removed unless
``--keep``. The exit status is 1 when anything went wrong (listed under Problems).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import datetime as dt
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import httpx

from bench.endpoint import JSON, Problems, Server, ServerFailed, Timing, machine, ms, rss_mb, table
from bench.endpoint import running as running_server
from bench.named_queries import count_rows, make_server, shown, wait_ready
from bench.suite import dist_of, folder_bytes, parse_sizes, projectgraph, query_params, slugs_of
from projectgraph.publish.manifest import MANIFEST
from tests.virtuoso import BINARY, USER, Virtuoso, start_virtuoso

Say = Callable[[str], None]

N_TRIPLES = "application/n-triples"
IDENTITY = {"Accept-Encoding": "identity"}
DEFAULT_SIZES = (1_000, 10_000)
# publish's default, which Virtuoso 7.2.5's SPARQL compiler refuses in one INSERT DATA
# ("SP030 ... memory exhausted" near line 4,990), and a size it takes.
DEFAULT_UPDATE_CHUNKS = (2_000,)  # publish's default for INSERT DATA
QUICK_SIZES = (1_000,)
MIN_RUNS = 3
SLOW_DIRECT = 0.020  # s: the ratio target is held against queries slower than this directly
TARGET_RATIO = 1.2
PUBLISH_TIMEOUT = 600.0  # s per store request while publishing (projectgraph publish: 120)
VIRTUOSO_WAIT = 300.0  # s for a new Virtuoso to answer
READY_TIMEOUT = 4 * 3600.0  # s for projectgraph serve to have run every named query once
MIB = 1024**2
DIRECT = "direct"
KEEP_ALIVE = "direct, plain keep-alive"
THROUGH = "through /sparql"
API = "API"
GSP = "Graph Store protocol"
UPDATE = "SPARQL Update only"
NUMERIC = ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger")
LOG_TROUBLE = re.compile(r"GPF|\bERROR\b|\berror\b|Error|SR\d{3}|[Ii]nternal|assert", re.ASCII)
# Sections and keys of the Virtuoso ini that are about this machine's run, not its paths.
SETTING_SECTIONS = ("Parameters", "HTTPServer", "SPARQL")
NOT_SETTINGS = {"ServerPort", "DirsAllowed", "ServerRoot"}

# ------------------------------------------------------------------------------------------
# Settings and results


@dataclass(frozen=True)
class Config:
    """Settings of one benchmark run."""

    sizes: tuple[int, ...]  # synthetic projects per subject
    projects: tuple[Path, ...]  # built project folders
    quick: bool
    seed: int
    runs: int  # timed runs per query and kind
    budget: float  # seconds of timed runs per query, after MIN_RUNS
    memory_mb: int  # Virtuoso's memory (two thirds go to its buffers)
    chunk: int  # triples per Graph Store request
    update_chunks: tuple[int, ...]  # triples per INSERT DATA, one SPARQL-Update-only load each
    update_max: int  # the SPARQL-Update-only loads up to this many projects
    workers: int  # projectgraph's query workers
    timeout: float  # projectgraph's query timeout; clients wait 10 s longer
    max_rows: int  # projectgraph's --max-rows (0: none, the same rows as Virtuoso)
    root: Path
    out: Path
    keep: bool
    command: str


@dataclass
class LoadRun:
    """One publish into a fresh Virtuoso."""

    method: str  # GSP or UPDATE
    chunk: int  # triples per request
    triples: int = 0  # the merged graph's triples (the ontology copy is loaded too)
    seconds: float = 0.0  # publish_build's own clock: load, count checks, pointer
    wall: float = 0.0  # around publish_build, in this process
    counted: int | None = None  # COUNT(*) of the version graph through the public /sparql
    virtuoso_start: float = 0.0  # s until the new Virtuoso answered
    database_mib: float = 0.0  # its database folder after the load
    virtuoso_rss_mib: float = 0.0  # virtuoso-t's resident memory after the load
    command: str = ""
    failure: str | None = None

    @property
    def rate(self) -> float | None:
        """Triples per second of the publish."""
        return self.triples / self.seconds if self.seconds and not self.failure else None


@dataclass
class QueryResult:
    """One named query: directly on Virtuoso, through projectgraph's /sparql, through the API."""

    name: str
    form: str
    pagination: int | None
    params: dict[str, str]
    text: str  # the prepared SPARQL
    rows_direct: int | None = None
    rows_through: int | None = None
    rows_api: str = "-"
    direct: Timing = field(default_factory=Timing)  # kept alive, acknowledging at once
    keep_alive: Timing = field(default_factory=Timing)  # kept alive, plain httpx
    through: Timing = field(default_factory=Timing)
    api: Timing = field(default_factory=Timing)
    failure: str | None = None

    @property
    def ratio(self) -> float | None:
        """Through projectgraph's /sparql over direct, medians."""
        return _ratio(self.through.median, self.direct.median)

    @property
    def api_ratio(self) -> float | None:
        """Through the API over direct, medians."""
        return _ratio(self.api.median, self.direct.median)

    @property
    def held(self) -> bool:
        """Whether the ratio target applies: the direct median is over 20 ms."""
        return self.direct.median is not None and self.direct.median > SLOW_DIRECT

    @property
    def verdict(self) -> str:
        """met / missed against the ratio target, or "-" where it is not held."""
        if not self.held or self.ratio is None:
            return "-"
        return "met" if self.ratio < TARGET_RATIO else "missed"


@dataclass
class Served:
    """projectgraph serve --store on the Virtuoso of the GSP load."""

    command: str = ""
    answering: float = 0.0  # s until /health answered
    ready: float | None = None  # s until every named query had run once
    virtuoso_rss_mib: float = 0.0  # after the queries
    engine: dict[str, Any] = field(default_factory=dict)  # /health's engine after the run


@dataclass
class SubjectResult:
    """Every measurement of one subject (a size or a project folder)."""

    label: str
    records: str
    projects: int = 0
    synth_seconds: float | None = None
    build_seconds: float | None = None
    build_id: str = ""
    triples: int = 0
    version_graph: str = ""
    loads: list[LoadRun] = field(default_factory=list)
    served: Served | None = None
    queries: list[QueryResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    update_skipped: str | None = None
    virtuoso_log: list[str] = field(default_factory=list)  # lines that look like trouble
    failure: str | None = None
    elapsed: float = 0.0


@dataclass
class Clients:
    """The benchmark's HTTP clients (no compression, no proxies), each on one kept-alive
    connection."""

    quick: httpx.Client  # to Virtuoso, acknowledging at once (QuickAckTransport)
    kept: httpx.Client  # to Virtuoso, plain httpx
    pg: httpx.Client  # to projectgraph, acknowledging at once, like ``quick``


# ------------------------------------------------------------------------------------------
# A client that acknowledges at once
#
# On a kept-alive connection Virtuoso's answer of a few KB or more often arrives ~40 ms late:
# it sends the head of the answer, then holds the rest (Nagle's algorithm) until that is
# acknowledged, and the client's kernel delays its acknowledgement by 40 ms (a new
# connection starts in Linux's "quick ACK" mode, so its first answers do not wait).
# TCP_QUICKACK before every read makes the kernel acknowledge at once: what the store
# answers in, without the stall, the baseline the overhead ratio is held to.


class QuickAckStream(httpcore.NetworkStream):
    """A TCP stream that sets TCP_QUICKACK before every read (the kernel clears it)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class QuickAckBackend(httpcore.SyncBackend):
    """httpcore's sync backend with :class:`QuickAckStream` connections."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = super().connect_tcp(host, port, timeout, local_address, socket_options)
        return QuickAckStream(stream)


class QuickAckTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool of :class:`QuickAckStream` connections
    (answers read whole)."""

    def __init__(self) -> None:
        self.pool = httpcore.ConnectionPool(network_backend=QuickAckBackend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.pool.request(
            request.method,
            str(request.url),
            headers=request.headers.raw,
            content=request.read(),
            extensions={"timeout": request.extensions.get("timeout", {})},
        )
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        self.pool.close()


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


# ------------------------------------------------------------------------------------------
# Data: synthetic projects, or a given built folder


def run_checked(argv: list[str], cwd: Path, what: str) -> float:
    """Run ``argv``; its wall seconds, or a RuntimeError with the end of its output."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}"
        )
    return time.perf_counter() - started


def synthesize(cfg: Config, projects: int, folder: Path, result: SubjectResult, say: Say) -> Path:
    """Synth ``projects`` records into ``folder/records`` and build them; the records."""
    records = folder / "records"
    root = str(cfg.root)
    say(f"{result.label}: projectgraph synth ...")
    result.synth_seconds = run_checked(
        projectgraph(
            "synth",
            "--root",
            root,
            "--projects",
            str(projects),
            "--seed",
            str(cfg.seed),
            "--out",
            str(records),
            "-q",
        ),
        cfg.root,
        "projectgraph synth",
    )
    say(f"{result.label}: projectgraph build ...")
    result.build_seconds = run_checked(
        projectgraph("build", "--root", root, "--project", str(records), "-q"),
        cfg.root,
        "projectgraph build",
    )
    say(f"  built in {result.build_seconds:.1f} s")
    return records


def served_build(records: Path) -> tuple[Path, dict[str, Any]]:
    """The build folder of ``records`` and its manifest."""
    dist = dist_of(records)
    manifest_path = dist / MANIFEST
    if not manifest_path.is_file():
        raise RuntimeError(
            f"{records}: no build at {dist} (run projectgraph build --project {records})"
        )
    return dist, dict(json.loads(manifest_path.read_text()))


# ------------------------------------------------------------------------------------------
# Virtuoso


@contextlib.contextmanager
def virtuoso(folder: Path, cfg: Config, result: SubjectResult, say: Say) -> Iterator[Virtuoso]:
    """A fresh private Virtuoso in ``folder``, stopped at the end; the lines of its log that
    look like trouble go to ``result.virtuoso_log``."""
    say(f"  starting Virtuoso ({cfg.memory_mb:,} MB) in {folder} ...")
    started = time.perf_counter()
    server = start_virtuoso(folder, memory_mb=cfg.memory_mb, wait=VIRTUOSO_WAIT)
    say(f"  Virtuoso answering after {time.perf_counter() - started:.1f} s at {server.base}")
    try:
        yield server
    finally:
        server.stop()
        for line in server.log().splitlines():
            if LOG_TROUBLE.search(line):
                result.virtuoso_log.append(f"{folder.name}: {line.strip()}")


def virtuoso_version() -> str:
    """``virtuoso-t``'s version line."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run([BINARY, "-?"], capture_output=True, text=True, timeout=30)
        for line in (done.stdout + done.stderr).splitlines():
            if line.startswith("Version"):
                return line.strip()
    return "unknown"


def virtuoso_settings(folder: Path) -> dict[str, dict[str, str]]:
    """The settings of the ini file :func:`start_virtuoso` wrote, without ports and paths."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(folder / "virtuoso.ini")
    return {
        section: {k: v for k, v in parser[section].items() if k not in NOT_SETTINGS}
        for section in SETTING_SECTIONS
        if parser.has_section(section)
    }


def count_graph(client: httpx.Client, server: Virtuoso, graph: str) -> int:
    """Triples in ``graph``, counted through Virtuoso's public ``/sparql``."""
    answer = client.post(
        server.sparql,
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": JSON},
    )
    answer.raise_for_status()
    bindings = answer.json()["results"]["bindings"]
    return int(bindings[0]["n"]["value"]) if bindings else 0


def publish(
    cfg: Config,
    server: Virtuoso,
    dist: Path,
    manifest: dict[str, Any],
    method: str,
    chunk: int,
    graph: str,
    say: Say,
) -> LoadRun:
    """Publish the build into ``server`` as ``projectgraph publish`` does, with the Graph
    Store protocol (GSP) or SPARQL Update only, ``chunk`` triples per request; timed and
    counted."""
    from projectgraph.publish.remote import publish_build
    from projectgraph.store.client import Endpoints, SparqlStore, credentials, version_graph
    from projectgraph.store.loading import ServedBuild

    gsp = method == GSP
    endpoints = Endpoints(
        query=server.sparql_auth,
        update=server.sparql_auth,
        graph_store=server.graph_store if gsp else None,
    )
    run = LoadRun(method, chunk)
    run.command = shlex.join(
        [
            f"PROJECTGRAPH_STORE_AUTH={USER}",
            "projectgraph",
            "publish",
            "--to",
            "V/sparql-auth",
            *(["--graph-store", "V/sparql-graph-crud-auth"] if gsp else []),
            "--no-build",
            "--dist",
            "DIST",
            "--chunk",
            str(chunk),
        ]
    )
    build = ServedBuild(folder=dist.resolve(), manifest=manifest)
    store = SparqlStore(endpoints, credentials(USER), timeout=PUBLISH_TIMEOUT)
    say(f"  publishing {int(manifest['triples']):,} triples ({method}, chunks of {chunk:,}) ...")
    started = time.perf_counter()
    try:
        outcome = publish_build(
            store, build, graph, quiet=True, say=lambda t: say(f"    {t}"), chunk_triples=chunk
        )
    except Exception as e:  # the failure is a result: the other measurements still run
        run.wall = time.perf_counter() - started
        run.failure = f"{type(e).__name__}: {e}"
        return run
    finally:
        store.close()
    run.wall = time.perf_counter() - started
    run.triples, run.seconds = outcome.triples, outcome.seconds
    if not outcome.loaded:
        run.failure = "the fresh store already held the build (nothing was loaded)"
    with httpx.Client(timeout=PUBLISH_TIMEOUT, trust_env=False) as client:
        run.counted = count_graph(client, server, version_graph(graph, build.build_id))
    if run.counted != int(manifest["triples"]):
        run.failure = f"{run.counted:,} triples counted, the build has {manifest['triples']:,}"
    run.database_mib = folder_bytes(server.folder / "db") / MIB
    run.virtuoso_rss_mib = rss_mb(server.process.pid)
    say(
        f"    {run.triples:,} triples in {run.seconds:.1f} s "
        f"({run.rate or 0:,.0f} triples/s); counted {run.counted:,}"
    )
    return run


# ------------------------------------------------------------------------------------------
# Named queries


def answer_rows(body: bytes, graph: bool) -> Counter[tuple[str | None, ...]]:
    """An answer's rows as a multiset: SPARQL JSON bindings (numbers to 9 digits, booleans
    canonical), or N-Triples lines."""
    if graph:
        return Counter((line.strip(),) for line in body.decode().splitlines() if line.strip())
    document = json.loads(body)
    if "boolean" in document:
        return Counter([(str(document["boolean"]).lower(),)])
    variables = document["head"]["vars"]
    rows: Counter[tuple[str | None, ...]] = Counter()
    for binding in document["results"]["bindings"]:
        row: list[str | None] = []
        for name in variables:
            term = binding.get(name)
            if term is None:
                row.append(None)
                continue
            kind = term.get("datatype", "").rsplit("#", 1)[-1]
            value = term["value"]
            if kind in NUMERIC:
                value = f"{float(value):.9g}"
            elif kind == "boolean":
                value = {"1": "true", "0": "false"}.get(value, value)
            row.append(value)
        rows[tuple(row)] += 1
    return rows


def named_queries(
    client: httpx.Client, base: str, cfg: Config, project_iri: str
) -> tuple[list[QueryResult], list[str]]:
    """Every named query of the server's ``/api/queries`` with its defaults (a synthetic
    project for a shipped one), prepared as the API prepares it; and the skipped ones."""
    from projectgraph.settings import load_settings
    from projectgraph.sparql.named import load_queries

    base_iri = load_settings(cfg.root).base_iri
    known = {q.name: q for q in load_queries(cfg.root / "queries")}
    listing = client.get(base + "/api/queries")
    listing.raise_for_status()
    found, skipped = [], []
    for query in listing.json():
        params = query_params(query, project_iri)
        named = known.get(query["name"])
        if params is None or named is None:
            skipped.append(query["name"])
            continue
        text = named.prepare(params, base_iri)
        found.append(QueryResult(named.name, named.form, named.pagination, params, text))
    return found, skipped


def time_query(
    query: QueryResult,
    clients: Clients,
    server: Virtuoso,
    pg: Server,
    version: str,
    cfg: Config,
    problems: Problems,
) -> None:
    """Check, then time one query directly (acknowledging at once, and plain), through
    projectgraph's /sparql and through the API, in turn."""
    from projectgraph.sparql.inspect import without_comments
    from projectgraph.store.client import NO_GRAPH

    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    accept = N_TRIPLES if graph else JSON
    # What projectgraph's worker sends Virtuoso: the text without comments, the dataset.
    form = {
        "query": without_comments(query.text),
        "default-graph-uri": version,
        "named-graph-uri": NO_GRAPH,
    }

    def direct() -> httpx.Response:
        return clients.quick.post(server.sparql, data=form, headers={"Accept": accept})

    def keep_alive() -> httpx.Response:
        return clients.kept.post(server.sparql, data=form, headers={"Accept": accept})

    def through() -> httpx.Response:
        return clients.pg.post(
            pg.base + "/sparql", data={"query": query.text}, headers={"Accept": accept}
        )

    def api() -> httpx.Response:
        return clients.pg.get(pg.base + f"/api/queries/{query.name}", params=query.params)

    def fail(what: str) -> None:
        query.failure = query.failure or what
        problems.append(f"{query.name}: {what}")

    kinds: list[tuple[str, Callable[[], httpx.Response], Timing]] = [
        (DIRECT, direct, query.direct),
        (KEEP_ALIVE, keep_alive, query.keep_alive),
        (THROUGH, through, query.through),
        (API, api, query.api),
    ]

    def attempt(label: str, send: Callable[[], httpx.Response], timing: Timing) -> Any:
        """One request: (seconds, answer), or None after recording what went wrong."""
        try:
            started = time.perf_counter()
            answer = send()
            seconds = time.perf_counter() - started
        except httpx.HTTPError as e:
            timing.failure = type(e).__name__
            fail(f"{label}: {e!r}")
            return None
        problem = check(label, answer)
        if problem:
            timing.failure, detail = problem
            fail(f"{label}: {detail}")
            return None
        return seconds, answer

    # The checked, untimed first requests.
    answers: dict[str, httpx.Response] = {}
    for label, send, timing in kinds:
        done = attempt(label, send, timing)
        if done is not None:
            answers[label] = done[1]
    if DIRECT in answers and THROUGH in answers:
        mine = answer_rows(answers[THROUGH].content, graph)
        theirs = answer_rows(answers[DIRECT].content, graph)
        query.rows_through, query.rows_direct = mine.total(), theirs.total()
        if mine.total() != theirs.total() or (not graph and mine != theirs):
            fail(
                f"projectgraph and Virtuoso answer differently: {mine.total():,} rows through "
                f"projectgraph, {theirs.total():,} directly"
            )
    if API in answers:
        query.rows_api = count_rows(answers[API].content)
    live = [kind for kind in kinds if kind[0] in answers]
    started = time.perf_counter()
    for i in range(cfg.runs):
        if i >= min(MIN_RUNS, cfg.runs) and time.perf_counter() - started > cfg.budget:
            break
        for kind in list(live):
            done = attempt(*kind)
            if done is None:
                live.remove(kind)
            else:
                kind[2].samples.append(done[0])


def check(label: str, answer: httpx.Response) -> tuple[str, str] | None:
    """What is wrong with an answer, if anything: a short and a long description."""
    if answer.status_code != 200:
        return f"HTTP {answer.status_code}", f"HTTP {answer.status_code}: {answer.text[:300]}"
    state = answer.headers.get("x-sql-state")
    if state:  # Virtuoso's "anytime" partial answer
        return "partial", f"partial answer ({state}: {answer.headers.get('x-sql-message')})"
    if label == API and answer.headers.get("x-cache") != "miss":
        cache = answer.headers.get("x-cache")
        return "cached", f"X-Cache {cache!r}: the result cache answered"
    return None


# ------------------------------------------------------------------------------------------
# One subject


def serve_and_time(
    cfg: Config,
    server: Virtuoso,
    dist: Path,
    version: str,
    project_iri: str,
    work: Path,
    result: SubjectResult,
    problems: Problems,
    say: Say,
) -> None:
    """projectgraph serve --store on ``server``, then every named query three ways."""
    options = argparse.Namespace(
        runs=cfg.runs, timeout=cfg.timeout, workers=cfg.workers, max_rows=cfg.max_rows
    )
    pg = make_server("projectgraph", dist, False, work, cfg.root, options)
    pg.argv += ["--store", server.sparql]
    pg.ready_timeout = READY_TIMEOUT
    served = result.served = Served()
    served.command = shown(pg).replace(str(dist), "DIST").replace(server.sparql, "V/sparql")
    begun = time.perf_counter()
    with running_server(pg, problems, say):
        served.answering = pg.startup
        try:
            served.ready = wait_ready(pg, begun, READY_TIMEOUT)
            say(f"  every named query run once after {served.ready:.1f} s")
        except (ServerFailed, RuntimeError) as e:
            problems.append(f"{result.label}: {e}")
        timeout = httpx.Timeout(cfg.timeout + 10, connect=10.0)
        with contextlib.ExitStack() as stack:

            def client(transport: httpx.BaseTransport | None = None) -> httpx.Client:
                made = httpx.Client(
                    headers=IDENTITY, timeout=timeout, trust_env=False, transport=transport
                )
                return stack.enter_context(made)

            clients = Clients(
                quick=client(QuickAckTransport()), kept=client(), pg=client(QuickAckTransport())
            )
            result.queries, result.skipped = named_queries(clients.pg, pg.base, cfg, project_iri)
            say(f"  timing {len(result.queries)} named queries ({cfg.runs} runs each) ...")
            for query in result.queries:
                t0 = time.perf_counter()
                time_query(query, clients, server, pg, version, cfg, problems)
                say(
                    f"    {query.name}: direct {ms(query.direct.median)} ms (plain "
                    f"{ms(query.keep_alive.median)} ms), through {ms(query.through.median)} ms, "
                    f"API {ms(query.api.median)} ms ({ratio_text(query.ratio)}; "
                    f"{time.perf_counter() - t0:.1f} s)"
                )
            health = clients.pg.get(pg.base + "/health")
            if health.status_code == 200:
                served.engine = dict(health.json().get("engine", {}))
            if served.engine.get("worker_restarts") or served.engine.get("query_timeouts"):
                problems.append(f"{result.label}: /health after the run: {served.engine}")
        served.virtuoso_rss_mib = rss_mb(server.process.pid)


def run_subject(
    cfg: Config,
    result: SubjectResult,
    records: Path | None,
    work: Path,
    settings: dict[str, dict[str, str]],
    problems: Problems,
    say: Say,
) -> None:
    """Every measurement of one subject; ``records`` None: synthesize ``result.projects``."""
    from projectgraph.publish.remote import default_graph
    from projectgraph.settings import load_settings
    from projectgraph.store.client import version_graph

    started = time.perf_counter()
    try:
        if records is None:
            records = synthesize(cfg, result.projects, work, result, say)
        result.records = str(records)
        dist, manifest = served_build(records)
        slugs = slugs_of(records)
        result.projects = result.projects or len(slugs)
        result.build_id = str(manifest["build_id"])
        result.triples = int(manifest["triples"])
        pg_settings = load_settings(cfg.root)
        base_iri = pg_settings.base_iri.rstrip("/")
        graph = pg_settings.store_graph or default_graph(base_iri)
        result.version_graph = version_graph(graph, result.build_id)
        project_iri = f"{base_iri}/id/project/{slugs[len(slugs) // 2]}" if slugs else ""
        say(
            f"{result.label}: {result.triples:,} triples, build {result.build_id} ({dist}); "
            f"{result.projects:,} projects"
        )

        with virtuoso(work / "virtuoso-gsp", cfg, result, say) as server:
            settings.update(virtuoso_settings(server.folder))
            load = publish(cfg, server, dist, manifest, GSP, cfg.chunk, graph, say)
            result.loads.append(load)
            if load.failure:
                raise RuntimeError(f"the {GSP} load failed: {load.failure}")
            serve_and_time(
                cfg, server, dist, result.version_graph, project_iri, work, result, problems, say
            )
        if not cfg.keep:
            shutil.rmtree(work / "virtuoso-gsp", ignore_errors=True)

        if result.projects > cfg.update_max:
            result.update_skipped = (
                "skipped (--no-update)"
                if cfg.update_max == 0
                else f"not run above {cfg.update_max:,} projects (--update-max)"
            )
        else:
            for chunk in cfg.update_chunks:  # each into a fresh Virtuoso
                folder = work / f"virtuoso-update-{chunk}"
                with virtuoso(folder, cfg, result, say) as server:
                    load = publish(cfg, server, dist, manifest, UPDATE, chunk, graph, say)
                    result.loads.append(load)
                if load.failure:
                    say(f"    failed: {load.failure}")
                    problems.append(
                        f"{result.label}: the {UPDATE} load with {chunk:,} triples per request "
                        f"failed: {load.failure}"
                    )
                if not cfg.keep:
                    shutil.rmtree(folder, ignore_errors=True)
    except Exception as e:  # the other subjects still run and are reported
        result.failure = f"{type(e).__name__}: {e}"
        problems.append(f"{result.label}: {result.failure}")
    finally:
        problems.extend(f"{result.label}: Virtuoso log: {line}" for line in result.virtuoso_log)
        result.elapsed = time.perf_counter() - started


# ------------------------------------------------------------------------------------------
# Report


def ratio_text(value: float | None) -> str:
    """``1.07x``, or "-"."""
    return "-" if value is None else f"{value:.2f}x"


def short(failure: str, width: int = 60) -> str:
    """A failure cut to ``width`` characters for a table cell (Problems has it whole)."""
    text = " ".join(failure.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def seconds_text(value: float | None) -> str:
    """Seconds with a precision that suits the size."""
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:,.1f}"


def timing_text(timing: Timing) -> tuple[str, str]:
    """(median, p95) in ms, or the failure."""
    if not timing.samples:
        return timing.failure or "-", "-"
    return ms(timing.median), ms(timing.p95)


def geometric_mean(values: list[float]) -> float | None:
    """The geometric mean of positive ``values``."""
    values = [v for v in values if v > 0]
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else None


def load_table(results: list[SubjectResult]) -> str:
    """Every load of every subject."""
    rows = []
    for r in results:
        for load in r.loads:
            rows.append(
                [
                    r.label,
                    load.method,
                    f"{load.chunk:,}",
                    f"{load.triples:,}" if load.triples else "-",
                    short(load.failure) if load.failure else seconds_text(load.seconds),
                    f"{load.rate:,.0f}" if load.rate else "-",
                    f"{load.counted:,}" if load.counted is not None else "-",
                    "-" if load.failure else f"{load.database_mib:,.0f}",
                    "-" if load.failure else f"{load.virtuoso_rss_mib:,.0f}",
                ]
            )
        if r.update_skipped:
            rows.append([r.label, UPDATE, "-", "-", r.update_skipped, "-", "-", "-", "-"])
        if not r.loads and r.failure:
            rows.append([r.label, "-", "-", "-", short(r.failure), "-", "-", "-", "-"])
    return table(
        [
            "subject",
            "load",
            "triples per request",
            "triples",
            "seconds",
            "triples/s",
            "counted (/sparql)",
            "DB MiB",
            "Virtuoso RSS MiB",
        ],
        rows,
        right={2, 3, 4, 5, 6, 7, 8},
    )


def query_table(r: SubjectResult) -> str:
    """The named queries of one subject, ms."""
    rows = []
    for q in r.queries:
        direct, through, api = timing_text(q.direct), timing_text(q.through), timing_text(q.api)
        rows.append(
            [
                q.name + (f" (page 1, {q.pagination} rows)" if q.pagination else ""),
                f"{q.rows_direct:,}" if q.rows_direct is not None else "-",
                str(len(q.direct.samples)),
                *direct,
                timing_text(q.keep_alive)[0],
                *through,
                ratio_text(q.ratio),
                *api,
                ratio_text(q.api_ratio),
                q.verdict,
            ]
        )
    return table(
        [
            "query",
            "rows",
            "runs",
            "direct median",
            "direct p95",
            "direct plain median",
            "through median",
            "through p95",
            "through / direct",
            "API median",
            "API p95",
            "API / direct",
            f"< {TARGET_RATIO}x (direct > {SLOW_DIRECT * 1000:.0f} ms)",
        ],
        rows,
    )


def summary_lines(r: SubjectResult) -> list[str]:
    """The figures over the queries of one subject."""
    timed = [q for q in r.queries if q.ratio is not None]
    if not timed:
        return []
    held = [q for q in timed if q.held]
    missed = [q.name for q in held if q.verdict == "missed"]
    overhead = [
        (q.through.median or 0.0) - (q.direct.median or 0.0) for q in timed if q.through.median
    ]
    ratios = [q.ratio or 0.0 for q in timed]
    lines = [
        f"- through / direct: geometric mean {ratio_text(geometric_mean(ratios))}, median "
        f"{ratio_text(statistics.median(ratios))}, worst {ratio_text(max(ratios))}; "
        "median added time "
        f"{ms(statistics.median(overhead))} ms per query",
        f"- target ratio < {TARGET_RATIO}x on the {len(held)} "
        f"{'query' if len(held) == 1 else 'queries'} slower than "
        f"{SLOW_DIRECT * 1000:.0f} ms directly: {len(held) - len(missed)} met"
        + (f", missed by {', '.join(missed)}" if missed else ""),
    ]
    if r.served:
        lines.append(
            f"- projectgraph serve: /health answered after {seconds_text(r.served.answering)} s, "
            f"every named query run once after {seconds_text(r.served.ready)} s; Virtuoso RSS "
            f"after the queries {r.served.virtuoso_rss_mib:,.0f} MiB"
        )
    if r.skipped:
        lines.append(f"- skipped (a required parameter without default): {', '.join(r.skipped)}")
    return lines


def report(
    cfg: Config,
    results: list[SubjectResult],
    settings: dict[str, dict[str, str]],
    version: str,
    problems: Problems,
    elapsed: float,
    when: str,
    load: tuple[float, float],
) -> str:
    """The Markdown report; ``load``: the load averages at the start and at the end."""
    out: list[str] = []
    put = out.append
    put("# projectgraph on a remote SPARQL store (Virtuoso)\n")
    put(f"- date: {when}; run time {elapsed:.0f} s")
    put(
        f"- load average (1 min) at the start {load[0]:.2f}, at the end {load[1]:.2f}, on "
        f"{os.cpu_count()} cores: other work on the machine makes the timings noisier"
    )
    put(f"- command: `{cfg.command}`")
    out.extend(machine())
    put(f"- Virtuoso: Debian's `{BINARY}`, {version}")
    put(
        f"- Virtuoso memory: {cfg.memory_mb:,} MB (`--memory-mb`)"
        + (
            "; its ini, as `tests/virtuoso.py` writes it (ports and paths left out):"
            if settings
            else ""
        )
    )
    for section, values in settings.items():
        put(f"  - [{section}] " + ", ".join(f"{k} = {v}" for k, v in values.items()))
    put(
        "- loads: `publish_build` in this process (what the commands below run), each into a "
        "fresh Virtuoso; seconds by the publish's own clock (the load, its count checks, the "
        "pointer switch); then the version graph counted once more through the public "
        "`/sparql`. The ontology's graph is copied too (not in the triples column)"
    )
    shown_loads: set[tuple[str, int]] = set()
    for r in results:
        for x in r.loads:
            if (x.method, x.chunk) not in shown_loads:
                shown_loads.add((x.method, x.chunk))
                put(f"  - {x.method}: `{x.command}`")
    served = next((r.served for r in results if r.served), None)
    if served:
        put(
            f"- server: `PROJECTGRAPH_CACHE_ENTRIES=0 {served.command}` (V: the Virtuoso of "
            "the GSP load)"
        )
    put(
        "- queries: every named query with its defaults, prepared as the API prepares it; "
        f"one checked request of each kind, then {cfg.runs} timed runs of the four kinds in "
        f"turn (fewer past {cfg.budget:g} s per query, at least {MIN_RUNS}), sequential, "
        "httpx, each kind on one kept-alive connection, no compression, the client setting "
        "TCP_QUICKACK before every read (but for *direct plain*). *direct*: POST to "
        "Virtuoso's `/sparql` of the text projectgraph forwards, with "
        "`default-graph-uri=<version graph>` and `named-graph-uri=urn:x-projectgraph:no-graph`"
        "; *direct plain*: the same with plain httpx; *through*: POST of the same query to "
        "projectgraph's `/sparql`; *API*: `GET /api/queries/{name}`. SELECT as "
        "`application/sparql-results+json`, CONSTRUCT as `application/n-triples` (what "
        "projectgraph asks Virtuoso for; the API answers its default JSON / JSON-LD). "
        "Times in ms, p95 nearest-rank; ratios are of medians, "
        "against *direct*; the target is held against queries whose *direct* median is over "
        f"{SLOW_DIRECT * 1000:.0f} ms"
    )
    put(
        "- why two direct columns: on a kept-alive connection Virtuoso sends the head of an "
        "answer of a few KB or more, then holds the rest (Nagle's algorithm) until the head "
        "is acknowledged, which the client's kernel delays by up to 40 ms. *direct plain* "
        "shows what a plain client gets; *direct*, acknowledging at once, is the store's own "
        "speed, the stricter baseline. projectgraph's workers (plain httpx, kept-alive) are "
        "exposed to the same stall on their hop to Virtuoso, and it counts in *through*"
    )

    put("\n## Loads\n")
    put(load_table(results))
    put("")
    for r in results:
        details = [f"{r.projects:,} projects", f"{r.triples:,} triples", f"build {r.build_id}"]
        if r.synth_seconds is not None:
            details.append(f"synth {seconds_text(r.synth_seconds)} s")
        if r.build_seconds is not None:
            details.append(f"build {seconds_text(r.build_seconds)} s")
        put(f"- {r.label}: {', '.join(details)}; records {r.records}")

    for r in results:
        put(f"\n## Named queries: {r.label}\n")
        if not r.queries:
            put(f"- not measured{': ' + r.failure if r.failure else ''}")
            continue
        put(query_table(r))
        put("")
        out.extend(summary_lines(r))

    put("\n## Problems\n")
    if problems:
        out.extend(f"- {p}" for p in problems)
    else:
        put(
            "- none: every load complete and counted, every answer 200 with the same rows "
            "directly and through projectgraph, no API answer from the cache, nothing "
            "alarming in the Virtuoso logs"
        )
    return "\n".join(out) + "\n"


def timing_json(timing: Timing) -> dict[str, Any]:
    """A Timing with its median and p95."""
    return {
        "samples": timing.samples,
        "median": timing.median,
        "p95": timing.p95,
        "failure": timing.failure,
    }


def dumpable(result: SubjectResult) -> dict[str, Any]:
    """One subject's results as JSON-ready data, with the derived figures."""
    data = asdict(result)
    for load, raw in zip(result.loads, data["loads"], strict=True):
        raw["triples_per_s"] = load.rate
    for query, raw in zip(result.queries, data["queries"], strict=True):
        for kind in ("direct", "keep_alive", "through", "api"):
            raw[kind] = timing_json(getattr(query, kind))
        raw["ratio"] = query.ratio
        raw["api_ratio"] = query.api_ratio
        raw["target"] = query.verdict
    return data


# ------------------------------------------------------------------------------------------
# The run


def parse_counts(text: str) -> tuple[int, ...]:
    """``20000,1000`` -> (20000, 1000), in the order given."""
    try:
        counts = tuple(int(part.strip().replace("_", "")) for part in text.split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not numbers: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("triples per request must be positive")
    return counts


def arguments(argv: list[str] | None = None) -> Config:
    """The command line as a Config."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.remote",
        description="projectgraph on a private Virtuoso: publish (GSP and SPARQL Update), then "
        "every named query directly and through projectgraph; writes REMOTE.md and remote.json.",
    )
    parser.add_argument(
        "--sizes", type=parse_sizes, help="synthetic projects per size, comma-separated"
    )
    parser.add_argument(
        "--project",
        type=Path,
        action="append",
        default=[],
        help="a built project folder to use as it is (repeatable)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 projects, 3 runs")
    parser.add_argument("--runs", type=int, help="timed runs per query and kind (5; quick 3)")
    parser.add_argument("--budget", type=float, help="s of timed runs per query (60; quick 10)")
    parser.add_argument("--memory-mb", type=int, default=4096, help="Virtuoso's memory, MB")
    parser.add_argument(
        "--chunk", type=int, default=20_000, help="triples per Graph Store request (20000)"
    )
    parser.add_argument(
        "--update-chunks",
        type=parse_counts,
        default=DEFAULT_UPDATE_CHUNKS,
        help="triples per INSERT DATA, comma-separated: one SPARQL-Update-only load into a "
        "fresh Virtuoso each (2000: publish's default without a Graph Store)",
    )
    parser.add_argument(
        "--update-max",
        type=int,
        default=10_000,
        help="the SPARQL-Update-only load up to N projects",
    )
    parser.add_argument("--no-update", action="store_true", help="skip the SPARQL Update load")
    parser.add_argument("--seed", type=int, default=1, help="synth's seed")
    parser.add_argument("--workers", type=int, default=2, help="projectgraph's query workers")
    parser.add_argument("--timeout", type=float, default=120.0, help="query timeout, s")
    parser.add_argument(
        "--max-rows", type=int, default=0, help="projectgraph's --max-rows (0: no limit)"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    parser.add_argument("--out", type=Path, help="results folder (ROOT/bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder under /tmp")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    projects = tuple(p.resolve() for p in args.project)
    sizes = args.sizes or (() if projects else QUICK_SIZES if args.quick else DEFAULT_SIZES)
    runs = args.runs or (3 if args.quick else 5)
    if runs < 1:
        parser.error("--runs must be at least 1")
    return Config(
        sizes=sizes,
        projects=projects,
        quick=args.quick,
        seed=args.seed,
        runs=runs,
        budget=args.budget or (10.0 if args.quick else 60.0),
        memory_mb=args.memory_mb,
        chunk=args.chunk,
        update_chunks=args.update_chunks,
        update_max=0 if args.no_update else args.update_max,
        workers=args.workers,
        timeout=args.timeout,
        max_rows=args.max_rows,
        root=root,
        out=(args.out or root / "bench" / "results").resolve(),
        keep=args.keep,
        command=shlex.join(
            ["python", "-m", "bench.remote", *(sys.argv[1:] if argv is None else argv)]
        ),
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if it ran without problems, 1 otherwise."""
    cfg = arguments(argv)
    if not (cfg.root / "projectgraph.toml").is_file():
        raise SystemExit(f"{cfg.root}: not the repository (no projectgraph.toml); use --root")
    if shutil.which(BINARY) is None:
        raise SystemExit(f"{BINARY} is not installed (Debian: virtuoso-opensource-7)")
    for folder in cfg.projects:
        if not (dist_of(folder) / MANIFEST).is_file():
            raise SystemExit(f"{folder}: not a built project folder (no {MANIFEST} in its dist)")
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    # Servers run in their own sessions: a SIGTERM unwinds through the code that stops them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    problems = Problems()
    results: list[SubjectResult] = []
    settings: dict[str, dict[str, str]] = {}
    work = Path(tempfile.mkdtemp(prefix="pg-remote-", dir="/tmp"))
    subjects: list[tuple[SubjectResult, Path | None]] = [
        (SubjectResult(f"{n:,} projects", "", projects=n), None) for n in cfg.sizes
    ] + [(SubjectResult(str(folder), str(folder)), folder) for folder in cfg.projects]
    try:
        say(f"work folder {work}; {len(subjects)} subject(s)")
        for number, (result, records) in enumerate(subjects, 1):
            folder = work / f"{number}"
            folder.mkdir()
            results.append(result)
            run_subject(cfg, result, records, folder, settings, problems, say)
            if not cfg.keep:  # the next subject needs the disk more than this one's files
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        if cfg.keep:
            say(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    say(f"done in {elapsed:.0f} s")

    version = virtuoso_version()
    load = (load_start, os.getloadavg()[0])
    text = report(cfg, results, settings, version, problems, elapsed, when, load)
    cfg.out.mkdir(parents=True, exist_ok=True)
    (cfg.out / "REMOTE.md").write_text(text)
    raw = {
        "date": when,
        "command": cfg.command,
        "machine": machine(),
        "virtuoso": {"version": version, "memory_mb": cfg.memory_mb, "ini": settings},
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "results": [dumpable(r) for r in results],
        "load_average": {"start": load[0], "end": load[1]},
        "problems": list(problems),
    }
    (cfg.out / "remote.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    print(text)
    say(f"wrote {cfg.out / 'REMOTE.md'} and {cfg.out / 'remote.json'}")
    return 1 if problems or any(r.failure for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
