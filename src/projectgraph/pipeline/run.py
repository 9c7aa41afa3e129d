"""The build pipeline: prepare every source, partition, validate, and publish only a
conforming graph.

Each stage works source by source (or unit by unit) in worker processes and remembers its
output in the build cache, so a build of 100,000 projects never holds the graph as one object,
and a rebuild after one record changed redoes that record's work only (plus writing the dumps).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
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
)
from projectgraph.pipeline.dump_parts import DumpParts, PartsContext
from projectgraph.pipeline.parallel import (
    default_workers,
    run,
    warm_fork_server,
    worth_processes,
)
from projectgraph.pipeline.resident import Resident
from projectgraph.progress import progress
from projectgraph.publish.answers import Background, Earlier
from projectgraph.publish.dist import builds_dir, current_build, file_digests
from projectgraph.publish.manifest import Published, load_context, publish
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


def build(
    settings: Settings,
    quiet: bool = False,
    workers: int | None = None,
    resident: Resident | None = None,
) -> BuildResult:
    """Build ``dist/`` from the configured sources; raise :class:`BuildRefused` on violations.
    ``resident`` keeps what the build read for the next build of this process (see
    :mod:`~projectgraph.pipeline.resident`), and gives what the build before kept."""
    workers = workers or default_workers()
    # The build holds millions of long-lived objects (at 100,000 projects, the sources'
    # preparations and partition) and makes few cycles: Python's cyclic collector walked them
    # again and again as they piled up (15 full collections, 3.4 s of a title-edit rebuild).
    with no_cycle_collection():
        return _build(settings, quiet, workers, resident)


def _build(settings: Settings, quiet: bool, workers: int, resident: Resident | None) -> BuildResult:
    warm_fork_server()  # ready for the answers process by the time the sources are read
    sources = discover(settings)
    with (
        _cache(settings) as cache,
        file_digests(settings.dist_dir) as digests,
        progress("Building", 5, quiet) as step,
    ):
        clock = _Clock()
        job = _Job(sources, settings, cache, workers, clock, digests, resident)
        step("reading sources")
        prepared = _prepare(job)
        clock.lap("read + entail")
        answers = _start_answers(job, prepared)  # its child needs the preparations only
        dump_parts: DumpParts | None = None
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
            dump_parts = _dump_parts(job, prepared, parts)
            served = current_build(settings.dist_dir)
            kept = cache.dump_layout(served.name) if served is not None else None
            published = publish(
                sources,
                prepared,
                dump_parts.graphs,
                dump_parts.merged,
                dump_parts.made_with.prefixes,
                report,
                settings,
                stats=dump_parts.stats,
                lap=clock.lap,
                answers=answers.result,
                sha256=job.sha256,
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
            loaded, on_disk, rounds = answers.result().store
            clock.reused["answers store"] = (loaded, int(on_disk))
            if rounds:  # held to answers_memory_triples in memory (see store_rounds)
                clock.reused["answers rounds"] = (rounds, rounds)
        finally:
            answers.cancel()  # when the build failed; else the file was moved into the build
            if dump_parts is not None:
                dump_parts.close()
                clock.shared_parts |= dump_parts.shared_keys
                clock.chunks |= dump_parts.chunks
                clock.reused["dumps"] = dump_parts.reused
        clock.lap("checksums + switch")
        cache.forget({s.key for s in sources} | clock.shared_parts, clock.units, clock.chunks)
        digests.close(only_seen=True)
    return BuildResult(published, report, clock.stages, clock.reused)


def _dump_parts(job: _Job, prepared: Sequence[Prepared], parts: Partition) -> DumpParts:
    """The build's dump parts (see :mod:`~projectgraph.pipeline.dump_parts`), made with the
    prefixes some source's IRIs use (see :func:`~projectgraph.build.prepare.used_prefixes`)."""
    settings = job.settings
    used: set[str] = set()
    for p in prepared:
        used.update(p.namespaces)
    made_with = PartsContext(
        prefixes={p: ns for p, ns in all_prefixes(settings.base_iri).items() if ns in used},
        context=load_context(settings),
        uri_space=f"{parse_base(settings.base_iri)}id/",
    )
    return DumpParts(job.sources, prepared, parts, job.cache, job.workers, made_with, job.resident)


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
        job.resident.answers if job.resident is not None else None,
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
    resident: Resident | None = None  # what the build before in this process kept
    # The SHA-256 of each source, as the build read it (see sha256).
    read: dict[Path, str] = field(default_factory=dict)

    def sha256(self, path: Path) -> str:
        """A file's SHA-256: a source's as the build read it (not looked up again: 0.6 s of a
        rebuild at 100,000 projects), any other file's from :attr:`digests`."""
        found = self.read.get(path)
        return found if found is not None else self.digests.sha256(path)


def _prepare(job: _Job) -> list[Prepared]:
    """Every source prepared, from the cache where its inputs are unchanged."""
    sources, settings, cache, workers = job.sources, job.settings, job.cache, job.workers
    inverse = _inverse_predicates(settings)
    ontology = sources[0]
    first = prepare(ontology, settings.base_iri, ({}, {}), inverse, "")
    aligned = alignments(parse_own(first.nquads, ox.RdfFormat.N_QUADS))
    context = repr((sorted((k, sorted(v)) for d in aligned for k, v in d.items()), sorted(inverse)))
    prints, stamps = _fingerprints(job, context)
    found = _preparations(job, [(s.key, fp) for s, fp in zip(sources, prints, strict=True)])
    todo = [i for i, p in enumerate(found) if p is None]
    tasks = [(sources[i], settings.base_iri, aligned, inverse, prints[i], context) for i in todo]
    size = sum(sources[i].path.stat().st_size for i in todo) // 50  # about 50 bytes a triple
    made = run(_prepare_one, tasks, worth_processes(size, workers), stage="prepare")
    for i, (p, digest) in cache.committing(zip(todo, made, strict=True)):
        if digest is not None:
            job.digests.remember(stamps[i], digest)
            job.read[sources[i].path] = digest
        cache.store_prepared(p)
        found[i] = shared(p)
    job.clock.reused["read + entail"] = (len(sources) - len(todo), len(sources))
    if job.resident is not None:
        job.resident.keep_preparations(found)  # type: ignore[arg-type]
    return found  # type: ignore[return-value]


def _preparations(job: _Job, keys: list[tuple[str, str | None]]) -> list[Prepared | None]:
    """The preparation of each (key, fingerprint) the build before in this process kept,
    else the cache's, else None."""
    if job.resident is None:
        return job.cache.prepared(keys)
    found = job.resident.preparations(keys)
    # Only those the cache still has (it may have been removed meanwhile): the answers
    # process reads the preparations' lines from there.
    cached = job.cache.prepared_prints()
    found = [p if p is not None and (p.key, p.fingerprint) in cached else None for p in found]
    missing = [i for i, p in enumerate(found) if p is None and keys[i][1] is not None]
    for i, p in zip(missing, job.cache.prepared([keys[i] for i in missing]), strict=True):
        found[i] = p
    return found


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
        else:
            job.read[s.path] = digest
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
    found = job.resident.kept_partition(sources) if job.resident is not None else None
    if found is None:
        found = job.cache.partition(sources)
    if found is not None and unchanged(found[1], prepared, kinds, found[0]):
        parts = found[1]
        if keep and found[0] != prints:  # compared with these fingerprints next time
            with job.cache.transaction():
                job.cache.kept_partition_of(prints)
        job.clock.reused["partition"] = (len(parts.units), len(parts.units))
    else:
        parts = partition(prepared, kinds)
        if keep:
            with job.cache.transaction():
                job.cache.store_partition(sources, prints, parts)
        job.clock.reused["partition"] = (0, len(parts.units))
    if keep and job.resident is not None:
        job.resident.keep_partition(sources, prints, parts)
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
    kept = job.resident.unit_prints.get(parts, context) if job.resident is not None else None
    prints, by_members = unit_fingerprints(parts.units, prepared, parts.shared, context, kept)
    if job.resident is not None:
        job.resident.unit_prints.keep(parts, context, by_members)
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
            rounds = result.reused.get("answers rounds")
            if rounds:
                where += f", in {rounds[0]} rounds"
            note += f" (store: {store[0]:,} triples {where})"
        copied = result.reused.get("dump bytes")
        if stage.startswith("dumps") and copied and copied[0]:
            note += f" ({copied[0] / 1e6:,.0f} of {copied[1] / 1e6:,.0f} MB copied)"
        lines.append(f"  {stage:<28} {seconds:8.2f} s{note}")
    return "\n".join(lines)
