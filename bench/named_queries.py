"""Benchmark the named-query API (``/api/queries/{name}``): its result cache and ETags.

    python -m bench.named_queries [--data DIR | --shipped] [--runs N] [--quick]
                                  [--budget S] [--workers W] [--timeout S] [--max-rows N]

Two ``projectgraph serve`` processes serve the same build side by side, on free 127.0.0.1
ports: one with the default result cache, one with ``PROJECTGRAPH_CACHE_ENTRIES=0`` (no
cache). The data is either a build folder (``--data DIR``, e.g. a synthetic build of
:mod:`bench.synthetic`, served with ``--no-build``) or, with ``--shipped`` (the default), the
repository's own data built by ``projectgraph build`` into a temporary folder (the
repository's ``dist/`` is not touched).

The servers start one after the other. For each, the table reports the time until ``/health``
answers (the query workers have loaded the data) and until ``/health`` says
``named_queries.examples_ready`` (the server has run every named query with its defaults, which
also fills the cache of the cached server). Then, for every named query of ``GET
/api/queries``, called with its parameters' defaults given explicitly in the query string,
sequentially over one keep-alive connection (httpx, no compression) per server:

- uncached server: a full run each time (bind, query worker, JSON rows);
- cached server: a cache hit (``X-Cache: hit``);
- cached server with ``If-None-Match`` and the ETag: the 304 answer.

Each is timed ``--runs`` times (default 30; ``--quick`` 5) after one untimed request that is
checked, or fewer when the runs of one kind take longer than ``--budget`` seconds for a query
(default 15; at least 3 runs). Every answer must be 200 (304 when revalidating), the cached
and uncached servers must send the same body, ETag, content type and row-cap headers for each
query, the uncached server must never report a hit and the cached one must hit after its
first request. The second table has the overall figures, the cache statistics of ``/health``
after the run and the resident memory of each server (its process and its query workers).
Anything wrong is listed under Problems at the end, and the exit status is then 1.

The servers run with the server's defaults except ``--timeout`` (default 120 s, so a slow
query on a large graph still warms up) and ``--max-rows`` (default 10,000, the server's own
default; the benchmark helpers of :mod:`bench.endpoint` would lift it to 1,000,000).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.endpoint import (
    Config,
    Problems,
    Server,
    Timing,
    machine,
    median,
    ms,
    projectgraph_server,
    rss_mb,
    running,
    table,
)
from projectgraph.publish.manifest import MANIFEST

HEADERS = {"Accept-Encoding": "identity"}  # httpx sends Accept: */*, the API's default
SERVER_MAX_ROWS = 10_000  # the server's default max_rows
CACHE_ENV = ("PROJECTGRAPH_CACHE_ENTRIES", "PROJECTGRAPH_CACHE_MEGABYTES")
# Headers that depend on the result: both servers must send the same.
SAME_HEADERS = ("etag", "content-type", "x-result-truncated", "x-sparql-maxrows", "link")
MIN_RUNS = 3
READY_TIMEOUT = 900.0

Say = Callable[[str], None]


@dataclass
class Result:
    """One named query on both servers."""

    name: str
    params: dict[str, str]
    rows: str = "-"
    size: int = 0
    warm_hit: bool | None = None  # the cached server's first answer came from the warm-up
    uncached: Timing = field(default_factory=Timing)
    hit: Timing = field(default_factory=Timing)
    revalidated: Timing = field(default_factory=Timing)
    failure: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Startup:
    """How long a server took to answer and to have run every named query once."""

    answering: float = 0.0
    ready: float = 0.0


# ------------------------------------------------------------------------------------------
# Servers


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """``argv`` with ``option``'s value replaced (or the option added)."""
    argv = list(argv)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


def make_server(
    label: str, data: Path, cached: bool, work: Path, root: Path, args: argparse.Namespace
) -> Server:
    """A projectgraph server on ``data``, with the default cache or none. Its start-up waits
    for ``/health`` rather than a SPARQL answer."""
    cfg = Config(
        triples=0,
        runs=args.runs,
        rdflib_runs=0,
        lookup_runs=0,
        duration=0.0,
        timeout=args.timeout,
        threads=0,
        connections=0,
        workers=(args.workers,),
        latency_workers=args.workers,
        skip_rdflib=True,
    )
    server = projectgraph_server(label, data, args.workers, None, work, cfg, root)
    argv = with_option(server.argv, "--max-rows", str(args.max_rows))
    # env(1) executes the server in its own place, so the pid is the server's.
    env = shutil.which("env") or "/usr/bin/env"
    if cached:  # the defaults of projectgraph.toml, whatever this shell has set
        prefix = [env] + [arg for name in CACHE_ENV for arg in ("-u", name)]
    else:
        prefix = [env, f"{CACHE_ENV[0]}=0"]
    server.argv = prefix + argv
    server.path = "/health"  # Server.start() polls this until it answers 200
    server.ready_timeout = READY_TIMEOUT
    return server


def shown(server: Server) -> str:
    """The server's command line as a reader would type it (port as P)."""
    argv = server.argv[server.argv.index(sys.executable) :]
    return " ".join(["python", *argv[1:]]).replace(f"--port {server.port}", "--port P")


def health(client: httpx.Client, server: Server) -> dict[str, Any]:
    response = client.get(server.base + "/health")
    response.raise_for_status()
    return dict(response.json())


def wait_ready(server: Server, started: float, timeout: float = READY_TIMEOUT) -> float:
    """Poll ``/health`` until the named queries have run; seconds since ``started``."""
    deadline = time.monotonic() + timeout
    with httpx.Client(headers=HEADERS, timeout=10.0) as client:
        while True:
            body = health(client, server)
            if body.get("named_queries", {}).get("examples_ready"):
                return time.perf_counter() - started
            if server.process is None or server.process.poll() is not None:
                raise RuntimeError(f"{server.label} exited while warming up:\n{server.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server.label}: examples not ready in {timeout:g} s")
            time.sleep(0.05)


def memory(server: Server) -> tuple[float, str]:
    """Resident memory of the server and its workers: the total and each, MB."""
    sizes = [rss_mb(pid) for pid in server.pids()]
    return sum(sizes), " + ".join(f"{s:.0f}" for s in sizes)


# ------------------------------------------------------------------------------------------
# Measurements


def defaults(query: dict[str, Any]) -> dict[str, str] | None:
    """The query's parameters with their defaults; None if one is required without one."""
    params: dict[str, str] = {}
    for p in query.get("parameters", []):
        if "default" in p:
            params[p["name"]] = str(p["default"])
        elif p.get("required"):
            return None
    return params


def count_rows(body: bytes) -> str:
    """Rows of a plain JSON list, nodes of a JSON-LD graph."""
    try:
        data = json.loads(body)
    except ValueError:
        return "?"
    if isinstance(data, list):
        return f"{len(data):,}"
    if isinstance(data, dict):
        graph = data.get("@graph")
        if isinstance(graph, list):
            return f"{len(graph)} nodes"
        return "1 node" if set(data) - {"@context"} else "0 nodes"
    return "?"


def timed(
    client: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str] | None = None
) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url, params=params, headers=headers)
    return time.perf_counter() - started, response


def repeat(
    runs: int,
    budget: float,
    once: Callable[[], tuple[float, str | None]],
) -> tuple[Timing, str | None]:
    """Call ``once`` up to ``runs`` times (at least MIN_RUNS, then while within ``budget``
    seconds); stop at the first problem it reports."""
    timing = Timing()
    started = time.perf_counter()
    for i in range(runs):
        if i >= MIN_RUNS and time.perf_counter() - started > budget:
            break
        seconds, problem = once()
        if problem:
            return timing, problem
        timing.samples.append(seconds)
    return timing, None


def measure(
    name: str,
    params: dict[str, str],
    clients: tuple[httpx.Client, httpx.Client],
    servers: tuple[Server, Server],
    runs: int,
    budget: float,
    problems: Problems,
) -> Result:
    """Check then time one named query on the uncached and the cached server."""
    uncached_client, cached_client = clients
    uncached, cached = servers
    path = f"/api/queries/{name}"
    result = Result(name, params)

    def fail(what: str) -> Result:
        result.failure = what
        problems.append(f"{name}: {what}")
        return result

    # The untimed first requests: status, headers and bodies of the two servers.
    _, first = timed(uncached_client, uncached.base + path, params)
    if first.status_code != 200:
        return fail(f"uncached server: HTTP {first.status_code}: {first.text[:300]}")
    reference = first.content
    result.rows, result.size = count_rows(reference), len(reference)
    _, answer = timed(cached_client, cached.base + path, params)
    if answer.status_code != 200:
        return fail(f"cached server: HTTP {answer.status_code}: {answer.text[:300]}")
    result.warm_hit = answer.headers.get("x-cache") == "hit"
    if not result.warm_hit:
        result.notes.append("the first request to the cached server was not a hit")
    if answer.content != reference:
        problems.append(
            f"{name}: the cached server's body differs from the uncached server's "
            f"({len(answer.content):,} vs {len(reference):,} bytes)"
        )
    for header in SAME_HEADERS:
        # Links name the server they came from: compare them without it.
        mine = answer.headers.get(header, "").replace(cached.base, "BASE")
        theirs = first.headers.get(header, "").replace(uncached.base, "BASE")
        if mine != theirs:
            problems.append(
                f"{name}: header {header} differs: cached {mine!r}, uncached {theirs!r}"
            )
    tag = answer.headers.get("etag")
    if not tag:
        return fail("no ETag on the cached server's answer")

    def full_run() -> tuple[float, str | None]:
        seconds, r = timed(uncached_client, uncached.base + path, params)
        if r.status_code != 200:
            return seconds, f"uncached server: HTTP {r.status_code} while timing"
        if r.headers.get("x-cache") != "miss":
            return seconds, f"uncached server: X-Cache {r.headers.get('x-cache')!r}"
        if r.content != reference:
            return seconds, "uncached server: the body changed between runs"
        return seconds, None

    def cache_hit() -> tuple[float, str | None]:
        seconds, r = timed(cached_client, cached.base + path, params)
        if r.status_code != 200:
            return seconds, f"cached server: HTTP {r.status_code} while timing"
        if r.headers.get("x-cache") != "hit":
            return seconds, f"cached server: X-Cache {r.headers.get('x-cache')!r}, not a hit"
        if r.content != reference:
            return seconds, "cached server: the body differs from the uncached server's"
        return seconds, None

    def not_modified() -> tuple[float, str | None]:
        seconds, r = timed(cached_client, cached.base + path, params, {"If-None-Match": tag})
        if r.status_code != 304:
            return seconds, f"If-None-Match: HTTP {r.status_code}, not 304"
        if r.content:
            return seconds, f"304 with a body of {len(r.content)} bytes"
        return seconds, None

    for target, once in (
        ("uncached", full_run),
        ("hit", cache_hit),
        ("revalidated", not_modified),
    ):
        timing, problem = repeat(runs, budget, once)
        setattr(result, target, timing)
        if problem:
            problems.append(f"{name}: {problem}")
            result.failure = result.failure or problem
    return result


# ------------------------------------------------------------------------------------------
# Data


def shipped_build(root: Path, work: Path, say: Say) -> Path:
    """Build the repository's data into a temporary dist link; its path."""
    dist = work / "dist"
    say(f"building the shipped data into {dist} ...")
    argv = [sys.executable, "-m", "projectgraph", "build", "--dist", str(dist), "--quiet"]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"projectgraph build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return dist


def describe(data: Path) -> str:
    manifest = json.loads((data / MANIFEST).read_text())
    graphs = manifest.get("graphs")
    return (
        f"{manifest.get('triples', 0):,} triples in {len(graphs) if graphs else '?'} named "
        f"graphs, build {manifest.get('build_id')} ({data.resolve()})"
    )


# ------------------------------------------------------------------------------------------
# The run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, help="a build folder (build.json + dump) to serve")
    source.add_argument(
        "--shipped", action="store_true", help="build the repository's data (the default)"
    )
    parser.add_argument("--runs", type=int, help="timed runs of each kind per query (30; quick 5)")
    parser.add_argument("--quick", action="store_true", help="5 runs, 3 s budget per query")
    parser.add_argument(
        "--budget", type=float, help="seconds of timed runs of one kind per query (15; quick 3)"
    )
    parser.add_argument("--workers", type=int, default=2, help="query workers per server")
    parser.add_argument("--timeout", type=float, default=120.0, help="query timeout, s")
    parser.add_argument(
        "--max-rows", type=int, default=SERVER_MAX_ROWS, help="rows per SELECT (server default)"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository")
    args = parser.parse_args()
    args.runs = args.runs or (5 if args.quick else 30)
    budget = args.budget or (3.0 if args.quick else 15.0)
    root = args.root.resolve()
    started = time.perf_counter()
    # The servers run in their own sessions: make a SIGTERM unwind through the code that
    # stops them, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr, flush=True)

    problems = Problems()
    with tempfile.TemporaryDirectory(prefix="pg-bench-nq-") as tmp:
        work = Path(tmp)
        if args.data is not None:
            given = args.data.resolve()
            if not (given / MANIFEST).is_file():
                raise SystemExit(f"{given}: no {MANIFEST}")
            data_text = describe(given)
            data = given
        else:
            data = shipped_build(root, work, say)
            data_text = "the shipped data, " + describe(data)
        say(f"data: {data_text}")
        cached = make_server("cached", data, True, work, root, args)
        uncached = make_server("uncached", data, False, work, root, args)
        startups: dict[str, Startup] = {}
        results: list[Result] = []
        skipped: list[str] = []
        after: dict[str, dict[str, Any]] = {}
        rss: dict[str, tuple[float, str]] = {}

        with contextlib.ExitStack() as stack:
            for server in (cached, uncached):
                begun = time.perf_counter()
                stack.enter_context(running(server, problems, say))
                startup = Startup(answering=server.startup)
                startup.ready = wait_ready(server, begun)
                startups[server.label] = startup
                say(f"  {server.label}: named queries run, examples ready at {startup.ready:.1f} s")

            clients = (
                stack.enter_context(httpx.Client(headers=HEADERS, timeout=args.timeout + 10)),
                stack.enter_context(httpx.Client(headers=HEADERS, timeout=args.timeout + 10)),
            )
            listing = clients[1].get(cached.base + "/api/queries")
            listing.raise_for_status()
            queries: list[dict[str, Any]] = listing.json()
            other = clients[0].get(uncached.base + "/api/queries").json()
            if [q["name"] for q in other] != [q["name"] for q in queries]:
                problems.append("the two servers list different named queries")
            say(f"timing {len(queries)} named queries ({args.runs} runs, {budget:g} s budget) ...")
            for query in queries:
                params = defaults(query)
                if params is None:
                    skipped.append(query["name"])
                    continue
                t0 = time.perf_counter()
                try:
                    result = measure(
                        query["name"],
                        params,
                        clients,
                        (uncached, cached),
                        args.runs,
                        budget,
                        problems,
                    )
                except httpx.HTTPError as e:  # a timeout or a dropped connection
                    result = Result(query["name"], params, failure=repr(e))
                    problems.append(f"{query['name']}: {e!r}")
                results.append(result)
                say(
                    f"  {result.name}: uncached {ms(result.uncached.median)} ms, hit "
                    f"{ms(result.hit.median)} ms, 304 {ms(result.revalidated.median)} ms "
                    f"({time.perf_counter() - t0:.1f} s)"
                )
            for server, client in ((uncached, clients[0]), (cached, clients[1])):
                after[server.label] = health(client, server)
                rss[server.label] = memory(server)
                engine = after[server.label].get("engine", {})
                if engine.get("worker_restarts") or engine.get("query_timeouts"):
                    problems.append(f"{server.label}: /health after the run: {engine}")
        elapsed = time.perf_counter() - started
        say(f"done in {elapsed:.1f} s")

    report(
        data_text=data_text,
        args=args,
        budget=budget,
        servers=(cached, uncached),
        startups=startups,
        results=results,
        skipped=skipped,
        after=after,
        rss=rss,
        problems=problems,
        elapsed=elapsed,
    )
    sys.exit(1 if problems else 0)


def report(
    *,
    data_text: str,
    args: argparse.Namespace,
    budget: float,
    servers: tuple[Server, Server],
    startups: dict[str, Startup],
    results: list[Result],
    skipped: list[str],
    after: dict[str, dict[str, Any]],
    rss: dict[str, tuple[float, str]],
    problems: Problems,
    elapsed: float,
) -> None:
    """Print the Markdown report."""
    cached, uncached = servers
    print("# Named-query API: result cache and ETags\n")
    print(f"- data: {data_text}")
    for line in machine():
        print(line)
    print(
        f"- runs: up to {args.runs} timed runs per query and kind after one checked request, "
        f"fewer when one kind's runs pass {budget:g} s (at least {MIN_RUNS}); sequential, one "
        "keep-alive httpx connection per server, `Accept: */*`, no compression"
    )
    print(
        f"- servers: `{shown(cached)}` (cached: the environment without PROJECTGRAPH_CACHE_*, "
        "so the default cache of projectgraph.toml) and the same with "
        "`PROJECTGRAPH_CACHE_ENTRIES=0` (uncached); started one after the other, then running "
        "side by side"
    )
    print(f"- run time: {elapsed:.0f} s")

    print("\n## Per query (ms)\n")
    rows = []
    for r in results:
        speedup = "-"
        if r.uncached.median and r.hit.median:
            ratio = r.uncached.median / r.hit.median
            speedup = f"{ratio:,.1f}x" if ratio < 100 else f"{ratio:,.0f}x"
        rows.append(
            [
                r.name,
                r.rows,
                f"{r.size / 1024:,.1f}",
                str(len(r.uncached.samples)),
                ms(r.uncached.median),
                ms(r.uncached.p95),
                ms(r.hit.median),
                ms(r.hit.p95),
                ms(r.revalidated.median),
                speedup,
            ]
        )
    print(
        table(
            [
                "query",
                "rows",
                "body KiB",
                "uncached runs",
                "uncached median",
                "uncached p95",
                "cache hit median",
                "cache hit p95",
                "304 median",
                "speed-up (uncached / hit)",
            ],
            rows,
        )
    )
    notes = [f"{r.name}: {n}" for r in results for n in r.notes]
    notes += [f"{r.name}: stopped: {r.failure}" for r in results if r.failure]
    if skipped:
        notes.append(f"skipped (a required parameter without default): {', '.join(skipped)}")
    for n in notes:
        print(f"\n- {n}")

    print("\n## Overall\n")

    def overall(pick: Callable[[Result], Timing]) -> tuple[str, str]:
        medians = [m for r in results if (m := pick(r).median) is not None]
        if not medians:
            return "-", "-"
        return ms(median(medians)), ms(sum(medians))

    def cache(label: str, key: str) -> str:
        value = after.get(label, {}).get("query_cache", {}).get(key)
        return "-" if value is None else f"{value:,}"

    full, full_sum = overall(lambda r: r.uncached)
    hit, hit_sum = overall(lambda r: r.hit)
    revalidated, revalidated_sum = overall(lambda r: r.revalidated)
    labels = (cached.label, uncached.label)
    rows = [
        ["time until /health answers (workers loaded), s"]
        + [f"{startups[x].answering:.1f}" if x in startups else "-" for x in labels],
        ["time until examples_ready (every named query run once), s"]
        + [f"{startups[x].ready:.1f}" if x in startups else "-" for x in labels],
        ["median over queries of the per-query medians, ms", f"hit {hit}", f"full run {full}"],
        [
            "sum of the per-query medians (each query once), ms",
            f"hit {hit_sum}",
            f"full run {full_sum}",
        ],
        [
            "304 (If-None-Match): median over queries / sum, ms",
            f"{revalidated} / {revalidated_sum}",
            "-",
        ],
        [
            "cache entries after the run",
            cache(cached.label, "entries"),
            cache(uncached.label, "entries"),
        ],
        ["cache bytes after the run", cache(cached.label, "bytes"), cache(uncached.label, "bytes")],
        ["cache hits / misses (since start)"]
        + [f"{cache(x, 'hits')} / {cache(x, 'misses')}" for x in labels],
        ["RSS, MB: total (server + workers)"]
        + [f"{rss[x][0]:,.0f} ({rss[x][1]})" if x in rss else "-" for x in labels],
    ]
    print(table(["measurement", "cached server", "uncached server"], rows))

    print("\n## Problems\n")
    if problems:
        for p in problems:
            print(f"- {p}")
    else:
        print(
            "- none: every answer 200 (304 when revalidating), the same bodies and ETags from "
            "both servers, every timed request to the cached server a hit, no errors logged"
        )


if __name__ == "__main__":
    main()
