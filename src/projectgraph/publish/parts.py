"""The dumps of a build, one part per source, so they are written as streams and a rebuild
re-serialises only the sources that changed.

A part holds one source's fragment of every dump format and the statistics VoID needs. The
dataset formats (N-Quads, TriG) keep each source's whole named graph. The formats of the
merged graph (Turtle, N-Triples, JSON-LD) must state each triple once: a source's part holds
the subjects only it describes, and the shared parts, made from the shared descriptions a chunk
of subjects each (see :func:`shared_chunks`), hold the subjects several sources describe. Every
subject is thus written in exactly one place.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pyoxigraph as ox

from projectgraph.build.assemble import triple_key
from projectgraph.rdf.jsonld import node_json, shared_compactor
from projectgraph.rdf.packed import pack, unpack
from projectgraph.rdf.serialize import parse_own, rdf_bytes, turtle
from projectgraph.rdf.vocab import EURIO, PG, RDF

PARTS_LAYOUT = 3  # bump when a part's content changes, so cached parts are remade
_TYPE = str(RDF.type)
_START, _END = str(EURIO.startDate), str(EURIO.endDate)
_COUNTRY, _PROJECT = str(PG.country), str(EURIO.Project)  # an organisation site's country


@dataclass
class Stats:
    """What VoID says about the merged graph, for the triples of one or more parts."""

    triples: int = 0
    subjects: int = 0
    entities: int = 0
    predicates: set[str] = field(default_factory=set)
    classes: Counter[str] = field(default_factory=Counter)
    objects: bytes = b""  # sorted 8-byte digests of the distinct objects (merged across parts)
    start: str | None = None
    end: str | None = None
    countries: set[str] = field(default_factory=set)
    first_project: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "triples": self.triples,
            "subjects": self.subjects,
            "entities": self.entities,
            "predicates": sorted(self.predicates),
            "classes": dict(sorted(self.classes.items())),
            "start": self.start,
            "end": self.end,
            "countries": sorted(self.countries),
            "first_project": self.first_project,
        }

    def encode(self) -> bytes:
        """Bytes for the build cache; :meth:`decode` reads them."""
        return json.dumps(self.to_json()).encode() + b"\n" + self.objects

    @classmethod
    def decode(cls, data: bytes) -> Stats:
        """The statistics :meth:`encode` wrote."""
        newline = data.index(b"\n")
        return cls.from_json(json.loads(data[:newline]), data[newline + 1 :])

    @classmethod
    def from_json(cls, data: dict[str, Any], objects: bytes) -> Stats:
        return cls(
            triples=data["triples"],
            subjects=data["subjects"],
            entities=data["entities"],
            predicates=set(data["predicates"]),
            classes=Counter(data["classes"]),
            objects=objects,
            start=data["start"],
            end=data["end"],
            countries=set(data["countries"]),
            first_project=data["first_project"],
        )


@dataclass
class Part:
    """One source's fragments of every dump, and its statistics."""

    trig: bytes  # the named graph block, without @prefix lines
    turtle: bytes  # the subjects it alone describes, without @prefix lines
    ntriples_gz: bytes  # the same triples, as one gzip member
    jsonld: bytes  # their node objects, separated by ",\n", no trailing comma
    stats: Stats

    def encode(self) -> tuple[bytes, bytes, bytes]:
        """Bytes for the build cache: the TriG block, the merged-graph fragments, and the
        statistics. The TriG block is stored apart, and so are the statistics: a rebuild reads
        every part's statistics (VoID counts the whole graph) but the fragments only of the
        parts it cannot copy from the build before (see :mod:`projectgraph.publish.dumps`).
        The block and the fragments are compressed as the sources' N-Quads are (see
        :func:`~projectgraph.build.prepare.pack`): stored as they are, the cache held a second
        copy of the dumps' text (1.9 GB at 100,000 projects), written twice by SQLite's
        journal in every build from scratch, and sent from the workers through a pipe."""
        blobs = [self.turtle, self.ntriples_gz, self.jsonld]
        header = json.dumps([len(b) for b in blobs]).encode()
        return pack(self.trig), pack(header + b"\n" + b"".join(blobs)), self.stats.encode()

    @staticmethod
    def decode_trig(data: bytes) -> bytes:
        """The TriG block :meth:`encode` gave as its first bytes."""
        return unpack(data)

    @staticmethod
    def decode_fragments(data: bytes) -> Fragments:
        """The merged-graph fragments :meth:`encode` gave as its second bytes."""
        data = unpack(data)
        newline = data.index(b"\n")
        blobs, position = [], newline + 1
        for size in json.loads(data[:newline]):
            blobs.append(data[position : position + size])
            position += size
        return Fragments(blobs[0], blobs[1], blobs[2])


class Fragments(NamedTuple):
    """A part's pieces of the merged graph's dumps (see :class:`Part`)."""

    turtle: bytes
    ntriples_gz: bytes
    jsonld: bytes


@dataclass(frozen=True)
class StatsChunk:
    """The statistics of a run of consecutive parts together, kept in the build cache: a
    rebuild adds up some four hundred of these instead of every part's (at 100,000 projects,
    reading, decoding and adding 100,000 parts' statistics took 8 s of each rebuild), and
    makes again only the chunks of the parts that changed. ``triples``: each part's count
    (a part with none is in no dump)."""

    stats: Stats
    triples: tuple[int, ...]

    def encode(self) -> bytes:
        """Bytes for the build cache; :meth:`decode` reads them."""
        return json.dumps(self.triples).encode() + b"\n" + self.stats.encode()

    @classmethod
    def decode(cls, data: bytes) -> StatsChunk:
        """The chunk :meth:`encode` wrote; ValueError if damaged."""
        try:
            newline = data.index(b"\n")
            triples = tuple(json.loads(data[:newline]))
            return cls(Stats.decode(data[newline + 1 :]), triples)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            raise ValueError(f"a damaged chunk of statistics: {e}") from None


def chunk_ends(keys: Sequence[str]) -> list[int]:
    """Where parts in the order of ``keys`` are cut into :class:`StatsChunk`: after each key
    whose digest's last byte is 0, and after the last one (about 256 parts a chunk). Cut by
    the keys, not by position, so a part added or removed changes only its own chunk."""
    ends = [i + 1 for i, key in enumerate(keys) if hashlib.blake2b(key.encode()).digest()[-1] == 0]
    if keys and (not ends or ends[-1] != len(keys)):
        ends.append(len(keys))
    return ends


def part_fingerprint(source_fingerprint: str, excluded: Iterable[str], context: str) -> str:
    """What a part depends on: its source, the subjects left to the shared part, and
    ``context`` (prefixes, JSON-LD context, base IRI, code)."""
    h = hashlib.sha256(f"{source_fingerprint}\0{context}\0{PARTS_LAYOUT}".encode())
    for subject in sorted(excluded):
        h.update(subject.encode() + b"\0")
    return h.hexdigest()


def shared_chunks(shared: Mapping[str, bytes]) -> list[list[str]]:
    """The subjects of the shared descriptions, sorted, in chunks of about 256: each chunk
    is one shared part. Cut where :func:`chunk_ends` cuts (by the subjects, not by position),
    so a description added, removed or changed remakes the part of its own chunk only; and
    no process holds every shared triple as terms at once (at 100,000 projects one part of
    them all took 0.75 GB and 15 s in the build's process)."""
    nodes = sorted(shared)
    chunks, start = [], 0
    for end in chunk_ends(nodes):
        chunks.append(nodes[start:end])
        start = end
    return chunks


def shared_fingerprint(shared: Mapping[str, bytes], nodes: Sequence[str], context: str) -> str:
    """What the shared part of ``nodes`` (a chunk of :func:`shared_chunks`) depends on: their
    descriptions, and ``context`` as for :func:`part_fingerprint`."""
    h = hashlib.sha256(f"shared\0{context}\0{PARTS_LAYOUT}".encode())
    for node in nodes:
        h.update(node.encode() + b"\0")
        h.update(hashlib.sha256(shared[node]).digest())
    return h.hexdigest()


def make_part(
    quads: list[ox.Quad],
    excluded: frozenset[str],
    prefixes: dict[str, str],
    context: dict[str, Any],
    uri_space: str,
) -> Part:
    """The part of a named graph (``quads``, sorted by subject), leaving out the subjects in
    ``excluded`` (N-Triples form) from the merged-graph formats."""
    trig = _without_prefixes(rdf_bytes(quads, ox.RdfFormat.TRIG, prefixes))
    own = [q.triple for q in quads if str(q.subject) not in excluded]
    return merged_part(own, prefixes, context, uri_space, trig)


def merged_part(
    triples: list[ox.Triple],
    prefixes: dict[str, str],
    context: dict[str, Any],
    uri_space: str,
    trig: bytes = b"",
) -> Part:
    """The merged-graph fragments and statistics of ``triples`` (sorted by subject)."""
    # One compactor for every part: processing the context would cost more than a part.
    nodes = ",\n".join(node_json(n) for n in shared_compactor(context).nodes(triples))
    nt = rdf_bytes(triples, ox.RdfFormat.N_TRIPLES)
    return Part(
        trig=trig,
        turtle=_without_prefixes(turtle(triples, prefixes)) if triples else b"",
        ntriples_gz=gzip.compress(nt, compresslevel=6, mtime=0) if triples else b"",
        jsonld=nodes.encode(),
        stats=_stats(triples, nt, uri_space),
    )


def shared_triples(descriptions: bytes) -> list[ox.Triple]:
    """The triples of shared ``descriptions`` (N-Triples lines), sorted like every dump."""
    triples = parse_own(descriptions, ox.RdfFormat.N_TRIPLES)
    return sorted((q.triple for q in triples), key=triple_key)


class StatsTotal:
    """The statistics of several parts together (their subjects are disjoint), added a part
    at a time as the parts go by: a part's statistics (a few KB: its predicates, classes,
    objects) need not all be kept until the last part is written."""

    def __init__(self) -> None:
        self._total = Stats()
        self._digests = _Digests()

    def add(self, s: Stats) -> None:
        """Count one more part."""
        total, digests = self._total, self._digests
        total.triples += s.triples
        total.subjects += s.subjects
        total.entities += s.entities
        total.predicates |= s.predicates
        total.classes.update(s.classes)
        digests.add(s.objects)
        if s.start and (total.start is None or s.start < total.start):
            total.start = s.start
        if s.end and (total.end is None or s.end > total.end):
            total.end = s.end
        total.countries |= s.countries
        if s.first_project and (
            total.first_project is None or s.first_project < total.first_project
        ):
            total.first_project = s.first_project

    def result(self) -> Stats:
        """The statistics of every part added."""
        self._total.objects = self._digests.sorted()
        return self._total


class _Digests:
    """A set of 8-byte digests kept as sorted numpy arrays: at 100,000 projects a Python set
    of millions of ``bytes`` objects takes about 80 bytes and a hash a digest; this takes 8
    bytes and one sort per eight million. They are sorted as native integers (the values the
    big-endian bytes give, so their order is the bytes' order), and repeats dropped after the
    sort: numpy 2.4's ``unique`` took 11 s for nine million digests, a sort 0.6 s."""

    _COMPACT = 8 << 20  # digests gathered before they are merged

    def __init__(self) -> None:
        self._merged = np.empty(0, dtype=np.uint64)
        self._pending: list[np.ndarray] = []
        self._size = 0

    def add(self, digests: bytes) -> None:
        """Add the digests of a part (concatenated)."""
        if digests:
            self._pending.append(np.frombuffer(digests, dtype=">u8"))
            self._size += len(digests) // 8
            if self._size >= self._COMPACT:
                self._compact()

    def _compact(self) -> None:
        every = np.concatenate([self._merged, *self._pending], dtype=np.uint64)
        every.sort()
        first = np.empty(len(every), dtype=bool)
        first[:1] = True
        np.not_equal(every[1:], every[:-1], out=first[1:])
        self._merged = every[first]
        self._pending, self._size = [], 0

    def sorted(self) -> bytes:
        """Every distinct digest once, in byte order (big-endian order is byte order)."""
        self._compact()
        return self._merged.astype(">u8").tobytes()


def _stats(triples: list[ox.Triple], nt: bytes, uri_space: str) -> Stats:
    """The statistics of ``triples``, whose N-Triples lines ``nt`` are (one a triple, in
    order): read from the lines' bytes (a term's N-Triples form is what the object digests
    are of), the triples' terms only for the few predicates whose values are kept; at
    100,000 projects this is 9 million triples, and term objects cost five times as much."""
    s = Stats(triples=len(triples))
    subjects: set[bytes] = set()
    objects: set[bytes] = set()
    predicates: set[bytes] = set()
    entity = b"<" + uri_space.encode()
    lines = nt.splitlines()
    if len(lines) != len(triples):  # never: one line a triple
        raise ValueError(f"{len(lines)} N-Triples lines for {len(triples)} triples")
    classes: Counter[bytes] = Counter()
    first_project: bytes | None = None
    blake2b = hashlib.blake2b
    for i, line in enumerate(lines):
        subject, predicate, rest = line.split(b" ", 2)
        if subject not in subjects:
            subjects.add(subject)
            if subject.startswith(entity):
                s.entities += 1
        predicates.add(predicate)
        objects.add(blake2b(rest[:-2], digest_size=8).digest())  # less " ."
        if predicate == _TYPE_LINE:  # an IRI: its N-Triples form is <value>
            classes[rest] += 1
            if rest == _PROJECT_END and (first_project is None or subject < first_project):
                first_project = subject  # UTF-8 bytes sort as the code points do
        elif predicate in _VALUES:
            _keep_value(s, triples[i])
    s.subjects = len(subjects)
    s.predicates = {p[1:-1].decode() for p in predicates}
    s.objects = b"".join(sorted(objects))
    s.classes = Counter({c[1:-3].decode(): n for c, n in classes.items()})
    s.first_project = first_project[1:-1].decode() if first_project else None
    return s


_TYPE_LINE, _PROJECT_END = f"<{_TYPE}>".encode(), f"<{_PROJECT}> .".encode()
_VALUES = {f"<{p}>".encode() for p in (_START, _END, _COUNTRY)}  # read from the terms


def _keep_value(s: Stats, t: ox.Triple) -> None:
    """Count a triple whose predicate's values the statistics keep (dates, countries)."""
    p = t.predicate.value
    if p == _START:
        start = _value(t.object)
        if s.start is None or start < s.start:
            s.start = start
    elif p == _END:
        end = _value(t.object)
        if s.end is None or end > s.end:
            s.end = end
    elif p == _COUNTRY:
        s.countries.add(_value(t.object))


def _value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """The value of a term of a published triple (never a triple term, RDF 1.2)."""
    if isinstance(term, ox.Triple):
        raise TypeError(f"a triple term cannot be published: {term}")
    return term.value


def _without_prefixes(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    body = b"".join(lines[n:])
    return body.lstrip(b"\n")
