"""Serving at scale: projectgraph beside Oxigraph's own server and Virtuoso 7, same triples.

    python -m bench.serving --dist /tmp/scale/d1000 --dist /tmp/scale/d10000
                            [--dist ...] [--runs N] [--query-runs N] [--duration S]
                            [--peers oxigraph,virtuoso] [--timeout T] [--note TEXT]

Each ``--dist`` is a build folder made beforehand (``projectgraph synth`` then ``projectgraph
build``). For each one, in one run and one server at a time on 127.0.0.1:

1. **projectgraph** (``projectgraph serve --dist D --no-build --store S``, the on-disk store):
   a first start on an empty store folder (it bulk-loads the store; the server's own line on
   how is kept), stopped once a data document answers; a second start on the store it made,
   timed until ``/health`` answers and until a first data document answers; then, once the
   server has run its named-query examples (``/health`` says ``examples_ready``):

   - IRI dereference one by one: ``GET /id/{kind}/{slug}`` with ``Accept: text/turtle``, the
     303 followed to the document, over ``--runs`` random projects and organisations, each
     asked once (first-time IRIs); p50, p95, p99;
   - the HTML page (``GET /page/{kind}/{slug}``) of ``--runs`` further first-time projects
     and organisations;
   - every named query through ``/api/queries/NAME``, ``--query-runs`` times, each time with
     parameter values not asked before, picked from the data (countries, regions,
     programmes, topics, schemes, projects, name fragments, thresholds, pages); a query
     without parameters is asked the same way each time (said so in the table);
   - under ``wrk`` (``--connections``, ``--duration``; a Lua script picking a random path of
     a list per request, :data:`bench.suite.WRK_SCRIPT`): data documents
     ``/data/project/X.ttl`` rotating over ``--rotate`` first-time projects (a server cache
     answers repeats; the table says how many were distinct), the same over every project,
     and the SPARQL point query ``SELECT ?p ?o { <project> ?p ?o }`` over every project;
   - the server's memory after the run: RSS and PSS summed over its process tree.

2. **Oxigraph's server** (the ``oxigraph`` CLI of the PyPI package ``oxigraph``): ``oxigraph
   load`` of the build's ``projectgraph.nq`` into its own folder (timed), ``oxigraph
   serve-read-only --union-default-graph``; the same point query under wrk, ``DESCRIBE <iri>``
   as the peer of a data document (the same two path sets), and the named queries' SPARQL
   (prepared as the API prepares it, the same values) timed one by one.

3. **Virtuoso 7** (Debian's ``virtuoso-t``, :func:`tests.virtuoso.start_virtuoso` through
   :func:`bench.remote.virtuoso`): the build published into it as ``projectgraph publish
   --graph-store`` does (:func:`bench.remote.publish`, timed), the same point query under wrk
   (on the build's version graph), and the named queries' SPARQL timed one by one, directly
   on Virtuoso's ``/sparql`` with the dataset projectgraph uses.

Every request has a timeout (``--timeout``, also the servers' query timeout; Virtuoso gets it
as its ``timeout`` parameter): a query that does not answer in time is reported as "> T" and
its further values are not asked. The one-by-one measurements stop after ``--budget`` seconds
each (the samples taken are reported). Results go to ``--out`` (``bench/results``):
``SERVING.md``, ``serving.json`` and, with matplotlib, ``serving.png``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import httpx

from bench import remote, suite
from bench.endpoint import (
    JSON,
    Problems,
    Server,
    ServerFailed,
    Timing,
    free_port,
    machine,
    ms,
    running,
    table,
)
from bench.named_queries import count_rows
from bench.plain import plain_dataset
from bench.suite import Load, folder_bytes, point_query, pss_bytes, tree, wrk_run

Say = Callable[[str], None]

MIB = 1024**2
TURTLE = "text/turtle"
HTML = "text/html"
N_TRIPLES = "application/n-triples"
IDENTITY = {"Accept-Encoding": "identity"}
DEFAULT_PEERS = ("oxigraph", "virtuoso")
START_TIMEOUT = 3600.0  # s for a first start to bulk-load the store at 100,000 projects
LOAD_TIMEOUT = 3600.0  # s for `oxigraph load`
EXAMPLES_WAIT = 300.0  # s to wait for the server's named-query examples before measuring
WARMUP = 3  # requests on the connection before the one-by-one samples (not counted)

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
EURIO = "http://data.europa.eu/s66#"
PG = "https://w3id.org/projectgraph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
# Lines of the N-Quads dump that give the benchmark its samples: predicate -> pool.
POOL_PREDICATES = {
    f"<{PG}country>": "country",  # on organisations' sites
    f"<{PG}region>": "region",
    f"<{EURIO}hasFundingSchemeProgramme>": "programme",
    "<http://purl.org/dc/terms/subject>": "topic",
    f"<{SKOS}inScheme>": "scheme",
}
TYPE_POOLS = {f"<{EURIO}Project>": "project", f"<{EURIO}Organisation>": "organisation"}
LABEL = f"<{SKOS}prefLabel>"
QUAD = re.compile(r'^<([^>]*)> <([^>]*)> (<[^>]*>|"(?:[^"\\]|\\.)*"\S*) <[^>]*> \.$')


# ------------------------------------------------------------------------------------------
# Settings and results


@dataclass(frozen=True)
class Config:
    """Settings of one run. ``threads``, ``connections`` and ``duration`` are also what
    :func:`bench.suite.wrk_run` reads of its settings."""

    dists: tuple[Path, ...]
    runs: int  # first-time IRIs per one-by-one measurement
    query_runs: int  # values per named query
    duration: float  # s per wrk run
    connections: int
    threads: int
    rotate: int  # projects the rotating data-document run cycles through
    timeout: float  # s per request, and the servers' query timeout
    budget: float  # s per one-by-one measurement
    peers: tuple[str, ...]
    virtuoso_memory_mb: int
    virtuoso_max: int  # projects above which Virtuoso is not run (0: no limit)
    seed: int
    note: str
    root: Path
    out: Path
    keep: bool
    command: str


@dataclass
class Start:
    """One start of projectgraph serve."""

    health: float | None = None  # s until /health answered
    document: float | None = None  # s until a first data document answered
    examples: float | None = None  # s until /health said the named-query examples had run
    how: str = ""  # the server's line on the store


@dataclass
class Lookups:
    """Sequential requests, one first-time IRI each."""

    label: str
    timing: Timing = field(default_factory=Timing)
    asked: int = 0
    errors: int = 0
    first_error: str | None = None
    stopped: str | None = None  # why fewer samples than planned

    @property
    def p99(self) -> float | None:
        return percentile(self.timing.samples, 99)


@dataclass
class Throughput:
    """One wrk run, with what it asked and what the server's caches did meanwhile."""

    load: Load
    paths: int  # distinct paths the script picked from
    distinct: int = 0  # expected distinct paths asked: paths * (1 - (1 - 1/paths)^requests)
    requests: int = 0  # completed 200 answers over the run
    cache: dict[str, int] = field(default_factory=dict)  # /health cache counters, deltas


@dataclass
class QueryRun:
    """One named query: projectgraph's API and the peers, each on the same values."""

    name: str
    form: str
    how: str  # "parameters", "pages" or "no parameter"
    values: list[dict[str, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the prepared SPARQL of each value
    pg: Timing = field(default_factory=Timing)
    pg_cache: dict[str, int] = field(default_factory=dict)  # X-Cache values seen
    pg_rows: list[str] = field(default_factory=list)
    peers: dict[str, Timing] = field(default_factory=dict)
    peer_rows: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class Projectgraph:
    """projectgraph serve on one build."""

    command: str = ""
    first: Start = field(default_factory=Start)
    warm: Start = field(default_factory=Start)
    store_mib: float = 0.0
    deref: Lookups = field(default_factory=lambda: Lookups("IRI dereference"))
    html: Lookups = field(default_factory=lambda: Lookups("HTML page"))
    documents: list[Throughput] = field(default_factory=list)
    sparql: Throughput | None = None
    queries: list[QueryRun] = field(default_factory=list)
    rss_mib: float = 0.0
    pss_mib: float = 0.0
    processes: int = 0
    health: dict[str, Any] = field(default_factory=dict)


@dataclass
class Peer:
    """Oxigraph's server or Virtuoso on the same build."""

    name: str
    version: str = ""
    command: str = ""
    load_seconds: float | None = None
    load_command: str = ""
    store_mib: float = 0.0
    start_seconds: float | None = None
    sparql: Throughput | None = None
    describe: list[Throughput] = field(default_factory=list)
    rss_mib: float = 0.0
    settings: dict[str, dict[str, str]] = field(default_factory=dict)  # Virtuoso's ini
    skipped: str | None = None
    failure: str | None = None


@dataclass
class SizeResult:
    """Every measurement on one build folder."""

    dist: str
    projects: int = 0
    organisations: int = 0
    triples: int = 0
    build_id: str = ""
    pools: dict[str, int] = field(default_factory=dict)
    pg: Projectgraph = field(default_factory=Projectgraph)
    peers: dict[str, Peer] = field(default_factory=dict)
    elapsed: float = 0.0
    failure: str | None = None


@dataclass
class Pools:
    """What the build holds, to pick first-time values from (IRIs, names)."""

    project: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    programme: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    scheme: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # organisations' labels

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in asdict(self).items()}


# ------------------------------------------------------------------------------------------
# Small helpers


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile ``q`` (0-100) of ``samples``; None without samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def version(name: str) -> str:
    """An installed distribution's version, or "not installed"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def command_version(argv: list[str]) -> str:
    """The first line a ``--version``-like command prints, or "unknown"."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        lines = (done.stdout + done.stderr).strip().splitlines()
        if lines:
            return lines[0].strip()
    return "unknown"


def memory(pid: int) -> tuple[float, float, int]:
    """RSS and PSS summed over ``pid``'s process tree (MiB), and its process count."""
    members = tree(pid)
    rss = sum(members.values()) / MIB
    pss = sum(pss_bytes(p) for p in members) / MIB
    return rss, pss, len(members)


def slug_of(iri: str) -> tuple[str, str]:
    """``.../id/{kind}/{slug}`` -> (kind, slug)."""
    kind, slug = iri.rsplit("/id/", 1)[1].split("/", 1)
    return kind, slug


def expected_distinct(paths: int, requests: int) -> int:
    """Distinct paths expected among ``requests`` uniform random picks of ``paths``."""
    if paths <= 0 or requests <= 0:
        return 0
    return round(paths * (1 - (1 - 1 / paths) ** requests))


def clean_env_prefix() -> list[str]:
    """``env -u`` every PROJECTGRAPH_* variable of this shell: the server runs on the
    project's own settings (env(1) execs the server, so the pid stays the server's)."""
    env = shutil.which("env") or "/usr/bin/env"
    unset = [arg for name in os.environ if name.startswith("PROJECTGRAPH_") for arg in ("-u", name)]
    return [env, *unset]


# ------------------------------------------------------------------------------------------
# Samples from the build's dump


def read_pools(dump: Path, base_iri: str) -> Pools:
    """Projects, organisations, the IRIs named queries take and organisations' names, from
    the lines of ``dump`` (N-Quads) that state them (grep -F picks them out first)."""
    patterns = [f"{RDF_TYPE} {t}" for t in TYPE_POOLS] + [*POOL_PREDICATES, LABEL]
    argv = ["grep", "-F", *(arg for p in patterns for arg in ("-e", p)), str(dump)]
    found: dict[str, set[str]] = {name: set() for name in asdict(Pools())}
    organisation_prefix = f"{base_iri}/id/organisation/"
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as grep:
        assert grep.stdout is not None
        for line in grep.stdout:
            m = QUAD.match(line.rstrip("\n"))
            if m is None:
                continue
            subject, predicate, obj = m[1], f"<{m[2]}>", m[3]
            if predicate == RDF_TYPE:
                pool = TYPE_POOLS.get(obj)
                if pool and subject.startswith(f"{base_iri}/id/{pool}/"):
                    found[pool].add(subject)
            elif predicate == LABEL:
                if subject.startswith(organisation_prefix) and obj.startswith('"'):
                    found["names"].add(json.loads(obj[: obj.rindex('"') + 1]))
            elif predicate in POOL_PREDICATES and obj.startswith("<"):
                found[POOL_PREDICATES[predicate]].add(obj[1:-1])
    return Pools(**{name: sorted(values) for name, values in found.items()})


def fragments(names: list[str], rng: random.Random, count: int, avoid: set[str]) -> list[str]:
    """``count`` distinct lower-case pieces (4-5 letters) of words of random names."""
    found: list[str] = []
    for _ in range(count * 50):
        if len(found) >= count or not names:
            break
        words = re.findall(r"\w{4,}", rng.choice(names))
        if not words:
            continue
        word = rng.choice(words).lower()
        size = min(len(word), rng.choice((4, 5)))
        start = rng.randrange(len(word) - size + 1)
        piece = word[start : start + size]
        if piece not in avoid and piece not in found:
            found.append(piece)
    return found


def parameter_values(
    query: dict[str, Any],
    pools: Pools,
    base_iri: str,
    rng: random.Random,
    count: int,
    used: set[str],
) -> tuple[str, list[dict[str, str]]]:
    """Up to ``count`` sets of values for ``query`` (a ``/api/queries`` entry), none asked
    before (``used``, updated): how they were picked, and the sets."""
    params = list(query.get("parameters", []))
    pagination = query.get("pagination")
    if not params and pagination:
        pages = max(1, math.ceil(len(pools.project) / int(pagination)))
        chosen = rng.sample(range(2, pages + 1), min(count, pages - 1)) if pages > 1 else [1]
        return "pages", [{"page": str(p)} for p in chosen]
    if not params:
        return "no parameter", [{} for _ in range(count)]
    columns: dict[str, list[str]] = {}
    for p in params:
        name, kind = p["name"], p.get("type", "string")
        default = str(p.get("default", ""))
        if kind == "iri" and default and ":" not in default:  # relative to the base IRI
            default = f"{base_iri}/{default}"
        avoid = used | {default}
        pool: list[str] = []
        if kind == "iri":
            for key in ("project", "organisation", "country", "region", "programme", "topic"):
                if key in name:
                    pool = list(getattr(pools, key))
                    break
            else:
                pool = list(pools.scheme) if "scheme" in name else []
            if p.get("pattern"):
                pool = [v for v in pool if re.fullmatch(p["pattern"], v)]
            pool = [v for v in pool if v not in avoid]
            rng.shuffle(pool)
        elif kind == "string":
            pool = fragments(pools.names, rng, count, avoid)
        elif kind in ("integer", "decimal"):
            low = max(int(p.get("minimum", 1) or 1), 1)
            numbers = [str(n) for n in range(low, low + 4 * count) if str(n) not in avoid]
            pool = rng.sample(numbers, min(count, len(numbers)))
        elif kind == "boolean":
            pool = [v for v in ("true", "false") if v not in avoid]
        elif kind == "date":
            pool = [f"{y}-{m:02d}-01" for y in range(2014, 2028) for m in (1, 4, 7, 10)]
            rng.shuffle(pool)
        if not pool and default:
            pool = [default]  # nothing else known to ask: the default, said in the values
        columns[name] = pool[:count]
    runs = min(len(v) for v in columns.values()) if columns else 0
    sets = [{name: values[i] for name, values in columns.items()} for i in range(runs)]
    for s in sets:
        used.update(s.values())
    return "parameters", sets


# ------------------------------------------------------------------------------------------
# projectgraph


def pg_server(cfg: Config, dist: Path, store: Path, work: Path) -> Server:
    """``projectgraph serve`` on ``dist`` with the on-disk store ``store``."""
    port = free_port()
    argv = [
        *clean_env_prefix(),
        *suite.projectgraph(
            "serve",
            "--root",
            str(cfg.root),
            "--dist",
            str(dist),
            "--no-build",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--store",
            str(store),
            "--timeout",
            f"{cfg.timeout:g}",
            "--quiet",
        ),
    ]
    server = Server("projectgraph", argv, port, work / "projectgraph.log", cfg.root)
    server.path = "/health"  # Server.start() polls it until it answers 200
    server.ready_timeout = START_TIMEOUT
    return server


def first_document(server: Server, path: str, timeout: float) -> float:
    """Seconds until ``path`` answers 200, polled from now; a 503 (the store still loading)
    or no answer is waited out, another status fails at once."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    with httpx.Client(headers={**IDENTITY, "Accept": TURTLE}, timeout=timeout) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                r = client.get(server.base + path)
                if r.status_code == 200:
                    return time.perf_counter() - started
                if r.status_code != 503:
                    raise ServerFailed(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
            if time.monotonic() > deadline:
                raise ServerFailed(f"{path} did not answer 200 within {timeout:g} s")
            time.sleep(0.05)


def wait_examples(server: Server, started: float, timeout: float) -> float | None:
    """Seconds from ``started`` until ``/health`` says the named-query examples have run;
    None after ``timeout``. A 503 (workers busy or being replaced) is waited out."""
    deadline = time.monotonic() + timeout
    with httpx.Client(headers=IDENTITY, timeout=30.0) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                body = client.get(server.base + "/health").json()
                if body.get("named_queries", {}).get("examples_ready"):
                    return time.perf_counter() - started
            if server.process is None or server.process.poll() is not None:
                raise ServerFailed(f"{server.label} exited while warming up:\n{server.tail()}")
            time.sleep(0.1)
    return None


def store_line(server: Server) -> str:
    """How the server got its store, in its own words ("loaded the on-disk store"), from
    the line it prints when it serves."""
    for line in reversed(server.tail(200).splitlines()):
        if m := re.search(r"((?:loaded|reusing|bulk|opened)[^,()]*? store)", line):
            return m[1]
    return ""


def sequential(
    base: str,
    paths: list[str],
    accept: str,
    follow: bool,
    cfg: Config,
    result: Lookups,
) -> None:
    """GET each path once over one kept-alive connection (a 303 followed when ``follow``),
    timed; stops after ``cfg.budget`` seconds."""
    headers = {**IDENTITY, "Accept": accept}
    started = time.perf_counter()
    with httpx.Client(headers=headers, timeout=cfg.timeout + 5) as client:
        for _ in range(WARMUP):
            client.get(base + "/health")
        for path in paths:
            if time.perf_counter() - started > cfg.budget:
                result.stopped = f"stopped after {cfg.budget:g} s ({len(paths):,} planned)"
                break
            result.asked += 1
            t0 = time.perf_counter()
            try:
                r = client.get(base + path)
                if follow and r.status_code == 303:
                    r = client.get(r.headers["location"])
            except httpx.HTTPError as e:
                result.errors += 1
                result.first_error = result.first_error or f"{path}: {e!r}"
                continue
            seconds = time.perf_counter() - t0
            if r.status_code != 200 or not r.content:
                result.errors += 1
                result.first_error = result.first_error or f"{path}: HTTP {r.status_code}"
                continue
            result.timing.samples.append(seconds)


def cache_counters(base: str) -> dict[str, int]:
    """Every numeric counter of the ``/health`` sections whose name says cache."""
    counters: dict[str, int] = {}
    with contextlib.suppress(httpx.HTTPError, ValueError):
        body = httpx.get(base + "/health", timeout=30.0).json()
        for section, values in body.items():
            if "cache" in section and isinstance(values, dict):
                for key, value in values.items():
                    if isinstance(value, int) and key in ("hits", "misses", "entries"):
                        counters[f"{section}.{key}"] = value
    return counters


def loaded(
    cfg: Config,
    label: str,
    base: str,
    paths: list[str],
    accept: str,
    work: Path,
    problems: Problems,
    caches: bool = False,
) -> Throughput:
    """One wrk run over ``paths`` (:func:`bench.suite.wrk_run`) with its distinct count and,
    for projectgraph, the change of its cache counters."""
    before = cache_counters(base) if caches else {}
    # wrk_run reads only threads, connections and duration of its settings.
    load = wrk_run(cast("suite.Config", cfg), label, base, paths, accept, False, work, problems)
    after = cache_counters(base) if caches else {}
    done = round(load.done_per_s * cfg.duration)
    return Throughput(
        load,
        len(paths),
        expected_distinct(len(paths), done),
        done,
        {
            k: v - before.get(k, 0)
            for k, v in after.items()
            if v - before.get(k, 0) and "entries" not in k
        },
    )


def api_query(
    client: httpx.Client, base: str, run: QueryRun, params: dict[str, str], cfg: Config
) -> tuple[float | None, str | None, httpx.Response | None]:
    """One named query through the API: (seconds, failure, answer)."""
    started = time.perf_counter()
    try:
        r = client.get(f"{base}/api/queries/{run.name}", params=params)
    except httpx.TimeoutException:
        return None, f"> {cfg.timeout:g} s", None
    except httpx.HTTPError as e:
        return None, type(e).__name__, None
    seconds = time.perf_counter() - started
    if r.status_code == 503 and seconds >= cfg.timeout * 0.9:
        return None, f"> {cfg.timeout:g} s", r
    if r.status_code != 200:
        return None, f"HTTP {r.status_code}", r
    return seconds, None, r


def named_queries(
    cfg: Config,
    server: Server,
    pools: Pools,
    base_iri: str,
    rng: random.Random,
    problems: Problems,
    say: Say,
) -> list[QueryRun]:
    """Every named query of the server, ``cfg.query_runs`` first-time values each."""
    from projectgraph.sparql.named import ParameterError, load_queries

    known = {q.name: q for q in load_queries(cfg.root / "queries")}
    runs: list[QueryRun] = []
    used: set[str] = set()
    with httpx.Client(headers=IDENTITY, timeout=httpx.Timeout(cfg.timeout + 5, connect=10)) as c:
        listing = c.get(server.base + "/api/queries")
        listing.raise_for_status()
        for entry in listing.json():
            named = known.get(entry["name"])
            how, sets = parameter_values(entry, pools, base_iri, rng, cfg.query_runs, used)
            run = QueryRun(entry["name"], named.form if named else "?", how, sets)
            runs.append(run)
            for params in sets:
                given = {k: v for k, v in params.items() if k != "page"}
                page = int(params["page"]) if "page" in params else None
                if named is not None:
                    try:
                        run.texts.append(named.prepare(given, base_iri, page))
                    except ParameterError as e:
                        problems.append(f"{run.name}: cannot prepare {params}: {e}")
                seconds, failure, answer = api_query(c, server.base, run, params, cfg)
                if answer is not None:
                    cache = answer.headers.get("x-cache", "none")
                    run.pg_cache[cache] = run.pg_cache.get(cache, 0) + 1
                if failure:
                    run.pg.failure = failure
                    if not failure.startswith(">"):
                        detail = answer.text[:200] if answer is not None else ""
                        problems.append(f"projectgraph {run.name} {params}: {failure} {detail}")
                    break
                assert answer is not None and seconds is not None
                run.pg.samples.append(seconds)
                run.pg_rows.append(count_rows(answer.content))
            say(
                f"    {run.name}: p50 {ms(run.pg.median)} ms over {len(run.pg.samples)} "
                f"({how}){'; ' + run.pg.failure if run.pg.failure else ''}"
            )
    return runs


def document_after(
    server: Server, path: str, result: SizeResult, problems: Problems
) -> float | None:
    """Seconds from the server's start until ``path`` answered (None, and a problem, if it
    did not: the other measurements still run)."""
    try:
        return server.startup + first_document(server, path, START_TIMEOUT)
    except ServerFailed as e:
        problems.append(f"{result.dist}: first data document: {e}")
        return None


def run_projectgraph(
    cfg: Config,
    dist: Path,
    base_iri: str,
    pools: Pools,
    plan: dict[str, list[str]],
    work: Path,
    result: SizeResult,
    problems: Problems,
    say: Say,
) -> None:
    """Everything measured on projectgraph serve (section 1 of the module's docstring)."""
    pg = result.pg
    store = work / "pg-store"
    server = pg_server(cfg, dist, store, work)
    shown = shlex.join(["projectgraph", *server.argv[server.argv.index("serve") :]])
    pg.command = (
        shown.replace(str(cfg.root), "REPO")
        .replace(str(dist), "D")
        .replace(str(store), "S")
        .replace(f"--port {server.port}", "--port P")
    )
    probe = plan["probe"][0]

    say("  projectgraph: first start on an empty store folder ...")
    with running(server, problems, say):
        pg.first.health = server.startup
        pg.first.document = document_after(server, probe, result, problems)
        pg.first.how = store_line(server)
    pg.store_mib = folder_bytes(store) / MIB
    say(f"  projectgraph: second start on its store ({pg.store_mib:,.0f} MiB) ...")
    started = time.perf_counter()
    with running(server, problems, say):
        pg.warm.health = server.startup
        pg.warm.document = document_after(server, probe, result, problems)
        pg.warm.how = store_line(server)
        pg.warm.examples = wait_examples(server, started, EXAMPLES_WAIT)
        if pg.warm.examples is None:
            problems.append(
                f"{result.dist}: the named-query examples had not run after "
                f"{EXAMPLES_WAIT:g} s; measured while they run"
            )
        base = server.base

        say(f"  one by one: {len(plan['deref']):,} IRI dereferences, then HTML pages ...")
        sequential(base, plan["deref"], TURTLE, True, cfg, pg.deref)
        sequential(base, plan["html"], HTML, False, cfg, pg.html)
        for lookups in (pg.deref, pg.html):
            if lookups.errors:
                problems.append(
                    f"{result.dist}: {lookups.label}: {lookups.errors} errors, first "
                    f"{lookups.first_error}"
                )
        say(
            f"    dereference p50 {ms(pg.deref.timing.median)} ms, HTML p50 "
            f"{ms(pg.html.timing.median)} ms"
        )

        say("  named queries through /api/queries ...")
        pg.queries = named_queries(
            cfg, server, pools, base_iri, random.Random(cfg.seed), problems, say
        )

        say(f"  wrk: data documents, SPARQL point query ({cfg.duration:g} s each) ...")
        for label, paths in (
            (f"data documents, {len(plan['rotate']):,} rotating", plan["rotate"]),
            ("data documents, every project", plan["every"]),
        ):
            docs = [f"/data/project/{slug_of(iri)[1]}.ttl" for iri in paths]
            pg.documents.append(loaded(cfg, label, base, docs, TURTLE, work, problems, True))
        sparql = [
            f"/sparql?query={quote(point_query(base_iri, slug_of(i)[1]), safe='')}"
            for i in plan["every"]
        ]
        pg.sparql = loaded(cfg, "SPARQL point query", base, sparql, JSON, work, problems, True)
        say(
            "    documents/s "
            + ", ".join(f"{t.load.done_per_s:,.0f}" for t in pg.documents)
            + f"; SPARQL {pg.sparql.load.done_per_s:,.0f} req/s"
        )
        with contextlib.suppress(httpx.HTTPError, ValueError):
            pg.health = dict(httpx.get(base + "/health", timeout=30.0).json())
        if server.process is not None:
            pg.rss_mib, pg.pss_mib, pg.processes = memory(server.process.pid)
    engine = pg.health.get("engine", {})
    if engine.get("worker_restarts") or engine.get("query_timeouts"):
        problems.append(
            f"{result.dist}: projectgraph /health after the run: "
            f"{engine.get('worker_restarts')} worker restarts, "
            f"{engine.get('query_timeouts')} query timeouts"
        )


# ------------------------------------------------------------------------------------------
# Peers


def peer_queries(
    cfg: Config,
    name: str,
    send: Callable[[httpx.Client, str, bool], httpx.Response],
    client: httpx.Client,
    runs: list[QueryRun],
    problems: Problems,
    say: Say,
    after_timeout: Callable[[], None] = lambda: None,
) -> None:
    """The named queries' prepared SPARQL on a peer, one by one, the same values; ``send``
    posts one text (graph: whether the answer is a graph); ``after_timeout`` runs when a
    query did not answer in time (a peer that cannot abandon it is restarted there)."""
    for run in runs:
        timing = run.peers[name] = Timing()
        rows: list[int] = run.peer_rows.setdefault(name, [])
        graph = run.form in ("CONSTRUCT", "DESCRIBE")
        for text in run.texts:
            started = time.perf_counter()
            try:
                r = send(client, text, graph)
            except httpx.TimeoutException:
                timing.failure = f"> {cfg.timeout:g} s"
                after_timeout()
                break
            except httpx.HTTPError as e:
                timing.failure = type(e).__name__
                problems.append(f"{name} {run.name}: {e!r}")
                break
            seconds = time.perf_counter() - started
            if r.headers.get("x-sql-state") or (
                r.status_code != 200 and seconds >= cfg.timeout * 0.9
            ):
                timing.failure = f"> {cfg.timeout:g} s"  # Virtuoso's partial "anytime" answer
                break
            if r.status_code != 200:
                timing.failure = f"HTTP {r.status_code}"
                problems.append(f"{name} {run.name}: HTTP {r.status_code}: {r.text[:200]}")
                break
            try:
                rows.append(remote.answer_rows(r.content, graph).total())
            except (ValueError, UnicodeDecodeError):
                # Oxigraph's timeout can cut an answer it has begun to stream.
                cut = seconds >= cfg.timeout * 0.9
                timing.failure = f"> {cfg.timeout:g} s" if cut else "invalid answer"
                if not cut:
                    problems.append(f"{name} {run.name}: invalid answer: {r.text[:200]}")
                break
            timing.samples.append(seconds)
        say(f"    {name} {run.name}: p50 {ms(timing.median)} ms {timing.failure or ''}")


def run_oxigraph(
    cfg: Config,
    dist: Path,
    base_iri: str,
    plan: dict[str, list[str]],
    work: Path,
    result: SizeResult,
    problems: Problems,
    say: Say,
) -> None:
    """Oxigraph's own server on the same dump (section 2 of the module's docstring)."""
    peer = result.peers["oxigraph"] = Peer("oxigraph")
    exe = shutil.which("oxigraph")
    if exe is None:
        peer.skipped = "the oxigraph CLI is not installed (pip install oxigraph)"
        problems.append(peer.skipped)
        return
    peer.version = command_version([exe, "--version"])
    location = work / "oxigraph"
    dump = plain_dataset(dist, work)
    load = [exe, "load", "--location", str(location), "--file", str(dump)]
    peer.load_command = "oxigraph load --location O --file D.nq (the dataset dump decompressed)"
    say("  oxigraph load ...")
    started = time.perf_counter()
    done = subprocess.run(load, capture_output=True, text=True, timeout=LOAD_TIMEOUT)
    if done.returncode != 0:
        peer.failure = f"oxigraph load failed ({done.returncode}): {done.stderr[-300:]}"
        problems.append(peer.failure)
        return
    peer.load_seconds = time.perf_counter() - started
    peer.store_mib = folder_bytes(location) / MIB
    say(f"    loaded in {peer.load_seconds:.1f} s ({peer.store_mib:,.0f} MiB)")
    port = free_port()
    argv = [
        exe,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    # Not --timeout-s: with it, 0.5.13 answered most requests under wrk -c32 with 500
    # "Resource temporarily unavailable" (7,045 req/s, no errors, without). A query past the
    # client's timeout is ended by restarting the server instead (it starts in 0.1 s).
    peer.command = shlex.join(["oxigraph", *argv[1:]]).replace(str(location), "O")
    peer.command = peer.command.replace(f"127.0.0.1:{port}", "127.0.0.1:P")
    server = Server("oxigraph", argv, port, work / "oxigraph.log", work, path="/query")
    server.ready_timeout = START_TIMEOUT
    with running(server, problems, say):
        peer.start_seconds = server.startup
        point = [
            f"/query?query={quote(point_query(base_iri, slug_of(i)[1]), safe='')}"
            for i in plan["every"]
        ]
        peer.sparql = loaded(
            cfg, "oxigraph: SPARQL point query", server.base, point, JSON, work, problems
        )
        for label, paths in (
            (f"oxigraph: DESCRIBE, {len(plan['rotate']):,} rotating", plan["rotate"]),
            ("oxigraph: DESCRIBE, every project", plan["every"]),
        ):
            describe = [f"/query?query={quote(f'DESCRIBE <{iri}>', safe='')}" for iri in paths]
            peer.describe.append(loaded(cfg, label, server.base, describe, TURTLE, work, problems))
        say(
            f"    point query {peer.sparql.load.done_per_s:,.0f} req/s, DESCRIBE "
            + ", ".join(f"{t.load.done_per_s:,.0f}/s" for t in peer.describe)
        )

        def send(client: httpx.Client, text: str, graph: bool) -> httpx.Response:
            accept = N_TRIPLES if graph else JSON
            return client.post(
                server.base + "/query", data={"query": text}, headers={"Accept": accept}
            )

        if server.process is not None:
            peer.rss_mib = memory(server.process.pid)[0]  # after the load runs

        def restart() -> None:
            say("    restarting oxigraph after a timeout ...")
            server.stop()
            server.start()

        timeout = httpx.Timeout(cfg.timeout, connect=10)
        with httpx.Client(headers=IDENTITY, timeout=timeout, trust_env=False) as client:
            peer_queries(cfg, "oxigraph", send, client, result.pg.queries, problems, say, restart)


def run_virtuoso(
    cfg: Config,
    dist: Path,
    manifest: dict[str, Any],
    base_iri: str,
    plan: dict[str, list[str]],
    work: Path,
    result: SizeResult,
    problems: Problems,
    say: Say,
) -> None:
    """Virtuoso 7 loaded with the same build (section 3 of the module's docstring)."""
    from projectgraph.publish.remote import default_graph
    from projectgraph.settings import load_settings
    from projectgraph.sparql.inspect import without_comments
    from projectgraph.store.client import NO_GRAPH, version_graph

    peer = result.peers["virtuoso"] = Peer("virtuoso")
    if shutil.which(remote.BINARY) is None:
        peer.skipped = f"{remote.BINARY} is not installed (Debian: virtuoso-opensource-7)"
        problems.append(peer.skipped)
        return
    if cfg.virtuoso_max and result.projects > cfg.virtuoso_max:
        peer.skipped = f"not run above {cfg.virtuoso_max:,} projects (--virtuoso-max)"
        return
    peer.version = remote.virtuoso_version()
    rcfg = remote.arguments(
        ["--root", str(cfg.root), "--memory-mb", str(cfg.virtuoso_memory_mb), "--no-update"]
    )
    settings = load_settings(cfg.root)
    graph = settings.store_graph or default_graph(settings.base_iri.rstrip("/"))
    version = version_graph(graph, str(manifest["build_id"]))
    subject = remote.SubjectResult(result.dist, result.dist)
    with remote.virtuoso(work / "virtuoso", rcfg, subject, say) as server:
        peer.settings = remote.virtuoso_settings(server.folder)
        load = remote.publish(rcfg, server, dist, manifest, remote.GSP, rcfg.chunk, graph, say)
        peer.load_command = load.command
        if load.failure:
            peer.failure = f"the load failed: {load.failure}"
            problems.append(f"virtuoso: {peer.failure}")
            return
        peer.load_seconds = load.seconds
        peer.store_mib = load.database_mib
        peer.command = (
            f"virtuoso-t +foreground +configfile virtuoso.ini ({cfg.virtuoso_memory_mb:,} MB)"
        )
        graph_arg = f"&default-graph-uri={quote(version, safe='')}"
        point = [
            f"/sparql?query={quote(point_query(base_iri, slug_of(i)[1]), safe='')}{graph_arg}"
            for i in plan["every"]
        ]
        base = server.base
        peer.sparql = loaded(cfg, "virtuoso: SPARQL point query", base, point, JSON, work, problems)
        say(f"    point query {peer.sparql.load.done_per_s:,.0f} req/s")

        def send(client: httpx.Client, text: str, graph: bool) -> httpx.Response:
            form = {
                "query": without_comments(text),
                "default-graph-uri": version,
                "named-graph-uri": NO_GRAPH,
                "timeout": str(int(cfg.timeout * 1000)),  # ms; past it, a partial answer
            }
            accept = N_TRIPLES if graph else JSON
            return client.post(server.sparql, data=form, headers={"Accept": accept})

        timeout = httpx.Timeout(cfg.timeout + 10, connect=10)
        transport = remote.QuickAckTransport()  # see bench.remote: no 40 ms delayed-ACK stall
        with httpx.Client(
            headers=IDENTITY, timeout=timeout, trust_env=False, transport=transport
        ) as client:
            peer_queries(cfg, "virtuoso", send, client, result.pg.queries, problems, say)
        peer.rss_mib = memory(server.process.pid)[0]
    problems.extend(f"{result.dist}: Virtuoso log: {line}" for line in subject.virtuoso_log)


# ------------------------------------------------------------------------------------------
# One build


def run_size(cfg: Config, dist: Path, work: Path, problems: Problems, say: Say) -> SizeResult:
    """Every measurement on the build in ``dist``."""
    result = SizeResult(str(dist))
    started = time.perf_counter()
    try:
        manifest = json.loads((dist / "build.json").read_text())
        base_iri = str(manifest.get("base_iri") or "https://w3id.org/projectgraph").rstrip("/")
        result.build_id = str(manifest["build_id"])
        result.triples = int(manifest["triples"])
        say(f"{dist}: reading samples from the dataset dump ...")
        pools = read_pools(plain_dataset(dist, work), base_iri)
        result.pools = pools.sizes()
        result.projects, result.organisations = len(pools.project), len(pools.organisation)
        if not pools.project or not pools.organisation:
            raise RuntimeError("no projects or organisations found in projectgraph.nq")
        say(
            f"  {result.projects:,} projects, {result.organisations:,} organisations, "
            f"{result.triples:,} triples, build {result.build_id}"
        )
        rng = random.Random(cfg.seed)
        projects = rng.sample(pools.project, len(pools.project))
        organisations = rng.sample(pools.organisation, len(pools.organisation))
        # Disjoint first-time sets, projects and organisations alternating: the dereferences,
        # the pages, the rotating documents; the probe of the starts is asked by no other.
        mixed = [
            iri
            for pair in zip(projects[: cfg.runs], organisations[: cfg.runs], strict=False)
            for iri in pair
        ]
        plan = {
            "deref": [f"/id/{'/'.join(slug_of(i))}" for i in mixed[: cfg.runs]],
            "html": [f"/page/{'/'.join(slug_of(i))}" for i in mixed[cfg.runs : 2 * cfg.runs]],
            "rotate": projects[cfg.runs : cfg.runs + cfg.rotate],
            "every": projects,
            "probe": [f"/data/project/{slug_of(projects[-1])[1]}.ttl"],
        }
        run_projectgraph(cfg, dist, base_iri, pools, plan, work, result, problems, say)
        if "oxigraph" in cfg.peers:
            try:
                run_oxigraph(cfg, dist, base_iri, plan, work, result, problems, say)
            finally:
                shutil.rmtree(work / "oxigraph", ignore_errors=True)
        if "virtuoso" in cfg.peers:
            try:
                run_virtuoso(cfg, dist, manifest, base_iri, plan, work, result, problems, say)
            finally:
                if not cfg.keep:
                    shutil.rmtree(work / "virtuoso", ignore_errors=True)
    except Exception as e:  # the other sizes still run and are reported
        result.failure = f"{type(e).__name__}: {e}"
        problems.append(f"{dist}: {result.failure}")
        say(traceback.format_exc())
    result.elapsed = time.perf_counter() - started
    say(f"{dist}: done in {result.elapsed:.0f} s")
    return result


# ------------------------------------------------------------------------------------------
# Report


def rate(t: Throughput | None) -> str:
    """Completed answers per second of a wrk run, or why not."""
    if t is None:
        return "-"
    return "failed" if t.load.failure else f"{t.load.done_per_s:,.0f}"


def done_rate(t: Throughput | None) -> float | None:
    """Completed answers per second, None without a run."""
    return t.load.done_per_s if t is not None and not t.load.failure else None


def ratio(a: float | None, b: float | None) -> str:
    """``a / b`` as ``1.23x``, or "-"."""
    if a is None or not b:
        return "-"
    value = a / b
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def below(value: float | None, bound: float) -> bool | None:
    return None if value is None else value < bound


def at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def seconds_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:,.1f}"


def lookup_text(lookups: Lookups) -> str:
    """p50 / p95 / p99 ms (samples)."""
    t = lookups.timing
    if not t.samples:
        return lookups.first_error or "-"
    errors = f", {lookups.errors} errors" if lookups.errors else ""
    return f"{ms(t.median)} / {ms(t.p95)} / {ms(lookups.p99)} ({len(t.samples):,}{errors})"


def query_cell(timing: Timing | None) -> str:
    """A named query's p50 in ms, or its failure."""
    if timing is None:
        return "-"
    if timing.samples:
        text = ms(timing.median)
        return f"{text} (then {timing.failure})" if timing.failure else text
    return timing.failure or "-"


def peer_rate(r: SizeResult, name: str, pick: Callable[[Peer], Throughput | None]) -> float | None:
    """A peer's answers/s of one wrk run, None if it did not run."""
    peer = r.peers.get(name)
    return done_rate(pick(peer)) if peer else None


def nth(items: list[Throughput], i: int) -> Throughput | None:
    return items[i] if len(items) > i else None


def targets(results: list[SizeResult]) -> list[list[str]]:
    """Each target of issue 16 at each size: measured, met or missed."""
    rows: list[list[str]] = []
    for r in results:
        pg, size = r.pg, f"{r.projects:,}"

        def add(target: str, measured: str, ok: bool | None, size: str = size) -> None:
            verdict = "-" if ok is None else ("met" if ok else "missed")
            rows.append([target, size, measured, verdict])

        if r.failure and not pg.queries:
            add("(the run failed)", r.failure[:80], False)
            continue
        deref, html = pg.deref.timing.median, pg.html.timing.median
        add("IRI dereference p50 < 10 ms (one by one)", f"{ms(deref)} ms", below(deref, 0.010))
        docs, every = nth(pg.documents, 0), nth(pg.documents, 1)
        add(
            ">= 1,000 documents/s under wrk",
            f"{rate(docs)}/s over {docs.paths if docs else 0:,} rotating projects "
            f"({rate(every)}/s over every project)",
            at_least(done_rate(docs), 1000),
        )
        add("HTML page p50 < 20 ms", f"{ms(html)} ms", below(html, 0.020))
        add("HTML page p99 < 100 ms", f"{ms(pg.html.p99)} ms", below(pg.html.p99, 0.100))
        failed = [q.name for q in pg.queries if q.pg.failure]
        slow = [q.name for q in pg.queries if not q.pg.failure and (q.pg.median or 0) >= 0.050]
        if pg.queries:
            worst = max(
                pg.queries, key=lambda q: math.inf if q.pg.failure else (q.pg.median or 0.0)
            )
            add(
                "every named query p50 < 50 ms (first-time values)",
                f"slowest {worst.name} {query_cell(worst.pg)} ms; "
                f"{len(slow) + len(failed)} of {len(pg.queries)} over",
                not slow and not failed,
            )
        by_name = next((q for q in pg.queries if q.name == "organisations-by-name"), None)
        if by_name is not None:
            ok = below(by_name.pg.median, 0.020)
            add(
                "organisations-by-name p50 < 20 ms",
                f"{query_cell(by_name.pg)} ms",
                False if by_name.pg.failure else ok,
            )
        sparql = done_rate(pg.sparql)
        add("SPARQL point query >= 2,000 req/s", f"{rate(pg.sparql)} req/s", at_least(sparql, 2000))
        ox = peer_rate(r, "oxigraph", lambda p: p.sparql)
        add(
            "SPARQL point query >= 0.3x Oxigraph's server",
            f"{ratio(sparql, ox)} (Oxigraph {ox or 0:,.0f} req/s)",
            at_least(sparql / ox, 0.3) if sparql is not None and ox else None,
        )
        add(
            "start on an existing store <= 5 s (until a data document)",
            f"{seconds_text(pg.warm.document)} s",
            None if pg.warm.document is None else pg.warm.document <= 5,
        )
        add(
            "server memory (RSS summed over its processes)",
            f"{pg.rss_mib:,.0f} MiB RSS, {pg.pss_mib:,.0f} MiB PSS",
            None,
        )
    return rows


def report(
    cfg: Config,
    results: list[SizeResult],
    problems: Problems,
    elapsed: float,
    when: str,
    load: tuple[float, float],
) -> str:
    """SERVING.md."""
    out: list[str] = []
    put = out.append
    head = ["measurement", *(f"{r.projects:,}" for r in results)]

    def row(label: str, pick: Callable[[SizeResult], str]) -> list[str]:
        return [label, *(pick(r) for r in results)]

    def peer_row(label: str, name: str, pick: Callable[[Peer], str]) -> list[str]:
        cells = [label]
        for r in results:
            peer = r.peers.get(name)
            if peer is None:
                cells.append("not run")
            elif peer.skipped or peer.failure:
                cells.append(remote.short(peer.skipped or peer.failure or "", 40))
            else:
                cells.append(pick(peer))
        return cells

    def peer_versions(name: str) -> str:
        return next((p.version for r in results if (p := r.peers.get(name)) and p.version), "-")

    put("# Serving at scale: projectgraph beside Oxigraph's server and Virtuoso 7\n")
    put(f"- date: {when}")
    put(f"- command: `{cfg.command}` (run from {cfg.root})")
    times = ", ".join(f"{r.projects:,} projects {r.elapsed / 60:.1f} min" for r in results)
    put(f"- run time: {times}; {elapsed / 60:.1f} min in all")
    out.extend(machine())
    put(
        f"- peers: Oxigraph server `{peer_versions('oxigraph')}` (PyPI `oxigraph` "
        f"{version('oxigraph')}); Virtuoso `{peer_versions('virtuoso')}`, "
        f"{cfg.virtuoso_memory_mb:,} MB"
    )
    put(
        f"- load average (1 min) at the start {load[0]:.2f}, at the end {load[1]:.2f}, on "
        f"{os.cpu_count()} cores; the benchmark, wrk and the server under test share them"
        + (f". {cfg.note}" if cfg.note else "")
    )
    put(
        f"- settings: seed {cfg.seed}; one by one: {cfg.runs} first-time IRIs per measurement "
        f"(projects and organisations alternating; each stops after {cfg.budget:g} s); named "
        f"queries: {cfg.query_runs} first-time values each; wrk -t{cfg.threads} "
        f"-c{cfg.connections} -d{cfg.duration:g}s; per-request timeout {cfg.timeout:g} s "
        "(also the servers' query timeout; Virtuoso: its `timeout` parameter)"
    )
    first = next((r for r in results if r.pg.command), None)
    if first:
        put(f"- projectgraph: `{first.pg.command}` (D: the build folder, S: a new store folder)")
    for name in DEFAULT_PEERS:
        peer = next((p for r in results if (p := r.peers.get(name)) and p.command), None)
        if peer:
            put(f"- {name}: load `{peer.load_command}`; serve `{peer.command}`")
            for section, values in peer.settings.items():
                put(f"  - [{section}] " + ", ".join(f"{k} = {v}" for k, v in values.items()))

    put("\n## Targets (issue 16)\n")
    put(table(["target", "projects", "measured", "verdict"], targets(results), right=set()))

    put("\n## 1. Builds, loads and starts\n")
    rows = [
        row("triples", lambda r: f"{r.triples:,}"),
        row("projects / organisations", lambda r: f"{r.projects:,} / {r.organisations:,}"),
        row("build", lambda r: r.build_id),
        row(
            "projectgraph first start (empty store): until /health (s)",
            lambda r: seconds_text(r.pg.first.health),
        ),
        row("  until a first data document (s)", lambda r: seconds_text(r.pg.first.document)),
        row(
            "projectgraph start on its store: until /health (s)",
            lambda r: seconds_text(r.pg.warm.health),
        ),
        row("  until a first data document (s)", lambda r: seconds_text(r.pg.warm.document)),
        row(
            "  until the named-query examples had run (s)",
            lambda r: seconds_text(r.pg.warm.examples),
        ),
        row("projectgraph on-disk store", lambda r: f"{r.pg.store_mib:,.0f} MiB"),
        peer_row("oxigraph load (s)", "oxigraph", lambda p: seconds_text(p.load_seconds)),
        peer_row("oxigraph store", "oxigraph", lambda p: f"{p.store_mib:,.0f} MiB"),
        peer_row("oxigraph server start (s)", "oxigraph", lambda p: seconds_text(p.start_seconds)),
        peer_row(
            "virtuoso load, Graph Store protocol (s)",
            "virtuoso",
            lambda p: seconds_text(p.load_seconds),
        ),
        peer_row("virtuoso database", "virtuoso", lambda p: f"{p.store_mib:,.0f} MiB"),
    ]
    put(table(head, rows))
    put("")
    for r in results:
        if r.pg.first.how or r.pg.warm.how:
            put(f"- {r.projects:,}: first start: {r.pg.first.how}; second: {r.pg.warm.how}")
    put(
        "- /health is polled every 0.2 s (Server.start of bench/endpoint.py), then a data "
        "document (of a project asked by no other measurement) every 0.05 s"
    )

    put("\n## 2. One by one, first-time IRIs (ms: p50 / p95 / p99 (samples))\n")
    rows = [
        row(
            "IRI dereference: /id/{kind}/{slug}, Turtle, 303 followed",
            lambda r: lookup_text(r.pg.deref),
        ),
        row("HTML page: /page/{kind}/{slug}", lambda r: lookup_text(r.pg.html)),
    ]
    put(table(head, rows))
    put(
        "\nOne kept-alive httpx connection, no compression; each IRI asked once, projects and "
        "organisations alternating; a dereference is both requests, the 303 and the document."
    )
    for r in results:
        for lookups in (r.pg.deref, r.pg.html):
            if lookups.stopped:
                put(f"- {r.projects:,}: {lookups.label}: {lookups.stopped}")

    put(
        f"\n## 3. Under load: wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.duration:g}s "
        "(answers/s)\n"
    )

    def distinct(i: int) -> Callable[[SizeResult], str]:
        def pick(r: SizeResult) -> str:
            t = nth(r.pg.documents, i)
            return f"{t.distinct:,} of {t.requests:,}" if t else "-"

        return pick

    def doc_ratio(i: int) -> Callable[[SizeResult], str]:
        return lambda r: ratio(
            done_rate(nth(r.pg.documents, i)),
            peer_rate(r, "oxigraph", lambda p: nth(p.describe, i)),
        )

    def sparql_ratio(name: str) -> Callable[[SizeResult], str]:
        return lambda r: ratio(done_rate(r.pg.sparql), peer_rate(r, name, lambda p: p.sparql))

    def latency(t: Throughput | None) -> str:
        return f"{t.load.p50} / {t.load.p99}" if t else "-"

    rows = [
        row(
            f"projectgraph: data documents, {cfg.rotate} rotating projects",
            lambda r: rate(nth(r.pg.documents, 0)),
        ),
        row("  distinct documents asked, of the answers (expected)", distinct(0)),
        peer_row(
            "oxigraph: DESCRIBE <project>, the same projects",
            "oxigraph",
            lambda p: rate(nth(p.describe, 0)),
        ),
        row("  projectgraph / oxigraph", doc_ratio(0)),
        row(
            "projectgraph: data documents, every project",
            lambda r: rate(nth(r.pg.documents, 1)),
        ),
        row("  distinct documents asked, of the answers (expected)", distinct(1)),
        peer_row(
            "oxigraph: DESCRIBE <project>, every project",
            "oxigraph",
            lambda p: rate(nth(p.describe, 1)),
        ),
        row("  projectgraph / oxigraph", doc_ratio(1)),
        row("projectgraph: SPARQL point query, every project", lambda r: rate(r.pg.sparql)),
        peer_row("oxigraph: SPARQL point query", "oxigraph", lambda p: rate(p.sparql)),
        peer_row("virtuoso: SPARQL point query", "virtuoso", lambda p: rate(p.sparql)),
        row("  projectgraph / oxigraph", sparql_ratio("oxigraph")),
        row("  projectgraph / virtuoso", sparql_ratio("virtuoso")),
        row(
            "projectgraph data documents (rotating): p50 / p99",
            lambda r: latency(nth(r.pg.documents, 0)),
        ),
        row("projectgraph SPARQL: p50 / p99", lambda r: latency(r.pg.sparql)),
        peer_row("oxigraph SPARQL: p50 / p99", "oxigraph", lambda p: latency(p.sparql)),
    ]
    put(table(head, rows))
    put(
        "\nAnswers/s counts 200 answers only; the Lua script of bench/suite.py picks a random "
        "path of the list per request. The distinct count is the expected number of different "
        "paths among that many uniform random picks: a server cache answers the repeats. "
        "Point query: `SELECT ?p ?o WHERE { <project> ?p ?o }`, SPARQL JSON; Virtuoso's on "
        "the build's version graph (`default-graph-uri`)."
    )
    for r in results:
        runs = [*r.pg.documents, *([r.pg.sparql] if r.pg.sparql else [])]
        counters = [
            f"{t.load.label}: {', '.join(f'{k} +{v:,}' for k, v in t.cache.items())}"
            for t in runs
            if t.cache
        ]
        if counters:
            put(f"- {r.projects:,}: /health cache counters over the runs: " + "; ".join(counters))

    put(f"\n## 4. Named queries, first-time values ({cfg.query_runs} per query; p50 ms)\n")
    for r in results:
        if not r.pg.queries:
            continue
        put(f"### {r.projects:,} projects\n")
        rows = []
        for q in r.pg.queries:
            ox, vi = q.peers.get("oxigraph"), q.peers.get("virtuoso")
            rows.append(
                [
                    q.name,
                    q.how,
                    str(len(q.pg.samples)),
                    q.pg_rows[0] if q.pg_rows else "-",
                    query_cell(q.pg),
                    ms(percentile(q.pg.samples, 95)),
                    ", ".join(f"{k} {v}" for k, v in sorted(q.pg_cache.items())) or "-",
                    query_cell(ox),
                    query_cell(vi),
                    ratio(q.pg.median, ox.median if ox else None),
                    ratio(q.pg.median, vi.median if vi else None),
                ]
            )
        header = [
            "query",
            "values",
            "runs",
            "rows (first)",
            "projectgraph API p50",
            "p95",
            "X-Cache",
            "oxigraph p50",
            "virtuoso p50",
            "pg / oxigraph",
            "pg / virtuoso",
        ]
        put(table(header, rows, right={2, 3, 4, 5, 7, 8, 9, 10}))
        put("")
    put(
        "projectgraph: `GET /api/queries/NAME` (its default JSON; JSON-LD for a graph). Peers: "
        "the SPARQL the API prepares for the same values (NamedQuery.prepare), POSTed one by "
        "one: Oxigraph's `/query` (union default graph), Virtuoso's `/sparql` with the build's "
        "version graph as the default graph (a client acknowledging at once, see "
        "bench/remote.py). *no parameter*: the same request each time (a cache or a "
        "materialized answer may serve it); *pages*: `projects` with first-time page "
        'numbers. "> T": no answer within the timeout; the query\'s further values were not '
        "asked. Ratios: projectgraph p50 / peer p50 (below 1: projectgraph faster)."
    )

    put("\n## 5. Memory after the run\n")
    rows = [
        row("projectgraph: RSS summed over its processes", lambda r: f"{r.pg.rss_mib:,.0f} MiB"),
        row("projectgraph: PSS summed over its processes", lambda r: f"{r.pg.pss_mib:,.0f} MiB"),
        row("projectgraph: processes", lambda r: str(r.pg.processes)),
        peer_row("oxigraph server RSS", "oxigraph", lambda p: f"{p.rss_mib:,.0f} MiB"),
        peer_row("virtuoso RSS", "virtuoso", lambda p: f"{p.rss_mib:,.0f} MiB"),
    ]
    put(table(head, rows))

    put("\n## Problems\n")
    out.extend(f"- {p}" for p in problems) if problems else put("- none")
    return "\n".join(out) + "\n"


def plot(results: list[SizeResult], path: Path) -> bool:
    """serving.png: p50 one by one and answers/s under load, per size and system, and the
    named queries of the largest size; False without matplotlib or data."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in results if r.pg.deref.timing.samples]
    if not done:
        return False
    xs = [r.projects for r in done]
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 5.4))

    colour = {"projectgraph": "tab:blue", "oxigraph": "tab:orange", "virtuoso": "tab:green"}

    def line(ax: Any, label: str, pick: Callable[[SizeResult], float | None], **style: Any) -> None:
        points = [(x, y) for x, r in zip(xs, done, strict=True) if (y := pick(r))]
        style = {"marker": "o", "color": colour[label.split(":")[0]], **style}
        if points:
            ax.plot(*zip(*points, strict=True), label=label, **style)

    def p50_ms(t: Timing | None) -> float | None:
        return t.median * 1000 if t is not None and t.median is not None else None

    def queries_ms(name: str | None) -> Callable[[SizeResult], float | None]:
        def pick(r: SizeResult) -> float | None:
            timings = [q.pg if name is None else q.peers.get(name) for q in r.pg.queries]
            values = [v for t in timings if (v := p50_ms(t)) is not None]
            return statistics.median(values) if values else None

        return pick

    def peer_sparql(name: str) -> Callable[[SizeResult], float | None]:
        return lambda r: peer_rate(r, name, lambda p: p.sparql)

    line(left, "projectgraph: IRI dereference", lambda r: p50_ms(r.pg.deref.timing))
    line(left, "projectgraph: HTML page", lambda r: p50_ms(r.pg.html.timing), marker="s")
    queries = "named queries (median of the answered p50s)"
    line(left, f"projectgraph: {queries}", queries_ms(None), marker="^", linestyle="--")
    line(left, f"oxigraph: {queries}", queries_ms("oxigraph"), marker="^", linestyle="--")
    line(left, f"virtuoso: {queries}", queries_ms("virtuoso"), marker="^", linestyle="--")
    for bound in (10, 20, 50):
        left.axhline(bound, color="red", linestyle=":", linewidth=0.8)
    left.set_title("One by one, first-time IRIs and values: p50 (ms)\n(red: 10, 20, 50 ms)")

    line(middle, "projectgraph: documents, rotating", lambda r: done_rate(nth(r.pg.documents, 0)))
    line(
        middle,
        "projectgraph: documents, every project",
        lambda r: done_rate(nth(r.pg.documents, 1)),
        marker="s",
    )
    line(
        middle,
        "oxigraph: DESCRIBE, rotating",
        lambda r: peer_rate(r, "oxigraph", lambda p: nth(p.describe, 0)),
    )
    point = {"marker": "^", "linestyle": "--"}
    line(middle, "projectgraph: SPARQL point query", lambda r: done_rate(r.pg.sparql), **point)
    line(middle, "oxigraph: SPARQL point query", peer_sparql("oxigraph"), **point)
    line(middle, "virtuoso: SPARQL point query", peer_sparql("virtuoso"), **point)
    for bound in (1000, 2000):
        middle.axhline(bound, color="red", linestyle=":", linewidth=0.8)
    middle.set_title("Under wrk -c32: answers/s\n(red: 1,000 and 2,000 /s)")

    largest = done[-1]
    names = [q.name for q in largest.pg.queries]
    for offset, name in enumerate(("projectgraph", "oxigraph", "virtuoso")):
        values = [
            p50_ms(q.pg if name == "projectgraph" else q.peers.get(name)) or 0.0
            for q in largest.pg.queries
        ]
        bars = [y + offset * 0.27 for y in range(len(names))]
        right.barh(bars, values, 0.27, label=name, color=colour[name])
    right.set_yticks([y + 0.27 for y in range(len(names))])
    right.set_yticklabels(names, fontsize=7)
    right.invert_yaxis()
    right.axvline(50, color="red", linestyle=":", linewidth=0.8)
    right.set_xscale("log")
    right.set_xlabel("p50 ms (no bar: failed, timed out or not run)")
    right.set_title(f"Named queries at {largest.projects:,} projects")
    right.legend(fontsize=7)
    for ax in (left, middle):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("projects")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# ------------------------------------------------------------------------------------------
# The run


def arguments(argv: list[str] | None = None) -> Config:
    """The command line as a Config."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.serving",
        description="projectgraph serve beside Oxigraph's server and Virtuoso on the same "
        "builds; writes SERVING.md, serving.json and serving.png.",
    )
    parser.add_argument(
        "--dist", type=Path, action="append", required=True, help="a build folder (repeatable)"
    )
    parser.add_argument("--runs", type=int, default=200, help="first-time IRIs one by one (200)")
    parser.add_argument(
        "--query-runs", type=int, default=5, help="first-time values per named query (5)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="s per wrk run (10)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--rotate", type=int, default=500, help="projects the rotating document run uses (500)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="s per request (10)")
    parser.add_argument(
        "--budget", type=float, default=90.0, help="s per one-by-one measurement at most (90)"
    )
    parser.add_argument(
        "--peers", default=",".join(DEFAULT_PEERS), help="oxigraph,virtuoso (or fewer; '' none)"
    )
    parser.add_argument("--virtuoso-memory-mb", type=int, default=4096, help="(4096)")
    parser.add_argument(
        "--virtuoso-max", type=int, default=0, help="no Virtuoso above N projects (0: always)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--note", default="", help="a sentence for the report's header")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    parser.add_argument("--out", type=Path, help="results folder (ROOT/bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder under /tmp")
    args = parser.parse_args(argv)
    peers = tuple(p.strip() for p in args.peers.split(",") if p.strip())
    unknown = set(peers) - set(DEFAULT_PEERS)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    if args.runs < 2 or args.query_runs < 1:
        parser.error("--runs must be at least 2 and --query-runs at least 1")
    root = args.root.resolve()
    return Config(
        dists=tuple(d.absolute() for d in args.dist),  # a link stays a link
        runs=args.runs,
        query_runs=args.query_runs,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        rotate=args.rotate,
        timeout=args.timeout,
        budget=args.budget,
        peers=peers,
        virtuoso_memory_mb=args.virtuoso_memory_mb,
        virtuoso_max=args.virtuoso_max,
        seed=args.seed,
        note=args.note,
        root=root,
        out=(args.out or root / "bench" / "results").resolve(),
        keep=args.keep,
        command=shlex.join(
            ["python", "-m", "bench.serving", *(sys.argv[1:] if argv is None else argv)]
        ),
    )


@contextlib.contextmanager
def work_folder(keep: bool, say: Say) -> Iterator[Path]:
    """A new folder under /tmp, removed at the end unless ``keep``."""
    work = Path(tempfile.mkdtemp(prefix="pg-serving-", dir="/tmp"))
    try:
        yield work
    finally:
        if keep:
            say(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 if it ran without problems, 1 otherwise."""
    cfg = arguments(argv)
    if not (cfg.root / "projectgraph.toml").is_file():
        raise SystemExit(f"{cfg.root}: not the repository (no projectgraph.toml); use --root")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    for dist in cfg.dists:
        if not (dist / "build.json").is_file() or not (dist / "projectgraph.nq").is_file():
            raise SystemExit(f"{dist}: not a build folder (no build.json / projectgraph.nq)")
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    # Servers run in their own sessions: a SIGTERM unwinds through the code that stops them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    problems = Problems()
    results: list[SizeResult] = []
    with work_folder(cfg.keep, say) as work:
        for number, dist in enumerate(cfg.dists, 1):
            folder = work / str(number)
            folder.mkdir()
            results.append(run_size(cfg, dist, folder, problems, say))
            if not cfg.keep:  # the next build needs the disk more than this one's stores
                shutil.rmtree(folder, ignore_errors=True)
    results.sort(key=lambda r: r.projects)
    elapsed = time.perf_counter() - started
    load = (load_start, os.getloadavg()[0])
    cfg.out.mkdir(parents=True, exist_ok=True)
    text = report(cfg, results, problems, elapsed, when, load)
    (cfg.out / "SERVING.md").write_text(text)
    plotted = plot(results, cfg.out / "serving.png")
    raw = {
        "date": when,
        "command": cfg.command,
        "machine": machine(),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
        "load_average": {"start": load[0], "end": load[1]},
        "results": [asdict(r) for r in results],
        "problems": list(problems),
    }
    (cfg.out / "serving.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    print(text)
    say(f"wrote {cfg.out / 'SERVING.md'}, serving.json" + (", serving.png" if plotted else ""))
    return 1 if problems or any(r.failure for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
