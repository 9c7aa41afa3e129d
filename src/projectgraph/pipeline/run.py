"""The build pipeline: prepare every source, partition, validate, and publish only a
conforming graph.

Each stage works source by source (or unit by unit) in worker processes and remembers its
output in the build cache, so a build of 100,000 projects never holds the graph as one object,
and a rebuild after one record changed redoes that record's work only (plus writing the dumps).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from projectgraph import __version__
from projectgraph.build.entail import alignments
from projectgraph.build.partition import Partition, partition, unchanged, unit_fingerprints
from projectgraph.build.prepare import (
    Prepared,
    fingerprint,
    merged_counts,
    merged_digests,
    prepare,
    shared,
)
from projectgraph.build.sources import Source, discover, shape_sources
from projectgraph.errors import NonConformingError
from projectgraph.files import FileDigests, Stamp, exclusive_lock, read_sha256
from projectgraph.memory import no_cycle_collection
from projectgraph.pipeline.cache import (
    CACHE_FILE,
    OLD_CACHE_FILES,
    SEARCH_FACTS,
    BuildCache,
    CachedGraph,
    stats_chunk_fingerprint,
)
from projectgraph.pipeline.parallel import default_workers, run, worth_processes
from projectgraph.progress import progress
from projectgraph.publish.answers import Background, Earlier
from projectgraph.publish.dist import builds_dir, current_build, file_digests
from projectgraph.publish.dumps import MergedSegments, NamedGraphSegments, Segment
from projectgraph.publish.manifest import Published, load_context, publish
from projectgraph.publish.parts import (
    Fragments,
    Part,
    Stats,
    StatsChunk,
    StatsTotal,
    chunk_ends,
    make_part,
    merged_part,
    part_fingerprint,
    shared_chunks,
    shared_fingerprint,
    shared_triples,
)
from projectgraph.rdf.packed import unpack
from projectgraph.rdf.serialize import parse_own
from projectgraph.rdf.vocab import SH, all_prefixes, parse_base
from projectgraph.settings import Settings
from projectgraph.sparql.named import load_queries
from projectgraph.validate.report import Report, Result
from projectgraph.validate.shacl import load_shapes
from projectgraph.validate.units import UnitTask, chunks, init_worker, merge, validate_chunk


@dataclass(frozen=True)
class BuildResult:
    """A finished build: what was published, the validation report (warnings), and how long
    each stage took and how much it could reuse."""

    published: Published
    report: Report
    stages: dict[str, float] = field(default_factory=dict)
    reused: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage -> (reused, all)


class BuildRefused(NonConformingError):
    """The graph has violations; ``dist`` was left as it was."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"build refused: the graph {report.summary()}; dist/ is unchanged")
        self.report = report


def build(settings: Settings, quiet: bool = False, workers: int | None = None) -> BuildResult:
    """Build ``dist/`` from the configured sources; raise :class:`BuildRefused` on violations."""
    workers = workers or default_workers()
    # The build holds millions of long-lived objects (at 100,000 projects, the sources'
    # preparations and partition) and makes few cycles: Python's cyclic collector walked them
    # again and again as they piled up (15 full collections, 3.4 s of a title-edit rebuild).
    with no_cycle_collection():
        return _build(settings, quiet, workers)


def _build(settings: Settings, quiet: bool, workers: int) -> BuildResult:
    sources = discover(settings)
    with (
        _cache(settings) as cache,
        file_digests(settings.dist_dir) as digests,
        progress("Building", 5, quiet) as step,
    ):
        clock = _Clock()
        job = _Job(sources, settings, cache, workers, clock, digests)
        step("reading sources")
        prepared = _prepare(job)
        clock.lap("read + entail")
        answers = _start_answers(job, prepared)  # its child needs the preparations only
        try:
            step("partitioning")
            parts = _partition(job, prepared)
            clock.lap("partition")
            step("validating")
            report = _validate(job, prepared, parts)
            clock.lap("validate")
            if not report.conforms:
                raise BuildRefused(report)
            step("writing dumps")
            merged, graphs, prefixes, stats = _parts(job, prepared, parts)
            served = current_build(settings.dist_dir)
            kept = cache.dump_layout(served.name) if served is not None else None
            published = publish(
                sources,
                prepared,
                graphs,
                merged,
                prefixes,
                report,
                settings,
                stats=stats,
                lap=clock.lap,
                answers=answers.result,
                sha256=digests.sha256,
                earlier=(served, kept) if served is not None and kept is not None else None,
            )
            clock.reused["dump bytes"] = (published.copied, published.dumped)
            with cache.transaction():  # where the pieces are, for the next build to copy
                cache.store_dump_layout(
                    published.build_id,
                    published.layout.stamped(published.folder),
                    {p.name for p in builds_dir(settings.dist_dir).iterdir()},
                )
            answered = [q for q in answers.result().queries.values() if q["materialized"]]
            copied = [q for q in answered if q.get("copied")]
            clock.reused["answers"] = (len(copied), len(answered))
            facts = answers.result().search.get("facts_kept")
            if isinstance(facts, list):
                clock.reused["search facts"] = (facts[0], facts[1])
            items = answers.result().search.get("items_kept")
            if isinstance(items, list):
                clock.reused["search items"] = (items[0], items[1])
            if answers.result().search.get("patched"):  # the index served, updated in a copy
                clock.reused["search index updated"] = (1, 1)
            loaded, on_disk = answers.result().store
            clock.reused["answers store"] = (loaded, int(on_disk))
        finally:
            answers.cancel()  # when the build failed; else the file was moved into the build
        clock.lap("checksums + switch")
        cache.forget({s.key for s in sources} | clock.shared_parts, clock.units, clock.chunks)
        digests.close(only_seen=True)
    return BuildResult(published, report, clock.stages, clock.reused)


def _start_answers(job: _Job, prepared: Sequence[Prepared]) -> Background:
    """Start answering the named queries, on the merged graph read from the cache, while
    validation and the dumps go on (see :class:`~projectgraph.publish.answers.Background`)."""
    cache_path = job.cache.path
    assert cache_path is not None, "a build always has a cache file"
    settings = job.settings
    folder = builds_dir(settings.dist_dir)
    # A killed build's files and on-disk store (see store_folder); we hold the cache lock.
    for stale in folder.glob(".answers-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    name = tempfile.mkdtemp(prefix=".answers-", dir=folder)
    graph = CachedGraph(
        cache_path,
        tuple((p.key, p.fingerprint) for p in prepared),
        tuple((p.predicates, p.classes) for p in prepared),  # shared tuples: pickled once
    )
    # The merged graph has at most as many triples as the sources' quads.
    triples = sum(p.quads for p in prepared)
    queries = load_queries(settings.queries_dir)
    # A query no changed triple can reach keeps the answers of the build served now.
    earlier = Earlier(
        merged_digests(prepared), current_build(settings.dist_dir), folder / SEARCH_FACTS
    )
    return Background(
        Path(name),
        queries,
        settings.base_iri,
        triples,
        graph,
        earlier,
        settings.answers_memory_triples,
        merged_counts(prepared),
    )


def validate_sources(
    settings: Settings, paths: Sequence[Path] | None = None, workers: int | None = None
) -> Report:
    """Validate the configured sources (or ontology + reference + ``paths``) by units, in
    parallel, reusing the build cache: what ``build`` checks, without publishing."""
    sources = discover(settings, paths)
    with _cache(settings) as cache, file_digests(settings.dist_dir) as digests:
        job = _Job(sources, settings, cache, workers or default_workers(), _Clock(), digests)
        prepared = _prepare(job)
        return _validate(job, prepared, _partition(job, prepared, keep=paths is None))


@contextlib.contextmanager
def _cache(settings: Settings) -> Iterator[BuildCache]:
    """The build cache of ``dist``, for this process alone until the block ends: two builds
    of one project (two servers starting) take turns instead of fighting over it."""
    folder = builds_dir(settings.dist_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(folder, ".cache.lock"):
        for old in OLD_CACHE_FILES:  # an earlier layout's, never read again
            for path in folder.glob(f"{old}*"):  # with its -wal and -shm files
                path.unlink(missing_ok=True)
        cache = BuildCache(folder / CACHE_FILE)
        try:
            yield cache
        finally:
            cache.close()


class _Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.stages: dict[str, float] = {}
        self.reused: dict[str, tuple[int, int]] = {}
        self.units: set[str] = set()
        self.chunks: set[str] = set()  # the chunks of statistics the build added up
        self.shared_parts: set[str] = set()  # the cache keys of the shared parts

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = now - self.start
        self.start = now


@dataclass(frozen=True)
class _Job:
    """What every stage of one build (or validation) works with."""

    sources: Sequence[Source]
    settings: Settings
    cache: BuildCache
    workers: int  # processes a stage may use at most
    clock: _Clock
    digests: FileDigests  # the input files' SHA-256, read again only when they changed


def _prepare(job: _Job) -> list[Prepared]:
    """Every source prepared, from the cache where its inputs are unchanged."""
    sources, settings, cache, workers = job.sources, job.settings, job.cache, job.workers
    inverse = _inverse_predicates(settings)
    ontology = sources[0]
    first = prepare(ontology, settings.base_iri, ({}, {}), inverse, "")
    aligned = alignments(parse_own(first.nquads, ox.RdfFormat.N_QUADS))
    context = repr((sorted((k, sorted(v)) for d in aligned for k, v in d.items()), sorted(inverse)))
    prints, stamps = _fingerprints(job, context)
    found = cache.prepared([(s.key, fp) for s, fp in zip(sources, prints, strict=True)])
    todo = [i for i, p in enumerate(found) if p is None]
    tasks = [(sources[i], settings.base_iri, aligned, inverse, prints[i], context) for i in todo]
    size = sum(sources[i].path.stat().st_size for i in todo) // 50  # about 50 bytes a triple
    with cache.transaction():
        for i, (p, digest) in zip(
            todo,
            run(_prepare_one, tasks, worth_processes(size, workers), stage="prepare"),
            strict=True,
        ):
            if digest is not None:
                job.digests.remember(stamps[i], digest)
            cache.store_prepared(p)
            found[i] = shared(p)
    job.clock.reused["read + entail"] = (len(sources) - len(todo), len(sources))
    return found  # type: ignore[return-value]


def _fingerprints(job: _Job, context: str) -> tuple[list[str | None], dict[int, Stamp]]:
    """Each source's fingerprint (see :func:`~projectgraph.build.prepare.fingerprint`), or
    None for a source the cache holds no preparation of and whose digest is not remembered:
    its worker hashes it, with the stamp given here (in a build from scratch at 100,000
    projects, hashing every record here first kept a core idle for 5 s)."""
    cached = job.cache.prepared_keys()
    prints: list[str | None] = []
    stamps: dict[int, Stamp] = {}
    for i, s in enumerate(job.sources):
        stamp = job.digests.stamp(s.path)
        digest = job.digests.known(stamp)
        if digest is None and s.key in cached:  # perhaps unchanged: looked up by its bytes
            digest = read_sha256(s.path)
            job.digests.remember(stamp, digest)
        if digest is None:
            stamps[i] = stamp
        prints.append(None if digest is None else fingerprint(s, digest, context))
    return prints, stamps


def _prepare_one(
    task: tuple[Source, str, tuple, frozenset[str], str | None, str],
) -> tuple[Prepared, str | None]:
    """A source prepared, and its SHA-256 when it had no fingerprint yet (hashed here)."""
    source, base_iri, aligned, inverse, made_from, context = task
    digest = None
    if made_from is None:
        digest = read_sha256(source.path)
        made_from = fingerprint(source, digest, context)
    return prepare(source, base_iri, aligned, inverse, made_from), digest


def _partition(job: _Job, prepared: Sequence[Prepared], keep: bool = True) -> Partition:
    """The sources' validation units: the last build's, when every source that changed
    since keeps its structure (see :func:`~projectgraph.build.partition.unchanged`). With
    ``keep``, the units are kept for the next build (a validation of a few files does not
    keep its own in place of the build's)."""
    kinds = [s.kind for s in job.sources]
    # The sources in order, each with its kind: a folder that becomes reference data keeps
    # its files' keys and fingerprints, but not its units.
    sources = [f"{s.kind} {s.key}" for s in job.sources]
    prints = [p.fingerprint for p in prepared]
    found = job.cache.partition(sources)
    if found is not None and unchanged(found[1], prepared, kinds, found[0]):
        parts = found[1]
        if keep and found[0] != prints:  # compared with these fingerprints next time
            with job.cache.transaction():
                job.cache.kept_partition_of(prints)
        job.clock.reused["partition"] = (len(parts.units), len(parts.units))
        return parts
    parts = partition(prepared, kinds)
    if keep:
        with job.cache.transaction():
            job.cache.store_partition(sources, prints, parts)
    job.clock.reused["partition"] = (0, len(parts.units))
    return parts


def _inverse_predicates(settings: Settings) -> frozenset[str]:
    """Predicates the shapes walk backwards (``sh:inversePath``)."""
    shapes = load_shapes(settings)
    return frozenset(str(p) for p in shapes.objects(None, SH.inversePath) if isinstance(p, URIRef))


def _validate(job: _Job, prepared: Sequence[Prepared], parts: Partition) -> Report:
    """Validate the units whose inputs changed; take the others' results from the cache."""
    sources, settings, cache, clock = job.sources, job.settings, job.cache, job.clock
    reference = [i for i, s in enumerate(sources) if s.kind in ("ontology", "reference")]
    h = hashlib.sha256(f"{__version__}\0{settings.base_iri}".encode())
    for i in reference:
        h.update(prepared[i].fingerprint.encode())
    for shape in shape_sources(settings):
        h.update(job.digests.sha256(shape.path).encode())
    context = h.hexdigest()
    prints = unit_fingerprints(parts.units, prepared, parts.shared, context)
    clock.units = set(prints)
    results = cache.results(prints)
    todo = [k for k, r in enumerate(results) if r is None]
    todo_units = [parts.units[k] for k in todo]
    size = sum(prepared[i].quads for u in todo_units for i in u.members)
    workers = worth_processes(size, job.workers)
    groups = chunks(todo_units, prepared, workers)
    tasks = [
        [
            UnitTask(
                sources=tuple(sources[i] for i in todo_units[k].members),
                packed=tuple(prepared[i].packed for i in todo_units[k].members),
                shared=todo_units[k].shared,
                with_reference=todo_units[k].with_reference,
            )
            for k in group
        ]
        for group in groups
    ]
    first = {node: sources[i] for node, i in parts.first_source.items()}
    references = [(sources[i], prepared[i].nquads) for i in reference]
    initargs = (settings, references, parts.shared, parts.reference_subjects, first)
    with cache.transaction():
        for group, found in zip(
            groups,
            run(validate_chunk, tasks, workers, init_worker, initargs, "validate"),
            strict=True,
        ):
            for k, unit_results in zip(group, found, strict=True):
                results[todo[k]] = unit_results
                cache.store_results(prints[todo[k]], unit_results)
    clock.reused["validate"] = (len(prints) - len(todo), len(prints))
    order = {s.path: i for i, s in enumerate(sources)}

    def place(r: Result) -> tuple[int, int, int]:
        loc = r.location
        if loc is None:
            return (len(order) + 1, 0, 0)
        return (order.get(loc.path, len(order)), loc.line or 0, loc.column or 0)

    return Report(results=merge([r or [] for r in results], place), graph=Graph())


_part_state: dict[str, object] = {}
# The cache keys of the shared descriptions' parts start so (no source's key does): then the
# chunk's first subject.
SHARED_PART = "/shared"


def _init_parts(prefixes: dict[str, str], context: dict[str, object], uri_space: str) -> None:
    _part_state.update(prefixes=prefixes, context=context, uri_space=uri_space)


def _make_part(task: tuple[bytes, frozenset[str] | None]) -> tuple[bytes, bytes, bytes]:
    """A source's part (its packed N-Quads, the subjects left to the shared parts) or, with
    None for those, a shared part (its descriptions' N-Triples lines)."""
    data, excluded = task
    prefixes, context = _part_state["prefixes"], _part_state["context"]
    uri_space = _part_state["uri_space"]
    if excluded is None:
        made = merged_part(shared_triples(data), prefixes, context, uri_space)  # type: ignore[arg-type]
    else:
        quads = parse_own(unpack(data), ox.RdfFormat.N_QUADS)
        made = make_part(quads, excluded, prefixes, context, uri_space)  # type: ignore[arg-type]
    return made.encode()


_IDENT = 24  # hex digits of a fingerprint that name a dump's piece (96 bits)


def _parts(
    job: _Job, prepared: Sequence[Prepared], parts: Partition
) -> tuple[
    Callable[[], Iterator[MergedSegments]],
    Callable[[], Iterator[NamedGraphSegments]],
    dict[str, str],
    Stats,
]:
    """Make the dump parts of the sources that changed (into the cache); return readers of
    the merged-graph parts (the sources', then the shared descriptions') and of the named
    graphs in graph-name order, both streaming from the cache (a part's bytes only when a
    dump needs them: see :mod:`projectgraph.publish.dumps`), the prefixes to use, and the
    merged graph's statistics (see :func:`_statistics`)."""
    sources, settings, cache = job.sources, job.settings, job.cache
    used: set[str] = set()  # the namespaces some source's IRIs use (see used_prefixes)
    for p in prepared:
        used.update(p.namespaces)
    prefixes = {p: ns for p, ns in all_prefixes(settings.base_iri).items() if ns in used}
    context = load_context(settings)
    uri_space = f"{parse_base(settings.base_iri)}id/"
    # Digested once: the JSON-LD context's text is kilobytes, hashed again for every part.
    settled = repr((sorted(prefixes.items()), context, uri_space))
    extra = hashlib.sha256(settled.encode()).hexdigest()
    shared_nodes = parts.shared.keys()
    excluded = [frozenset(shared_nodes & p.subjects) for p in prepared]  # a loop in C
    prints = [
        part_fingerprint(p.fingerprint, ex, extra) for p, ex in zip(prepared, excluded, strict=True)
    ]
    keyed = [(s.key, prints[i]) for i, s in enumerate(sources)]
    tasks: list[tuple[bytes, frozenset[str] | None]] = []
    size = 0  # triples to make parts of (shared lines: about 100 bytes a triple)
    kept = cache.kept_parts()
    todo = [i for i, k in enumerate(keyed) if k not in kept]
    for i in todo:
        tasks.append((prepared[i].packed, excluded[i]))
        size += prepared[i].quads
    for nodes in shared_chunks(parts.shared):
        key = f"{SHARED_PART} {nodes[0]}"
        job.clock.shared_parts.add(key)
        keyed.append((key, shared_fingerprint(parts.shared, nodes, extra)))
        if keyed[-1] not in kept:
            todo.append(len(keyed) - 1)
            tasks.append((b"".join(parts.shared[n] for n in nodes), None))
            size += len(tasks[-1][0]) // 100
    workers = worth_processes(size, job.workers)
    with cache.transaction():
        for i, (trig, data, stats) in zip(
            todo,
            run(_make_part, tasks, workers, _init_parts, (prefixes, context, uri_space), "dumps"),
            strict=True,
        ):
            cache.store_part(*keyed[i], trig, data, stats)
    remade = sum(i < len(sources) for i in todo)  # the sources' parts, not the shared ones
    job.clock.reused["dumps"] = (len(sources) - remade, len(sources))

    def read(key: str, fingerprint: str, column: str) -> bytes:
        data = cache.part(key, fingerprint, column)
        assert data is not None, "stored above"
        return data

    def trig_block(key: str, fingerprint: str) -> bytes:
        return Part.decode_trig(read(key, fingerprint, "trig"))

    def fragments(key: str, fingerprint: str) -> Fragments:
        return Part.decode_fragments(read(key, fingerprint, "data"))

    statistics, triples = _statistics(job, keyed)

    def merged() -> Iterator[MergedSegments]:
        for (key, made_from), count in zip(keyed, triples, strict=True):
            read = functools.partial(fragments, key, made_from)
            yield MergedSegments(made_from[:_IDENT], count, read)

    def graphs() -> Iterator[NamedGraphSegments]:
        for i in sorted(range(len(sources)), key=lambda i: sources[i].graph):
            p = prepared[i]
            yield NamedGraphSegments(
                sources[i].graph,
                Segment(p.fingerprint[:_IDENT], functools.partial(_nquads, p)),
                Segment(
                    prints[i][:_IDENT], functools.partial(trig_block, sources[i].key, prints[i])
                ),
            )

    return merged, graphs, prefixes, statistics


def _statistics(job: _Job, parts: Sequence[tuple[str, str]]) -> tuple[Stats, list[int]]:
    """The statistics of the merged graph, whose ``parts`` (key, fingerprint) are cached, and
    each part's number of triples: added up by chunks of parts (see
    :class:`~projectgraph.publish.parts.StatsChunk`), each kept in the cache, so a rebuild
    reads the parts' own statistics only in the chunks of the parts that changed."""
    cache, total, triples = job.cache, StatsTotal(), list[int]()
    start = 0
    with cache.transaction():
        for end in chunk_ends([key for key, _ in parts]):
            members = parts[start:end]
            start = end
            chunk_print = stats_chunk_fingerprint(members)
            job.clock.chunks.add(chunk_print)
            chunk = cache.stats_chunk(chunk_print)
            if chunk is None or len(chunk.triples) != len(members):  # none, or damaged
                added, counts = StatsTotal(), []
                for key, print_ in members:
                    data = cache.part(key, print_, "stats")
                    assert data is not None, "stored by _parts"
                    part = Stats.decode(data)
                    added.add(part)
                    counts.append(part.triples)
                chunk = StatsChunk(added.result(), tuple(counts))
                cache.store_stats_chunk(chunk_print, chunk)
            total.add(chunk.stats)
            triples += chunk.triples
    return total.result(), triples


def _nquads(prepared: Prepared) -> bytes:
    return prepared.packed  # the dump's frame of this graph, as the cache holds it


def display_stages(result: BuildResult) -> str:
    """One line per stage: seconds, and how much came from the cache."""
    lines = []
    for stage, seconds in result.stages.items():
        reused = result.reused.get(stage.split(" +")[0]) or result.reused.get(stage)
        note = f" ({reused[0]}/{reused[1]} reused)" if reused else ""
        facts = result.reused.get("search facts")
        if stage == "answers" and facts:
            note += f" (search facts: {facts[0]}/{facts[1]} kept)"
        items = result.reused.get("search items")
        if stage == "answers" and items:
            note += f" (search items: {items[0]:,}/{items[1]:,} kept)"
        if stage == "answers" and result.reused.get("search index updated"):
            note += " (search index: the served one updated)"
        store = result.reused.get("answers store")
        if stage == "answers" and store and store[0]:
            where = "on disk" if store[1] else "in memory"
            note += f" (store: {store[0]:,} triples {where})"
        copied = result.reused.get("dump bytes")
        if stage.startswith("dumps") and copied and copied[0]:
            note += f" ({copied[0] / 1e6:,.0f} of {copied[1] / 1e6:,.0f} MB copied)"
        lines.append(f"  {stage:<28} {seconds:8.2f} s{note}")
    return "\n".join(lines)
