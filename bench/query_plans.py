"""The named queries (``queries/*.rq``) against rewritten forms (``--rewrites DIR``).

A rewrite that gives the same rows faster is adopted by copying it over ``queries/``: the six
rewrites measured in ``bench/results/QUERY_PLANS.md`` were adopted so (the *current* column
there is the form they replaced).

    python -m bench.query_plans --dist DIST [--dist DIST ...] [--label NAME ...] [--runs N]
                                [--extra-runs N] [--timeout S] [--budget S] [--queries a,b]
                                [--engines oxigraph,virtuoso] [--rewrites DIR]
                                [--virtuoso-memory-mb MB] [--out DIR] [--no-write]

For each build folder (``--dist``; ``--label`` names it in the tables, else its number of
projects), the merged graph is loaded into pyoxigraph as the server loads it
(:func:`projectgraph.store.embedded.load_build`: an in-memory store, the named graphs from
``projectgraph.nq`` and their merge from ``projectgraph.nt.gz`` in the default graph, which
the queries read). Then, for every named query that has a rewritten form (a file of the same
name in ``--rewrites``, default ``bench/query_rewrites`` where it exists; the others are
timed alone), and for several parameter values (:func:`cases`: the defaults, and values
picked from the data, such as the country with the most partners and one with few), each
form is prepared as the API prepares it (:meth:`projectgraph.sparql.named.NamedQuery.prepare`,
first page of a paginated query unless the case names another), then:

- run once, untimed, to check it: the rewritten form must give the same rows as the current
  one (the same multiset of rows, every term equal; where the query has ORDER BY, the same
  sequence of sort keys, rows that tie on the keys in any order);
- timed ``--runs`` times (default 5; ``--extra-runs`` for the cases other than the defaults;
  fewer once a form's timed runs pass ``--budget`` seconds, at least one), the forms taking
  turns so that other work on the machine weighs on both alike.

A run is the query and the serialization of its whole answer (SPARQL JSON for SELECT,
N-Triples for CONSTRUCT), as a query worker of the server does, in a worker process forked
from the one that loaded the store (so it shares the loaded store, copy-on-write), one worker
per case, whose untimed check runs also pay the copy-on-write faults. A run past
``--timeout`` seconds kills the worker and ends that form's runs; the next worker is warmed
by an untimed run before it is timed.

With ``--engines oxigraph,virtuoso`` (or ``virtuoso`` alone, after an embedded run of the
same build) the same forms, with the parameter values of the embedded run, go to a private
Virtuoso (:func:`tests.virtuoso.start_virtuoso`) into which the build was published as
``projectgraph publish --graph-store`` publishes it
(:func:`projectgraph.publish.remote.publish_build`): POSTed to its ``/sparql`` with the
build's version graph as the dataset and the text projectgraph forwards (comments blanked),
timed at the client (:class:`bench.remote.QuickAckTransport`, see there why), the answers of
the two forms compared as on the embedded engine, or, where only the writing of numbers
differs, as :func:`bench.remote.answer_rows` compares them (numbers to 9 digits).

Results accumulate in ``--out`` (``bench/results``) ``query_plans.json``, keyed by engine and
label, so sizes measured by separate runs share one ``QUERY_PLANS.md``, rewritten from it at the
end of every run (``--no-write``: neither); a run of some queries (``--queries``) replaces
those queries' cases only. The exit status is 1 when a rewritten form gives other rows, or a
file fails to load.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import resource
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from bench.endpoint import machine, ms, table
from projectgraph.settings import load_settings
from projectgraph.sparql.inspect import tokens, without_comments
from projectgraph.sparql.named import NamedQuery, load_queries, load_query
from projectgraph.store.embedded import DATASET_DUMP, load_build, serialize_result

Say = Callable[[str], None]
Row = tuple[str | None, ...]

CURRENT = "current"
REWRITTEN = "rewritten"
OXIGRAPH = "oxigraph"
VIRTUOSO = "virtuoso"
ENGINES = (OXIGRAPH, VIRTUOSO)
PREFIXES = """PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
"""
# Values of an IRI parameter found in the data, most used first: (value, uses). The
# parameter's name picks the query.
PICKS = {
    "project": "SELECT ?v (COUNT(?m) AS ?n) { ?m org:organization ?v } GROUP BY ?v",
    "country": "SELECT ?v (COUNT(?m) AS ?n) { ?o eurio:hasSite/pg:country ?v . ?m org:member ?o }"
    " GROUP BY ?v",
    "programme": "SELECT ?v (COUNT(?p) AS ?n) {"
    " ?p eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?v } GROUP BY ?v",
    "region": "SELECT ?v (COUNT(*) AS ?n) { { ?o eurio:hasSite/pg:region ?v . ?m org:member ?o }"
    " UNION { ?e schema:location ?v } } GROUP BY ?v",
    "topic": "SELECT ?v (COUNT(?p) AS ?n) { ?p dct:subject ?v } GROUP BY ?v",
    "scheme": "SELECT ?v (COUNT(?c) AS ?n) { ?c skos:inScheme ?v } GROUP BY ?v",
}
NAMES = "SELECT ?name { ?o a eurio:Organisation ; skos:prefLabel ?name }"
PROJECTS = "SELECT (COUNT(?p) AS ?n) { ?p a eurio:Project }"
WORD = re.compile(r"[^\W\d_]{5,}")


# ------------------------------------------------------------------------------------------
# Results


@dataclass
class Form:
    """One form of a query in one case on one engine: timed runs in seconds, or why none."""

    samples: list[float] = field(default_factory=list)
    check_seconds: float | None = None  # the untimed first run
    rows: int | None = None
    failure: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None


@dataclass
class Case:
    """A query with one set of parameter values: its forms and how their answers compare."""

    query: str
    label: str  # "defaults", "country: most partners (DEU)", ...
    params: dict[str, str]
    page: int | None = None
    forms: dict[str, Form] = field(default_factory=dict)
    same_rows: bool | None = None  # the rewritten form against the current one
    order: str = "-"  # "same", "same keys, ties aside", "differs", "no ORDER BY"
    note: str = ""

    @property
    def speedup(self) -> float | None:
        """Current median over rewritten median."""
        old, new = (self.forms.get(k) for k in (CURRENT, REWRITTEN))
        if old is None or new is None or not old.median or not new.median:
            return None
        return old.median / new.median


@dataclass
class Subject:
    """One build on one engine."""

    engine: str
    label: str
    dist: str
    date: str
    command: str
    projects: int = 0
    triples: int = 0
    quads: int = 0  # what the embedded store holds: named graphs and merged graph
    load_seconds: float = 0.0
    rss_mib: float = 0.0  # the loading process's peak resident memory
    load_average: tuple[float, float] = (0.0, 0.0)  # 1 min, at the start and the end
    runs: int = 0
    extra_runs: int = 0  # of the cases other than the defaults
    timeout: float = 0.0
    budget: float = 0.0
    cases: list[Case] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.engine}:{self.label}"


# ------------------------------------------------------------------------------------------
# Running queries in forked workers

_STORE: ox.Store | None = None  # the loaded store, which forked workers inherit


def _serve(connection: multiprocessing.connection.Connection) -> None:
    """A worker: run each query text received, answer (seconds, body or None) or an error."""
    store = _STORE
    assert store is not None
    while True:
        message = connection.recv()
        if message is None:
            return
        text, keep = message
        started = time.perf_counter()
        try:
            result = store.query(text)
            fmt: ox.QueryResultsFormat | ox.RdfFormat = (
                ox.RdfFormat.N_TRIPLES
                if isinstance(result, ox.QueryTriples)
                else ox.QueryResultsFormat.JSON
            )
            body = serialize_result(result, fmt)
        except Exception as e:  # the failure is a result, sent back
            connection.send(("error", f"{type(e).__name__}: {e}"[:300], None))
            continue
        seconds = time.perf_counter() - started
        connection.send(("ok", seconds, body if keep else None))


class Worker:
    """A process forked from this one, running queries on the store loaded here."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()

    def run(self, text: str, timeout: float, keep: bool) -> tuple[float | None, Any, str | None]:
        """(seconds, body if ``keep``, failure): the worker is killed past ``timeout``."""
        self.connection.send((text, keep))
        if not self.connection.poll(timeout):
            self.kill()
            return None, None, f"timeout ({timeout:g} s)"
        status, value, body = self.connection.recv()
        if status != "ok":
            return None, None, str(value)
        return float(value), body, None

    def kill(self) -> None:
        """End the worker at once, busy or not."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()

    def stop(self) -> None:
        """End the worker: asked to, killed if it does not within 10 s."""
        if self.process.is_alive():
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.process.join(10)
        self.kill()
        self.connection.close()


# ------------------------------------------------------------------------------------------
# Answers


def json_rows(body: bytes) -> tuple[list[str], list[Row]]:
    """The variables and rows of a SPARQL JSON answer, in order, each term as its type,
    value, datatype and language."""
    document = json.loads(body)
    if "boolean" in document:
        return ["boolean"], [(str(document["boolean"]).lower(),)]
    variables = list(document["head"]["vars"])
    rows: list[Row] = []
    for binding in document["results"]["bindings"]:
        row: list[str | None] = []
        for name in variables:
            term = binding.get(name)
            if term is None:
                row.append(None)
            else:
                row.append(
                    "|".join(
                        (
                            term["type"],
                            term["value"],
                            term.get("datatype", ""),
                            term.get("xml:lang", ""),
                        )
                    )
                )
        rows.append(tuple(row))
    return variables, rows


def graph_rows(body: bytes) -> list[Row]:
    """The triples of an N-Triples answer, one row each."""
    return [(line.strip(),) for line in body.decode().splitlines() if line.strip()]


def order_keys(text: str) -> list[str] | None:
    """The variables of the query's outermost ORDER BY (``?x``, ``ASC(?x)``, ``DESC(?x)``), or
    None when it has none or sorts by an expression."""
    depth = 0
    found: list[tuple[str, str]] | None = None
    last = ""
    for kind, word, _, _ in tokens(text):
        if kind in ("comment",) or (kind == "other" and word.isspace()):
            continue
        if kind == "other" and word in "({[":
            depth += 1
        elif kind == "other" and word in ")}]":
            depth -= 1
        if found is not None:
            if kind == "name" and word.upper() in ("LIMIT", "OFFSET", "VALUES"):
                break
            found.append((kind, word))
        elif depth == 0 and kind == "name" and word.upper() == "BY" and last == "ORDER":
            found = []
        last = word.upper() if kind == "name" else ""
    if not found:
        return None
    names: list[str] = []
    for kind, word in found:
        if kind == "var":
            names.append(word[1:])
        elif not (kind == "name" and word.upper() in ("ASC", "DESC")) and word not in "()":
            return None
    return names


def compare(
    text: str, variables: list[str], old: list[Row], new: list[Row]
) -> tuple[bool, str, str]:
    """(same multiset of rows, what the order check found, a note on the differences)."""
    same = Counter(old) == Counter(new)
    note = ""
    if not same:
        missing, extra = Counter(old) - Counter(new), Counter(new) - Counter(old)
        note = (
            f"{sum(missing.values())} rows only in the current form "
            f"(e.g. {next(iter(missing), None)}), {sum(extra.values())} only in the rewritten one "
            f"(e.g. {next(iter(extra), None)})"
        )
    keys = order_keys(text)
    if keys is None:
        return same, "no ORDER BY", note
    if any(k not in variables for k in keys):
        return same, "order not checked (sorts by a variable it does not select)", note
    at = [variables.index(k) for k in keys]

    def runs(rows: list[Row]) -> list[tuple[Row, Counter[Row]]]:
        """Consecutive rows grouped by their sort key."""
        grouped: list[tuple[Row, Counter[Row]]] = []
        for row in rows:
            key = tuple(row[i] for i in at)
            if grouped and grouped[-1][0] == key:
                grouped[-1][1][row] += 1
            else:
                grouped.append((key, Counter([row])))
        return grouped

    if old == new:
        return same, "same", note
    if runs(old) == runs(new):
        return same, "same keys, ties aside", note
    return same, "differs", note


# ------------------------------------------------------------------------------------------
# Parameter values


def picked(store: ox.Store, name: str) -> list[tuple[str, int]]:
    """Values of the IRI parameter ``name`` in the data, most used first, with their uses."""
    query = PICKS.get(name)
    if query is None:
        return []
    rows = [(r["v"].value, int(r["n"].value)) for r in store.query(PREFIXES + query)]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def present(store: ox.Store, iri: str) -> bool:
    """Whether ``iri`` is the subject or object of a triple of the default graph."""
    node = ox.NamedNode(iri)
    return any(store.quads_for_pattern(node, None, None, ox.DefaultGraph())) or any(
        store.quads_for_pattern(None, None, node, ox.DefaultGraph())
    )


def short(iri: str) -> str:
    """The last part of an IRI, for labels."""
    return re.split(r"[/#]", iri.rstrip("/"))[-1]


def cases(query: NamedQuery, store: ox.Store, base_iri: str) -> list[Case]:
    """The query with its defaults (an IRI default missing from the data replaced by the most
    used value), then with each parameter in turn set to values picked from the data."""
    base = base_iri.rstrip("/") + "/"
    found: list[Case] = []
    defaults: dict[str, str] = {}
    for p in query.parameters:
        if p.default is None:
            continue
        defaults[p.name] = p.default
        if p.type == "iri":  # absolute, as bound, so that a picked value equal to it is seen
            defaults[p.name] = p.default if ":" in p.default else base + p.default
            values = picked(store, p.name)
            if not present(store, defaults[p.name]) and values:
                defaults[p.name] = values[0][0]
    note = ", ".join(f"{k}={short(v)}" for k, v in defaults.items() if v != query_default(query, k))
    found.append(
        Case(
            query.name,
            "defaults" + (f" ({note} for a default not in the data)" if note else ""),
            dict(defaults),
        )
    )
    for p in query.parameters:
        options: list[tuple[str, str]] = []
        if p.type == "iri":
            values = picked(store, p.name)
            if values:
                options.append(
                    (f"most used: {short(values[0][0])} ({values[0][1]:,})", values[0][0])
                )
                options.append(
                    (f"least used: {short(values[-1][0])} ({values[-1][1]:,})", values[-1][0])
                )
        elif p.name == "text":
            words = Counter(
                w.lower()
                for r in store.query(PREFIXES + NAMES)
                for w in WORD.findall(r["name"].value)
            )
            if words:
                common, uses = words.most_common(1)[0]
                options.append((f"a common word: {common!r} ({uses:,} names)", common))
                rare = min(words.items(), key=lambda kv: (kv[1], kv[0]))[0]
                options.append((f"a rare word: {rare!r}", rare))
        elif p.type == "integer":
            options += [(f"{v}", str(v)) for v in (2, 5) if str(v) != p.default]
        for label, value in options:
            params = {**defaults, p.name: value}
            if all(params != c.params for c in found):
                found.append(Case(query.name, f"{p.name}: {label}", params))
    if query.pagination:
        projects = int(next(iter(store.query(PREFIXES + PROJECTS)))["n"].value)
        middle = max(2, projects // query.pagination // 2)
        found.append(Case(query.name, f"page {middle}", dict(defaults), page=middle))
    return found


def query_default(query: NamedQuery, name: str) -> str | None:
    """The declared default of parameter ``name``."""
    return next((p.default for p in query.parameters if p.name == name), None)


# ------------------------------------------------------------------------------------------
# Timing on the embedded store


class Runner(Protocol):
    """Runs the forms of one case on an engine."""

    def run(self, form: str, text: str, keep: bool) -> tuple[float | None, Any, str | None]:
        """(seconds, the answer's bytes if ``keep``, failure) of one run of ``form``."""
        ...

    def close(self) -> None:
        """Release what the runs of the case took."""
        ...


class Forked:
    """The forms of a case in one worker forked from this process (one copy-on-write copy of
    what they touch); a worker forked after a timeout is warmed by an untimed run first."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.worker: Worker | None = None

    def run(self, form: str, text: str, keep: bool) -> tuple[float | None, Any, str | None]:
        if self.worker is None or not self.worker.process.is_alive():
            self.worker = Worker()
            if not keep:  # a timed run: not in a cold worker
                _, _, failure = self.worker.run(text, self.timeout, False)
                if failure:
                    return None, None, failure
        return self.worker.run(text, self.timeout, keep)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


def time_case(
    case: Case, texts: dict[str, str], runner: Runner, runs: int, budget: float
) -> dict[str, bytes]:
    """Check, then time, each form of ``case``, the forms taking turns; the check answers."""
    bodies: dict[str, bytes] = {}
    try:
        for name, text in texts.items():
            form = case.forms[name] = Form()
            form.check_seconds, body, form.failure = runner.run(name, text, True)
            if body is not None:
                bodies[name] = body
        live = [n for n in texts if case.forms[n].failure is None]
        for i in range(runs):
            for name in list(live):
                form = case.forms[name]
                if i >= 1 and sum(form.samples) > budget:
                    live.remove(name)
                    continue
                seconds, _, failure = runner.run(name, texts[name], False)
                if failure or seconds is None:
                    form.failure = failure
                    live.remove(name)
                else:
                    form.samples.append(seconds)
    finally:
        runner.close()
    return bodies


def check_case(case: Case, text: str, bodies: dict[str, bytes], graph: bool) -> None:
    """Rows of each form, and the rewritten form's against the current one."""
    rows: dict[str, list[Row]] = {}
    variables: list[str] = []
    for name, body in bodies.items():
        if graph:
            rows[name] = graph_rows(body)
        else:
            variables, rows[name] = json_rows(body)
        case.forms[name].rows = len(rows[name])
    if CURRENT in rows and REWRITTEN in rows:
        case.same_rows, case.order, case.note = compare(
            text, variables, rows[CURRENT], rows[REWRITTEN]
        )


def load_store(dist: Path, say: Say) -> tuple[ox.Store, float]:
    """The build loaded as the server loads it, and the seconds it took."""
    started = time.perf_counter()
    store = ox.Store()
    load_build(store, str(dist / DATASET_DUMP))
    seconds = time.perf_counter() - started
    say(f"  loaded {len(store):,} quads in {seconds:.1f} s")
    return store, seconds


def forms_of(query: NamedQuery, rewrites: Path, problems: list[str]) -> dict[str, NamedQuery]:
    """The current form and, when there is one, the rewritten form (same header)."""
    forms = {CURRENT: query}
    path = rewrites / query.path.name
    if not path.is_file():
        return forms
    try:
        rewritten = load_query(path)
    except Exception as e:
        problems.append(f"{path}: does not load: {e}")
        return forms
    if header(rewritten.text) != header(query.text):
        problems.append(f"{path}: its #+ header differs from {query.path.name}'s")
    if [(p.name, p.type) for p in rewritten.parameters] != [
        (p.name, p.type) for p in query.parameters
    ]:
        problems.append(f"{path}: its parameters differ from {query.path.name}'s")
        return forms
    forms[REWRITTEN] = rewritten
    return forms


def header(text: str) -> list[str]:
    """The ``#+`` lines of a query file."""
    return [line for line in text.splitlines() if line.startswith("#+")]


def run_oxigraph(
    subject: Subject, dist: Path, queries: list[NamedQuery], args: argparse.Namespace, say: Say
) -> None:
    """Every case of every query on the embedded store."""
    global _STORE
    base_iri = load_settings(args.root).base_iri
    store, subject.load_seconds = load_store(dist, say)
    subject.quads = len(store)
    subject.rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _STORE = store
    try:
        for query in queries:
            forms = forms_of(query, args.rewrites, subject.problems)
            found = cases(query, store, base_iri)
            first = found[0]
            for case in found:
                texts = {n: f.prepare(case.params, base_iri, case.page) for n, f in forms.items()}
                started = time.perf_counter()
                runner = Forked(args.timeout)
                runs = args.runs if case is first else args.extra_runs
                bodies = time_case(case, texts, runner, runs, args.budget)
                check_case(case, texts[CURRENT], bodies, query.returns_graph)
                subject.cases.append(case)
                say(f"    {case_line(case)} ({time.perf_counter() - started:.0f} s)")
                if case.same_rows is False:
                    subject.problems.append(f"{query.name} [{case.label}]: {case.note}")
    finally:
        _STORE = None


def case_line(case: Case) -> str:
    """One line of progress about a case."""
    parts = [f"{case.query} [{case.label}]"]
    for name, form in case.forms.items():
        parts.append(f"{name} {form.failure or ms(form.median) + ' ms'} ({form.rows} rows)")
    if case.speedup:
        parts.append(f"x{case.speedup:.2f}")
    if case.same_rows is not None:
        parts.append(f"same rows: {'yes' if case.same_rows else 'NO'}, order {case.order}")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------
# Timing on Virtuoso


@contextlib.contextmanager
def virtuoso_with(
    dist: Path, args: argparse.Namespace, work: Path, say: Say
) -> Iterator[tuple[Any, str]]:
    """A private Virtuoso with the build published into it: (the server, its version graph)."""
    from projectgraph.publish.remote import default_graph, publish_build
    from projectgraph.store.client import Endpoints, SparqlStore, credentials, version_graph
    from projectgraph.store.loading import ServedBuild
    from tests.virtuoso import USER, start_virtuoso

    manifest = json.loads((dist / "build.json").read_text())
    base_iri = load_settings(args.root).base_iri
    graph = default_graph(base_iri)
    say(f"  starting Virtuoso ({args.virtuoso_memory_mb:,} MB) in {work} ...")
    server = start_virtuoso(work, memory_mb=args.virtuoso_memory_mb, wait=300.0)
    try:
        endpoints = Endpoints(
            query=server.sparql_auth, update=server.sparql_auth, graph_store=server.graph_store
        )
        store = SparqlStore(endpoints, credentials(USER), timeout=600.0)
        started = time.perf_counter()
        try:
            publish_build(store, ServedBuild(folder=dist.resolve(), manifest=manifest), graph)
        finally:
            store.close()
        say(f"  published {manifest['triples']:,} triples in {time.perf_counter() - started:.0f} s")
        yield server, version_graph(graph, str(manifest["build_id"]))
    finally:
        server.stop()


@dataclass
class Remote:
    """The forms of a case POSTed to Virtuoso's ``/sparql`` as projectgraph forwards them."""

    client: Any  # httpx.Client
    endpoint: str
    version: str  # the version graph, the dataset
    accept: str
    timeout: float

    def run(self, form: str, text: str, keep: bool) -> tuple[float | None, Any, str | None]:
        import httpx

        from projectgraph.store.client import NO_GRAPH

        data = {
            "query": without_comments(text),
            "default-graph-uri": self.version,
            "named-graph-uri": NO_GRAPH,
            "timeout": str(int(self.timeout * 1000)),  # ms: Virtuoso stops the query too
        }
        started = time.perf_counter()
        try:
            answer = self.client.post(self.endpoint, data=data, headers={"Accept": self.accept})
        except httpx.HTTPError as e:
            return None, None, type(e).__name__
        seconds = time.perf_counter() - started
        if answer.status_code != 200:
            return None, None, f"HTTP {answer.status_code}: {answer.text[:200]}"
        if answer.headers.get("x-sql-state"):  # Virtuoso's partial ("anytime") answer
            return None, None, f"timeout (partial answer, {answer.headers['x-sql-state']})"
        return seconds, answer.content if keep else None, None

    def close(self) -> None:
        pass


def run_virtuoso(
    subject: Subject, dist: Path, queries: list[NamedQuery], args: argparse.Namespace, say: Say
) -> None:
    """Every case of every query on a private Virtuoso, with the parameter values of the
    embedded run of the same build (this run's or an earlier one's)."""
    import httpx

    from bench.remote import QuickAckTransport, answer_rows

    base_iri = load_settings(args.root).base_iri
    previous = args.embedded_cases.get(subject.label) or [
        c
        for s in saved(args.out / "query_plans.json").values()
        if s.engine == OXIGRAPH and s.label == subject.label
        for c in s.cases
    ]
    if not previous:
        raise SystemExit(f"{subject.label}: no embedded run to take parameter values from")
    work = Path(tempfile.mkdtemp(prefix="pg-query-plans-", dir="/tmp"))
    client = httpx.Client(
        transport=QuickAckTransport(),
        timeout=httpx.Timeout(args.timeout + 10, connect=10.0),
        headers={"Accept-Encoding": "identity"},
        trust_env=False,
    )
    try:
        with client, virtuoso_with(dist, args, work, say) as (server, version):
            for query in queries:
                forms = forms_of(query, args.rewrites, subject.problems)
                graph = query.returns_graph
                accept = "application/n-triples" if graph else "application/sparql-results+json"
                runner = Remote(client, server.sparql, version, accept, args.timeout)
                for template in (c for c in previous if c.query == query.name):
                    case = Case(query.name, template.label, template.params, template.page)
                    texts = {
                        n: f.prepare(case.params, base_iri, case.page) for n, f in forms.items()
                    }
                    runs = args.runs if template.label.startswith("defaults") else args.extra_runs
                    bodies = time_case(case, texts, runner, runs, args.budget)
                    check_case(case, texts[CURRENT], bodies, graph)
                    if case.same_rows is False and len(bodies) == 2:
                        # Virtuoso may write a number of each form its own way (1.0, 1):
                        # compared as bench.remote compares, numbers to 9 digits.
                        loose = {n: answer_rows(b, graph) for n, b in bodies.items()}
                        if loose[CURRENT] == loose[REWRITTEN]:
                            case.same_rows, case.note = True, "numbers to 9 digits"
                    if case.same_rows is False:
                        subject.problems.append(f"{query.name} [{case.label}]: {case.note}")
                    subject.cases.append(case)
                    say(f"    {case_line(case)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------------------------------
# The report


def seconds_text(seconds: float | None) -> str:
    """A duration in ms, or s past 10 s."""
    if seconds is None:
        return "-"
    return f"{seconds:,.1f} s" if seconds >= 10 else ms(seconds)


def form_text(form: Form | None) -> str:
    """A form's median (ms), or its failure; '(1 run)' when it had a single timed run."""
    if form is None:
        return "-"
    if form.median is None and form.check_seconds is not None:  # checked, not timed
        return f"{seconds_text(form.check_seconds)} (1 check run)"
    if form.median is None:
        return form.failure or "-"
    text = seconds_text(form.median)
    if form.failure:
        text += f" ({form.failure} after)"
    return text


def speedup_text(case: Case, timeout: float) -> str:
    """The speed-up, or its lower bound where the current form timed out."""
    if case.speedup:
        return f"{case.speedup:.2f}"
    old, new = case.forms.get(CURRENT), case.forms.get(REWRITTEN)
    if old and new and new.median and old.failure and old.failure.startswith("timeout"):
        return f"> {timeout / new.median:.0f}"
    return "-"


def same_text(subject: Subject, name: str) -> str:
    """Whether the rewritten form gave the current form's rows in every case of a query."""
    checked = [c.same_rows for c in subject.cases if c.query == name and c.same_rows is not None]
    cases = sum(1 for c in subject.cases if c.query == name and REWRITTEN in c.forms)
    if not cases:
        return "-"
    if not checked:
        return "not checked"
    verdict = "yes" if all(checked) else "NO"
    return f"{verdict} ({len(checked)}/{cases} cases)"


def summary_table(embedded: list[Subject], remote: list[Subject], queries: list[str]) -> str:
    """Per query and size, the defaults case: current and rewritten forms on the embedded
    engine (and on Virtuoso where measured), the speed-up, whether the rows were the same in
    every case, and the embedded time over Virtuoso's for the form a server runs."""
    header = [
        "query",
        "size",
        "current",
        "rewritten",
        "speed-up",
        "same rows",
        "Virtuoso: current",
        "rewritten",
        "embedded / Virtuoso",
    ]
    rows = []
    for name in queries:
        for e in embedded:
            case = next((c for c in e.cases if c.query == name), None)
            if case is None:
                continue
            r = next((r for r in remote if r.label == e.label), None)
            theirs = next((c for c in r.cases if c.query == name), None) if r else None
            new = case.forms.get(REWRITTEN)
            ours, other = best(case), best(theirs) if theirs else None
            ratio = (
                ours.median / other.median
                if ours and other and ours.median and other.median
                else None
            )
            rows.append(
                [
                    name,
                    e.label,
                    form_text(case.forms.get(CURRENT)),
                    form_text(new) if new else "no rewrite",
                    speedup_text(case, e.timeout),
                    same_text(e, name),
                    form_text(theirs.forms.get(CURRENT)) if theirs else "-",
                    form_text(theirs.forms.get(REWRITTEN)) if theirs and new else "-",
                    f"{ratio:.2f}" if ratio else "-",
                ]
            )
    return table(header, rows, right={2, 3, 4, 6, 7, 8})


def best(case: Case) -> Form | None:
    """The form a server would run: the rewritten one where there is one."""
    return case.forms.get(REWRITTEN) or case.forms.get(CURRENT)


def detail_table(subject: Subject) -> str:
    """Every case of one subject."""
    header = ["query", "case", "rows", "current", "rewritten", "speed-up", "same rows", "order"]
    rows = []
    for c in subject.cases:
        old, new = c.forms.get(CURRENT), c.forms.get(REWRITTEN)
        counts = {f.rows for f in c.forms.values() if f.rows is not None}
        rows.append(
            [
                c.query,
                c.label,
                ", ".join(f"{n:,}" for n in sorted(counts)) or "-",
                form_text(old),
                form_text(new) if new else "no rewrite",
                speedup_text(c, subject.timeout),
                "-" if c.same_rows is None else ("yes" if c.same_rows else "NO"),
                c.order if new else "-",
            ]
        )
    return table(header, rows, right={2, 3, 4, 5})


def report(subjects: list[Subject]) -> str:
    """QUERY_PLANS.md from every subject measured so far."""
    out: list[str] = []
    put = out.append
    put("# Named queries: current and rewritten forms (bench/query_rewrites)\n")
    put(
        "Written by `python -m bench.query_plans` (see its docstring for the method); each size "
        "below may come from a separate run, with its own date and command. The rewritten "
        "forms measured here are now the shipped ones in `queries/` (adopted on 2026-12-03, "
        "checked against the build's materialized answers by tests/test_materialized.py); "
        "*current* is the form each replaced."
    )
    put("")
    out.extend(machine())
    put(
        "- 2 cores shared with other work (other sessions' builds, tests and benchmarks ran "
        "at the same time): the load average of each run is given; the two forms of a query "
        "take turns, so that load weighs on both alike"
    )
    put(
        "- a run: the query prepared as the API prepares it (defaults bound, first page), run "
        "and its whole answer serialized (SPARQL JSON; N-Triples for CONSTRUCT) in a worker "
        "process forked from the one that loaded the build as the server does (in memory, "
        "named graphs and merged default graph); median of the timed runs after one untimed, "
        "checked run. Virtuoso: POST to its `/sparql`, the version graph as the dataset, "
        "timed at the client"
    )
    put("")
    embedded = [s for s in subjects if s.engine == OXIGRAPH]
    remote = [s for s in subjects if s.engine == VIRTUOSO]
    names = sorted({c.query for s in subjects for c in s.cases})
    put("## Per query and size: the defaults case, median\n")
    put(
        "Times in ms (s where marked); *speed-up*: current / rewritten (a lower bound where "
        "the current form timed out); *same rows*: in how many cases (parameter values, see "
        "below) the rewritten form gave exactly the current form's rows; *embedded / "
        "Virtuoso*: the form a server runs (rewritten where there is one) on each engine.\n"
    )
    put(summary_table(embedded, remote, names))
    put("")
    put("## Runs\n")
    for s in subjects:
        put(
            f"- {s.engine}, {s.label}: {s.date}; `{s.command}`; {s.projects:,} projects, "
            f"{s.triples:,} triples"
            + (
                f" ({s.quads:,} quads in the store), loaded in {s.load_seconds:.1f} s, peak "
                f"RSS {s.rss_mib:,.0f} MiB"
                if s.engine == OXIGRAPH
                else ""
            )
            + f"; {s.runs} runs ({s.extra_runs} for the other cases), timeout {s.timeout:g} s, "
            f"budget {s.budget:g} s per form; "
            f"load average {s.load_average[0]:.2f} at the start, {s.load_average[1]:.2f} at the end"
        )
    for s in subjects:
        put(f"\n## Every case: {s.engine}, {s.label}\n")
        put(detail_table(s))
    put("\n## Problems\n")
    problems = [f"{s.engine}, {s.label}: {p}" for s in subjects for p in s.problems]
    if problems:
        out.extend(f"- {p}" for p in problems)
    else:
        put("- none: every rewritten form gave the same rows as the current one")
    return "\n".join(out) + "\n"


def subject_from(data: dict[str, Any]) -> Subject:
    """A Subject from its JSON."""
    cases = []
    for c in data.pop("cases"):
        forms = {k: Form(**v) for k, v in c.pop("forms").items()}
        cases.append(Case(**c, forms=forms))
    data["load_average"] = tuple(data["load_average"])
    return Subject(**data, cases=cases)


def merged(earlier: Subject | None, later: Subject) -> Subject:
    """``later``, with the cases of ``earlier`` (the same engine and label) for the queries
    ``later`` did not measure (a run of some queries only)."""
    if earlier is None:
        return later
    names = {c.query for c in later.cases}
    kept = [c for c in earlier.cases if c.query not in names]
    if not kept:
        return later
    later.cases = sorted(kept + later.cases, key=lambda c: c.query)  # stable: cases in order
    later.command = f"{earlier.command}; then {later.command} (for {', '.join(sorted(names))})"
    later.problems = [
        p for p in earlier.problems if p.split(" ", 1)[0] not in names
    ] + later.problems
    return later


def saved(path: Path) -> dict[str, Subject]:
    """The subjects of earlier runs, by key."""
    if not path.is_file():
        return {}
    return {k: subject_from(v) for k, v in json.loads(path.read_text())["subjects"].items()}


# ------------------------------------------------------------------------------------------
# The run


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.query_plans",
        description="Time the named queries against their rewritten forms "
        "(bench/query_rewrites) on builds, and check they give the same rows.",
    )
    parser.add_argument(
        "--dist", type=Path, action="append", required=True, help="a build folder (repeatable)"
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        help="the name in the tables of the --dist of the same rank (default: N projects)",
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per form and case (5)")
    parser.add_argument(
        "--extra-runs",
        type=int,
        help="timed runs of the cases other than the defaults (--runs)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="s a run may take (120)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="s of timed runs per form and case, after the first (60)",
    )
    parser.add_argument("--queries", help="only these queries, comma-separated")
    parser.add_argument(
        "--engines", default=OXIGRAPH, help="oxigraph, virtuoso or both, comma-separated"
    )
    parser.add_argument(
        "--rewrites", type=Path, help="folder of rewritten forms (default bench/query_rewrites)"
    )
    parser.add_argument(
        "--virtuoso-memory-mb", type=int, default=4096, help="Virtuoso's memory (4096)"
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the repository (.)")
    parser.add_argument("--out", type=Path, help="results folder (ROOT/bench/results)")
    parser.add_argument("--no-write", action="store_true", help="print, write no results")
    args = parser.parse_args(argv)
    args.extra_runs = args.runs if args.extra_runs is None else args.extra_runs
    args.root = args.root.resolve()
    args.rewrites = (args.rewrites or args.root / "bench" / "query_rewrites").resolve()
    args.out = (args.out or args.root / "bench" / "results").resolve()
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not set(args.engines) <= set(ENGINES) or not args.engines:
        parser.error(f"--engines: one or more of {', '.join(ENGINES)}")
    if len(args.label) > len(args.dist):
        parser.error("more --label than --dist")
    for dist in args.dist:
        if not (dist / "build.json").is_file():
            parser.error(f"{dist}: not a build folder (no build.json)")
    args.command = shlex.join(
        ["python", "-m", "bench.query_plans", *(sys.argv[1:] if argv is None else argv)]
    )
    args.embedded_cases = {}
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; 0 if every rewritten form gave the same rows."""
    args = arguments(argv)
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", file=sys.stderr, flush=True)

    wanted = {q.strip() for q in (args.queries or "").split(",") if q.strip()}
    queries = [q for q in load_queries(args.root / "queries") if not wanted or q.name in wanted]
    results_path = args.out / "query_plans.json"
    subjects = saved(results_path)
    measured: list[Subject] = []
    for number, dist in enumerate(args.dist):
        dist = dist.resolve()
        manifest = json.loads((dist / "build.json").read_text())
        projects = projects_of(dist)
        given = args.label[number] if number < len(args.label) else ""
        label = given or f"{projects:,} projects"
        for engine in args.engines:
            subject = Subject(
                engine=engine,
                label=label,
                projects=projects,
                dist=str(dist),
                date=dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                command=args.command,
                triples=int(manifest["triples"]),
                runs=args.runs,
                extra_runs=args.extra_runs,
                timeout=args.timeout,
                budget=args.budget,
                load_average=(os.getloadavg()[0], 0.0),
            )
            say(f"{dist} on {engine} ...")
            if engine == OXIGRAPH:
                run_oxigraph(subject, dist, queries, args, say)
            else:
                run_virtuoso(subject, dist, queries, args, say)
            if engine == OXIGRAPH:
                args.embedded_cases[subject.label] = subject.cases
            subject.load_average = (subject.load_average[0], os.getloadavg()[0])
            measured.append(subject)
            subjects[subject.key] = merged(subjects.get(subject.key), subject)
    for s in measured:
        for p in s.problems:
            say(f"problem: {s.engine}, {s.label}: {p}")
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        ordered = sorted(subjects.values(), key=lambda s: (ENGINES.index(s.engine), s.projects))
        raw = {"subjects": {s.key: asdict(s) for s in ordered}}
        results_path.write_text(json.dumps(raw, indent=1) + "\n")
        (args.out / "QUERY_PLANS.md").write_text(report(ordered))
        say(f"wrote {args.out / 'QUERY_PLANS.md'} and {results_path}")
    return 1 if any(s.problems for s in measured) else 0


def projects_of(dist: Path) -> int:
    """The number of projects of a build, from its merged graph."""
    count = 0
    marker = b"<http://data.europa.eu/s66#Project> ."
    with gzip.open(dist / "projectgraph.nt.gz", "rb") as dump:
        for line in dump:
            if line.rstrip().endswith(marker) and b"22-rdf-syntax-ns#type>" in line:
                count += 1
    return count


if __name__ == "__main__":
    sys.exit(main())
