"""Named-query answers computed once per build: ``answers.sqlite`` and ``answers/`` in the
build folder, and the search index, ``search.sqlite``.

A stage of ``publish``: the merged graph (the server's default graph) is loaded into an
in-memory Oxigraph store and each named query runs once, in the form
:func:`projectgraph.sparql.grouped.plan` gives it: parameter-free queries whole, an IRI
parameter's answers for every value in one grouped run, threshold and text parameters at
their loosest value. Each query's rows go into an SQLite file of its own (standard library),
``answers/<name>.sqlite``, as the bytes the server sends (a plain JSON object, and the TSV line
pyoxigraph writes, from which the other formats are written), in blocks of consecutive rows of
one key, so serving a named query is reading a few blocks by (key, first row) and joining
slices of bytes. Rows a threshold or a text filters are also kept one by one; texts are found
through an FTS5 trigram index of their folded form (case and accents), shorter ones by
``instr``. ``answers.sqlite`` lists the queries: materialized or why not, how many rows, and
each file's SHA-256.

On a larger graph the queries run in a child process that loads the graph once and runs them
one by one, each with a time budget: Oxigraph cannot cancel a query, and a grouped form the
engine plans badly must not hold the build for hours, so the child is killed and a new one
takes the queries left. A query past its budget is left to the
engine (the listing says ``"materialized": false``); so are graph queries and anything
:func:`~projectgraph.sparql.grouped.plan` refuses.

A rebuild keeps a query's file from the build served now when no triple it can match
changed: each query's footprint (:mod:`projectgraph.sparql.footprint`, the predicates it
reads) is compared with the predicates whose triples differ, told by per-predicate digests of
the merged graph that ``answers.sqlite`` keeps (:func:`~projectgraph.build.prepare.merged_digests`).
The file is hard-linked into the new build (a build's files are never written once published),
and read once for its SHA-256, which must be the one the served build recorded. A query's file
is written from its rows alone, so a kept file is the same, byte for byte, as a build from
scratch writes.

When the store would hold more than ``memory_triples`` triples (the setting
``answers_memory_triples``; counted from the sources' counts per predicate and class, see
:func:`loaded_triples`, before anything is loaded), it is held to that bound in memory, loaded
in rounds (:mod:`~projectgraph.publish.store_rounds`): each round what the next search facts or
queries read, one pass over the graph each. Only when one fact or query by itself would pass
the bound are the triples loaded into a temporary on-disk store beside the folder instead:
queries on it are slower (4.5 times at 100,000 projects) but the process no longer grows with
the data (at 500,000 projects an in-memory graph outgrew the machine). The answers are the
same bytes either way.

The same loaded graph is indexed for search first (:mod:`projectgraph.publish.search_index`,
into ``search.sqlite``), so the graph is loaded once for both.

The files are part of the build (their checksums are in ``SHA256SUMS`` and the manifest, so in
the build id) and switched with it. :class:`AnswerFile` reads them, read-only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import struct
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.build.partition import selected_form, with_predicates
from projectgraph.files import read_sha256
from projectgraph.memory import no_cycle_collection
from projectgraph.progress import name_process
from projectgraph.publish.readonly import ReadOnlyDatabase
from projectgraph.publish.search_index import (
    KeptFacts,
    fact_selections,
    index_graph,
    missing_footprint,
    reread_selections,
)
from projectgraph.publish.store_rounds import Rounds, counted, covered, covers, plan_rounds
from projectgraph.rdf.vocab import RDF_TYPE
from projectgraph.sparql.footprint import LOAD_ORDER, footprint, selection
from projectgraph.sparql.grouped import Plan, plan
from projectgraph.sparql.named import NamedQuery
from projectgraph.sparql.results import Term, plain_json
from projectgraph.store.embedded import MERGED_DUMP

ANSWERS = "answers.sqlite"  # the list of queries
QUERY_FILES = "answers"  # the folder of the queries' files
SEARCH = "search.sqlite"
# Bump when the tables change: a server reading another layout uses the engine (4: a file
# per query).
LAYOUT = 4
BATCH = 2_000  # rows inserted at a time
# Rows kept together: a page or a whole answer is read as a few blocks of bytes, not row by
# row (a 10,000-row answer: 79 reads, not 10,000). Rows a filter picks are kept one by one too.
BLOCK = 128
PLAIN, TSV = b", ", b"\n"  # what separates rows in a plain JSON list, ends a TSV line
TRIGRAM = 3  # texts this long or longer are looked up in the FTS5 trigram index
# Seconds a query may take at build time: 30 us a triple (265 s at 100,000 projects, 8.85 M
# triples), at least a minute. The shipped queries take at most 1.4 s at 10,000 projects.
SECONDS_PER_TRIPLE = 30e-6
LEAST_BUDGET = 60.0
# Smaller graphs are answered in this process: a child's start (seconds) would be most of
# the stage, and no query on them runs long (the slowest shipped one: 2 s at 1,000 projects).
IN_PROCESS = 100_000
# Rows answered ahead by the engine (TSV bytes) that may wait to be written (see _Ahead).
AHEAD_BYTES = 256 * 1024 * 1024
_LIST = """
CREATE TABLE layout(version INTEGER NOT NULL);
CREATE TABLE queries(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, digest TEXT NOT NULL,
  materialized INTEGER NOT NULL, reason TEXT NOT NULL, rows INTEGER, plan TEXT NOT NULL,
  sha256 TEXT, bytes INTEGER);
CREATE TABLE graph_predicates(predicate TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID;
"""
_SCHEMA = """
CREATE TABLE layout(version INTEGER NOT NULL);
CREATE TABLE blocks(
  id INTEGER PRIMARY KEY, key TEXT NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL,
  plain_ends BLOB NOT NULL, plain BLOB NOT NULL, tsv_ends BLOB NOT NULL, tsv BLOB NOT NULL);
CREATE TABLE rows(
  key TEXT NOT NULL, seq INTEGER NOT NULL, num, word INTEGER, plain BLOB NOT NULL,
  tsv BLOB NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
CREATE TABLE words(id INTEGER PRIMARY KEY, folded TEXT NOT NULL UNIQUE);
"""
_INDEXES = """
CREATE UNIQUE INDEX blocks_at ON blocks(key, first);
CREATE INDEX rows_word ON rows(key, word, num) WHERE word IS NOT NULL;
CREATE INDEX rows_num ON rows(key, num) WHERE num IS NOT NULL;
"""
_SEARCH = """
CREATE VIRTUAL TABLE words_fts USING fts5(
  folded, content='words', content_rowid='id', tokenize='trigram case_sensitive 1');
INSERT INTO words_fts(words_fts) VALUES ('rebuild');
"""


def query_file(folder: Path, name: str) -> Path:
    """Where the build (or answers folder) ``folder`` keeps the rows of the query ``name``."""
    return folder / _named(name)


def _named(query: str) -> str:
    """The name of a query's file in a build folder (as ``SHA256SUMS`` lists it)."""
    return f"{QUERY_FILES}/{query}.sqlite"


@functools.cache
def trigram_search() -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (SQLite 3.34 and later,
    built with FTS5): without it, text parameters are left to the engine."""
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram case_sensitive 1')")
    except sqlite3.OperationalError:
        return False
    return True


def fold(text: str) -> str:
    """``text`` as searched: compatibility-decomposed, combining marks dropped, case folded
    (``Liège`` and ``LIEGE`` are both ``liege``; ``Straße`` is ``strasse``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    # Case folding can make decomposable characters again (rare): once more.
    decomposed = unicodedata.normalize("NFKD", bare)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def digest(query: NamedQuery) -> str:
    """What identifies a query's text: its answers are only used for the same text."""
    return _digest(query.text)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plan_digest(text: str) -> str:
    """What identifies the rows a plan gave: its text, and the code that ran and wrote it
    (another engine or writer may give other bytes for the same rows, or other rows)."""
    return _digest(f"{text}\0{__version__}\0{ox.__version__}\0{LAYOUT}\0{BLOCK}")


@dataclass(frozen=True)
class Written:
    """What the stage wrote into ``folder``: its files (by their names in a build folder: the
    SHA-256 and size of each), and per query its rows and seconds (or why not)."""

    folder: Path
    files: dict[str, tuple[str, int]]
    queries: dict[str, dict[str, object]]
    seconds: float
    search: dict[str, object] = field(default_factory=dict)  # what the search index holds
    # About how many triples the queries' store was to hold (see loaded_triples), whether it
    # was on disk, and in how many rounds it was loaded in memory (see store_rounds; 0: one
    # store for everything).
    store: tuple[int, bool, int] = (0, False, 0)

    def move_to(self, build: Path) -> Written:
        """The files moved into the build folder ``build`` (from a folder beside it, which is
        removed)."""
        for name in (ANSWERS, SEARCH, QUERY_FILES):
            if (self.folder / name).exists():
                os.replace(self.folder / name, build / name)
        shutil.rmtree(self.folder, ignore_errors=True)
        return dataclasses.replace(self, folder=build)


class GraphSource(Protocol):
    """Gives a graph as chunks of whole N-Triples lines (a triple may come more than once),
    with ``predicates`` (N-Triples forms) only the triples with one of them; a picklable
    object, as it is sent to the child process that loads the graph."""

    def __call__(self, predicates: frozenset[bytes] | None = None) -> Iterable[bytes]: ...


CHUNK = 16 << 20  # bytes of N-Triples loaded at a time
# The outcome of indexing for search comes back with the queries', under this name (no query
# file has it: names are file names without their extension).
SEARCH_JOB = "/search"


@dataclass(frozen=True)
class DumpGraph:
    """The graph of a gzipped N-Triples dump."""

    path: Path

    def __call__(self, predicates: frozenset[bytes] | None = None) -> Iterator[bytes]:
        with gzip.open(self.path, "rb") as dump:
            while chunk := dump.read(CHUNK):
                chunk += dump.readline()  # up to a line's end
                yield chunk if predicates is None else with_predicates(chunk, predicates)


class Background:
    """:func:`answer_graph` run in a thread while the build goes on: the queries run in
    their own process, so the build's other stages and the answers share the machine's
    cores instead of taking turns. :meth:`result` waits for the files; :meth:`cancel` stops
    the work and removes what it wrote."""

    def __init__(
        self,
        folder: Path,
        queries: Sequence[NamedQuery],
        base_iri: str,
        triples: int,
        graph: GraphSource,
        earlier: Earlier | None = None,
        memory_triples: int | None = None,
        counts: Mapping[str, int] | None = None,
        warm: Warm | None = None,
    ) -> None:
        self.folder = folder
        self._child: BaseProcess | None = None
        self._cancelled = False
        self._outcome: Written | BaseException | None = None
        self._thread = threading.Thread(
            target=self._run,
            args=(queries, base_iri, triples, graph, earlier, memory_triples, counts, warm),
            name="projectgraph-answers",
            daemon=True,
        )
        self._thread.start()

    def _run(
        self,
        queries: Sequence[NamedQuery],
        base_iri: str,
        triples: int,
        graph: GraphSource,
        earlier: Earlier | None,
        memory_triples: int | None,
        counts: Mapping[str, int] | None,
        warm: Warm | None,
    ) -> None:
        try:
            self._outcome = answer_graph(
                self.folder,
                queries,
                base_iri,
                triples,
                graph,
                self._started,
                lambda: self._cancelled,
                earlier,
                memory_triples,
                counts,
                warm,
            )
        except BaseException as e:  # handed to whoever waits for the result
            self._outcome = e

    def _started(self, child: BaseProcess) -> None:
        self._child = child
        if self._cancelled:  # cancelled while the last one was being replaced
            child.kill()

    def result(self) -> Written:
        """The written files, once the queries are done (their error, if they failed)."""
        self._thread.join()
        if isinstance(self._outcome, BaseException):
            raise self._outcome
        assert self._outcome is not None
        return self._outcome

    def cancel(self) -> None:
        """Stop the queries if they still run, and remove the files."""
        self._cancelled = True
        if self._thread.is_alive() and self._child is not None:
            self._child.kill()
        self._thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Earlier:
    """What a rebuild may keep answers from: the per-predicate digests of the graph now
    (:func:`~projectgraph.build.prepare.merged_digests`) and the folder of the build served
    now, if any."""

    digests: dict[str, str]
    previous: Path | None
    facts: Path | None = None  # where the search index's facts are kept between builds


@dataclass(frozen=True)
class _Job:
    """One query for the child: what it runs and how its rows are stored."""

    id: int
    name: str
    text: str
    keys: tuple[str, ...]  # variables whose values split the rows
    variables: tuple[str, ...]  # the original projection, written in each row
    number: str | None  # the threshold column
    word: str | None  # the text column
    # The predicates it reads (rdf:type perhaps only of some classes, see
    # sparql.footprint.selection), None for the whole graph (see _job): parsed before the
    # work starts, see answer_graph.
    reads: frozenset[str] | None = None


def write_answers(
    folder: Path, queries: Sequence[NamedQuery], base_iri: str, triples: int
) -> Written:
    """Run every materializable query of ``queries`` on the merged graph of the build in
    ``folder`` (its N-Triples dump) and write the answers and search index into it."""
    return answer_graph(folder, queries, base_iri, triples, DumpGraph(folder / MERGED_DUMP))


def answer_graph(
    folder: Path,
    queries: Sequence[NamedQuery],
    base_iri: str,
    triples: int,
    graph: GraphSource,
    started_child: Callable[[BaseProcess], None] = lambda child: None,
    cancelled: Callable[[], bool] = lambda: False,
    earlier: Earlier | None = None,
    memory_triples: int | None = None,
    counts: Mapping[str, int] | None = None,
    warm: Warm | None = None,
) -> Written:
    """Run every materializable query of ``queries`` on the merged graph ``graph`` gives
    (``triples``: about how many, which decides where queries run and their time budget)
    and write the answers and the search index into ``folder``. ``started_child`` is given
    the child process the queries run in, when they run in one (so it can be stopped). With
    ``earlier``, the files of queries no changed predicate reaches are kept from the build
    served now. When the store would hold more than ``memory_triples`` triples (None: no
    bound), counted by :func:`loaded_triples` with ``counts``, it is held to the bound in
    rounds, or, when one query or search fact passes it by itself, loaded into an on-disk
    store in ``<folder>.store``, removed at the end. ``cancelled`` says whether the child was
    killed by the caller (else a kill is the kernel's: see :class:`_Where`). ``warm`` is the
    answers process a build before in this process kept, with its store (see :class:`Warm`),
    and keeps this one's."""
    started = time.perf_counter()
    for name in (ANSWERS, SEARCH):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / QUERY_FILES, ignore_errors=True)
    (folder / QUERY_FILES).mkdir(parents=True)
    plans = [plan(q, base_iri) for q in queries]
    outcome: dict[str, dict[str, object]] = {
        p.query.name: {"materialized": False, "reason": p.reason} for p in plans
    }
    searchable = trigram_search()
    if not searchable:
        for p in plans:
            if p.materialized and p.contains:
                why = f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer (3.34+)"
                outcome[p.query.name] = {"materialized": False, "reason": why}
    jobs = [
        _job(i, p)
        for i, p in enumerate(plans, start=1)
        if p.materialized and (searchable or not p.contains)
    ]
    files: dict[str, tuple[str, int]] = {}
    candidates: list[_Candidate] = []
    if earlier is not None and earlier.previous is not None:
        jobs, candidates = _keepable(jobs, plans, earlier)
    kept = None
    if earlier is not None and earlier.facts is not None:
        served = earlier.previous / SEARCH if earlier.previous is not None else None
        kept = KeptFacts(earlier.facts, earlier.digests, served)
    # Every query is parsed here (the jobs' footprints, and the search facts' through this),
    # not where answers are read: rdflib's parser leaves the frames it ran under in reference
    # cycles, and a query's solutions held by one of those frames would be freed by the
    # garbage collector on another thread, which pyoxigraph refuses.
    missing_footprint(kept)
    # In this process a small graph is loaded whole (see _answer_jobs); the child loads what
    # the jobs and the search facts read.
    loading = loaded_triples(_needed(jobs, kept) if triples > IN_PROCESS else None, counts, triples)
    where = _Where(cancelled)
    if memory_triples is not None and loading > memory_triples:
        # In memory a round at a time, where each fact and query fits by itself; else on disk.
        planned = _rounds(jobs, kept, counts, memory_triples) if triples > IN_PROCESS else None
        if planned is None:
            where.on_disk = _store_folder(folder)
        else:
            where.rounds, jobs = planned
    rounds = len(where.rounds.rounds) if where.rounds else 0

    def answer(jobs: list[_Job], index: bool) -> None:
        """Run ``jobs`` (and index the graph for search when ``index``); each file is read for
        its SHA-256 as it comes, while the next query runs."""
        if triples <= IN_PROCESS:
            results = _answer_jobs(graph, folder, jobs, kept, where.on_disk, index)
        else:
            # With rounds, a job's budget includes loading its round (a pass over the graph).
            budget = max(LEAST_BUDGET, SECONDS_PER_TRIPLE * triples)
            needed = _needed(jobs, kept, index)
            results = _run_jobs(
                graph, needed, folder, jobs, kept, budget, started_child, where, index,
                warm, earlier.digests if earlier is not None else None,
            )  # fmt: skip
        for name, result in results:
            outcome[name] = result
            if name == SEARCH_JOB:
                if result.get("indexed"):
                    files[SEARCH] = _file_digest(folder / SEARCH)
            elif result["materialized"]:
                files[_named(name)] = _file_digest(query_file(folder, name))

    try:
        # The files kept are linked and read for their digests while the others are
        # answered: at 100,000 projects, a gigabyte and more to read before the child
        # started. A kept file found changed has its query answered after the others.
        with ThreadPoolExecutor(1, thread_name_prefix="projectgraph-keep") as pool:
            linking = pool.submit(_link_kept, candidates, folder)
            try:
                answer(jobs, index=True)
            finally:
                linked = linking.result()
        again = []
        for c in candidates:
            if c.job.name in linked:
                files[_named(c.job.name)] = linked[c.job.name]
                outcome[c.job.name] = {
                    "materialized": True, "rows": c.rows, "seconds": 0.0, "copied": True
                }  # fmt: skip
            else:
                again.append(c.job)
        if again and where.rounds is not None and memory_triples is not None:
            # Not in the plan: rounds of their own, or on disk.
            planned = _rounds(again, kept, counts, memory_triples, facts=False)
            if planned is None:
                where.on_disk, where.rounds = _store_folder(folder), None
            else:
                where.rounds, again = planned
        if again:
            answer(again, index=False)
    finally:
        shutil.rmtree(_store_folder(folder), ignore_errors=True)  # if it went on disk
    search = outcome.pop(SEARCH_JOB, {"indexed": False, "reason": "the graph was not loaded"})
    if not search.get("indexed"):  # what a failed index left
        _remove_search(folder)
    listed = []
    for i, p in enumerate(plans, start=1):
        name, result = p.query.name, outcome[p.query.name]
        if not result["materialized"]:  # what a killed child, or a failed query, left
            query_file(folder, name).unlink(missing_ok=True)
        sha256, size = files.get(_named(name), (None, None))
        materialized = 1 if result["materialized"] else 0
        reason = str(result.get("reason", ""))
        listed.append(
            (i, name, digest(p.query), materialized, reason, result.get("rows"),
             _plan_digest(p.text), sha256, size)
        )  # fmt: skip
    with contextlib.closing(sqlite3.connect(folder / ANSWERS)) as db:
        db.executescript(_LIST)
        db.execute("INSERT INTO layout VALUES (?)", (LAYOUT,))
        db.executemany("INSERT INTO queries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", listed)
        db.executemany(
            "INSERT INTO graph_predicates VALUES (?, ?)",
            sorted((earlier.digests if earlier else {}).items()),
        )
        db.commit()
    files[ANSWERS] = _file_digest(folder / ANSWERS)
    seconds = round(time.perf_counter() - started, 3)
    return Written(folder, files, outcome, seconds, search, (loading, where.went_on_disk, rounds))


@dataclass
class _Where:
    """Where the answers child holds its store: on disk at ``on_disk``, else in memory (in
    ``rounds``, if given). A child holding it in memory that the kernel kills (out of memory,
    see :func:`_killed_by_kernel`) is followed by one on disk (see :meth:`on_disk_after_kill`);
    ``cancelled`` tells the caller's kills (of a build that stops) from the kernel's."""

    cancelled: Callable[[], bool] = lambda: False
    on_disk: Path | None = None
    rounds: Rounds | None = None

    @property
    def went_on_disk(self) -> bool:
        """Whether some child's store was (or is to be) on disk: once there, it stays."""
        return self.on_disk is not None

    def on_disk_after_kill(self, fallback: Path) -> bool:
        """Whether the store goes to disk at ``fallback`` now that a child holding it in
        memory was killed by the kernel: only once, from memory."""
        if self.on_disk is not None or self.cancelled():
            return False
        self.on_disk, self.rounds = fallback, None
        return True


def _rounds(
    jobs: Sequence[_Job],
    kept: KeptFacts | None,
    counts: Mapping[str, int] | None,
    limit: int,
    facts: bool = True,
) -> tuple[Rounds, list[_Job]] | None:
    """The rounds of an in-memory store of at most ``limit`` counted triples that read the
    search facts not ``kept`` (with ``facts``) and then run ``jobs`` (see
    :func:`~projectgraph.publish.store_rounds.plan_rounds`), and the jobs in their order;
    None when a fact or a job by itself needs more (a fact about named resources may be read
    again though kept), or some job's footprint is unknown."""
    if counts is None or any(job.reads is None for job in jobs):
        return None
    if any(counted(s, counts) > limit for s in reread_selections()):
        return None
    read = fact_selections(kept) if facts else []
    return plan_rounds(read, jobs, lambda job: job.reads or frozenset(), counts, limit)


def _file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 and size of the file at ``path``."""
    return read_sha256(path), path.stat().st_size


def _store_folder(folder: Path) -> Path:
    """Where the answers written into ``folder`` have their graph loaded when it goes on
    disk."""
    return folder.with_name(folder.name + ".store")


def _job(id: int, p: Plan) -> _Job:
    reads = selection(p.text)
    return _Job(
        id=id,
        name=p.query.name,
        text=p.text,
        keys=tuple(k.variable for k in p.keys),
        variables=p.query.variables,
        number=p.threshold.materialize.column if p.threshold and p.threshold.materialize else None,
        word=p.contains.materialize.column if p.contains and p.contains.materialize else None,
        reads=None if reads is None or LOAD_ORDER in reads else reads,
    )


def loaded_triples(
    needed: frozenset[str] | None, counts: Mapping[str, int] | None, triples: int
) -> int:
    """About how many triples a store of ``needed``'s entries (None: all; see :func:`_needed`)
    holds, by the sources' ``counts`` of each (see
    :func:`~projectgraph.build.prepare.merged_counts`; None: not counted); ``triples``, the
    graph's, when either is None. A description several sources share counts once per source:
    more than the store holds, never less (when what is loaded is ``needed``)."""
    if needed is None or counts is None:
        return triples
    return counted(needed, counts)


def _needed(
    jobs: Sequence[_Job], kept: KeptFacts | None, index: bool = True
) -> frozenset[str] | None:
    """The predicates whose triples the jobs that run and the search facts not ``kept`` read,
    loaded before any of them runs; None when some job's footprint is unknown or depends on
    the order triples are loaded in: then the whole graph. What a fact about resources that
    changed reads is loaded when that happens (see :class:`_Loading`).

    A third of the graph is read by no query (participations' EURIO links, provenance,
    checksums, geometries): a store without it holds the same answers, in less memory and
    loaded sooner. A rebuild loads only what its changes reach: nothing, when they reach no
    query and no fact of the search index."""
    needed = set(missing_footprint(kept)) if index else set()
    for job in jobs:
        if job.reads is None:
            return None
        needed |= job.reads
    return frozenset(needed)


@dataclass(frozen=True)
class _Candidate:
    """A query whose file the served build has and this build may keep: see :func:`_keepable`."""

    job: _Job
    source: Path  # the served build's file
    sha256: str  # as the served build lists it
    rows: int


def _keepable(
    jobs: list[_Job], plans: Sequence[Plan], earlier: Earlier
) -> tuple[list[_Job], list[_Candidate]]:
    """``jobs`` split into those to run and those whose file may be kept from the build
    ``earlier.previous``, which lists it: the same query and plan text, materialized there,
    and no predicate of the query's footprint with other triples now than there. A query
    without a footprint always runs. Whether a file is kept is decided when it is linked and
    read (:func:`_link_kept`)."""
    assert earlier.previous is not None
    old = ReadOnlyDatabase(earlier.previous / ANSWERS)
    try:
        old.check_layout("layout", LAYOUT)
        with old.connection() as db:
            before = dict(db.execute("SELECT predicate, digest FROM graph_predicates"))
            stored = {
                name: (rows, query_digest, plan_digest, sha256)
                for name, rows, query_digest, plan_digest, sha256 in db.execute(
                    "SELECT name, rows, digest, plan, sha256 FROM queries WHERE materialized = 1"
                )
            }
    except (sqlite3.Error, ValueError, TypeError):  # missing, unreadable, another layout
        return jobs, []
    finally:
        old.close()
    if not before:  # answers made without digests (from a dump): nothing to compare with
        return jobs, []
    digests = earlier.digests
    changed = {p for p in before.keys() | digests.keys() if before.get(p) != digests.get(p)}
    texts = {p.query.name: p for p in plans}
    left, candidates = [], []
    for job in jobs:
        p = texts[job.name]
        found = stored.get(job.name)
        if found is not None and found[1:3] == (digest(p.query), _plan_digest(p.text)):
            reads = footprint(p.text)  # parsed only for a query the file has (about 50 ms)
            if reads is not None and not reads & changed:
                source = query_file(earlier.previous, job.name)
                candidates.append(_Candidate(job, source, found[3], found[0]))
                continue
        left.append(job)
    return left, candidates


def _link_kept(candidates: Sequence[_Candidate], folder: Path) -> dict[str, tuple[str, int]]:
    """The SHA-256 and size of each candidate's file hard-linked (or copied) into ``folder``,
    by query name; one whose served file cannot be read, or is not the bytes listed, is left
    out (and its query runs)."""
    linked = {}
    for c in candidates:
        found = _link(c.source, query_file(folder, c.job.name), c.sha256)
        if found is not None:
            linked[c.job.name] = found
    return linked


def _link(source: Path, target: Path, sha256: str) -> tuple[str, int] | None:
    """``source`` hard-linked (or copied) as ``target``: its SHA-256 and size; None, and no
    ``target``, when it cannot be read or its bytes are not those of the digest ``sha256``
    (changed since it was published: the query runs again)."""
    try:
        try:
            os.link(source, target)
        except OSError:  # a file system without hard links, or no such file
            shutil.copyfile(source, target)
        found = _file_digest(target)
    except OSError:
        target.unlink(missing_ok=True)
        return None
    if found[0] != sha256:
        target.unlink()
        return None
    return found


def _run_jobs(
    graph: GraphSource,
    needed: frozenset[str] | None,
    folder: Path,
    jobs: list[_Job],
    kept: KeptFacts | None,
    budget: float,
    started_child: Callable[[BaseProcess], None],
    where: _Where,
    index: bool = True,
    warm: Warm | None = None,
    digests: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, dict[str, object]]]:
    """Each job's outcome, from a child process that loads the graph once and runs the jobs
    one after the other, each within ``budget`` seconds: Oxigraph cannot stop a query, so a
    child whose query takes longer is killed (what it wrote of its file is removed, see
    :func:`answer_graph`), and a new child loads the graph again for the jobs left. The
    queries run in the child itself, not in forks of it: a fork's memory
    counts twice for the operating system's accounting of the build (RSS). The child loads
    the triples with a predicate in ``needed`` first (None: all), into an on-disk store if
    ``where`` says so, and reads the search facts ``kept`` holds from there. With ``index``,
    the first child indexes the graph for search, before the queries. With ``where``'s
    rounds, the store is held to them in memory: the child loads their first first (or,
    without ``index``, what the first job reads). A child holding its store in memory that the
    kernel kills is followed by one on disk, for the same jobs (the one it was on included):
    on disk the process holds less. With ``warm`` (and a store in memory without rounds), the
    jobs go to the process it holds, whose store is renewed by ``digests`` (those of the graph
    now), and the process that answered them all is kept there for the next build."""
    # Forked by the fork server (one thread, the build's modules imported: see
    # warm_fork_server), not from the build, whose threads a fork would copy mid-work.
    context = multiprocessing.get_context("forkserver")
    while jobs or index:
        first = needed
        if where.rounds is not None:
            first = where.rounds.rounds[0] if index else frozenset()
        keep = warm is not None and where.rounds is None and where.on_disk is None
        sent = False
        if keep and warm is not None and warm.ready():
            with contextlib.suppress(OSError):  # it ended meanwhile: a new one, below
                warm.send((graph, first, str(folder), jobs, kept, index), digests)
                sent = True
        if sent and warm is not None:
            assert warm.process is not None and warm.results is not None
            child, receive = warm.process, warm.results
        else:
            if warm is not None:
                warm.close()
            receive, send = context.Pipe(duplex=False)
            asked, ask = context.Pipe(duplex=False) if keep else (None, None)
            child = context.Process(
                target=_child,
                args=(graph, first, str(folder), jobs, kept, index, send, where.on_disk,
                      where.rounds, asked),
                name="projectgraph-answers",
            )  # fmt: skip
            child.start()
            send.close()
            if warm is not None and ask is not None and asked is not None:
                asked.close()
                warm.hold(child, ask, receive, digests)
        started_child(child)
        answered_all = False  # every job answered, no kill: the only child kept
        try:
            try:
                # The graph is loaded (and indexed): from here on, each job has its budget.
                _, indexed = receive.recv()
            except EOFError:
                child.join()
                if _killed_by_kernel(child) and where.on_disk_after_kill(_store_folder(folder)):
                    _remove_search(folder)  # what it wrote of the index: made anew
                    continue
                break  # the child died loading the graph (memory?): its error is on stderr
            if index:
                index = False
                yield SEARCH_JOB, indexed
            while jobs:
                job = jobs[0]
                if not receive.poll(budget):
                    child.kill()
                    jobs = jobs[1:]
                    yield (
                        job.name,
                        {
                            "materialized": False,
                            "reason": f"took more than {budget:.0f} s at build time",
                        },
                    )
                    break  # a new child for the rest
                try:
                    name, result = receive.recv()
                except EOFError:
                    child.join()
                    if _killed_by_kernel(child) and where.on_disk_after_kill(_store_folder(folder)):
                        break  # this job and the rest, on disk
                    jobs = jobs[1:]
                    why = f"failed at build time (the answers process {_exit_text(child)})"
                    yield job.name, {"materialized": False, "reason": why}
                    break
                jobs = jobs[1:]
                yield name, result
            else:
                answered_all = True
        finally:
            if warm is None or child is not warm.process or not answered_all:
                if warm is not None and child is warm.process:
                    warm.close()  # what it held is not the graph's any more
                child.join()
                receive.close()
    # The build goes on: the engine answers what was not materialized.
    for job in jobs:
        why = f"the answers process {_exit_text(child)}"
        yield job.name, {"materialized": False, "reason": why}


def _remove_search(folder: Path) -> None:
    """The search index in ``folder``, and its journal, removed."""
    for name in (SEARCH, f"{SEARCH}-journal", f"{SEARCH}-wal", f"{SEARCH}-shm"):
        (folder / name).unlink(missing_ok=True)


def _killed_by_kernel(child: BaseProcess) -> bool:
    """Whether ``child`` ended by SIGKILL: the kernel's out-of-memory killer, unless the build
    sent it (a query past its budget is told apart where the kill is sent, a build that stops
    by :attr:`_Where.cancelled`)."""
    return child.exitcode == -signal.SIGKILL


def _exit_text(child: BaseProcess) -> str:
    """How the answers process ended, for the reasons in build.json: a kill by signal 9 that
    the build did not send is, in practice, the kernel's out-of-memory killer."""
    code = child.exitcode
    if _killed_by_kernel(child):
        return "was killed (SIGKILL: out of memory?)"
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:  # a real-time signal: no name
            return f"was killed by signal {-code}"
    return f"failed (exit {code})"


def _child(
    graph: GraphSource,
    needed: frozenset[str] | None,
    folder: str,
    jobs: list[_Job],
    kept: KeptFacts | None,
    index: bool,
    report: Connection,
    on_disk: Path | None = None,
    rounds: Rounds | None = None,
    asked: Connection | None = None,
) -> None:
    """In the child process: load the graph (and index it for search when ``index``), say
    so, then answer each job and report it. With ``asked``, then wait there for the next
    build's work (see :class:`Warm`): the store renewed, the same again, until the pipe
    closes."""
    # The one process the build goes on without: when memory runs out, the kernel kills it
    # first, not the build (see :func:`_exit_text`). Before it takes its name: whoever finds
    # it by name finds it so already.
    with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("1000")
    # Ctrl-C reaches the whole process group: the build stops it (or keeps it, waiting).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    name_process("pg-answers")
    store = _Loading(graph, on_disk, rounds)
    while True:
        kept = _load(store, needed, kept if index else None) or kept
        with _Ahead(store, jobs, rounds is not None) as ahead:
            report.send(("loaded", _index(store, Path(folder), kept) if index else {}))
            for job in jobs:
                try:
                    result = _answer_one(store, Path(folder), job, ahead)
                except Exception as e:
                    ahead.drop(job)
                    result = {"materialized": False, "reason": f"failed at build time: {e}"}
                report.send((job.name, result))
        if asked is None:
            break
        try:
            (graph, needed, folder, jobs, kept, index), changed = asked.recv()
        except EOFError:  # the build process is done with it
            break
        store.renew(graph, changed)
    report.close()


class _Ahead:
    """The jobs' rows, answered by the engine in a thread of its own, in order, while this
    thread indexes the graph and writes the rows of the jobs before: Oxigraph evaluates a
    query and writes its TSV without holding Python's lock (in a title edit's rebuild at
    100,000 projects, the three queries that read titles spent 4.3 s there, after a search
    index of 13 s of Python). Only jobs whose triples are loaded already are answered ahead
    (on the store as it is: the thread never loads), and at most :data:`AHEAD_BYTES` of rows
    wait to be written.

    With ``rounds`` (a store held to a bound, see :class:`_Loading`), nothing is answered
    ahead before the first job's rows are asked for (the index may still drop the store for
    another), and then only the jobs next in order that the store holds: a store dropped for
    the next round is then no longer the engine's."""

    def __init__(self, store: _Loading, jobs: Sequence[_Job], rounds: bool = False) -> None:
        self._ready = threading.Condition()
        self._held = 0  # bytes answered and not taken yet
        self._closed = False
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="projectgraph-engine")
        self._rounds = rounds
        self._answered: dict[int, Future[tuple[list[bytes], int]]] = {}
        self._waiting = list(jobs)  # not answered ahead yet, in order
        if not rounds:
            self._ahead(store)

    def _ahead(self, store: _Loading) -> None:
        """Answer ahead the waiting jobs whose triples ``store`` holds (with rounds: those
        next in order)."""
        waiting = []
        for at, job in enumerate(self._waiting):
            if store.covers(job.reads):
                self._answered[job.id] = self._pool.submit(self._answer, store.load(job.reads), job)
            elif self._rounds:
                waiting += self._waiting[at:]
                break
            else:
                waiting.append(job)
        self._waiting = waiting

    def _answer(self, store: ox.Store, job: _Job) -> tuple[list[bytes], int]:
        with self._ready:
            self._ready.wait_for(lambda: self._closed or self._held < AHEAD_BYTES)
            if self._closed:
                return [], 0
        tsv = _tsv(store, job)
        with self._ready:
            self._held += len(tsv)
        return _tsv_lines(tsv), len(tsv)

    def lines(self, store: _Loading, job: _Job) -> list[bytes]:
        """The job's rows as TSV lines: answered ahead, or now."""
        if self._rounds and job.id not in self._answered:
            # Loaded here (what the job's round reads), the jobs after it in the same
            # round go to the engine's thread while this one runs.
            held = store.load(job.reads)
            self._waiting = [j for j in self._waiting if j.id != job.id]
            self._ahead(store)
            return _tsv_lines(_tsv(held, job))
        answered = self._answered.pop(job.id, None)
        if answered is None:
            return _lines(store, job)
        lines, size = answered.result()
        with self._ready:
            self._held -= size
            self._ready.notify_all()
        return lines

    def drop(self, job: _Job) -> None:
        """Forget ``job``, which failed before or while its rows were taken: not answered
        ahead any more, and its answer, if one runs, waited for and let go (with rounds, no
        answer may still run when the next round's store is made)."""
        self._waiting = [j for j in self._waiting if j.id != job.id]
        answered = self._answered.pop(job.id, None)
        if answered is not None and not answered.cancel():
            with contextlib.suppress(Exception):
                _, size = answered.result()
                with self._ready:
                    self._held -= size
                    self._ready.notify_all()

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        self._pool.shutdown(wait=True, cancel_futures=True)


RENEWALS = 16  # the renewal of a warm store that makes it anew (see _Loading.renew)


class Warm:
    """The answers process of the last build in this process (``build --watch``), kept with
    its store: the next build sends it its jobs instead of starting a process that loads the
    graph again (at 100,000 projects a title edit's queries read 1.3 million triples, 7 of the
    process's core-seconds). Before the jobs, the process renews its store by what changed
    (:meth:`_Loading.renew`): the triples of the predicates whose digest
    (:func:`~projectgraph.build.prepare.merged_digests`) moved are deleted and loaded again,
    so it answers as a new process would, byte for byte (the materialized queries order
    their rows fully). Only a process that answered every job is kept: not one killed (a
    query past its budget, the kernel), failed, or holding its store on disk or in rounds."""

    def __init__(self) -> None:
        self.process: BaseProcess | None = None
        self.results: Connection | None = None  # what the process reports
        self._ask: Connection | None = None  # where its next work goes
        self._digests: Mapping[str, str] | None = None  # of the graph its store holds

    def ready(self) -> bool:
        """Whether a process is kept, alive."""
        return self.process is not None and self.process.is_alive()

    def hold(
        self,
        process: BaseProcess,
        ask: Connection,
        results: Connection,
        digests: Mapping[str, str] | None,
    ) -> None:
        """Keep ``process``, just started on the graph of ``digests``."""
        self.process, self._ask, self.results, self._digests = process, ask, results, digests

    def send(self, work: tuple[object, ...], digests: Mapping[str, str] | None) -> None:
        """Give the kept process a build's work, on the graph of ``digests``."""
        assert self._ask is not None
        self._ask.send((work, _changed(self._digests, digests)))
        self._digests = digests

    def close(self) -> None:
        """Stop the kept process, if any (its pipe closed: it ends; else killed)."""
        if self._ask is not None:
            self._ask.close()
        if self.process is not None:
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
        if self.results is not None:
            self.results.close()
        self.process = self.results = self._ask = None
        self._digests = None


def _changed(
    before: Mapping[str, str] | None, now: Mapping[str, str] | None
) -> frozenset[str] | None:
    """The predicates whose triples differ between two graphs' digests; None when the
    sources' order differs too, or a graph's digests are not known."""
    if before is None or now is None or before.get(LOAD_ORDER) != now.get(LOAD_ORDER):
        return None
    return frozenset(p for p in before.keys() | now.keys() if before.get(p) != now.get(p))


class _Loading:
    """The store the answers are read from, loaded as the work needs it. Before a query runs,
    the triples of the predicates it reads (its footprint) that are not loaded yet are, in one
    more pass over the graph; for a query without a footprint, or one whose answers depend on
    the order the triples were loaded in, the whole graph is loaded anew in one pass. A pass
    keeps the graph's order among the triples it loads, so a predicate's triples are in the
    same order as in a store loaded whole: a query reading fixed predicates gets the same
    answers in the same order. Of rdf:type, only the triples of the classes the queries name
    are loaded, while they name them all (a store that needs more types is loaded anew, in
    order). In memory, or on disk in folders under ``on_disk`` (what an earlier process left
    there is removed). With ``rounds``, in memory within their bound: what is missing is
    loaded as the round that reads it, beside what is loaded while both fit, else into a new
    store (see :mod:`~projectgraph.publish.store_rounds`)."""

    def __init__(
        self, graph: GraphSource, on_disk: Path | None = None, rounds: Rounds | None = None
    ) -> None:
        self._graph = graph
        self._on_disk = on_disk
        self._rounds = rounds
        self._round = 0  # the round loaded last
        self._stores = 0
        self._store = self._new()
        self.loaded: frozenset[str] | None = frozenset()  # predicate IRIs; None: all
        self._renewed = 0  # renewals since the store was made
        # Triples deleted and loaded again since (renew): Oxigraph puts one deleted and
        # inserted again back in its old place, so among a predicate's triples the order is
        # not the graph's. The materialized queries order their rows fully and the search
        # facts sort their values, so neither depends on it; what does (the whole graph in
        # its order, the rdf:type triples across classes) gets a new store.
        self._dirty = False

    def renew(self, graph: GraphSource, changed: frozenset[str] | None) -> None:
        """Make this a store that answers as one a new process loads from ``graph`` would,
        whose predicates ``changed`` (None: its sources' order too) since it was loaded: the
        entries of those predicates are forgotten and their triples deleted, so that the next
        :meth:`load` that needs them loads them again. Oxigraph puts a triple deleted and
        inserted again back in its old place, so the order among a predicate's triples is not
        quite the graph's (see ``_dirty``): the answers do not depend on it. A change of
        order or of ``rdf:type``, and every :data:`RENEWALS`-th renewal, make a new store
        instead: Oxigraph does not give back all of what it deletes (11 MB for 300,000
        triples deleted and loaded again, measured)."""
        self._graph = graph
        self._renewed += 1
        stale = (
            {e for e in self.loaded if e.split(" ", 1)[0] in changed}
            if changed is not None and self.loaded is not None
            else set()
        )
        if changed is None or self.loaded is None or self._renewed >= RENEWALS or _types(stale):
            self._store, self.loaded, self._renewed = self._new(), frozenset(), 0
            self._dirty = False
            return
        for entry in stale:
            self._store.update(f"DELETE WHERE {{ ?s <{entry}> ?o }}")
        self.loaded -= stale
        self._dirty = self._dirty or bool(stale)

    def _new(self) -> ox.Store:
        self._stores += 1
        if self._on_disk is None:
            return ox.Store()
        if self._stores == 1:
            shutil.rmtree(self._on_disk, ignore_errors=True)
        self._on_disk.mkdir(parents=True, exist_ok=True)
        return ox.Store(str(self._on_disk / str(self._stores)))

    def covers(self, predicates: frozenset[str] | None) -> bool:
        """Whether the triples of ``predicates`` are loaded: :meth:`load` then loads none."""
        if self.loaded is None:
            return True
        return predicates is not None and not self._missing(predicates, self.loaded)

    @staticmethod
    def _missing(predicates: frozenset[str], loaded: frozenset[str]) -> set[str]:
        """The entries of ``predicates`` whose triples are not in ``loaded``."""
        return {p for p in predicates - loaded if not covered(p, loaded)}

    def load(self, predicates: frozenset[str] | None) -> ox.Store:
        """The store, with the triples of ``predicates`` (None: every predicate; an entry may
        name the ``rdf:type`` triples of one class, see
        :func:`~projectgraph.sparql.footprint.selection`) in it."""
        if self.loaded is None:
            return self._store
        if predicates is None:
            if self.loaded or self._dirty:  # some loaded apart: the whole graph anew, in order
                self._store, self._dirty = self._new(), False
            self._bulk_load(None)
            self.loaded = None
            return self._store
        missing = self._missing(predicates, self.loaded)
        if not missing:
            return self._store
        wanted = predicates
        if self._rounds is not None:
            wanted = self._round_of(predicates)
            if not self._rounds.fits(self.loaded | wanted):
                self._store, self.loaded = self._new(), frozenset()  # the one before is freed
            missing = self._missing(wanted, self.loaded)
        if _types(missing) and (_types(self.loaded) or self._dirty):
            # More types than loaded: all anew in one pass, so that the rdf:type triples too
            # are in the graph's order.
            missing = set(wanted | self.loaded)
            self._store, self._dirty = self._new(), False
            self.loaded = frozenset()
        self._bulk_load(frozenset(map(selected_form, missing)))
        self.loaded |= missing
        return self._store

    def _round_of(self, predicates: frozenset[str]) -> frozenset[str]:
        """What the first round from the last one on (else any) that reads ``predicates``
        loads; ``predicates`` alone if none does."""
        assert self._rounds is not None
        rounds = self._rounds.rounds
        for at in (*range(self._round, len(rounds)), *range(self._round)):
            if covers(rounds[at], predicates):
                self._round = at
                return rounds[at]
        return predicates

    def _bulk_load(self, predicates: frozenset[bytes] | None) -> None:
        # In memory, ``load`` takes two thirds of ``bulk_load``'s time (measured on the
        # merged graph at 100,000 projects, 16 MB at a time: 5.0 against 8.2 s for 2.5 million
        # triples); on disk, ``bulk_load`` writes the store's files directly instead of
        # holding a transaction's writes. The build wrote these lines: their IRIs are not
        # checked again (see parse_own).
        load = self._store.load if self._on_disk is None else self._store.bulk_load
        for chunk in _read_ahead(self._graph(predicates)):
            load(chunk, format=ox.RdfFormat.N_TRIPLES, lenient=True)


def _read_ahead(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks``, each read in a thread of its own while the caller loads the one before:
    reading a chunk (the cache's rows unpacked, their lines filtered) is Python's work, and
    Oxigraph loads without holding Python's lock, so the two overlap (at 100,000 projects a
    rebuild's child spent 18 s loading, 10 of them reading). The source is read, and closed,
    in that one thread only (an SQLite connection stays in the thread that opened it)."""
    source = iter(chunks)
    with ThreadPoolExecutor(1, thread_name_prefix="projectgraph-graph") as pool:
        try:
            pending = pool.submit(next, source, None)
            while (chunk := pending.result()) is not None:
                pending = pool.submit(next, source, None)
                yield chunk
        finally:
            close = getattr(source, "close", None)
            if close is not None:  # a generator left before its end: closed in its thread
                pool.submit(close).result()


def _load(
    store: _Loading, predicates: frozenset[str] | None, kept: KeptFacts | None
) -> KeptFacts | None:
    """Load ``predicates`` into ``store`` (None: all), and meanwhile, in a thread, read the
    search facts ``kept`` holds (see :meth:`KeptFacts.read_ahead`): Oxigraph loads without
    holding Python's lock, so a rebuild reads them in that time. The facts read, or None.
    Python's garbage collector is off meanwhile: the thread makes millions of objects, none
    in a cycle, and no pyoxigraph object may be freed by a thread other than its own."""
    if kept is None:
        store.load(predicates)
        return None
    read: list[KeptFacts] = []
    thread = threading.Thread(
        target=lambda: read.append(kept.read_ahead()), name="projectgraph-facts", daemon=True
    )
    with no_cycle_collection():
        thread.start()
        try:
            store.load(predicates)
        finally:
            thread.join()
    return read[0] if read else None


def _types(entries: Iterable[str]) -> bool:
    """Whether some of ``entries`` is of rdf:type triples."""
    return any(e.split(" ", 1)[0] == RDF_TYPE for e in entries)


def _answer_jobs(
    graph: GraphSource,
    folder: Path,
    jobs: list[_Job],
    kept: KeptFacts | None,
    on_disk: Path | None = None,
    index: bool = True,
) -> Iterator[tuple[str, dict[str, object]]]:
    """Load the merged graph (on disk at ``on_disk`` if given), then answer each job into its
    file in ``folder``, here (indexing the graph for search first when ``index``); yields
    each job's name and outcome."""
    store = _Loading(graph, on_disk)
    if index:
        kept = _load(store, None, kept) or kept
        yield SEARCH_JOB, _index(store, folder, kept)
    for job in jobs:
        yield job.name, _answer_one(store, folder, job, None)


def _index(store: _Loading, folder: Path, kept: KeptFacts | None) -> dict[str, object]:
    """Index ``store``'s graph for search into ``folder``'s search file; what it holds, or why
    not (the server then has no search, and the build goes on)."""
    try:
        return {"indexed": True, **index_graph(store, folder / SEARCH, kept)}
    except (sqlite3.Error, ValueError, OSError) as e:
        return {"indexed": False, "reason": f"failed at build time: {e}"}


def _answer_one(
    store: _Loading, folder: Path, job: _Job, ahead: _Ahead | None
) -> dict[str, object]:
    """Answer one job into its file in ``folder`` (its rows from ``ahead``, if given)."""
    started = time.perf_counter()
    path = query_file(folder, job.name)
    path.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        # A file nothing else reads until it is done: a failure removes it whole.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO layout VALUES (?)", (LAYOUT,))
        db.execute("BEGIN")
        try:
            rows = _answer(ahead.lines(store, job) if ahead else _lines(store, job), db, job)
        except _Unbound as e:
            db.close()
            path.unlink()
            return {"materialized": False, "reason": str(e)}
        db.execute("COMMIT")
        db.executescript(_INDEXES + (_SEARCH if job.word else ""))
        db.execute("ANALYZE")
    seconds = round(time.perf_counter() - started, 3)
    return {"materialized": True, "rows": rows, "seconds": seconds, "copied": False}


class _Unbound(ValueError):
    """A row leaves a parameter unbound: its answer is not the same as with it bound."""


def _lines(store: _Loading, job: _Job) -> list[bytes]:
    """The job's rows as TSV lines (without their line ends), from the engine."""
    return _tsv_lines(_tsv(store.load(job.reads), job))


def _tsv(store: ox.Store, job: _Job) -> bytes:
    """The job's rows, as the engine writes them in TSV."""
    solutions = store.query(job.text)
    assert isinstance(solutions, ox.QuerySolutions)
    tsv = solutions.serialize(format=ox.QueryResultsFormat.TSV)
    assert tsv is not None
    return tsv


def _tsv_lines(tsv: bytes) -> list[bytes]:
    """TSV's rows as lines (without their line ends)."""
    return tsv.split(b"\n")[1:-1]  # between the header and the last line end


def _answer(lines: list[bytes], db: sqlite3.Connection, job: _Job) -> int:
    """Insert a job's rows (TSV lines, as pyoxigraph writes them: one line a row, terms escape
    their line breaks and tabs); the number of rows. Each distinct field is read back as a
    term once, and each distinct set of key fields made a key once: at 100,000 projects the
    stage writes some four million rows, and this loop is most of its Python time."""
    seqs: dict[str, int] = {}
    block: _Block | None = None  # the one being filled (a key's rows come together)
    terms: dict[bytes, Term] = {}  # each field's term
    plains: dict[bytes, str] = {}  # and its value in a plain JSON row
    keyed: dict[tuple[bytes, ...], str] = {}  # the key of the key fields
    found: dict[bytes, int] = {}  # a text's word id, by its field
    words: dict[str, int] = {}  # a folded text's word id
    names = [json.dumps(v, ensure_ascii=False) + ": " for v in job.variables]
    # The keys are projected first, then the query's own variables.
    first = len(job.keys)
    number = first + job.variables.index(job.number) if job.number else None
    text = first + job.variables.index(job.word) if job.word else None
    one_by_one = bool(job.number or job.word)  # filtered when served: rows kept one by one
    for start in range(0, len(lines), BATCH):
        batch = [line.split(b"\t") for line in lines[start : start + BATCH]]
        _read_fields({f for row in batch for f in row if f} - terms.keys(), terms, plains)
        rows = []
        for row in batch:
            cells = tuple(row[:first])
            key = keyed.get(cells)
            if key is None:
                key = keyed[cells] = _key(job.keys, cells, terms)
            seq = seqs.get(key, 0)
            seqs[key] = seq + 1
            values = row[first:]
            plain = [name + plains[cell] for name, cell in zip(names, values, strict=True) if cell]
            line = ("{" + ", ".join(plain) + "}").encode(), b"\t".join(values) + TSV
            word = None  # a row's new word goes in before the block it closes: the file's order
            if text is not None and (searched := row[text]):
                term = terms[searched]
                if isinstance(term, ox.Literal | ox.NamedNode):
                    word = found.get(searched)
                    if word is None:
                        word = found[searched] = _word(db, words, fold(term.value))
            if block is None or block.key != key or len(block.plain) == BLOCK:
                if block is not None:
                    block.write(db)
                block = _Block(key, seq)
            block.plain.append(line[0])
            block.tsv.append(line[1])
            if one_by_one:
                amount = row[number] if number is not None else b""
                number_value = _number(terms[amount]) if amount else None
                rows.append((key, seq, number_value, word, *line))
        db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)", rows)
    if block is not None:
        block.write(db)
    return sum(seqs.values())


def _key(variables: Sequence[str], cells: Sequence[bytes], terms: dict[bytes, Term]) -> str:
    """The key of a row: its key fields' IRIs, space-separated; _Unbound unless each is an
    IRI."""
    parts = []
    for variable, cell in zip(variables, cells, strict=False):
        term = terms[cell] if cell else None
        if not isinstance(term, ox.NamedNode):
            raise _Unbound(f"?{variable} is not an IRI in every row")
        parts.append(term.value)
    return " ".join(parts)


@dataclass
class _Block:
    """Consecutive rows of one key, as stored together: each format's rows joined, and the
    offset where each row ends (so any run of them is one slice)."""

    key: str
    first: int
    plain: list[bytes] = field(default_factory=list)
    tsv: list[bytes] = field(default_factory=list)

    def write(self, db: sqlite3.Connection) -> None:
        """Insert the block."""
        columns = []
        for rows, between in ((self.plain, PLAIN), (self.tsv, b"")):
            ends, at = [], -len(between)
            for row in rows:
                at += len(between) + len(row)
                ends.append(at)
            columns += [struct.pack(f"<{len(ends)}I", *ends), between.join(rows)]
        db.execute(
            "INSERT INTO blocks VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)",
            (self.key, self.first, len(self.plain), *columns),
        )


def _read_fields(new: set[bytes], terms: dict[bytes, Term], plains: dict[bytes, str]) -> None:
    """Add each TSV field of ``new`` to ``terms``, as its term, and to ``plains``, as its value
    in a plain JSON row as the server converts it (see
    :func:`~projectgraph.sparql.results.plain_json`)."""
    ordered = list(new)
    tsv = b"?v\n" + b"".join(cell + b"\n" for cell in ordered)
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    for cell, solution in zip(ordered, parsed, strict=True):
        term = terms[cell] = solution[0]
        plains[cell] = plain_json(term)


def _word(db: sqlite3.Connection, words: dict[str, int], folded: str) -> int:
    """The id of a folded text, added to the words table when new."""
    word = words.get(folded)
    if word is None:
        word = words[folded] = len(words) + 1
        db.execute("INSERT INTO words VALUES (?, ?)", (word, folded))
    return word


def _number(term: Term) -> int | float | None:
    """A threshold column's value as SQLite compares it (None when it is not a number)."""
    if not isinstance(term, ox.Literal):
        return None
    try:
        return int(term.value)
    except ValueError:
        try:
            return float(term.value)
        except ValueError:
            return None


# ---- reading ----


@dataclass(frozen=True)
class Stored:
    """A query's entry in the file."""

    id: int
    digest: str
    materialized: bool
    reason: str
    rows: int | None


class AnswerFile(ReadOnlyDatabase):
    """A build's ``answers.sqlite`` and the files of the queries it lists as materialized,
    read-only."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.check_layout("layout", LAYOUT)
        with self.connection() as db:
            self.queries = {
                name: Stored(id, digest, bool(materialized), reason, rows)
                for id, name, digest, materialized, reason, rows in db.execute(
                    "SELECT id, name, digest, materialized, reason, rows FROM queries"
                )
            }
        self._files: dict[str, ReadOnlyDatabase] = {}
        try:
            for name, stored in self.queries.items():
                if stored.materialized:
                    self._files[name] = ReadOnlyDatabase(query_file(path.parent, name))
                    self._files[name].check_layout("layout", LAYOUT)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, folder: Path) -> AnswerFile | None:
        """The answers of the build in ``folder``; None when it has none (an older build)
        or they are unreadable."""
        return cls.open_file(folder / ANSWERS)

    def close(self) -> None:
        """Close the idle connections, to the queries' files too."""
        super().close()
        for file in self._files.values():
            file.close()

    def read(
        self,
        query: str,
        key: str,
        column: str,
        *,
        threshold: tuple[str, int] | None = None,
        text: str | None = None,
        offset: int = 0,
        limit: int = -1,
    ) -> Found:
        """Stored rows of the query named ``query`` for ``key``, in their order, in ``column``
        (``plain``: JSON objects, to be joined by ``, ``; ``tsv``: SPARQL TSV lines): those whose
        number passes ``threshold`` (comparison, value) and whose text contains ``text``
        (folded), from ``offset``, at most ``limit`` (-1: all)."""
        assert column in ("plain", "tsv")
        folded = fold(text) if text else ""
        with self._files[query].connection() as db:
            if threshold is None and not folded:
                return _blocks(db, key, column, offset, limit)
            # Filtered: the places that pass, from a narrow index alone (not the rows: a
            # scan of the rows in order reads every byte of them), then those rows.
            where: list[str] = ["key = ?"]
            args: list[object] = [key]
            if "\x00" in folded:
                # FTS5 and instr() stop at a NUL (C strings): compare the words here instead.
                found = [i for i, w in db.execute("SELECT id, folded FROM words") if folded in w]
                where.append("word IN (SELECT value FROM json_each(?))")
                args.append(json.dumps(found))
            elif len(folded) >= TRIGRAM:
                # One FTS5 string: the text is searched as it is, never read as a query.
                where.append("word IN (SELECT rowid FROM words_fts WHERE words_fts MATCH ?)")
                args.append('"' + folded.replace('"', '""') + '"')
            elif folded:
                where.append("word IN (SELECT id FROM words WHERE instr(folded, ?) > 0)")
                args.append(folded)
            if threshold is not None:
                compare, value = threshold
                assert compare in (">=", ">", "<=", "<")
                where.append(f"num {compare} ?")
                args.append(value)
            index = "rows_word" if folded else "rows_num"
            # One more than asked for says whether more follow.
            sql = (
                f"SELECT seq FROM rows INDEXED BY {index} WHERE {' AND '.join(where)} "
                "ORDER BY seq LIMIT ? OFFSET ?"
            )
            args += [limit + 1 if limit >= 0 else -1, offset]
            places = [seq for (seq,) in db.execute(sql, args)]
            more = 0 <= limit < len(places)
            sql = (
                f"SELECT {column} FROM rows WHERE key = ? "
                "AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq"
            )
            chosen = json.dumps(places[:limit] if more else places)
            parts = [row for (row,) in db.execute(sql, (key, chosen))]
            return Found(parts, len(parts), more)


@dataclass(frozen=True)
class Found:
    """Rows read: ``parts`` in order (a part is one row or several, joined as stored),
    ``count`` rows in all, and whether ``more`` follow them."""

    parts: list[bytes]
    count: int
    more: bool


def _blocks(db: sqlite3.Connection, key: str, column: str, offset: int, limit: int) -> Found:
    """Rows ``offset`` to ``offset + limit`` of a key, cut out of the blocks holding them."""
    end = offset + limit if limit >= 0 else 1 << 62
    between = len(PLAIN) if column == "plain" else 0
    blocks = db.execute(
        f"SELECT first, count, {column}_ends, {column} FROM blocks "
        "WHERE key = ? AND first > ? AND first <= ? ORDER BY first",
        (key, offset - BLOCK, end),
    )
    parts, rows, more = [], 0, False
    for first, count, packed, data in blocks:
        ends = struct.unpack(f"<{count}I", packed)
        a, b = max(offset - first, 0), min(end - first, count)
        more = more or first + count > end
        if a < b:
            parts.append(data[ends[a - 1] + between if a else 0 : ends[b - 1]])
            rows += b - a
    return Found(parts, rows, more)
