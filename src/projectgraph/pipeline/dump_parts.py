"""The dump parts of a build (see :mod:`projectgraph.publish.parts`): made by workers for the
sources that changed, kept in the build cache, and handed to the dumps a chunk of parts at a
time as the workers make them.

The merged graph's parts come in the order the workers are given them, so the dumps of the
merged graph (Turtle, N-Triples, JSON-LD) are written while the workers go on: in a build from
scratch at 100,000 projects, reading the 1.3 GB of them back from the cache after the last
part was made kept one core idle for several seconds. The named graphs' blocks (TriG) come in
graph-name order, which is not the workers' order: they are read from the cache once every
part is made. The merged graph's statistics (VoID) are added up by the same chunks
(:class:`~projectgraph.publish.parts.StatsChunk`) as the parts go by.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from projectgraph.build.partition import Partition
from projectgraph.build.prepare import Prepared
from projectgraph.build.sources import Source
from projectgraph.pipeline.cache import BuildCache, stats_chunk_fingerprint
from projectgraph.pipeline.parallel import run, worth_processes
from projectgraph.pipeline.resident import Resident
from projectgraph.publish.dumps import MergedSegments, NamedGraphSegments, Segment
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

# The cache keys of the shared descriptions' parts start so (no source's key does): then the
# chunk's first subject.
SHARED_PART = "/shared"
_IDENT = 24  # hex digits of a fingerprint that name a dump's piece (96 bits)

_part_state: dict[str, object] = {}


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


@dataclass(frozen=True)
class PartsContext:
    """What every part is made with: the prefixes the dumps use, the JSON-LD context, and
    the IRI space of the dataset's entities."""

    prefixes: dict[str, str]
    context: dict[str, Any]
    uri_space: str

    def digest(self) -> str:
        """A digest of it all, for the parts' fingerprints: the JSON-LD context's text is
        kilobytes, hashed once rather than again for every part."""
        settled = repr((sorted(self.prefixes.items()), self.context, self.uri_space))
        return hashlib.sha256(settled.encode()).hexdigest()


class DumpParts:
    """The parts of one build's dumps. :meth:`merged` gives the merged graph's parts (the
    sources', then the shared descriptions'), making those that changed as it goes;
    :meth:`graphs` the named graphs in graph-name order, and :meth:`stats` the merged
    graph's statistics, both once :meth:`merged` has gone through (or they finish it)."""

    def __init__(
        self,
        sources: Sequence[Source],
        prepared: Sequence[Prepared],
        partition: Partition,
        cache: BuildCache,
        workers: int,
        made_with: PartsContext,
        resident: Resident | None = None,
    ) -> None:
        self._sources, self._prepared, self._cache = sources, prepared, cache
        self.made_with = made_with
        extra = made_with.digest()
        shared = partition.shared
        # What the build before in this process made of the same partition, by source.
        earlier = resident.part_prints.get(partition, extra) if resident is not None else None
        before, shared_keyed = earlier if earlier is not None else ({}, None)
        made: dict[str, tuple[frozenset[str], str]] = {}
        for p in prepared:
            found = before.get(p.fingerprint)
            if found is None:
                ex = frozenset(shared.keys() & p.subjects)  # a loop in C
                found = (ex, part_fingerprint(p.fingerprint, ex, extra))
            made[p.fingerprint] = found
        excluded = [made[p.fingerprint][0] for p in prepared]
        keyed = [(s.key, made[p.fingerprint][1]) for s, p in zip(sources, prepared, strict=True)]
        tasks: list[tuple[bytes, frozenset[str] | None]] = []
        size = 0  # triples to make parts of (shared lines: about 100 bytes a triple)
        kept = cache.kept_parts()
        todo = [i for i, k in enumerate(keyed) if k not in kept]
        for i in todo:
            tasks.append((prepared[i].packed, excluded[i]))
            size += prepared[i].quads
        if shared_keyed is None:  # each chunk of shared descriptions: its key and print
            shared_keyed = [
                (nodes, f"{SHARED_PART} {nodes[0]}", shared_fingerprint(shared, nodes, extra))
                for nodes in shared_chunks(shared)
            ]
        if resident is not None:
            resident.part_prints.keep(partition, extra, (made, shared_keyed))
        self.shared_keys: set[str] = set()  # the cache keys of the shared parts
        for nodes, key, made_from in shared_keyed:
            self.shared_keys.add(key)
            keyed.append((key, made_from))
            if keyed[-1] not in kept:
                todo.append(len(keyed) - 1)
                tasks.append((b"".join(shared[n] for n in nodes), None))
                size += len(tasks[-1][0]) // 100
        self._keyed = keyed
        self.reused = (len(sources) - sum(i < len(sources) for i in todo), len(sources))
        args = (made_with.prefixes, made_with.context, made_with.uri_space)
        workers = worth_processes(size, workers)
        # Started when the first part is asked for; closed by close() if not run through.
        self._run = run(_make_part, tasks, workers, _init_parts, args, "dumps")
        self._made = zip(todo, self._run, strict=True)
        self._stats = ChunkedStats(cache)
        self._result: Stats | None = None
        self._done = False
        self._started = False
        self._chunks = self._by_chunk()

    def merged(self) -> Iterator[MergedSegments]:
        """The merged graph's parts, in order, each with its number of triples; the parts
        not made yet are made on the way (and kept in the cache). Once only, first."""
        if self._started:
            raise RuntimeError("the merged graph's parts are given once, before the rest")
        self._started = True
        for members in self._chunks:
            yield from members

    def graphs(self) -> Iterator[NamedGraphSegments]:
        """Each named graph's N-Quads and TriG pieces, in graph-name order."""
        self._finish()
        sources, prepared = self._sources, self._prepared
        for i in sorted(range(len(sources)), key=lambda i: sources[i].graph):
            key, made_from = self._keyed[i]
            yield NamedGraphSegments(
                sources[i].graph,
                Segment(prepared[i].fingerprint[:_IDENT], functools.partial(_nquads, prepared[i])),
                Segment(made_from[:_IDENT], functools.partial(self._trig, key, made_from)),
            )

    def stats(self) -> Stats:
        """The merged graph's statistics (added up once: the objects' digests are sorted
        then)."""
        if self._result is None:
            self._finish()
            assert self._done
            self._result = self._stats.result()
        return self._result

    @property
    def chunks(self) -> set[str]:
        """The fingerprints of the chunks of statistics added up so far."""
        return self._stats.fingerprints

    def close(self) -> None:
        """Stop making parts (a build that failed before using them all): the parts not
        started are dropped, not waited for."""
        self._chunks.close()
        self._run.close()

    def _finish(self) -> None:
        self._started = True
        for _ in self._chunks:
            pass

    def _by_chunk(self) -> Generator[list[MergedSegments], None, None]:
        """The merged graph's parts a chunk of statistics at a time (see
        :func:`~projectgraph.publish.parts.chunk_ends`): each chunk's parts made and kept in
        the cache, and its statistics added up (see :class:`ChunkedStats`)."""
        cache, keyed = self._cache, self._keyed
        start = 0
        pending = next(self._made, None)
        for end in chunk_ends([key for key, _ in keyed]):
            made: dict[tuple[str, str], tuple[bytes, bytes]] = {}  # fragments, statistics
            with cache.transaction():
                while pending is not None and pending[0] < end:
                    i, (trig, data, stats) = pending
                    cache.store_part(*keyed[i], trig, data, stats)
                    made[keyed[i]] = (data, stats)
                    pending = next(self._made, None)
                members = keyed[start:end]
                chunk = self._stats.add(members, {k: v[1] for k, v in made.items()})
            parts = []
            for (key, made_from), count in zip(members, chunk.triples, strict=True):
                if (key, made_from) in made:
                    data = made[key, made_from][0]
                    read = functools.partial(Part.decode_fragments, data)
                else:
                    read = functools.partial(self._fragments, key, made_from)
                parts.append(MergedSegments(made_from[:_IDENT], count, read))
            start = end
            yield parts
        assert pending is None, "every part made belongs to a chunk"
        self._done = True

    def _read(self, key: str, fingerprint: str, column: str) -> bytes:
        data = self._cache.part(key, fingerprint, column)
        assert data is not None, "stored by _by_chunk"
        return data

    def _trig(self, key: str, fingerprint: str) -> bytes:
        return Part.decode_trig(self._read(key, fingerprint, "trig"))

    def _fragments(self, key: str, fingerprint: str) -> Fragments:
        return Part.decode_fragments(self._read(key, fingerprint, "data"))


class ChunkedStats:
    """The statistics of the merged graph, added up a chunk of consecutive parts at a time
    (see :class:`~projectgraph.publish.parts.StatsChunk`), each chunk kept in the cache: a
    rebuild reads the parts' own statistics only in the chunks of the parts that changed."""

    def __init__(self, cache: BuildCache) -> None:
        self._cache = cache
        self._total = StatsTotal()
        self.fingerprints: set[str] = set()  # of the chunks added

    def add(
        self, members: Sequence[tuple[str, str]], made: Mapping[tuple[str, str], bytes]
    ) -> StatsChunk:
        """Add the chunk of the parts ``members`` (key, fingerprint; cached unless in
        ``made``, their statistics by the same pair) and return it."""
        cache = self._cache
        chunk_print = stats_chunk_fingerprint(members)
        self.fingerprints.add(chunk_print)
        chunk = cache.stats_chunk(chunk_print)
        if chunk is None or len(chunk.triples) != len(members):  # none, or damaged
            added, counts = StatsTotal(), []
            for key, made_from in members:
                data = made.get((key, made_from)) or cache.part(key, made_from, "stats")
                assert data is not None, "stored before it is added up"
                part = Stats.decode(data)
                added.add(part)
                counts.append(part.triples)
            chunk = StatsChunk(added.result(), tuple(counts))
            cache.store_stats_chunk(chunk_print, chunk)
        self._total.add(chunk.stats)
        return chunk

    def result(self) -> Stats:
        """The statistics of every chunk added."""
        return self._total.result()


def _nquads(prepared: Prepared) -> bytes:
    return prepared.packed  # the dump's frame of this graph, as the cache holds it
