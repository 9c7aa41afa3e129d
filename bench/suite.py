"""The scale benchmark suite behind ``python -m bench``: one run, every size side by side.

For each number of projects (``--sizes``, default 1,000, 10,000 and 100,000) the suite

1. writes the synthetic records (``projectgraph synth --seed S``), timed;
2. builds them from scratch (``projectgraph build --project DIR --timings``): wall time,
   every stage's time as the build prints it, triples, and memory (below);
3. appends one triple to one record (``project:<slug> eurio:title "Changed"@fr .``) and builds
   again: wall time, and what each stage reused;
4. takes the validate stage's throughput (triples/s) and, up to ``--whole-max`` projects,
   times plain pySHACL over the whole graph in a subprocess (the build's ``projectgraph.nq``
   read into rdflib, the union of its graphs as one Graph, the ``shapes/*.ttl`` parsed
   against the base IRI, ``pyshacl.validate(..., inference="none", allow_warnings=True)``);
5. reads the dump sizes from ``build.json``, with the dump stage's time;
6. serves the build with ``projectgraph serve --no-build --store DIR`` (the first start
   bulk-loads the on-disk store: "load store"), with the named-query result cache switched
   off (``PROJECTGRAPH_CACHE_ENTRIES=0``; every timed answer must say ``X-Cache: miss``),
   times every named query of ``/api/queries`` with its default parameters (a parameter whose
   default names a project of the shipped data gets a synthetic project instead), restarts the
   server on the store it made (a warm start), and times point lookups on random projects:
   ``/id/project/{slug}`` with ``Accept: text/turtle`` followed through its 303 to the Turtle
   document, and a SPARQL point query (the project's own triples), first one by one, then
   under load (``wrk`` with a Lua script that picks a random project per request and follows
   the 303, or, without wrk, an httpx async client with as many connections);
7. up to ``--rdflib-max`` projects, serves the same dump with ``rdflib-endpoint`` and runs the
   same prepared named-query texts and the same SPARQL point query against it.

Memory: while a build (or a server) runs, a thread reads ``/proc`` every 0.2 s and sums the
resident set (RSS) and the proportional set (PSS, shared pages split between the processes
sharing them) over the whole process tree (the build and its workers); the peak of each sum is
reported, with the largest single process as ``/usr/bin/time -f %M`` reports it. The RSS sum
counts a page shared by forked workers once per worker: it is the upper bound the target is
held to; the PSS sum is what the tree really occupies. A spike shorter than 0.2 s can be
missed by the sampler (not by ``/usr/bin/time``).

Run ``python -m bench --help`` for the options. Nothing listens beyond 127.0.0.1; servers are
stopped and the work folder under /tmp removed at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.endpoint import (
    JSON,
    Problems,
    Server,
    ServerFailed,
    Timing,
    machine,
    ms,
    parse_wrk,
    rdflib_server,
    running,
    table,
)
from bench.named_queries import count_rows, defaults, make_server, shown, wait_ready
from bench.plain import plain_dataset

Say = Callable[[str], None]


class BenchRun:
    """One run of a benchmark script: progress lines timed from its start, and the line its
    report says it with (command, start, minutes, load)."""

    def __init__(self, module: str, argv: list[str] | None) -> None:
        self.command = " ".join([f"python -m {module}", *(sys.argv[1:] if argv is None else argv)])
        self.started = time.perf_counter()
        self.when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        self.load = os.getloadavg()[0]

    def say(self, text: str) -> None:
        """Print a progress line to stderr, with the seconds since the run started."""
        print(f"[{time.perf_counter() - self.started:7.1f} s] {text}", file=sys.stderr, flush=True)

    def text(self) -> str:
        """The run, as the report lists it: call at its end."""
        minutes = (time.perf_counter() - self.started) / 60
        return (
            f"`{self.command}` ({self.when}, {minutes:.1f} min; load average {self.load:.1f} "
            f"at the start, {os.getloadavg()[0]:.1f} at the end)"
        )


def timed_build(records: Path, dist: Path, root: Path) -> float:
    """Seconds of ``projectgraph build`` of ``records`` into ``dist`` (quiet; fails loudly)."""
    began = time.perf_counter()
    argv = [sys.executable, "-m", "projectgraph", "build", "--root", str(root)]
    subprocess.run([*argv, "--project", str(records), "--dist", str(dist), "-q"], check=True)
    return time.perf_counter() - began


MIB = 1024**2
PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_INTERVAL = 0.2
# Reading a process's PSS (smaps_rollup) walks its page tables: 32 ms for a 3 GiB process on
# the benchmark machine, with the process's memory map locked meanwhile: read every 0.2 s over
# a build's processes, up to a fifth of two cores. (It did not explain why the benchmark's
# 100,000-project build took 429 s against 349 s alone: 434 s with this sampler, 453 s
# without any the same morning: the machine's own spread.) So PSS is read when the RSS sum
# reaches a new peak (by PSS_STEP) and at most every PSS_EVERY seconds otherwise; RSS, from
# /proc/PID/stat, stays at every sample.
PSS_EVERY = 5.0
PSS_STEP = 1.02
READY_TIMEOUT = 4 * 3600.0  # a server on 100,000 projects may load for a while
IDENTITY = {"Accept-Encoding": "identity"}
TURTLE = "text/turtle"
EURIO_TITLE = "http://data.europa.eu/s66#title"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000,)
TARGET_SIZE = 100_000
VALIDATION_SIZE = 10_000
STAGE_LINE = re.compile(
    r"^\s+(?P<stage>\S.*?)\s{2,}(?P<seconds>\d+(?:\.\d+)?) s"
    r"(?: \((?P<reused>\d+)/(?P<total>\d+) reused\))?"
    r"(?: \(search facts: (?P<kept>\d+)/(?P<facts>\d+) kept\))?"
    r"(?: \(search items: (?P<items_kept>[\d,]+)/(?P<items>[\d,]+) kept\))?"
    r"(?: \(search index: (?P<updated>the served one updated)\))?"
    r"(?: \(store: (?P<stored>[\d,]+) triples (?P<where>in memory(?:, in \d+ rounds)?|on disk)\))?"
    r"(?: \((?P<copied>[\d,]+) of (?P<dumped>[\d,]+) MB copied\))?\s*$"
)
DUMP_STAGE = "dumps + describe + switch"
VALIDATE_STAGE = "validate"

# ------------------------------------------------------------------------------------------
# Settings and results


@dataclass(frozen=True)
class Config:
    """Settings of one suite run."""

    sizes: tuple[int, ...]
    quick: bool
    seed: int
    runs: int  # timed runs per named query on projectgraph
    budget: float  # seconds of timed runs per named query, after MIN_RUNS
    rdflib_runs: int
    rdflib_budget: float
    lookup_runs: int  # sequential point lookups (each on another random project)
    duration: float  # seconds per concurrent load run
    connections: int
    threads: int
    workers: int  # query workers of projectgraph serve
    build_workers: int | None
    timeout: float  # projectgraph's query timeout and the client's
    rdflib_timeout: float
    whole_timeout: float
    whole_max: int
    rdflib_max: int
    use_wrk: bool
    root: Path
    out: Path
    keep: bool
    command: str


@dataclass
class Stage:
    """One line of ``build --timings``."""

    seconds: float
    reused: int | None = None
    total: int | None = None
    kept: int | None = None  # the answers stage: the search index's facts kept
    facts: int | None = None
    copied: int | None = None  # the dumps stage: MB copied from the build before
    dumped: int | None = None  # MB of dumps
    stored: int | None = None  # the answers stage: triples its store was to hold
    where: str | None = None  # and whether in memory or on disk
    items_kept: int | None = None  # the answers stage: the search index's items kept
    items: int | None = None
    updated: bool = False  # the answers stage: the index served updated, not written anew

    def reuse_text(self) -> str:
        return "-" if self.total is None else f"{self.reused:,}/{self.total:,}"

    def note(self) -> str:
        """`` (N/M reused; search facts K/F kept)``, as much as the line says."""
        said = [f"{self.reuse_text()} reused"] if self.total else []
        if self.facts:
            said.append(f"search facts {self.kept}/{self.facts} kept")
        if self.items:
            said.append(f"search items {self.items_kept:,}/{self.items:,} kept")
        if self.updated:
            said.append("the served search index updated")
        if self.dumped:
            said.append(f"{self.copied:,} of {self.dumped:,} MB copied")
        if self.stored:
            said.append(f"store {self.stored:,} triples {self.where}")
        return f" ({'; '.join(said)})" if said else ""


@dataclass
class Memory:
    """Peaks of a process tree, MiB."""

    rss: float = 0.0  # peak of the sum of RSS over the tree
    pss: float = 0.0  # peak of the sum of PSS over the tree
    processes: int = 0  # most processes seen at once
    largest: float | None = None  # /usr/bin/time -f %M: the largest single process
    # Peak RSS of the largest process of each name (what it does), e.g. "pg-answers".
    named: dict[str, float] = field(default_factory=dict)


@dataclass
class BuildRun:
    """One ``projectgraph build``."""

    wall: float
    returncode: int
    stages: dict[str, Stage]
    memory: Memory
    triples: int = 0
    quads: int = 0
    build_id: str = ""
    files: dict[str, int] = field(default_factory=dict)
    output: str = ""
    answered: str = ""  # named queries materialized / queries, from build.json

    @property
    def stage_sum(self) -> float:
        return sum(s.seconds for s in self.stages.values())


@dataclass
class WholeGraph:
    """Plain pySHACL over the whole graph, in a subprocess."""

    load: float = 0.0
    validate: float | None = None
    triples: int = 0
    conforms: bool | None = None
    results: int = 0
    peak_mib: float = 0.0
    failure: str | None = None


@dataclass
class NamedQuery:
    """One named query on projectgraph (and rdflib-endpoint)."""

    name: str
    params: dict[str, str]
    returns_graph: bool
    variables: list[str] = field(default_factory=list)
    rows: str = "-"
    truncated: bool = False
    duplicates: int = 0  # rows of the answer identical to another row
    pg: Timing = field(default_factory=Timing)
    rdflib: Timing | None = None
    rdflib_rows: str = "-"
    same_values: bool | None = None  # projectgraph's rows == rdflib-endpoint's (as multisets)
    server_mib: float = 0.0  # peak RSS sum of the server's tree while this query ran
    values: list[tuple[str | None, ...]] | None = None  # projectgraph's rows, normalised


@dataclass
class Load:
    """One concurrent load run."""

    label: str
    tool: str
    requests_per_s: float = 0.0  # HTTP requests (a 303 and its document are two)
    done_per_s: float = 0.0  # completed lookups (200 answers)
    p50: str = "-"
    p99: str = "-"
    errors: str = "-"
    failure: str | None = None


@dataclass
class Serve:
    """What the servers did on one size."""

    store_load: float | None = None  # bulk load, from the loading folder to the marker
    store_ready: float | None = None  # from the server's start to the marker
    store_mib: float = 0.0
    cold_start: float = 0.0  # until /health answers, the store loaded on the way
    examples_ready: float | None = None  # until every named query ran once
    warm_start: float | None = None  # a restart on the store made before
    engine: dict[str, Any] = field(default_factory=dict)  # /health's engine after the run
    memory: Memory = field(default_factory=Memory)
    command: str = ""
    queries: list[NamedQuery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    latency: dict[str, Timing] = field(default_factory=dict)
    loads: list[Load] = field(default_factory=list)
    rdflib_skipped: str | None = None
    rdflib_start: float | None = None
    rdflib_restarts: int = 0
    rdflib_memory: Memory = field(default_factory=Memory)


@dataclass
class SizeResult:
    """Every measurement of one size."""

    projects: int
    synth: float | None = None
    scratch: BuildRun | None = None
    changed: str = ""
    incremental: BuildRun | None = None
    whole: WholeGraph | None = None
    whole_skipped: str | None = None
    serve: Serve | None = None
    failure: str | None = None
    elapsed: float = 0.0


LOOKUP_IRI = "IRI dereference (303 + Turtle)"
LOOKUP_SPARQL = "SPARQL point query"
RDFLIB_SPARQL = "rdflib-endpoint: SPARQL point query"

# ------------------------------------------------------------------------------------------
# Processes and memory


def _process_table() -> dict[int, tuple[int, int, str]]:
    """Every process: pid -> (parent pid, RSS bytes, name), from one pass over /proc."""
    found: dict[int, tuple[int, int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            head, tail = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)
            fields = tail.split()
        except (OSError, ValueError):
            continue
        if len(fields) < 22:
            continue
        name = head.split("(", 1)[-1]
        found[int(entry)] = (int(fields[1]), int(fields[21]) * PAGE, name)
    return found


def tree(root: int) -> dict[int, int]:
    """``root`` and its descendants: pid -> RSS bytes."""
    return {pid: rss for pid, (rss, _) in named_tree(root).items()}


def named_tree(root: int) -> dict[int, tuple[int, str]]:
    """``root`` and its descendants: pid -> (RSS bytes, process name). The build names its
    processes by what they do (``pg-answers``, ``pg-validate``...): see
    :func:`projectgraph.pipeline.parallel.name_process`."""
    processes = _process_table()
    if root not in processes:
        return {}
    kids: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        kids.setdefault(parent, []).append(pid)
    members, todo = {}, [root]
    while todo:
        pid = todo.pop()
        members[pid] = processes[pid][1:]
        todo.extend(kids.get(pid, []))
    return members


def pss_bytes(pid: int) -> int:
    """Proportional set size of ``pid`` (0 if it is gone)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


class TreeSampler:
    """Samples the memory of a process tree every 0.2 s in a thread, keeping the peaks: RSS at
    every sample, PSS (costly to read, see PSS_EVERY) when the RSS sum reaches a new peak and
    every few seconds. ``root`` gives the tree's root pid (None while there is none)."""

    def __init__(self, root: Callable[[], int | None], memory: Memory | None = None) -> None:
        self.root = root
        self.memory = memory if memory is not None else Memory()
        self._pss_at = -PSS_EVERY  # monotonic time of the last PSS reading
        self._pss_rss = 0.0  # the RSS sum at the last PSS reading taken for a peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(SAMPLE_INTERVAL)

    def sample(self) -> None:
        pid = self.root()
        if pid is None:
            return
        named = named_tree(pid)
        if not named:
            return
        members = {p: rss for p, (rss, _) in named.items()}
        for rss_bytes, name in named.values():
            peak = self.memory.named.get(name, 0.0)
            self.memory.named[name] = max(peak, rss_bytes / MIB)
        rss = sum(members.values()) / MIB
        now = time.monotonic()
        if rss > self._pss_rss * PSS_STEP or now - self._pss_at >= PSS_EVERY:
            if rss > self._pss_rss:
                self._pss_rss = rss
            self._pss_at = now
            pss = sum(pss_bytes(p) for p in members) / MIB
            self.memory.pss = max(self.memory.pss, pss)
        self.memory.rss = max(self.memory.rss, rss)
        self.memory.processes = max(self.memory.processes, len(members))

    def __enter__(self) -> Memory:
        self._thread.start()
        return self.memory

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_measured(
    argv: list[str], cwd: Path, timeout: float | None = None
) -> tuple[int, str, float, Memory]:
    """Run ``argv`` under ``/usr/bin/time -f %M`` (if installed) while sampling its process
    tree; returns the exit status, the output (stdout then stderr), the wall time and the
    memory peaks."""
    memory = Memory()
    with tempfile.NamedTemporaryFile(prefix="pg-time-", suffix=".txt") as time_file:
        gnu_time = Path("/usr/bin/time")
        full = (
            [str(gnu_time), "-f", "%M", "-o", time_file.name, *argv] if gnu_time.is_file() else argv
        )
        started = time.perf_counter()
        process = subprocess.Popen(
            full,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            with TreeSampler(lambda: process.pid, memory):
                stdout, stderr = process.communicate(timeout=timeout)
        except BaseException:
            kill_group(process)
            raise
        wall = time.perf_counter() - started
        with contextlib.suppress(OSError, ValueError, IndexError):
            memory.largest = int(Path(time_file.name).read_text().split()[-1]) / 1024
    return process.returncode, stdout + stderr, wall, memory


# ------------------------------------------------------------------------------------------
# Synthesis and builds


def projectgraph(*args: str) -> list[str]:
    """The command line of ``projectgraph`` with ``args``, in this Python."""
    return [sys.executable, "-m", "projectgraph", *args]


def synth(cfg: Config, projects: int, records: Path) -> float:
    """Write ``projects`` synthetic records into the new folder ``records``; wall seconds."""
    argv = projectgraph(
        "synth",
        "--projects",
        str(projects),
        "--seed",
        str(cfg.seed),
        "--out",
        str(records),
        "--root",
        str(cfg.root),
        "-q",
    )
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cfg.root, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"projectgraph synth failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - started


def parse_timings(output: str) -> dict[str, Stage]:
    """The stage lines of ``build --timings``."""
    stages: dict[str, Stage] = {}
    for line in output.splitlines():
        m = STAGE_LINE.match(line)
        if m:
            numbers = [
                int(m[k].replace(",", "")) if m[k] is not None else None
                for k in ("reused", "total", "kept", "facts", "copied", "dumped", "stored")
            ]
            items = [
                int(m[k].replace(",", "")) if m[k] is not None else None
                for k in ("items_kept", "items")
            ]
            stages[m["stage"]] = Stage(
                float(m["seconds"]),
                *numbers,
                where=m["where"],
                items_kept=items[0],
                items=items[1],
                updated=m["updated"] is not None,
            )
    return stages


def dist_of(records: Path) -> Path:
    """The build folder that ``records``'s dist link points to."""
    return (records / ".projectgraph" / "dist").resolve()


def build(cfg: Config, records: Path) -> BuildRun:
    """``projectgraph build --project records --timings``, measured."""
    argv = projectgraph(
        "build", "--project", str(records), "--root", str(cfg.root), "--timings", "-q"
    )
    if cfg.build_workers:
        argv += ["--workers", str(cfg.build_workers)]
    code, output, wall, memory = run_measured(argv, cfg.root)
    run = BuildRun(wall, code, parse_timings(output), memory, output=output[-4000:])
    manifest_path = dist_of(records) / "build.json"
    if code == 0 and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        run.triples = int(manifest.get("triples", 0))
        run.quads = int(manifest.get("quads", 0))
        run.build_id = str(manifest.get("build_id", ""))
        run.files = {name: int(f["bytes"]) for name, f in manifest.get("files", {}).items()}
    return run


def change_one(records: Path, slug: str) -> str:
    """Change the title of the project of ``slug`` in its record (a one-line edit the shapes
    accept: the title stays one plain string); the change, as ``old -> new``."""
    path = records / f"{slug}.ttl"
    text = path.read_text()
    title = re.search(rf'(eurio:title|<{re.escape(EURIO_TITLE)}>)\s+"([^"\\]*)"', text)
    if title is None:
        raise RuntimeError(f"{path}: cannot find the title of project {slug}")
    changed = f"Changed: {title[2]}"
    path.write_text(text[: title.start(2)] + changed + text[title.end(2) :])
    return f"{slug}: title {title[2]!r} -> {changed!r}"


def slugs_of(records: Path) -> list[str]:
    """The projects' slugs: synth writes each record to ``{slug}.ttl``."""
    return sorted(p.stem for p in records.glob("*.ttl"))


# ------------------------------------------------------------------------------------------
# Whole-graph pySHACL


def whole_graph(cfg: Config, dump: Path, base_iri: str) -> WholeGraph:
    """Plain pySHACL over the whole graph, in a subprocess (this module's ``__main__``)."""
    argv = [
        sys.executable,
        "-m",
        "bench.suite",
        "whole-graph",
        str(dump),
        str(cfg.root / "shapes"),
        base_iri.rstrip("/") + "/",
    ]
    try:
        done = subprocess.run(
            argv, cwd=cfg.root, capture_output=True, text=True, timeout=cfg.whole_timeout
        )
    except subprocess.TimeoutExpired:
        return WholeGraph(failure=f"timeout: no result within {cfg.whole_timeout:g} s")
    if done.returncode != 0:
        return WholeGraph(failure=f"exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return WholeGraph(**json.loads(done.stdout.strip().splitlines()[-1]))


def whole_graph_child(argv: list[str]) -> None:
    """In the subprocess: read the dump and shapes, run pySHACL, print JSON."""
    import pyshacl
    from rdflib import Dataset, Graph
    from rdflib.namespace import RDF, SH

    dump, shapes_dir, base = argv
    started = time.perf_counter()
    dataset = Dataset()
    dataset.parse(dump, format="nquads")
    data = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    del dataset
    shapes = Graph()
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes.parse(path, format="turtle", publicID=base)
    load = time.perf_counter() - started
    started = time.perf_counter()
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    seconds = time.perf_counter() - started
    assert isinstance(report, Graph)
    details = set(report.objects(None, SH.detail))
    results = [r for r in report.subjects(RDF.type, SH.ValidationResult) if r not in details]
    print(
        json.dumps(
            {
                "load": load,
                "validate": seconds,
                "triples": len(data),
                "conforms": bool(conforms),
                "results": len(results),
                "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


# ------------------------------------------------------------------------------------------
# Serving: projectgraph


class StoreWatch:
    """Notes when the on-disk store's loading folder and its ``.loaded`` marker appear."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.started = time.perf_counter()
        self.loading: float | None = None
        self.loaded: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-watch", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and self.loaded is None:
            if self.store.is_dir():
                now = time.perf_counter()
                if self.loading is None and any(self.store.glob(".loading-*")):
                    self.loading = now
                if any(self.store.glob("*.loaded")):
                    self.loaded = now
            self._stop.wait(0.02)

    def __enter__(self) -> StoreWatch:
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def query_params(query: dict[str, Any], project_iri: str) -> dict[str, str] | None:
    """The query's default parameters, a synthetic project for a shipped one (None if a
    required parameter has no default)."""
    params = defaults(query)
    if params is None:
        return None
    for p in query.get("parameters", []):
        value = params.get(p["name"], "")
        if p.get("type") == "iri" and "id/project/" in value:
            params[p["name"]] = project_iri
    return params


def time_named_queries(
    cfg: Config, server: Server, project_iri: str, result: Serve, problems: Problems, say: Say
) -> None:
    """Every named query with its defaults, on a server without result cache."""
    with httpx.Client(headers=IDENTITY, timeout=cfg.timeout + 10) as client:
        listing = client.get(server.base + "/api/queries")
        listing.raise_for_status()
        for query in listing.json():
            params = query_params(query, project_iri)
            if params is None:
                result.skipped.append(query["name"])
                continue
            named = NamedQuery(
                query["name"],
                params,
                query.get("returns") == "graph",
                list(query.get("variables", [])),
            )
            result.queries.append(named)
            url = f"{server.base}/api/queries/{named.name}"
            with TreeSampler(lambda: server.process.pid if server.process else None) as memory:
                time_named_query(cfg, client, url, named, problems)
            named.server_mib = memory.rss
            say(
                f"    {named.name}: {named.pg.failure or ms(named.pg.median) + ' ms median'} "
                f"({len(named.pg.samples)} runs, rows: {named.rows}, server peak "
                f"{mib_text(named.server_mib)})"
            )


def time_named_query(
    cfg: Config, client: httpx.Client, url: str, named: NamedQuery, problems: Problems
) -> None:
    """Check then time one named query; every answer must be a full run (``X-Cache: miss``)
    with the same body."""
    params = named.params
    started = time.perf_counter()
    first = client.get(url, params=params)
    first_seconds = time.perf_counter() - started
    if first.status_code != 200:
        named.pg.failure = f"HTTP {first.status_code}"
        problems.append(f"{named.name}: HTTP {first.status_code}: {first.text[:300]}")
        return
    if first.headers.get("x-cache") != "miss":
        problems.append(f"{named.name}: X-Cache {first.headers.get('x-cache')!r}")
    named.rows = count_rows(first.content)
    named.truncated = "x-result-truncated" in first.headers
    if not named.returns_graph:
        named.values = api_rows(first.content, named.variables)
        named.duplicates = len(named.values) - len(set(named.values))
        if named.duplicates:
            problems.append(
                f"{named.name}: {named.duplicates:,} of its {len(named.values):,} rows repeat "
                "another row exactly (the same triple counted once per named graph stating it?)"
            )
    reference = first.content

    def once() -> tuple[float, str | None]:
        started = time.perf_counter()
        r = client.get(url, params=params)
        seconds = time.perf_counter() - started
        if r.status_code != 200:
            return seconds, f"HTTP {r.status_code} while timing"
        if r.headers.get("x-cache") != "miss":
            return seconds, f"X-Cache {r.headers.get('x-cache')!r}: the cache answered"
        if r.content != reference:
            return seconds, "the body changed between runs"
        return seconds, None

    # The checked request is a full run too (no cache): it is the first sample.
    named.pg, problem = repeat_within(cfg.runs, cfg.budget, once, first_seconds)
    if problem:
        named.pg.failure = problem
        problems.append(f"{named.name}: {problem}")


def repeat_within(
    runs: int, budget: float, once: Callable[[], tuple[float, str | None]], first: float
) -> tuple[Timing, str | None]:
    """``first`` and further calls of ``once`` up to ``runs`` samples: at least three (or
    ``runs``), then while the samples stay within ``budget`` seconds; stops at a problem."""
    timing = Timing(samples=[first])
    while len(timing.samples) < runs:
        if len(timing.samples) >= min(3, runs) and sum(timing.samples) > budget:
            break
        seconds, problem = once()
        if problem:
            return timing, problem
        timing.samples.append(seconds)
    return timing, None


def plain(value: object) -> str | None:
    """A value of either engine's answer as text both agree on (numbers to 9 digits)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{float(value):.9g}"
    return str(value)


def api_rows(body: bytes, variables: list[str]) -> list[tuple[str | None, ...]]:
    """The named-query API's plain JSON rows, normalised."""
    try:
        rows = json.loads(body)
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    return [tuple(plain(row.get(v)) for v in variables) for row in rows if isinstance(row, dict)]


NUMERIC = ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger")


def sparql_rows(body: bytes, variables: list[str]) -> list[tuple[str | None, ...]]:
    """SPARQL JSON results, normalised like :func:`api_rows`."""
    rows = []
    for binding in json.loads(body)["results"]["bindings"]:
        row: list[str | None] = []
        for var in variables:
            term = binding.get(var)
            if term is None:
                row.append(None)
            elif term.get("datatype", "").rsplit("#", 1)[-1] in NUMERIC:
                row.append(plain(float(term["value"])))
            else:
                row.append(term["value"])
        rows.append(tuple(row))
    return rows


def lookup_latency(
    base: str, slugs: list[str], base_iri: str, runs: int, rng: random.Random
) -> dict[str, Timing]:
    """Sequential point lookups, each on another random project, over one connection."""
    iri_timing, sparql_timing = Timing(), Timing()
    headers = {**IDENTITY, "Accept": TURTLE}
    with httpx.Client(timeout=60.0) as client:
        for i in range(runs + 5):  # the first five warm the connection up
            slug = rng.choice(slugs)
            started = time.perf_counter()
            first = client.get(f"{base}/id/project/{slug}", headers=headers)
            location = first.headers.get("location", "")
            document = client.get(location, headers=headers) if first.status_code == 303 else None
            seconds = time.perf_counter() - started
            if document is None or document.status_code != 200 or not document.content:
                iri_timing.failure = f"/id/project/{slug}: HTTP {first.status_code}" + (
                    f", then {document.status_code}" if document is not None else ""
                )
                break
            if i >= 5:
                iri_timing.samples.append(seconds)
        for i in range(runs + 5):
            slug = rng.choice(slugs)
            started = time.perf_counter()
            r = client.get(
                f"{base}/sparql",
                params={"query": point_query(base_iri, slug)},
                headers={**IDENTITY, "Accept": JSON},
            )
            seconds = time.perf_counter() - started
            if r.status_code != 200 or not r.json()["results"]["bindings"]:
                sparql_timing.failure = f"HTTP {r.status_code} or no rows for {slug}"
                break
            if i >= 5:
                sparql_timing.samples.append(seconds)
    return {LOOKUP_IRI: iri_timing, LOOKUP_SPARQL: sparql_timing}


def point_query(base_iri: str, slug: str) -> str:
    """The SPARQL point query: one project's own triples."""
    return f"SELECT ?p ?o WHERE {{ <{base_iri}/id/project/{slug}> ?p ?o }}"


# ------------------------------------------------------------------------------------------
# Load: wrk, or an httpx async client

WRK_SCRIPT = """-- bench.suite: a random path of PATHS per request; FOLLOW: a 303's Location next
local paths = {}
for line in io.lines("PATHS") do paths[#paths + 1] = line end
local accept = "ACCEPT"
local follow = FOLLOW
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  ok, redirects, other = 0, 0, 0
  queue = {}
end

function request()
  local path = table.remove(queue)
  if path == nil then path = paths[math.random(#paths)] end
  return wrk.format("GET", path, {["Accept"] = accept})
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 303 and follow then
    redirects = redirects + 1
    local location = headers["location"] or headers["Location"] or ""
    location = string.gsub(location, "^https?://[^/]+", "")
    table.insert(queue, location)
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_redirects, total_other = 0, 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_redirects = total_redirects + t:get("redirects")
    total_other = total_other + t:get("other")
  end
  io.write(string.format("SUITE ok=%d redirects=%d other=%d duration_us=%d\\n",
    total_ok, total_redirects, total_other, summary.duration))
end
"""


def load_run(
    cfg: Config,
    label: str,
    base: str,
    paths: list[str],
    accept: str,
    follow: bool,
    work: Path,
    problems: Problems,
) -> Load:
    """Load ``base`` with random ``paths`` for ``cfg.duration`` seconds, ``cfg.connections``
    connections; 303s followed when ``follow``."""
    if cfg.use_wrk and shutil.which("wrk"):
        return wrk_run(cfg, label, base, paths, accept, follow, work, problems)
    return asyncio.run(httpx_run(cfg, label, base, paths, accept, follow, problems))


def wrk_run(
    cfg: Config,
    label: str,
    base: str,
    paths: list[str],
    accept: str,
    follow: bool,
    work: Path,
    problems: Problems,
) -> Load:
    """One wrk run with the Lua script above."""
    slug = re.sub(r"\W+", "-", label).strip("-")
    path_file = work / f"{slug}.paths"
    path_file.write_text("\n".join(paths) + "\n")
    script = work / f"{slug}.lua"
    script.write_text(
        WRK_SCRIPT.replace("PATHS", str(path_file))
        .replace("ACCEPT", accept)
        .replace("FOLLOW", "true" if follow else "false")
    )
    argv = [
        "wrk",
        f"-t{cfg.threads}",
        f"-c{cfg.connections}",
        f"-d{cfg.duration:g}s",
        "--latency",
        "-s",
        str(script),
        base + "/",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=cfg.duration + 120)
    out = done.stdout + done.stderr
    load = Load(label, f"wrk -t{cfg.threads} -c{cfg.connections} -d{cfg.duration:g}s")
    m = re.search(r"SUITE ok=(\d+) redirects=(\d+) other=(\d+) duration_us=(\d+)", out)
    if done.returncode != 0 or m is None:
        load.failure = f"wrk failed ({done.returncode}): {out[-300:]}"
        problems.append(f"{label}: {load.failure}")
        return load
    figures = parse_wrk(out)
    ok, _, other, duration = (int(g) for g in m.groups())
    seconds = duration / 1e6
    load.requests_per_s = float(figures.get("rps", 0))
    load.done_per_s = ok / seconds if seconds else 0.0
    load.p50, load.p99 = figures.get("p50", "?"), figures.get("p99", "?")
    errors = []
    if other:
        errors.append(f"{other:,} unexpected statuses")
    if figures.get("socket"):
        errors.append(f"socket errors: {figures['socket']}")
    load.errors = ", ".join(errors) or "none"
    if errors:
        problems.append(f"{label}: {load.errors}")
    return load


async def httpx_run(
    cfg: Config,
    label: str,
    base: str,
    paths: list[str],
    accept: str,
    follow: bool,
    problems: Problems,
) -> Load:
    """The same load with an httpx async client (when wrk is not installed)."""
    load = Load(label, f"httpx async, {cfg.connections} connections, {cfg.duration:g} s")
    latencies: list[float] = []
    counts = {"requests": 0, "ok": 0, "other": 0}
    limits = httpx.Limits(max_connections=cfg.connections)
    headers = {**IDENTITY, "Accept": accept}
    deadline = time.perf_counter() + cfg.duration
    rng = random.Random(0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60.0) as client:

        async def one() -> None:
            while time.perf_counter() < deadline:
                path = rng.choice(paths)
                while True:
                    started = time.perf_counter()
                    r = await client.get(path, headers=headers)
                    latencies.append(time.perf_counter() - started)
                    counts["requests"] += 1
                    if r.status_code == 303 and follow:
                        path = re.sub(r"^https?://[^/]+", "", r.headers.get("location", ""))
                        continue
                    counts["ok" if r.status_code == 200 else "other"] += 1
                    break

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(cfg.connections)))
        seconds = time.perf_counter() - started
    load.requests_per_s = counts["requests"] / seconds
    load.done_per_s = counts["ok"] / seconds
    if latencies:
        ordered = sorted(latencies)
        load.p50 = ms(statistics.median(ordered)) + "ms"
        load.p99 = ms(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]) + "ms"
    load.errors = f"{counts['other']:,} unexpected statuses" if counts["other"] else "none"
    if counts["other"]:
        problems.append(f"{label}: {load.errors}")
    return load


# ------------------------------------------------------------------------------------------
# Serving: rdflib-endpoint


def rdflib_queries(
    cfg: Config,
    server: Server,
    result: Serve,
    prepared: dict[str, str],
    problems: Problems,
    say: Say,
) -> None:
    """The prepared named-query texts against rdflib-endpoint, the first answer compared with
    projectgraph's. It cannot abandon a query: after a timeout the server is killed and
    started again, and the query reported as "timeout"."""
    clients = [httpx.Client(timeout=httpx.Timeout(cfg.rdflib_timeout, connect=10.0))]
    try:
        for named in result.queries:
            text = prepared.get(named.name)
            if text is None:
                continue
            timing = named.rdflib = Timing()
            accept = TURTLE if named.returns_graph else JSON
            headers = {**IDENTITY, "Accept": accept}

            def once(
                text: str = text, headers: dict[str, str] = headers
            ) -> tuple[float, str | None]:
                started = time.perf_counter()
                r = clients[0].get(server.url, params={"query": text}, headers=headers)
                seconds = time.perf_counter() - started
                return seconds, None if r.status_code == 200 else f"HTTP {r.status_code}"

            try:
                started = time.perf_counter()
                first = clients[0].get(server.url, params={"query": text}, headers=headers)
                first_seconds = time.perf_counter() - started
                if first.status_code != 200:
                    timing.failure = f"HTTP {first.status_code}"
                    problems.append(
                        f"rdflib-endpoint: {named.name}: HTTP {first.status_code}: "
                        f"{first.text[:200]}"
                    )
                    continue
                named.rdflib_rows = rdflib_rows(first.content, named.returns_graph)
                compare(named, first.content, problems)
                timed, problem = repeat_within(
                    cfg.rdflib_runs, cfg.rdflib_budget, once, first_seconds
                )
                timing.samples = timed.samples
                if problem:
                    timing.failure = problem
                    problems.append(f"rdflib-endpoint: {named.name}: {problem}")
            except httpx.TimeoutException:
                timing.failure = "timeout"
                timing.samples = []
                say(f"    {named.name}: no answer in {cfg.rdflib_timeout:g} s, restarting")
                clients[0].close()
                if server.process is not None:  # busy in the query: SIGINT would wait for it
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(server.process.pid, signal.SIGKILL)
                    server.process.wait()
                server.stop()
                server.start()
                result.rdflib_restarts += 1
                clients[0] = httpx.Client(timeout=httpx.Timeout(cfg.rdflib_timeout, connect=10.0))
            except httpx.HTTPError as e:
                timing.failure = type(e).__name__
                problems.append(f"rdflib-endpoint: {named.name}: {e!r}")
            say(
                f"    {named.name}: rdflib-endpoint "
                f"{timing.failure or ms(timing.median) + ' ms median'}"
            )
    finally:
        clients[0].close()


def compare(named: NamedQuery, body: bytes, problems: Problems) -> None:
    """Compare rdflib-endpoint's rows with projectgraph's (unless capped or a graph)."""
    if named.returns_graph or named.truncated or named.values is None:
        return
    try:
        theirs = sparql_rows(body, named.variables)
    except (ValueError, KeyError) as e:
        problems.append(f"{named.name}: rdflib-endpoint's answer is not SPARQL JSON: {e!r}")
        return
    ours = named.values
    named.same_values = sorted(ours, key=repr) == sorted(theirs, key=repr)
    if not named.same_values:
        only_ours = set(ours) - set(theirs)
        example = f"; e.g. only projectgraph: {min(only_ours, key=repr)}" if only_ours else ""
        problems.append(
            f"{named.name}: projectgraph and rdflib-endpoint answer differently: "
            f"{len(ours):,} rows ({len(ours) - len(set(ours)):,} repeated) vs {len(theirs):,} "
            f"rows ({len(theirs) - len(set(theirs)):,} repeated){example}"
        )


def rdflib_rows(body: bytes, graph: bool) -> str:
    """Rows of SPARQL JSON results; lines of a Turtle answer for a graph."""
    if graph:
        return f"{len(body):,} bytes"
    try:
        return f"{len(json.loads(body)['results']['bindings']):,}"
    except (ValueError, KeyError):
        return "?"


def rdflib_latency(
    server: Server, slugs: list[str], base_iri: str, runs: int, rng: random.Random
) -> Timing:
    """The SPARQL point query on rdflib-endpoint, sequentially on random projects."""
    timing = Timing()
    with httpx.Client(headers={**IDENTITY, "Accept": JSON}, timeout=60.0) as client:
        for i in range(runs + 5):
            slug = rng.choice(slugs)
            started = time.perf_counter()
            r = client.get(server.url, params={"query": point_query(base_iri, slug)})
            seconds = time.perf_counter() - started
            if r.status_code != 200 or not r.json()["results"]["bindings"]:
                timing.failure = f"HTTP {r.status_code} or no rows for {slug}"
                break
            if i >= 5:
                timing.samples.append(seconds)
    return timing


# ------------------------------------------------------------------------------------------
# One size


def prepared_texts(cfg: Config, queries: list[NamedQuery], base_iri: str) -> dict[str, str]:
    """The SPARQL the server runs for each named query with these parameters."""
    from projectgraph.sparql.named import load_queries

    known = {q.name: q for q in load_queries(cfg.root / "queries")}
    return {
        named.name: known[named.name].prepare(named.params, base_iri)
        for named in queries
        if named.name in known
    }


def serve_size(
    cfg: Config,
    projects: int,
    records: Path,
    slugs: list[str],
    base_iri: str,
    work: Path,
    result: Serve,
    problems: Problems,
    say: Say,
) -> None:
    """Step 6 and 7 into ``result``: projectgraph serve --store, then rdflib-endpoint."""
    data = dist_of(records)
    store = work / "store"
    rng = random.Random(cfg.seed)
    project_iri = f"{base_iri}/id/project/{slugs[len(slugs) // 2]}"
    options = argparse.Namespace(
        runs=cfg.runs, timeout=cfg.timeout, workers=cfg.workers, max_rows=10_000
    )
    server = make_server("projectgraph", data, False, work, cfg.root, options)
    server.argv += ["--store", str(store)]
    server.ready_timeout = READY_TIMEOUT
    result.command = shown(server).replace(str(data), "DIST").replace(str(store), "STORE")

    say("  projectgraph serve --store: first start (loads the store) ...")
    with (
        TreeSampler(lambda: server.process.pid if server.process else None, result.memory),
        StoreWatch(store) as watch,
        running(server, problems, say),
    ):
        result.cold_start = server.startup
        try:
            result.examples_ready = wait_ready(server, watch.started, READY_TIMEOUT)
        except (ServerFailed, RuntimeError) as e:  # bench.named_queries raises RuntimeError
            problems.append(str(e))
        if watch.loaded is not None:
            result.store_ready = watch.loaded - watch.started
            if watch.loading is not None:
                result.store_load = watch.loaded - watch.loading
        say("  timing the named queries (result cache off) ...")
        time_named_queries(cfg, server, project_iri, result, problems, say)
        say(f"  point lookups: {cfg.lookup_runs} one by one, then {cfg.duration:g} s of load ...")
        result.latency.update(lookup_latency(server.base, slugs, base_iri, cfg.lookup_runs, rng))
        for name, timing in result.latency.items():
            if timing.failure:
                problems.append(f"{name}: {timing.failure}")
        iri_paths = [f"/id/project/{s}" for s in slugs]
        sparql_paths = [f"/sparql?query={quote(point_query(base_iri, s), safe='')}" for s in slugs]
        result.loads.append(
            load_run(cfg, LOOKUP_IRI, server.base, iri_paths, TURTLE, True, work, problems)
        )
        result.loads.append(
            load_run(cfg, LOOKUP_SPARQL, server.base, sparql_paths, JSON, False, work, problems)
        )
        with httpx.Client(headers=IDENTITY, timeout=30.0) as client:
            result.engine = dict(client.get(server.base + "/health").json().get("engine", {}))
        if result.engine.get("worker_restarts") or result.engine.get("query_timeouts"):
            problems.append(
                f"{projects:,}: /health after the run: "
                f"{result.engine.get('worker_restarts')} worker restarts, "
                f"{result.engine.get('query_timeouts')} query timeouts"
            )
    result.store_mib = folder_bytes(store) / MIB

    say("  projectgraph serve --store: second start (reuses the store) ...")
    with running(server, problems, say):
        result.warm_start = server.startup
        if "reusing the on-disk store" not in server.tail(50):
            problems.append(f"{projects:,}: the second start did not say it reused the store")

    if projects > cfg.rdflib_max:
        result.rdflib_skipped = (
            f"not run above {cfg.rdflib_max:,} projects (--rdflib-max): rdflib-endpoint "
            "holds the graph in Python objects, several GiB and long minutes to load at this "
            "size, and its aggregates take minutes each"
        )
        return
    if shutil.which("rdflib-endpoint") is None:
        result.rdflib_skipped = "rdflib-endpoint is not installed (pip install -e '.[bench]')"
        problems.append(result.rdflib_skipped)
        return
    prepared = prepared_texts(cfg, result.queries, base_iri)
    rdflib = rdflib_server(data, work, cfg.root)
    rdflib.ready_timeout = READY_TIMEOUT
    say("  rdflib-endpoint on the same dump ...")
    with (
        TreeSampler(lambda: rdflib.process.pid if rdflib.process else None, result.rdflib_memory),
        running(rdflib, problems, say),
    ):
        result.rdflib_start = rdflib.startup
        rdflib_queries(cfg, rdflib, result, prepared, problems, say)
        result.latency[RDFLIB_SPARQL] = rdflib_latency(
            rdflib, slugs, base_iri, cfg.lookup_runs, rng
        )
        rdflib_paths = [f"/?query={quote(point_query(base_iri, s), safe='')}" for s in slugs]
        result.loads.append(
            load_run(cfg, RDFLIB_SPARQL, rdflib.base, rdflib_paths, JSON, False, work, problems)
        )


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def run_size(cfg: Config, projects: int, work: Path, problems: Problems, say: Say) -> SizeResult:
    """Every measurement of one size, in order."""
    from projectgraph.settings import load_settings

    started = time.perf_counter()
    result = SizeResult(projects)
    base_iri = load_settings(cfg.root).base_iri.rstrip("/")
    records = work / "records"
    say(f"{projects:,} projects: synth ...")
    result.synth = synth(cfg, projects, records)
    slugs = slugs_of(records)
    if len(slugs) != projects:
        problems.append(f"{projects:,}: synth wrote {len(slugs):,} records")

    say(f"{projects:,} projects: build from scratch ...")
    result.scratch = build(cfg, records)
    if result.scratch.returncode != 0:
        result.failure = f"build failed ({result.scratch.returncode}): {result.scratch.output}"
        return result
    say(f"  {result.scratch.wall:.1f} s, {result.scratch.triples:,} triples")

    slug = slugs[len(slugs) // 3]
    result.changed = change_one(records, slug)
    say(f"{projects:,} projects: incremental build after `{result.changed}` ...")
    result.incremental = build(cfg, records)
    if result.incremental.returncode != 0:
        problems.append(
            f"{projects:,}: the incremental build failed ({result.incremental.returncode}): "
            f"{result.incremental.output[-500:]}"
        )
    else:
        say(f"  {result.incremental.wall:.1f} s")
        if result.incremental.triples != result.scratch.triples + 1:
            problems.append(
                f"{projects:,}: the incremental build has {result.incremental.triples:,} "
                f"triples, expected {result.scratch.triples + 1:,}"
            )

    if projects <= cfg.whole_max:
        say(f"{projects:,} projects: plain pySHACL over the whole graph ...")
        result.whole = whole_graph(cfg, plain_dataset(dist_of(records), work), base_iri)
        if result.whole.failure:
            problems.append(f"{projects:,}: whole-graph pySHACL: {result.whole.failure}")
        else:
            say(f"  {result.whole.validate:.1f} s (load {result.whole.load:.1f} s)")
            if result.whole.conforms is False:
                problems.append(
                    f"{projects:,}: whole-graph pySHACL does not conform "
                    f"({result.whole.results} results) where the build did"
                )
    else:
        result.whole_skipped = f"not run above {cfg.whole_max:,} projects (--whole-max)"

    try:
        result.serve = Serve()
        serve_size(cfg, projects, records, slugs, base_iri, work, result.serve, problems, say)
    except Exception as e:  # the measurements made so far still count
        result.failure = f"serving failed: {type(e).__name__}: {e}"
        problems.append(f"{projects:,}: {result.failure}")
    result.elapsed = time.perf_counter() - started
    return result


# ------------------------------------------------------------------------------------------
# Report


def seconds_text(value: float | None) -> str:
    """Seconds with a precision that suits the size."""
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def stage_text(run: BuildRun | None, name: str, reuse: bool = False) -> str:
    """A stage's seconds (and what it reused) in ``run``, or "-"."""
    if run is None or name not in run.stages:
        return "-"
    stage = run.stages[name]
    text = seconds_text(stage.seconds)
    return f"{text} ({stage.reuse_text()})" if reuse else text


def mib_text(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:,.0f} MiB"


def ratio_text(value: float | None, lower_bound: bool = False) -> str:
    if value is None:
        return "-"
    digits = ".2g" if value < 1 else (",.1f" if value < 100 else ",.0f")
    return ("> " if lower_bound else "") + format(value, digits) + "x"


def timing_text(timing: Timing | None) -> str:
    """``median / p95`` in ms, or why there is none."""
    if timing is None:
        return "-"
    if timing.failure and not timing.samples:
        return timing.failure
    return f"{ms(timing.median)} / {ms(timing.p95)}"


def overall(queries: list[NamedQuery]) -> tuple[float | None, NamedQuery | None]:
    """The median over queries of the per-query medians, and the slowest query."""
    timed = [q for q in queries if q.pg.median is not None]
    if not timed:
        return None, None
    return (
        statistics.median(q.pg.median for q in timed if q.pg.median is not None),
        max(timed, key=lambda q: q.pg.median or 0.0),
    )


def validation_ratio(r: SizeResult) -> tuple[float | None, float | None]:
    """(validate stage triples/s, whole-graph pySHACL s / validate stage s)."""
    if r.scratch is None or VALIDATE_STAGE not in r.scratch.stages:
        return None, None
    stage = r.scratch.stages[VALIDATE_STAGE].seconds
    throughput = r.scratch.triples / stage if stage else None
    if r.whole is None or r.whole.validate is None or not stage:
        return throughput, None
    return throughput, r.whole.validate / stage


def find_load(r: SizeResult, label: str) -> Load | None:
    if r.serve is None:
        return None
    return next((x for x in r.serve.loads if x.label == label), None)


def targets(results: list[SizeResult]) -> list[list[str]]:
    """The targets, each with the size it is held at, the figure, and met or missed."""
    by_size = {r.projects: r for r in results}
    largest = max(by_size) if by_size else 0
    rows: list[list[str]] = []

    def at(size: int, name: str, figure: Callable[[SizeResult], tuple[str, bool | None]]) -> None:
        if size in by_size:
            text, ok = figure(by_size[size])
            verdict = "-" if ok is None else ("met" if ok else "missed")
            rows.append([name, f"{size:,}", text, verdict])
        else:
            hint = ""
            if largest in by_size:
                text, _ = figure(by_size[largest])
                hint = f"(at {largest:,}: {text})"
            rows.append([name, f"{size:,}", hint or "-", f"not measured (no {size:,} run)"])

    def build_time(r: SizeResult) -> tuple[str, bool | None]:
        if r.scratch is None or r.scratch.returncode != 0:
            return "build failed", False
        return f"{r.scratch.wall / 60:.1f} min", r.scratch.wall < 600

    def peak(r: SizeResult) -> tuple[str, bool | None]:
        if r.scratch is None:
            return "-", None
        m = r.scratch.memory
        return (
            f"{mib_text(m.rss)} RSS sum ({mib_text(m.pss)} PSS sum)",
            m.rss < 8 * 1024,
        )

    def validation(r: SizeResult) -> tuple[str, bool | None]:
        _, ratio = validation_ratio(r)
        if ratio is None:
            if r.whole is not None and r.whole.failure and r.whole.failure.startswith("timeout"):
                return "whole-graph pySHACL timed out", True
            return r.whole_skipped or "-", None
        return ratio_text(ratio), ratio >= 5

    def latency(r: SizeResult) -> tuple[str, bool | None]:
        if r.serve is None:
            return "-", None
        value, slowest = overall(r.serve.queries)
        if value is None or slowest is None:
            return "-", None
        failed = [q.name for q in r.serve.queries if q.pg.failure]
        text = f"{ms(value)} ms (slowest {slowest.name} {ms(slowest.pg.median)} ms)"
        if failed:
            text += f"; failed: {', '.join(failed)}"
        return text, value < 0.2 and not failed

    def lookups(label: str) -> Callable[[SizeResult], tuple[str, bool | None]]:
        def figure(r: SizeResult) -> tuple[str, bool | None]:
            load = find_load(r, label)
            if load is None:
                return "-", None
            if load.failure:
                return load.failure, False
            unit = "lookups/s" if label == LOOKUP_IRI else "req/s"
            extra = f" ({load.requests_per_s:,.0f} HTTP req/s)" if label == LOOKUP_IRI else ""
            return f"{load.done_per_s:,.0f} {unit}{extra}", load.done_per_s >= 1500

        return figure

    at(TARGET_SIZE, "build from scratch < 10 min", build_time)
    at(TARGET_SIZE, "peak memory of the build < 8 GiB", peak)
    for r in results:
        if r.incremental is not None and r.incremental.returncode == 0:
            wall = r.incremental.wall
            rows.append(
                [
                    "incremental rebuild (one project changed) < 10 s",
                    f"{r.projects:,}",
                    f"{wall:.2f} s",
                    "met" if wall < 10 else "missed",
                ]
            )
        else:
            rows.append(["incremental rebuild < 10 s", f"{r.projects:,}", "failed", "missed"])
    at(VALIDATION_SIZE, "validation >= 5x faster than whole-graph pySHACL", validation)
    at(TARGET_SIZE, "median named-query latency < 200 ms", latency)
    at(TARGET_SIZE, f">= 1,500 lookups/s: {LOOKUP_IRI}", lookups(LOOKUP_IRI))
    at(TARGET_SIZE, f">= 1,500 lookups/s: {LOOKUP_SPARQL}", lookups(LOOKUP_SPARQL))
    return rows


def report(
    cfg: Config, results: list[SizeResult], problems: Problems, elapsed: float, when: str
) -> str:
    """RESULTS.md."""
    out: list[str] = []
    put = out.append
    sizes = [r.projects for r in results]
    head = [f"{n:,}" for n in sizes]

    def cols(pick: Callable[[SizeResult], str]) -> list[str]:
        return [pick(r) for r in results]

    put("# Scale benchmark: synth, build, rebuild, validation, dumps, serving\n")
    put(f"- date: {when}")
    put(f"- command: `{cfg.command}` (run from {cfg.root})")
    out.extend(machine())
    put(f"- also: pyshacl {_version('pyshacl')}, matplotlib {_version('matplotlib')}")
    put(
        f"- settings: seed {cfg.seed}; build workers "
        f"{cfg.build_workers or 'default (one per CPU)'}; serve {cfg.workers} query workers, "
        f"query timeout {cfg.timeout:g} s; named queries: up to {cfg.runs} runs each, the "
        f"first (checked) one included, fewer once they pass {cfg.budget:g} s (at least "
        f"{min(3, cfg.runs)}); rdflib-endpoint up to {cfg.rdflib_runs} run(s) within "
        f"{cfg.rdflib_budget:g} s, timeout "
        f"{cfg.rdflib_timeout:g} s; {cfg.lookup_runs} sequential "
        f"lookups; load {cfg.duration:g} s with {cfg.connections} connections; whole-graph "
        f"pySHACL up to {cfg.whole_max:,} projects, rdflib-endpoint up to {cfg.rdflib_max:,}"
    )
    put(f"- run time: {elapsed / 60:.1f} min")
    put(
        "- the benchmark, its load generator and the servers share this machine's cores: "
        "throughput figures include that contention"
    )

    put("\n## Targets\n")
    put(table(["target", "projects", "measured", "verdict"], targets(results), right=set()))

    put("\n## 1-2. Synth and build from scratch\n")
    stage_names: list[str] = []
    for r in results:
        for name in r.scratch.stages if r.scratch else {}:
            if name not in stage_names:
                stage_names.append(name)
    rows = [
        ["synth (s)", *cols(lambda r: seconds_text(r.synth))],
        [
            "build wall time (s)",
            *cols(lambda r: seconds_text(r.scratch.wall if r.scratch else None)),
        ],
    ]
    for name in stage_names:
        rows.append(
            [
                f"  stage: {name} (s)",
                *[stage_text(r.scratch, name) for r in results],
            ]
        )
    rows += [
        [
            "  sum of stages (s); the rest is start-up",
            *cols(lambda r: seconds_text(r.scratch.stage_sum if r.scratch else None)),
        ],
        ["triples", *cols(lambda r: f"{r.scratch.triples:,}" if r.scratch else "-")],
        ["quads", *cols(lambda r: f"{r.scratch.quads:,}" if r.scratch else "-")],
        [
            "triples/s overall",
            *cols(
                lambda r: (
                    f"{r.scratch.triples / r.scratch.wall:,.0f}"
                    if r.scratch and r.scratch.wall
                    else "-"
                )
            ),
        ],
        [
            "peak memory: sum of RSS over the tree",
            *cols(lambda r: mib_text(r.scratch.memory.rss) if r.scratch else "-"),
        ],
        [
            "peak memory: sum of PSS over the tree",
            *cols(lambda r: mib_text(r.scratch.memory.pss) if r.scratch else "-"),
        ],
        [
            "largest single process (/usr/bin/time %M)",
            *cols(lambda r: mib_text(r.scratch.memory.largest) if r.scratch else "-"),
        ],
        [
            "most processes at once",
            *cols(lambda r: str(r.scratch.memory.processes) if r.scratch else "-"),
        ],
    ]
    put(table(["measurement", *head], rows))
    put(
        "\nMemory is sampled every 0.2 s over the build's whole process tree (the build and "
        "its worker processes); the RSS sum counts pages shared between forked workers once "
        "per process (an upper bound, the figure the target is held to), the PSS sum splits "
        "them (what the tree occupies)."
    )

    put("\n## 3. Incremental rebuild after changing one project\n")
    changed = next((r.changed for r in results if r.changed), "")
    put(f"One line appended to one record: `{changed}`\n")
    rows = [
        [
            "wall time (s)",
            *cols(lambda r: seconds_text(r.incremental.wall if r.incremental else None)),
        ]
    ]
    inc_stages: list[str] = []
    for r in results:
        for name in r.incremental.stages if r.incremental else {}:
            if name not in inc_stages:
                inc_stages.append(name)
    for name in inc_stages:
        rows.append(
            [
                f"  stage: {name}: s (reused/total)",
                *[stage_text(r.incremental, name, reuse=True) for r in results],
            ]
        )
    rows.append(
        [
            "peak memory: sum of RSS over the tree",
            *cols(lambda r: mib_text(r.incremental.memory.rss) if r.incremental else "-"),
        ]
    )
    put(table(["measurement", *head], rows))

    put("\n## 4. Validation\n")

    def whole(r: SizeResult, pick: Callable[[WholeGraph], str]) -> str:
        if r.whole is None:
            return "skipped"
        if r.whole.failure:
            return r.whole.failure.split(":")[0]
        return pick(r.whole)

    rows = [
        [
            "validate stage (s)",
            *cols(
                lambda r: (
                    seconds_text(r.scratch.stages[VALIDATE_STAGE].seconds)
                    if r.scratch and VALIDATE_STAGE in r.scratch.stages
                    else "-"
                )
            ),
        ],
        [
            "validate stage throughput (triples/s)",
            *cols(lambda r: f"{t:,.0f}" if (t := validation_ratio(r)[0]) else "-"),
        ],
        [
            "whole-graph pySHACL: validate (s)",
            *cols(lambda r: whole(r, lambda w: seconds_text(w.validate))),
        ],
        [
            "whole-graph pySHACL: throughput (triples/s)",
            *cols(
                lambda r: whole(
                    r, lambda w: f"{w.triples / w.validate:,.0f}" if w.validate else "-"
                )
            ),
        ],
        [
            "whole-graph pySHACL: reading the dump and shapes (s)",
            *cols(lambda r: whole(r, lambda w: seconds_text(w.load))),
        ],
        [
            "whole-graph pySHACL: triples, conforms, results",
            *cols(lambda r: whole(r, lambda w: f"{w.triples:,}, {w.conforms}, {w.results}")),
        ],
        [
            "whole-graph pySHACL: peak RSS of its process",
            *cols(lambda r: whole(r, lambda w: mib_text(w.peak_mib))),
        ],
        [
            "speed-up: whole-graph / validate stage",
            *cols(lambda r: ratio_text(validation_ratio(r)[1])),
        ],
    ]
    put(table(["measurement", *head], rows))
    put(
        '\nWhole-graph: plain `pyshacl.validate(data, shacl_graph=shapes, inference="none", '
        "allow_warnings=True)` in a subprocess, on the union of the build's graphs "
        "(`projectgraph.nq` read with rdflib) and `shapes/*.ttl` parsed against the base IRI; "
        "only the validate call is timed. The validate stage is the build's (units in parallel,"
        f" {cfg.build_workers or 'one worker per CPU'})."
    )
    skipped = [f"{r.projects:,}: {r.whole_skipped}" for r in results if r.whole_skipped]
    for line in skipped:
        put(f"- {line}")

    put("\n## 5. Dumps\n")
    files: list[str] = []
    for r in results:
        for name in r.scratch.files if r.scratch else {}:
            if name not in files:
                files.append(name)
    rows = [
        [
            f"{name} (MiB)",
            *[
                f"{r.scratch.files[name] / MIB:,.1f}"
                if r.scratch and name in r.scratch.files
                else "-"
                for r in results
            ],
        ]
        for name in files
    ]
    rows.append(
        [
            f"stage: {DUMP_STAGE} (s)",
            *cols(
                lambda r: (
                    seconds_text(r.scratch.stages[DUMP_STAGE].seconds)
                    if r.scratch and DUMP_STAGE in r.scratch.stages
                    else "-"
                )
            ),
        ]
    )
    put(table(["file", *head], rows))

    put("\n## 6. Serving (projectgraph serve --store)\n")
    command = next((r.serve.command for r in results if r.serve and r.serve.command), "")
    put(
        f"Server: `PROJECTGRAPH_CACHE_ENTRIES=0 {command}` (the named-query result cache off: "
        "every timed answer was checked to carry `X-Cache: miss`, so each is a full run: bind, "
        "query worker, JSON).\n"
    )

    def serve(pick: Callable[[Serve], str]) -> list[str]:
        return cols(lambda r: pick(r.serve) if r.serve else "-")

    rows = [
        [
            "load store: bulk load, loading folder to marker (s)",
            *serve(lambda s: seconds_text(s.store_load)),
        ],
        ["server start to store ready (s)", *serve(lambda s: seconds_text(s.store_ready))],
        ["on-disk store size", *serve(lambda s: mib_text(s.store_mib))],
        [
            "first start: until /health answers (s)",
            *serve(lambda s: seconds_text(s.cold_start)),
        ],
        [
            "first start: until every named query ran once (s)",
            *serve(lambda s: seconds_text(s.examples_ready)),
        ],
        [
            "second start, store reused: until /health answers (s)",
            *serve(lambda s: seconds_text(s.warm_start)),
        ],
        [
            "query workers after the run: restarts, query timeouts",
            *serve(
                lambda s: (
                    f"{s.engine.get('worker_restarts', '?')}, {s.engine.get('query_timeouts', '?')}"
                    if s.engine
                    else "-"
                )
            ),
        ],
        [
            "server peak memory: sum of RSS (PSS) over its tree",
            *serve(lambda s: f"{mib_text(s.memory.rss)} ({mib_text(s.memory.pss)})"),
        ],
        [
            "named queries: median of the per-query medians (ms)",
            *serve(lambda s: ms(overall(s.queries)[0])),
        ],
        [
            "named queries: slowest median (ms)",
            *serve(
                lambda s: f"{ms(q.pg.median)} ({q.name})" if (q := overall(s.queries)[1]) else "-"
            ),
        ],
        [
            "named queries: sum of the medians (ms)",
            *serve(lambda s: ms(sum(q.pg.median or 0 for q in s.queries))),
        ],
    ]
    put(table(["measurement", *head], rows))

    for r in results:
        if r.serve is None:
            continue
        s = r.serve
        put(f"\n### Named queries at {r.projects:,} projects (ms, median / p95)\n")
        rdflib_ran = s.rdflib_skipped is None
        rows = []
        for q in s.queries:
            params = ", ".join(f"{k}={v.rsplit('/', 1)[-1]}" for k, v in q.params.items())
            ratio: str = "-"
            if q.rdflib is not None and q.pg.median:
                if q.rdflib.failure == "timeout":
                    bound = cfg.rdflib_timeout / q.pg.median
                    ratio = ratio_text(bound, True) if bound >= 1 else "- (rdflib timed out)"
                elif q.rdflib.median is not None:
                    ratio = ratio_text(q.rdflib.median / q.pg.median)
            same = "-" if q.same_values is None else ("yes" if q.same_values else "NO")
            row = [
                q.name,
                params or "-",
                q.rows + (" (capped)" if q.truncated else ""),
                f"{q.duplicates:,}" if q.values is not None else "-",
                str(len(q.pg.samples)),
                timing_text(q.pg),
                mib_text(q.server_mib),
            ]
            if rdflib_ran:
                row += [timing_text(q.rdflib), q.rdflib_rows, same, ratio]
            rows.append(row)
        header = [
            "query",
            "parameters",
            "rows",
            "repeated rows",
            "runs",
            "projectgraph",
            "server peak RSS",
        ]
        if rdflib_ran:
            header += ["rdflib-endpoint", "rdflib rows", "same rows", "rdflib / projectgraph"]
        put(table(header, rows, right=set(range(2, len(header)))))
        put(
            "\n- repeated rows: rows of projectgraph's answer identical to another of its rows"
            " (the queries select no DISTINCT; a triple stated in several named graphs is one "
            "triple of the RDF merge); server peak RSS: the peak of the RSS sum over the "
            "server's process tree while the query was timed"
        )
        if rdflib_ran:
            put(
                "- same rows: projectgraph's rows and rdflib-endpoint's for the same SPARQL, "
                "compared as multisets (numbers to 9 digits), unless capped"
            )
        if s.skipped:
            put(f"- skipped (a required parameter without default): {', '.join(s.skipped)}")
        if s.rdflib_skipped:
            put(f"- rdflib-endpoint {s.rdflib_skipped}")
        elif s.rdflib_restarts:
            put(
                f"- rdflib-endpoint was restarted {s.rdflib_restarts} time(s) after a query "
                f"ran past {cfg.rdflib_timeout:g} s (it cannot abandon a query); the ratio of "
                "such a query is a lower bound"
            )

    put("\n## 6-7. Point lookups on random projects\n")
    put(
        f"One by one: {cfg.lookup_runs} lookups over one keep-alive connection, each on "
        "another random project (after 5 untimed). Under load: every request picks a random "
        "project; the IRI dereference requests `/id/project/{slug}` with `Accept: text/turtle`"
        " and follows the 303 to the Turtle document (two HTTP requests per lookup; lookups/s "
        "counts the documents received). The SPARQL point query is "
        "`SELECT ?p ?o WHERE { <project> ?p ?o }` with JSON results. projectgraph keeps the "
        "last 1,024 descriptions of its data documents in memory: with N projects a uniformly "
        "random lookup finds its description there with a probability of about 1,024 / N "
        "(every time at 1,000 projects, about 1% at 100,000).\n"
    )
    rows = []
    for label in (LOOKUP_IRI, LOOKUP_SPARQL, RDFLIB_SPARQL):
        rows.append(
            [
                f"{label}: median / p95 one by one (ms)",
                *[timing_text(r.serve.latency.get(label)) if r.serve else "-" for r in results],
            ]
        )
    for label in (LOOKUP_IRI, LOOKUP_SPARQL, RDFLIB_SPARQL):
        unit = "lookups/s (HTTP req/s)" if label == LOOKUP_IRI else "req/s"

        def loaded(r: SizeResult, n: str = label) -> str:
            load = find_load(r, n)
            if load is None:
                return "skipped" if r.serve and r.serve.rdflib_skipped else "-"
            if load.failure:
                return "failed"
            text = f"{load.done_per_s:,.0f}"
            if n == LOOKUP_IRI:
                text += f" ({load.requests_per_s:,.0f})"
            return f"{text}; p50 {load.p50}, p99 {load.p99}"

        rows.append([f"{label} under load: {unit}; latency", *cols(loaded)])

    def sparql_ratio(r: SizeResult) -> str:
        a, b = find_load(r, RDFLIB_SPARQL), find_load(r, LOOKUP_SPARQL)
        if a is None or b is None or not a.done_per_s:
            return "-"
        return ratio_text(b.done_per_s / a.done_per_s)

    rows.append(["SPARQL point query: projectgraph / rdflib-endpoint req/s", *cols(sparql_ratio)])
    rows.append(
        [
            "rdflib-endpoint: start until it answers (s); peak RSS",
            *serve(
                lambda s: (
                    "skipped"
                    if s.rdflib_skipped
                    else f"{seconds_text(s.rdflib_start)}; {mib_text(s.rdflib_memory.rss)}"
                )
            ),
        ]
    )
    put(table(["measurement", *head], rows))
    tool = next((x.tool for r in results if r.serve for x in r.serve.loads), "")
    if tool:
        put(f"\nLoad generator: {tool}.")
        if tool.startswith("httpx"):
            put(
                "- wrk is not installed (or --no-wrk): the Python client saturates a core of "
                "its own, so these rates are lower bounds of what the servers can do"
            )
    skipped_rdflib = [
        f"{r.projects:,}: {r.serve.rdflib_skipped}"
        for r in results
        if r.serve and r.serve.rdflib_skipped
    ]
    for line in skipped_rdflib:
        put(f"- rdflib-endpoint at {line}")

    put("\n## Problems\n")
    failures = [f"{r.projects:,}: {r.failure}" for r in results if r.failure]
    if problems or failures:
        out.extend(f"- {p}" for p in [*failures, *problems])
    else:
        put(
            "- none: every build conformed, every answer was 200 (303 for IRIs), no timed "
            "named-query answer came from the cache, servers stopped cleanly"
        )
    put("\n![build time per stage and peak memory](scale.png)")
    return "\n".join(out) + "\n"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def plot(results: list[SizeResult], path: Path) -> None:
    """scale.png: build time per stage vs projects, and peak memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    built = [r for r in results if r.scratch is not None and r.scratch.returncode == 0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2))
    xs = [r.projects for r in built]
    names: list[str] = []
    for r in built:
        names += [n for n in r.scratch.stages if n not in names] if r.scratch else []
    for name in names:
        ys = [r.scratch.stages[name].seconds if r.scratch else 0.0 for r in built]
        if all(y > 0 for y in ys):
            left.plot(xs, ys, marker="o", label=f"stage: {name}")
    left.plot(
        xs,
        [r.scratch.wall if r.scratch else 0.0 for r in built],
        marker="s",
        color="black",
        linewidth=2,
        label="build from scratch (wall)",
    )
    incremental = [r for r in built if r.incremental is not None and r.incremental.returncode == 0]
    if incremental:
        left.plot(
            [r.projects for r in incremental],
            [r.incremental.wall if r.incremental else 0.0 for r in incremental],
            marker="^",
            linestyle="--",
            color="grey",
            label="incremental rebuild (wall)",
        )
    left.axhline(600, color="red", linestyle=":", label="target at 100k: 10 min")
    left.axhline(10, color="orange", linestyle=":", label="incremental target: 10 s")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("projects")
    left.set_ylabel("seconds")
    left.set_title("Build time per stage")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8, loc="best")

    right.plot(
        xs,
        [r.scratch.memory.rss / 1024 if r.scratch else 0.0 for r in built],
        marker="o",
        label="build: sum of RSS over the tree",
    )
    right.plot(
        xs,
        [r.scratch.memory.pss / 1024 if r.scratch else 0.0 for r in built],
        marker="o",
        label="build: sum of PSS over the tree",
    )
    largest = [r for r in built if r.scratch and r.scratch.memory.largest]
    if largest:
        right.plot(
            [r.projects for r in largest],
            [(r.scratch.memory.largest or 0) / 1024 if r.scratch else 0.0 for r in largest],
            marker="o",
            linestyle="--",
            label="build: largest process (/usr/bin/time)",
        )
    served = [r for r in built if r.serve is not None]
    if served:
        right.plot(
            [r.projects for r in served],
            [r.serve.memory.rss / 1024 if r.serve else 0.0 for r in served],
            marker="D",
            label="server: sum of RSS over the tree",
        )
    right.axhline(8, color="red", linestyle=":", label="build target at 100k: 8 GiB")
    right.set_xscale("log")
    right.set_xlabel("projects")
    right.set_ylabel("GiB")
    right.set_ylim(bottom=0)
    right.set_title("Peak memory")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------------------------------
# The run


def parse_sizes(text: str) -> tuple[int, ...]:
    """``1000,10_000,100k`` -> (1000, 10000, 100000)."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        factor = 1000 if part.endswith("k") else 1
        sizes.append(int(part.removesuffix("k")) * factor)
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive numbers of projects")
    return tuple(sorted(set(sizes)))


def arguments(argv: list[str] | None = None) -> Config:
    """The command line as a Config."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="The scale benchmark suite: synth, build, incremental rebuild, validation, "
        "dumps and serving at each size, side by side; writes bench/results/RESULTS.md and "
        "scale.png.",
    )
    parser.add_argument(
        "--sizes", type=parse_sizes, help="projects per size, comma-separated (1000,10000,100000)"
    )
    parser.add_argument("--quick", action="store_true", help="1,000 projects, short runs (< 2 min)")
    parser.add_argument("--seed", type=int, default=1, help="synth's seed")
    parser.add_argument("--runs", type=int, help="timed runs per named query (20; quick 2)")
    parser.add_argument(
        "--rdflib-runs", type=int, help="timed runs on rdflib-endpoint (5; quick 1)"
    )
    parser.add_argument("--lookup-runs", type=int, help="sequential lookups (200; quick 30)")
    parser.add_argument("--duration", type=float, help="seconds per load run (15; quick 3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server")
    parser.add_argument("--build-workers", type=int, help="build workers (default: one per CPU)")
    parser.add_argument("--timeout", type=float, default=120.0, help="projectgraph query timeout")
    parser.add_argument(
        "--rdflib-timeout", type=float, help="rdflib-endpoint per-query timeout (60; quick 3)"
    )
    parser.add_argument(
        "--whole-timeout", type=float, default=3600.0, help="whole-graph pySHACL timeout, s"
    )
    parser.add_argument(
        "--whole-max", type=int, default=10_000, help="whole-graph pySHACL up to N projects"
    )
    parser.add_argument(
        "--rdflib-max", type=int, default=10_000, help="rdflib-endpoint up to N projects"
    )
    parser.add_argument("--no-wrk", action="store_true", help="load with httpx even if wrk exists")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    parser.add_argument("--out", type=Path, help="results folder (ROOT/bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder under /tmp")
    args = parser.parse_args(argv)
    quick = args.quick
    root = args.root.resolve()
    return Config(
        sizes=args.sizes or (QUICK_SIZES if quick else DEFAULT_SIZES),
        quick=quick,
        seed=args.seed,
        runs=args.runs or (2 if quick else 20),
        budget=2.0 if quick else 30.0,
        rdflib_runs=args.rdflib_runs or (1 if quick else 5),
        rdflib_budget=2.0 if quick else 60.0,
        lookup_runs=args.lookup_runs or (30 if quick else 200),
        duration=args.duration or (3.0 if quick else 15.0),
        connections=args.connections,
        threads=args.threads,
        workers=args.workers,
        build_workers=args.build_workers,
        timeout=args.timeout,
        rdflib_timeout=args.rdflib_timeout or (3.0 if quick else 60.0),
        whole_timeout=args.whole_timeout,
        whole_max=args.whole_max,
        rdflib_max=args.rdflib_max,
        use_wrk=not args.no_wrk,
        root=root,
        out=(args.out or root / "bench" / "results").resolve(),
        keep=args.keep,
        command=shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)]),
    )


def dumpable(result: SizeResult) -> dict[str, Any]:
    """A size's results as JSON-ready data, without the rows of the answers."""
    data = asdict(result)
    for query in (data.get("serve") or {}).get("queries", []):
        query.pop("values", None)
    return data


@contextlib.contextmanager
def work_folder(keep: bool, say: Say) -> Iterator[Path]:
    """A new folder under /tmp, removed at the end unless ``keep``."""
    work = Path(tempfile.mkdtemp(prefix="pg-scale-", dir="/tmp"))
    try:
        yield work
    finally:
        if keep:
            say(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run the suite; 0 if it ran without problems, 1 otherwise."""
    cfg = arguments(argv)
    if not (cfg.root / "projectgraph.toml").is_file():
        raise SystemExit(f"{cfg.root}: not the repository (no projectgraph.toml); use --root")
    started = time.perf_counter()
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    # Servers run in their own sessions: a SIGTERM unwinds through the code that stops them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    problems = Problems()
    results: list[SizeResult] = []
    with work_folder(cfg.keep, say) as work:
        say(f"work folder {work}; sizes {', '.join(f'{n:,}' for n in cfg.sizes)}")
        for projects in cfg.sizes:
            folder = work / f"{projects}"
            folder.mkdir()
            try:
                results.append(run_size(cfg, projects, folder, problems, say))
            except Exception as e:  # the other sizes still run and are reported
                results.append(SizeResult(projects, failure=f"{type(e).__name__}: {e}"))
            finally:
                if not cfg.keep:  # the next size needs the disk more than this one's files
                    shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.perf_counter() - started
    say(f"done in {elapsed:.0f} s")

    cfg.out.mkdir(parents=True, exist_ok=True)
    text = report(cfg, results, problems, elapsed, when)
    (cfg.out / "RESULTS.md").write_text(text)
    plot(results, cfg.out / "scale.png")
    raw = {
        "date": when,
        "command": cfg.command,
        "results": [dumpable(r) for r in results],
        "problems": list(problems),
    }
    (cfg.out / "scale.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    print(text)
    say(f"wrote {cfg.out / 'RESULTS.md'}, {cfg.out / 'scale.png'} and scale.json")
    return 1 if problems or any(r.failure for r in results) else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["whole-graph"]:
        whole_graph_child(sys.argv[2:])
    else:
        sys.exit(main())
