"""Benchmark the SPARQL endpoint: projectgraph against rdflib-endpoint on the same graph.

    python -m bench.endpoint [--triples N] [--quick] [--runs R] [--duration S]
                             [--rdflib-runs R] [--lookup-runs R] [--data DIR] [--skip-rdflib]

A synthetic build (:mod:`bench.synthetic`, default 1,000,000 triples; ``--quick``: 50,000 and
short runs) is served, one server at a time on a free 127.0.0.1 port, by

- ``projectgraph serve`` with its in-memory store and with its on-disk store (``--store``),
  each with 1, 2 and 3 query workers;
- ``rdflib-endpoint serve`` (rdflib's in-memory store, a Dataset whose default graph is the
  union of the named graphs, as projectgraph's is).

Queries: every ``queries/*.rq`` of the repository, the aggregates below, and a point lookup
(one project's start date by its IRI). Every answer is first checked against pyoxigraph run
in-process on the same data (row count, and values with numbers compared as numbers); a
wrong row count stops the benchmark. Then each query is timed sequentially, R times, over one
keep-alive HTTP connection (httpx), median and p95. The point lookup is also timed in-process
(pyoxigraph, with and without result serialisation) for the HTTP overhead, and loaded with
``wrk`` for throughput, while the CPU time of every server process is read from /proc.

projectgraph runs with ``--max-rows 1000000`` (no result is cut, so both servers return the
same rows; the capped code path of the default settings is kept) and ``--timeout`` set to the
per-query client timeout. Requests ask for SPARQL JSON results without compression.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from itertools import islice
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox

from bench import synthetic
from projectgraph.sparql.results import write_json

JSON = "application/sparql-results+json"
HEADERS = {"Accept": JSON, "Accept-Encoding": "identity"}
READY_QUERY = "ASK { ?s ?p ?o }"
MAX_ROWS = 1_000_000
CLK_TCK = os.sysconf("SC_CLK_TCK")

PREFIXES = """PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX pg: <{base}/ontology#>
"""

# The aggregates users ask of a catalogue of projects; each touches most of the graph.
AGGREGATES: dict[str, str] = {
    "partners per country": """
SELECT ?country (COUNT(DISTINCT ?org) AS ?partners) WHERE {
  ?membership a org:Membership ;
              org:member ?org .
  ?org eurio:hasSite/pg:country ?c .
  ?c skos:prefLabel ?country .
  FILTER (lang(?country) = "en")
}
GROUP BY ?country
ORDER BY DESC(?partners) ?country
""",
    "budget per programme and year": """
SELECT ?programme ?year (COUNT(?project) AS ?projects) (SUM(?total) AS ?totalCost)
       (SUM(?eu) AS ?euContribution) (SUM(?eu) / SUM(?total) AS ?rate) WHERE {
  ?project a eurio:Project ;
           eurio:startDate ?start ;
           eurio:isFundedBy/eurio:hasFundingSchemeProgramme/eurio:title ?programme ;
           eurio:hasTotalCost/eurio:value ?total ;
           eurio:isFundedBy/eurio:hasFundingAmount/eurio:value ?eu .
  BIND (YEAR(?start) AS ?year)
}
GROUP BY ?programme ?year
ORDER BY ?programme ?year
""",
    "cluster organisations per country": """
SELECT ?country (COUNT(?org) AS ?clusterOrganisations) WHERE {
  ?org pg:isClusterOrganisation true ;
       eurio:hasSite/pg:country/skos:notation ?country .
}
GROUP BY ?country
ORDER BY DESC(?clusterOrganisations) ?country
""",
    "projects per topic": """
SELECT ?topic (COUNT(?project) AS ?projects) (SUM(?total) AS ?totalCost) WHERE {
  ?project a eurio:Project ;
           dct:subject ?t ;
           eurio:hasTotalCost/eurio:value ?total .
  ?t skos:prefLabel ?topic .
  FILTER (lang(?topic) = "en")
}
GROUP BY ?topic
ORDER BY DESC(?projects) ?topic
""",
    "co-partnership country pairs": """
SELECT ?a ?b (COUNT(DISTINCT ?project) AS ?projects) WHERE {
  ?m1 org:organization ?project ;
      org:member/eurio:hasSite/pg:country/skos:notation ?a .
  ?m2 org:organization ?project ;
      org:member/eurio:hasSite/pg:country/skos:notation ?b .
  FILTER (?a < ?b)
}
GROUP BY ?a ?b
ORDER BY DESC(?projects) ?a ?b
""",
    "role mix": """
SELECT ?role (COUNT(?membership) AS ?participations) (COUNT(DISTINCT ?org) AS ?organisations)
       (SUM(IF(?cluster, 1, 0)) AS ?clusterOrganisations) WHERE {
  ?membership a org:Membership ;
              org:role/skos:prefLabel ?role ;
              org:member ?org .
  ?org pg:isClusterOrganisation ?cluster .
  FILTER (lang(?role) = "en")
}
GROUP BY ?role
ORDER BY DESC(?participations) ?role
""",
    "countries per project": """
SELECT ?countries (COUNT(?project) AS ?projects) WHERE {
  {
    SELECT ?project (COUNT(DISTINCT ?c) AS ?countries) WHERE {
      ?project a eurio:Project ;
               eurio:hasInvolvedParty/eurio:isRoleOf/eurio:hasSite/pg:country ?c .
    }
    GROUP BY ?project
  }
}
GROUP BY ?countries
ORDER BY ?countries
""",
}

LOOKUP = "point lookup"


# ------------------------------------------------------------------------------------------
# Queries and results


@dataclass(frozen=True)
class Query:
    """One benchmark query: ``kind`` is ``repo`` (queries/*.rq), ``aggregate`` or ``lookup``."""

    name: str
    kind: str
    text: str


def query_set(root: Path, base: str, project: str) -> list[Query]:
    """The repository's queries, the aggregates and the point lookup on ``project``."""
    queries = [
        Query(path.stem, "repo", path.read_text())
        for path in sorted((root / "queries").glob("*.rq"))
    ]
    prefixes = PREFIXES.format(base=base)
    queries += [Query(name, "aggregate", prefixes + text) for name, text in AGGREGATES.items()]
    queries.append(Query(LOOKUP, "lookup", point_lookup(project)))
    return queries


def point_lookup(project: str) -> str:
    """One project's start date by its IRI."""
    return (
        "PREFIX eurio: <http://data.europa.eu/s66#>\n"
        f"SELECT ?start WHERE {{ <{project}> eurio:startDate ?start }}"
    )


@dataclass(frozen=True)
class Answer:
    """A SELECT result reduced to what two engines must agree on."""

    rows: int
    values: tuple[tuple[object, ...], ...]  # sorted; numbers as floats


NUMERIC = (
    "integer",
    "decimal",
    "double",
    "float",
    "long",
    "int",
    "short",
    "nonNegativeInteger",
    "positiveInteger",
)


def parse_answer(body: bytes) -> Answer:
    """Read SPARQL JSON results (SELECT or ASK)."""
    data = json.loads(body)
    if "boolean" in data:
        return Answer(1, ((data["boolean"],),))
    variables = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row: list[object] = []
        for var in variables:
            term = binding.get(var)
            if term is None:
                row.append(None)
            elif term.get("datatype", "").rsplit("#", 1)[-1] in NUMERIC:
                row.append(float(term["value"]))
            else:
                row.append((term["type"], term["value"], term.get("xml:lang", "")))
        rows.append(tuple(row))
    return Answer(len(rows), tuple(sorted(rows, key=repr)))


def same_values(a: Answer, b: Answer) -> bool:
    """Equal results, numbers equal to a relative 1e-9 (decimal division differs in digits)."""
    if a.rows != b.rows:
        return False
    for ra, rb in zip(a.values, b.values, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9):
                    return False
            elif x != y:
                return False
    return True


# ------------------------------------------------------------------------------------------
# Statistics and formatting


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def ms(seconds: float | None) -> str:
    """Milliseconds with a precision that suits the size."""
    if seconds is None:
        return "-"
    value = seconds * 1000
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A Markdown table; columns in ``right`` (default: all but the first) align right."""
    right = set(range(1, len(header))) if right is None else right
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                str(c).rjust(w) if i in right else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


# ------------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ServerFailed(RuntimeError):
    """A server exited or never answered."""


@dataclass
class Server:
    """One endpoint process started by the benchmark (in its own session)."""

    label: str
    argv: list[str]
    port: int
    log: Path
    cwd: Path
    path: str = "/sparql"
    ready_timeout: float = 900.0
    process: subprocess.Popen[bytes] | None = None
    startup: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process and wait until it answers a query."""
        started = time.perf_counter()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(headers=HEADERS, timeout=5.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise ServerFailed(
                        f"{self.label} exited ({self.process.returncode}):\n" + self.tail()
                    )
                try:
                    r = client.get(self.url, params={"query": READY_QUERY})
                    if r.status_code == 200:
                        break
                    if 400 <= r.status_code < 500:
                        self.stop()
                        raise ServerFailed(
                            f"{self.label}: {self.url} answers {r.status_code}: {r.text[:200]}"
                        )
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise ServerFailed(
                        f"{self.label} did not answer within "
                        f"{self.ready_timeout:g} s:\n" + self.tail()
                    )
                time.sleep(0.2)
        self.startup = time.perf_counter() - started

    def pids(self) -> list[int]:
        """The server process and its children (projectgraph's query workers)."""
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *children(self.process.pid)]

    def stop(self) -> list[int]:
        """Stop gracefully (SIGINT, as Ctrl-C), then by force; returns the pids of processes
        that outlived their server (leaked workers), after killing them."""
        if self.process is None:
            return []
        kids = children(self.process.pid) if self.process.poll() is None else []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        time.sleep(0.2)
        leaked = [pid for pid in kids if _alive(pid)]
        for pid in leaked:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process = None
        return leaked

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def log_problems(self) -> list[str]:
        """Lines of the server's log that report an error."""
        pattern = re.compile(r"Traceback|ERROR|Exception| 5\d\d ")
        with contextlib.suppress(OSError):
            return [
                line
                for line in self.log.read_text(errors="replace").splitlines()
                if pattern.search(line)
            ]
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# ------------------------------------------------------------------------------------------
# Measurements


@dataclass
class Timing:
    """One query on one server: samples in seconds, or why there are none."""

    samples: list[float] = field(default_factory=list)
    rows: int | None = None
    failure: str | None = None  # "timeout", "HTTP 500", ...

    @property
    def median(self) -> float | None:
        return median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return p95(self.samples) if self.samples else None


@dataclass
class Throughput:
    """One wrk run."""

    label: str
    requests_per_s: float
    p50: str
    p99: str
    requests: int
    errors: str
    cpu: str  # CPU of each server process over the run, % of one core
    rss: str  # resident memory after the run, MB
    health: str


class Problems(list[str]):
    """Everything that went wrong and is reported at the end."""


def http_get(client: httpx.Client, url: str, query: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url, params={"query": query})
    return time.perf_counter() - started, response


def time_queries(
    server: Server,
    queries: list[Query],
    runs: Callable[[Query], int],
    reference: dict[str, Answer],
    timeout: float,
    problems: Problems,
    restart: Callable[[], None],
) -> dict[str, Timing]:
    """Check then time every query on ``server``. A query that times out is reported as
    such and the server restarted (rdflib-endpoint cannot abandon a running query)."""
    results: dict[str, Timing] = {}
    client = httpx.Client(headers=HEADERS, timeout=httpx.Timeout(timeout, connect=10.0))
    try:
        for query in queries:
            timing = Timing()
            results[query.name] = timing
            try:
                _, response = http_get(client, server.url, query.text)  # warm-up and check
                if response.status_code != 200:
                    timing.failure = f"HTTP {response.status_code}"
                    problems.append(
                        f"{server.label}: {query.name}: HTTP {response.status_code}: "
                        f"{response.text[:300]}"
                    )
                    continue
                answer = parse_answer(response.content)
                timing.rows = answer.rows
                expected = reference[query.name]
                if answer.rows != expected.rows:
                    raise SystemExit(
                        f"FAIL: {server.label} returns {answer.rows} rows for {query.name!r}, "
                        f"pyoxigraph in-process {expected.rows}: the servers do not answer the "
                        "same query the same way, timings would compare different work"
                    )
                if not same_values(answer, expected):
                    problems.append(
                        f"{server.label}: {query.name}: same row count ({answer.rows}) but "
                        "different values than pyoxigraph in-process"
                    )
                for _ in range(runs(query)):
                    seconds, response = http_get(client, server.url, query.text)
                    if response.status_code != 200:
                        timing.failure = f"HTTP {response.status_code}"
                        problems.append(
                            f"{server.label}: {query.name}: HTTP "
                            f"{response.status_code} while timing"
                        )
                        break
                    timing.samples.append(seconds)
            except httpx.TimeoutException:
                timing.failure = "timeout"
                problems.append(
                    f"{server.label}: {query.name}: no answer within {timeout:g} s "
                    f"(after {len(timing.samples)} timed runs); server restarted"
                )
                client.close()
                restart()
                client = httpx.Client(headers=HEADERS, timeout=httpx.Timeout(timeout, connect=10.0))
            except httpx.HTTPError as e:
                timing.failure = type(e).__name__
                problems.append(f"{server.label}: {query.name}: {e!r}")
    finally:
        client.close()
    return results


def time_health(server: Server, runs: int) -> Timing:
    """GET /health: the HTTP path of the server without a query worker."""
    timing = Timing()
    with httpx.Client(headers={"Accept-Encoding": "identity"}, timeout=10.0) as client:
        for i in range(runs + 20):
            started = time.perf_counter()
            client.get(server.base + "/health").raise_for_status()
            if i >= 20:
                timing.samples.append(time.perf_counter() - started)
    return timing


def health(server: Server) -> dict[str, object]:
    with httpx.Client(timeout=10.0) as client:
        return dict(client.get(server.base + "/health").json().get("engine", {}))


def run_wrk(
    server: Server, query: str, duration: float, threads: int, connections: int
) -> tuple[dict[str, str], dict[int, float], dict[int, float], float]:
    """Load the point lookup with wrk; returns wrk's figures, CPU % per server process
    (of one core, over the run), RSS per process after the run, and wrk's own CPU %."""
    url = server.url + "?query=" + quote(query, safe="")
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "-H",
        f"Accept: {JSON}",
        url,
    ]
    pids = server.pids()
    before = {pid: cpu_seconds(pid) for pid in pids}
    started = time.perf_counter()
    wrk = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wrk_cpu = 0.0
    # The CPU time of wrk itself: read it just before it exits.
    while wrk.poll() is None:
        wrk_cpu = max(wrk_cpu, cpu_seconds(wrk.pid))
        time.sleep(0.2)
    out = wrk.stdout.read() if wrk.stdout else ""
    wall = time.perf_counter() - started
    cpu = {pid: 100 * (cpu_seconds(pid) - before[pid]) / wall for pid in pids}
    rss = {pid: rss_mb(pid) for pid in pids}
    if wrk.returncode != 0:
        raise RuntimeError(f"wrk failed ({wrk.returncode}): {out}")
    return parse_wrk(out), cpu, rss, 100 * wrk_cpu / wall


def parse_wrk(out: str) -> dict[str, str]:
    """The figures of wrk's report."""
    found: dict[str, str] = {"raw": out}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", out):
        found["rps"] = m[1]
    if m := re.search(r"(\d+) requests in", out):
        found["requests"] = m[1]
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", out, re.MULTILINE):
            found[f"p{pct}"] = m[1]
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        found["non2xx"] = m[1]
    if m := re.search(r"Socket errors: (.*)", out):
        found["socket"] = m[1].strip()
    return found


# ------------------------------------------------------------------------------------------
# In-process pyoxigraph


def in_process_store(dump: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    return store


def reference_answers(store: ox.Store, queries: list[Query]) -> dict[str, Answer]:
    """Every query answered by pyoxigraph in-process: what each server must return."""
    answers = {}
    for query in queries:
        result = store.query(query.text, use_default_graph_as_union=True)
        answers[query.name] = parse_answer(
            result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]
        )
    return answers


def time_in_process(
    store: ox.Store, query: str, runs: int, how: str, warmup: int | None = None
) -> Timing:
    """Time ``query`` in-process: ``rows`` (query and read every row), ``json-ox`` (and
    pyoxigraph's JSON writer) or ``json-worker`` (what a projectgraph worker does: read the
    rows up to the cap, write them with projectgraph's JSON writer)."""

    def once() -> None:
        result = store.query(query, use_default_graph_as_union=True)
        if how == "rows":
            for _ in result:  # type: ignore[union-attr]
                pass
        elif how == "json-ox":
            result.serialize(format=ox.QueryResultsFormat.JSON)  # type: ignore[union-attr]
        else:
            variables = [v.value for v in result.variables]  # type: ignore[union-attr]
            rows = [tuple(s) for s in islice(result, MAX_ROWS + 1)]  # type: ignore[arg-type]
            write_json(variables, rows[:MAX_ROWS])

    warmup = max(runs // 10, 3) if warmup is None else warmup
    timing = Timing()
    for i in range(runs + warmup):
        started = time.perf_counter()
        once()
        if i >= warmup:
            timing.samples.append(time.perf_counter() - started)
    return timing


# ------------------------------------------------------------------------------------------
# The run


@dataclass
class Config:
    """Settings of one benchmark run."""

    triples: int
    runs: int
    rdflib_runs: int
    lookup_runs: int
    duration: float
    timeout: float
    threads: int
    connections: int
    workers: tuple[int, ...]
    latency_workers: int
    skip_rdflib: bool


def machine() -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    wrk = shutil.which("wrk")
    wrk_version = "not installed"
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout
        wrk_version = out.split("[")[0].strip() or "?"
    return [
        f"- machine: {os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
        f"{memory} memory, {platform.system()} {platform.release()}",
        f"- software: Python {platform.python_version()}, projectgraph "
        f"{version('projectgraph')}, pyoxigraph {version('pyoxigraph')}, rdflib "
        f"{version('rdflib')}, rdflib-endpoint {version('rdflib-endpoint')}, uvicorn "
        f"{version('uvicorn')}, {wrk_version}",
    ]


def projectgraph_server(
    label: str, data: Path, workers: int, store: Path | None, work: Path, cfg: Config, root: Path
) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "projectgraph",
        "serve",
        "--dist",
        str(data),
        "--no-build",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout",
        f"{cfg.timeout:g}",
        "--max-rows",
        str(MAX_ROWS),
        "--quiet",
    ]
    if store is not None:
        argv += ["--store", str(store)]
    slug = re.sub(r"\W+", "-", label).strip("-")
    return Server(label, argv, port, work / f"{slug}.log", root)


def rdflib_server(data: Path, work: Path, root: Path) -> Server:
    port = free_port()
    exe = shutil.which("rdflib-endpoint")
    if exe is None:
        raise ServerFailed("rdflib-endpoint is not installed: pip install rdflib-endpoint")
    argv = [exe, "serve", "--host", "127.0.0.1", "--port", str(port), str(data / "projectgraph.nq")]
    return Server("rdflib-endpoint", argv, port, work / "rdflib-endpoint.log", root, path="/")


@contextlib.contextmanager
def running(server: Server, problems: Problems, say: Callable[[str], None]) -> Iterator[Server]:
    """Start ``server``, yield it, stop it, and record leaked processes and logged errors."""
    say(f"starting {server.label} ...")
    server.start()
    say(f"  {server.label} answering after {server.startup:.1f} s (port {server.port})")
    try:
        yield server
    finally:
        leaked = server.stop()
        if leaked:
            problems.append(f"{server.label}: processes alive after the server stopped: {leaked}")
        logged = server.log_problems()
        if logged:
            problems.append(
                f"{server.label}: {len(logged)} error lines in {server.log}, first: {logged[0]}"
            )


def throughput_row(
    server: Server, query: str, cfg: Config, problems: Problems, projectgraph: bool
) -> Throughput:
    """wrk against ``server`` and what its processes did meanwhile."""
    before = health(server) if projectgraph else {}
    figures, cpu, rss, wrk_cpu = run_wrk(server, query, cfg.duration, cfg.threads, cfg.connections)
    main_pid = server.process.pid if server.process else 0
    others = [pid for pid in cpu if pid != main_pid]
    cpu_text = f"server {cpu.get(main_pid, 0):.0f}%"
    if others:
        cpu_text += " + workers " + "/".join(f"{cpu[p]:.0f}%" for p in others)
    cpu_text += f", wrk {wrk_cpu:.0f}%"
    rss_text = "/".join(f"{rss[p]:.0f}" for p in [main_pid, *others])
    errors = []
    if figures.get("non2xx"):
        errors.append(f"{figures['non2xx']} non-2xx")
        problems.append(f"{server.label}: {figures['non2xx']} non-2xx responses under wrk")
    if figures.get("socket"):
        errors.append(figures["socket"])
        problems.append(f"{server.label}: socket errors under wrk: {figures['socket']}")
    health_text = "-"
    if projectgraph:
        after = health(server)
        restarts = int(after.get("worker_restarts", 0)) - int(before.get("worker_restarts", 0))
        timeouts = int(after.get("query_timeouts", 0)) - int(before.get("query_timeouts", 0))
        health_text = (
            f"{after.get('workers_alive')}/{after.get('workers')} alive, "
            f"{restarts} restarts, {timeouts} timeouts"
        )
        if restarts or timeouts or after.get("workers_alive") != after.get("workers"):
            problems.append(f"{server.label}: after wrk: {after}")
    return Throughput(
        label=server.label,
        requests_per_s=float(figures.get("rps", 0)),
        p50=figures.get("p50", "?"),
        p99=figures.get("p99", "?"),
        requests=int(figures.get("requests", 0)),
        errors=", ".join(errors) or "none",
        cpu=cpu_text,
        rss=rss_text,
        health=health_text,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, help="graph size (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="50k triples, short runs (< 2 min)")
    parser.add_argument("--runs", type=int, help="timed runs per query (default 10, quick 3)")
    parser.add_argument(
        "--rdflib-runs", type=int, help="timed runs per query on rdflib-endpoint (default 3)"
    )
    parser.add_argument(
        "--lookup-runs", type=int, help="timed runs of the point lookup (default 500, quick 100)"
    )
    parser.add_argument("--duration", type=float, help="seconds per wrk run (default 15, quick 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="per-query timeout, s")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument(
        "--workers", default="1,2,3", help="projectgraph worker counts for throughput"
    )
    parser.add_argument(
        "--latency-workers", type=int, default=2, help="workers while timing queries"
    )
    parser.add_argument(
        "--data", type=Path, help="use the synthetic build in DIR (made there if missing)"
    )
    parser.add_argument("--skip-rdflib", action="store_true", help="projectgraph only")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    args = parser.parse_args()

    quick = args.quick
    cfg = Config(
        triples=args.triples or (50_000 if quick else 1_000_000),
        runs=args.runs or (3 if quick else 10),
        rdflib_runs=args.rdflib_runs or 3,
        lookup_runs=args.lookup_runs or (100 if quick else 500),
        duration=args.duration or (3.0 if quick else 15.0),
        timeout=args.timeout,
        threads=args.threads,
        connections=args.connections,
        workers=tuple(int(w) for w in args.workers.split(",")),
        latency_workers=args.latency_workers,
        skip_rdflib=args.skip_rdflib,
    )
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    root = args.root.resolve()
    started = time.perf_counter()
    # The servers run in their own sessions: make a SIGTERM unwind through the code that
    # stops them, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="pg-bench-") as tmp:
        work = Path(tmp)
        data_dir = args.data or work / "data"
        if (data_dir / synthetic.MANIFEST).is_file():
            data = synthetic.load(data_dir)
            say(f"reusing the synthetic build in {data_dir} ({data.triples:,} triples)")
        else:
            say(f"making a synthetic build of {cfg.triples:,} triples ...")
            data = synthetic.make(cfg.triples, data_dir, root=root)
        base = str(data.manifest.get("base_iri") or "https://w3id.org/projectgraph")
        project = data.projects[len(data.projects) // 2]
        queries = query_set(root, base, project)
        lookup = next(q for q in queries if q.kind == "lookup")
        problems = Problems()

        say("pyoxigraph in-process: loading, reference answers, timings ...")
        store = in_process_store(data.dump)
        reference = reference_answers(store, queries)
        in_process = {
            q.name: time_in_process(
                store, q.text, cfg.lookup_runs if q.kind == "lookup" else cfg.runs, "json-worker"
            )
            for q in queries
        }
        lookup_rows = time_in_process(store, lookup.text, cfg.lookup_runs, "rows")
        lookup_ox_json = time_in_process(store, lookup.text, cfg.lookup_runs, "json-ox")
        del store

        def runs_for(n: int) -> Callable[[Query], int]:
            return lambda q: cfg.lookup_runs if q.kind == "lookup" else n

        latency: dict[str, dict[str, Timing]] = {}
        startups: dict[str, float] = {}
        floors: dict[str, Timing] = {}
        throughput: list[Throughput] = []
        store_root = work / "store"
        disk_in_process: Timing | None = None
        in_process_disk: dict[str, Timing] = {}

        for kind, store_dir in (("in-memory", None), ("on-disk", store_root)):
            # The latency configuration first (it also makes the on-disk store), then the
            # other worker counts for throughput only.
            order = [cfg.latency_workers] + [w for w in cfg.workers if w != cfg.latency_workers]
            for workers in order:
                label = f"projectgraph {kind}, {workers} worker{'s' if workers > 1 else ''}"
                server = projectgraph_server(
                    label, data.folder, workers, store_dir, work, cfg, root
                )
                with running(server, problems, say):
                    startups[label] = server.startup
                    if workers == cfg.latency_workers:
                        say(f"  timing {len(queries)} queries ...")

                        def restart(s: Server = server) -> None:
                            s.stop()
                            s.start()

                        latency[f"projectgraph {kind}"] = time_queries(
                            server,
                            queries,
                            runs_for(cfg.runs),
                            reference,
                            cfg.timeout,
                            problems,
                            restart,
                        )
                        floors[f"projectgraph {kind}"] = time_health(server, cfg.lookup_runs)
                    if workers in cfg.workers:
                        say(f"  wrk {cfg.duration:g} s ...")
                        throughput.append(throughput_row(server, lookup.text, cfg, problems, True))
            if store_dir is not None:
                disk = (
                    next(p for p in store_dir.iterdir() if p.is_dir())
                    if store_dir.exists()
                    else None
                )
                if disk is not None:
                    say("pyoxigraph in-process on the on-disk store: timings ...")
                    disk_store = ox.Store.read_only(str(disk))
                    disk_in_process = time_in_process(
                        disk_store, lookup.text, cfg.lookup_runs, "json-worker"
                    )
                    in_process_disk = {
                        q.name: time_in_process(
                            disk_store, q.text, min(cfg.runs, 3), "json-worker", warmup=1
                        )
                        for q in queries
                        if q.kind != "lookup"
                    }
                    in_process_disk[LOOKUP] = disk_in_process
                    del disk_store

        if not cfg.skip_rdflib:
            server = rdflib_server(data.folder, work, root)
            with running(server, problems, say):
                startups["rdflib-endpoint"] = server.startup
                say(f"  timing {len(queries)} queries ({cfg.rdflib_runs} runs each) ...")

                def restart_rdflib(s: Server = server) -> None:
                    say("  restarting rdflib-endpoint after a timeout ...")
                    s.stop()
                    s.start()

                latency["rdflib-endpoint"] = time_queries(
                    server,
                    queries,
                    runs_for(cfg.rdflib_runs),
                    reference,
                    cfg.timeout,
                    problems,
                    restart_rdflib,
                )
                say(f"  wrk {cfg.duration:g} s ...")
                throughput.append(throughput_row(server, lookup.text, cfg, problems, False))
        say("done")

        # ----------------------------------------------------------------------------------
        print("# SPARQL endpoint benchmark: projectgraph vs rdflib-endpoint\n")
        print(
            f"- graph: {data.triples:,} triples, {data.quads:,} quads, "
            f"{len(data.manifest['graphs'])} named graphs "  # type: ignore[arg-type]
            f"({len(data.projects):,} synthetic projects), build {data.manifest['build_id']}"
        )
        for line in machine():
            print(line)
        print(
            f"- runs: {cfg.runs} per query on projectgraph ({cfg.latency_workers} workers), "
            f"{cfg.rdflib_runs} on rdflib-endpoint, {cfg.lookup_runs} for the point lookup, "
            f"after one warm-up request; per-query timeout {cfg.timeout:g} s; wrk -t{cfg.threads}"
            f" -c{cfg.connections} -d{cfg.duration:g}s"
        )
        print(
            "- servers: `projectgraph serve --dist DATA --no-build --host 127.0.0.1 --port P "
            f"--workers W --timeout {cfg.timeout:g} --max-rows {MAX_ROWS} --quiet "
            "[--store DIR]`; `rdflib-endpoint serve --host 127.0.0.1 --port P "
            "DATA/projectgraph.nq` (rdflib Dataset, default graph = union, its default "
            "INFO access log on)"
        )
        print(
            "- speed-up = rdflib-endpoint median / projectgraph median; pyoxigraph in-memory / "
            "on-disk = the same query in the benchmark process on a pyoxigraph Store (loaded "
            "from the dump / the server's on-disk store opened read-only, "
            f"{min(cfg.runs, 3)} runs), rows written as JSON the way a projectgraph worker does"
        )
        print(
            "- startup (until the first answer): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in startups.items())
        )

        print("\n## Query latency (ms, sequential, one keep-alive connection)\n")
        names = list(latency)
        short = {
            "projectgraph in-memory": "pg in-memory",
            "projectgraph on-disk": "pg on-disk",
            "rdflib-endpoint": "rdflib-endpoint",
        }
        header = ["query", "rows", "pyoxigraph in-memory median"]
        if in_process_disk:
            header.append("pyoxigraph on-disk median")
        header += [f"{short.get(name, name)} median / p95" for name in names]
        pg_names = [n for n in names if n.startswith("projectgraph")]
        if "rdflib-endpoint" in latency:
            header += [f"speed-up {short.get(n, n).removeprefix('pg ')}" for n in pg_names]
        rows = []
        for q in queries:
            row = [
                q.name + (" (agg)" if q.kind == "aggregate" else ""),
                str(reference[q.name].rows),
                ms(in_process[q.name].median),
            ]
            if in_process_disk:
                row.append(ms(in_process_disk[q.name].median))
            for name in names:
                t = latency[name][q.name]
                row.append(t.failure or f"{ms(t.median)} / {ms(t.p95)}")
            if "rdflib-endpoint" in latency:
                row += [
                    speedup(latency["rdflib-endpoint"][q.name], latency[n][q.name], cfg)
                    for n in pg_names
                ]
            rows.append(row)
        print(table(header, rows))

        print("\n## Point lookup: in-process vs HTTP (ms)\n")
        rows = [
            [
                "pyoxigraph in-process, in-memory: query + read rows",
                ms(lookup_rows.median),
                ms(lookup_rows.p95),
            ],
            [
                "pyoxigraph in-process, in-memory: + JSON (pyoxigraph writer)",
                ms(lookup_ox_json.median),
                ms(lookup_ox_json.p95),
            ],
            [
                "pyoxigraph in-process, in-memory: + JSON (projectgraph worker path)",
                ms(in_process[LOOKUP].median),
                ms(in_process[LOOKUP].p95),
            ],
        ]
        if disk_in_process:
            rows.append(
                [
                    "pyoxigraph in-process, on-disk: + JSON (projectgraph worker path)",
                    ms(disk_in_process.median),
                    ms(disk_in_process.p95),
                ]
            )
        for name, timing in floors.items():
            rows.append(
                [f"{name}: GET /health (HTTP, no query)", ms(timing.median), ms(timing.p95)]
            )
        for name in names:
            t = latency[name][LOOKUP]
            rows.append([f"{name}: point lookup over HTTP", t.failure or ms(t.median), ms(t.p95)])
        print(table(["measurement", "median", "p95"], rows))
        overheads = {}
        for name, reference_timing in (
            ("projectgraph in-memory", in_process[LOOKUP]),
            ("projectgraph on-disk", disk_in_process),
        ):
            t = latency.get(name, {}).get(LOOKUP)
            if t and t.median is not None and reference_timing and reference_timing.median:
                overheads[name] = t.median - reference_timing.median
        print()
        for name, value in overheads.items():
            print(
                f"- HTTP overhead, {name}: {value * 1000:.2f} ms (HTTP median - in-process "
                "median of the same store and JSON writer; includes the httpx client)"
            )

        print("\n## Throughput: point lookup under wrk\n")
        rows = [
            [
                t.label,
                f"{t.requests_per_s:,.0f}",
                t.p50,
                t.p99,
                f"{t.requests:,}",
                t.errors,
                t.cpu,
                t.rss,
                t.health,
            ]
            for t in throughput
        ]
        print(
            table(
                [
                    "configuration",
                    "req/s",
                    "p50",
                    "p99",
                    "requests",
                    "errors",
                    "CPU over the run (% of one core)",
                    "RSS after, MB",
                    "health after",
                ],
                rows,
                right={1, 2, 3, 4},
            )
        )

        print("\n## Targets\n")
        rows = targets(queries, latency, overheads, throughput, cfg)
        print(table(["target", "measured", "met"], rows, right=set()))

        print("\n## Problems\n")
        if problems:
            for p in problems:
                print(f"- {p}")
        else:
            print("- none: every answer matched pyoxigraph in-process, no errors, no restarts")


def speedup(slow: Timing, fast: Timing, cfg: Config) -> str:
    """rdflib-endpoint median / projectgraph median."""
    if fast.median is None:
        return "-"
    if slow.failure == "timeout":
        return f"> {cfg.timeout / fast.median:,.0f}x"
    if slow.median is None:
        return "-"
    return f"{slow.median / fast.median:,.1f}x"


def targets(
    queries: list[Query],
    latency: dict[str, dict[str, Timing]],
    overheads: dict[str, float],
    throughput: list[Throughput],
    cfg: Config,
) -> list[list[str]]:
    """The three targets: aggregates >= 10x, overhead <= 1.5 ms, >= 1,500 req/s."""
    rows: list[list[str]] = []
    slow = latency.get("rdflib-endpoint")
    if slow:
        for name in (n for n in latency if n.startswith("projectgraph")):
            ratios = {}
            for q in queries:
                if q.kind != "aggregate":
                    continue
                a, b = slow[q.name], latency[name][q.name]
                if b.median is None:
                    ratios[q.name] = 0.0
                elif a.failure == "timeout":
                    ratios[q.name] = cfg.timeout / b.median
                elif a.median is not None:
                    ratios[q.name] = a.median / b.median
            if ratios:
                worst = min(ratios, key=lambda k: ratios[k])
                misses = [k for k, v in ratios.items() if v < 10]
                rows.append(
                    [
                        f"every aggregate >= 10x faster than rdflib-endpoint ({name})",
                        f"lowest {ratios[worst]:,.1f}x ({worst})"
                        + (f"; below 10x: {', '.join(misses)}" if misses else ""),
                        "no" if misses else "yes",
                    ]
                )
    for name, value in overheads.items():
        rows.append(
            [
                f"point lookup HTTP overhead <= 1.5 ms ({name})",
                f"{value * 1000:.2f} ms",
                "yes" if value <= 0.0015 else "no",
            ]
        )
    pg = [t for t in throughput if t.label.startswith("projectgraph")]
    if pg:
        best = max(pg, key=lambda t: t.requests_per_s)
        rows.append(
            [
                ">= 1,500 point lookups/s",
                f"best {best.requests_per_s:,.0f} req/s ({best.label})",
                "yes" if best.requests_per_s >= 1500 else "no",
            ]
        )
    return rows


if __name__ == "__main__":
    main()
