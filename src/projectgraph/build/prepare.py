"""Prepare one source for a build: parse and check it, add the entailed alignments, and write
its named graph as canonical N-Quads with what the partitioning needs to know about it.

This is the unit of work the build runs in parallel and caches: a source whose bytes did not
change is never parsed again. Terms are kept in their N-Triples form (``<iri>``, ``_:b``) so the
summaries are plain strings, cheap to pickle and to store.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy
import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.build.entail import entail
from projectgraph.build.sources import Source, read_triples
from projectgraph.rdf.packed import pack, unpack
from projectgraph.rdf.vocab import RDF_TYPE, all_prefixes

# Bump when what preparing writes changes: cached preparations of older code are ignored.
# 2: the N-Quads kept compressed; 3: with predicate digests; 4: zstd; 5: summaries in marshal
# 6: the namespaces kept are those of the prefixes the source uses; 7: triples counted;
# 8: the triples grouped by predicate too
PREPARE_LAYOUT = 8

Alignments = tuple[dict[str, set[str]], dict[str, set[str]]]


@dataclass(frozen=True, slots=True)
class Block:
    """The triples of one subject: its N-Triples form and its byte range in ``nquads``."""

    subject: str
    start: int
    end: int


@dataclass(frozen=True)
class Prepared:
    """One source, ready to be partitioned, validated and published."""

    key: str
    graph: str
    fingerprint: str  # of the source bytes and everything preparing depends on
    packed: bytes  # the named graph (see nquads), compressed by pack
    quads: int
    entailed: int
    # The subjects, in order, and where each one's lines start and end in ``nquads`` (two
    # unsigned 64-bit numbers each): the blocks, kept as 16 bytes each rather than objects
    # of ~150 (the build holds every preparation; see :func:`shared`).
    subjects: tuple[str, ...]
    bounds: bytes
    objects: tuple[str, ...]  # IRIs and blank nodes used as objects, not subjects here
    inverse_objects: tuple[str, ...]  # objects of predicates the shapes walk backwards
    namespaces: tuple[str, ...]  # sorted: the prefixes' the source's IRIs use (used_prefixes)
    # The predicate IRIs of the triples, sorted, and a digest of the triples of each (8 bytes
    # each, in that order): see predicate_digests.
    predicates: tuple[str, ...] = ()
    digests: bytes = b""
    # The classes of the rdf:type triples, sorted; how many triples each predicate has, then
    # how many type triples each class has (unsigned 32-bit numbers, in those orders): what
    # the named queries' store will hold is known before it is loaded (see merged_counts).
    classes: tuple[str, ...] = ()
    counts: bytes = b""
    # The triples again, as N-Triples lines grouped by predicate (in ``predicates`` order),
    # then the rdf:type lines again by class (in ``classes`` order), each group in the
    # graph's order, compressed by pack; and where each group ends (unsigned 64-bit numbers):
    # what the named queries' store loads, a few predicates and classes of every source, is
    # sliced out of these without a look at each line (see
    # projectgraph.pipeline.cache.CachedGraph). Kept in the cache only: :func:`shared` drops
    # them from what the build holds.
    grouped: bytes = b""
    group_ends: bytes = b""

    @property
    def blocks(self) -> tuple[Block, ...]:
        """One block per subject, in order."""
        bounds = array("Q", self.bounds)
        return tuple(
            Block(subject, bounds[2 * i], bounds[2 * i + 1])
            for i, subject in enumerate(self.subjects)
        )

    @functools.cached_property
    def graph_digest(self) -> str:
        """A digest of the triples of the source's named graph (its predicates and the digests
        of each one's triples): two preparations with the same digest have the same graph.
        Made once per preparation: a build in the same process (``build --watch``) that
        keeps it does not make it again (0.4 s at 100,000 projects)."""
        h = hashlib.blake2b(digest_size=16)
        h.update("\n".join(self.predicates).encode() + b"\0" + self.digests)
        return h.hexdigest()

    @property
    def nquads(self) -> bytes:
        """The named graph, sorted by subject (rdf:type first), one quad per line.

        Kept compressed (a sixteenth of the size): a large build holds every source's
        preparation, sends it to worker processes and writes it to the cache."""
        return unpack(self.packed)


def fingerprint(source: Source, sha256: str, context: str) -> str:
    """What a cached preparation of ``source`` is valid for: its bytes, its graph name, the
    base IRI, the ontology's alignments and the inverse predicates (``context``), the code."""
    h = hashlib.sha256()
    for part in (source.key, source.graph, sha256, context, __version__, str(PREPARE_LAYOUT)):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def prepare(
    source: Source,
    base_iri: str,
    alignments: Alignments,
    inverse_predicates: frozenset[str],
    fingerprint: str,
) -> Prepared:
    """Parse ``source`` (raising SourceError with file:line:col), entail, and summarise it.

    Past parsing, the work is on N-Triples lines, not term objects: pyoxigraph writes the
    triples once, the lines are sorted by keys cut from their bytes (UTF-8 byte order is code
    point order, so the order is :func:`~projectgraph.build.assemble.triple_key`'s) and become
    N-Quads by naming the graph at each line's end: 1.9 s for 1,000 records, against 3.0 s
    with quad objects."""
    triples = read_triples(source, base_iri)
    unique = set(triples)
    read_count = len(unique)
    if source.kind != "ontology":
        unique.update(entail(triples, *alignments))
    text = ox.serialize(unique, format=ox.RdfFormat.N_TRIPLES)
    assert text is not None, "with no output file, serialize returns the bytes"
    keyed = sorted(_line_key(line) for line in text.splitlines())
    graph = f" <{source.graph}> .\n".encode()
    data = b"".join([k[4] + graph for k in keyed])
    blocks: list[Block] = []
    subjects: set[bytes] = set()
    objects: set[bytes] = set()
    inverse: set[bytes] = set()
    iris: set[bytes] = set()
    by_predicate: dict[bytes, list[bytes]] = {}
    by_class: dict[bytes, list[bytes]] = {}
    walked_back = {p.encode() for p in inverse_predicates}
    start = end = 0
    current = None
    for subject, _, predicate, obj, line in keyed:
        if subject != current:
            if current is not None:
                blocks.append(Block(current.decode(), start, end))
                start = end
            current = subject
            subjects.add(subject)
            if subject[:1] == b"<":
                iris.add(subject[1:-1])
        end += len(line) + len(graph)
        lines = by_predicate.get(predicate)
        if lines is None:
            lines = by_predicate[predicate] = []
        lines.append(line)
        if predicate == _TYPE_IRI and obj[:1] == b"<":  # a class (not a blank node)
            of_class = by_class.get(obj)
            if of_class is None:
                of_class = by_class[obj] = []
            of_class.append(line)
        if obj[:1] == b'"':  # a literal
            iris.add(_datatype(obj))
        else:
            if obj[:1] == b"<":
                iris.add(obj[1:-1])
            objects.add(obj)
            if predicate in walked_back:
                inverse.add(obj)
    if current is not None:
        blocks.append(Block(current.decode(), start, end))
    iris |= by_predicate.keys()
    return Prepared(
        key=source.key,
        graph=source.graph,
        fingerprint=fingerprint,
        packed=pack(data),
        quads=len(keyed),
        entailed=len(unique) - read_count,
        **packed_blocks(blocks),
        objects=tuple(sorted(o.decode() for o in objects - subjects)),
        inverse_objects=tuple(sorted(o.decode() for o in inverse)),
        namespaces=used_prefixes({i.decode() for i in iris}, base_iri),
        **predicate_digests(by_predicate),
        **_counts(by_predicate, by_class),
        **_grouped(by_predicate, by_class),
    )


def packed_blocks(blocks: Sequence[Block]) -> dict[str, Any]:
    """``blocks`` as the fields of :class:`Prepared` that keep them (``subjects``, ``bounds``)."""
    bounds = array("Q", [n for b in blocks for n in (b.start, b.end)])
    return {"subjects": tuple(b.subject for b in blocks), "bounds": bounds.tobytes()}


def predicate_digests(by_predicate: dict[bytes, list[bytes]]) -> dict[str, Any]:
    """A source's predicate IRIs, sorted, and a 64-bit digest of its triples with each (their
    lines, in the preparation's order), as the fields of :class:`Prepared`. Summed over the
    sources (:func:`merged_digests`), two graphs with the same sums for a predicate have the
    same triples with it (but for a collision, one in 2**64), which is how a rebuild tells
    which named queries a change can reach."""
    predicates = sorted(by_predicate)
    digests = b"".join(_digest(b"\n".join(by_predicate[p])) for p in predicates)
    return {"predicates": tuple(p.decode() for p in predicates), "digests": digests}


def _counts(
    by_predicate: dict[bytes, list[bytes]], by_class: dict[bytes, list[bytes]]
) -> dict[str, Any]:
    """A source's classes and triple counts, as the fields of :class:`Prepared`."""
    classes = sorted(by_class)
    counts = [len(by_predicate[p]) for p in sorted(by_predicate)]
    counts += [len(by_class[c]) for c in classes]
    return {
        "classes": tuple(c[1:-1].decode() for c in classes),
        "counts": array("I", counts).tobytes(),
    }


def _grouped(
    by_predicate: dict[bytes, list[bytes]], by_class: dict[bytes, list[bytes]]
) -> dict[str, Any]:
    """A source's lines grouped by predicate, then its rdf:type lines again by class (in the
    order of ``predicates``, then ``classes``), as the fields of :class:`Prepared`."""
    lines = [by_predicate[p] for p in sorted(by_predicate)]
    lines += [by_class[c] for c in sorted(by_class)]
    groups = [b"".join([line + b" .\n" for line in group]) for group in lines]
    ends = array("Q", accumulate(map(len, groups)))
    return {"grouped": pack(b"".join(groups)), "group_ends": ends.tobytes()}


def merged_counts(prepared: Sequence[Prepared]) -> dict[str, int]:
    """How many triples the sources have together, per predicate IRI and per
    ``"<rdf:type IRI> <class IRI>"`` entry (the entries of a store's
    :func:`~projectgraph.sparql.footprint.selection`), a description several sources share
    counted once per source: about how many triples a store of some predicates holds."""
    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], numpy.ndarray] = {}
    for p in prepared:
        values = numpy.frombuffer(p.counts, dtype=numpy.uint32).astype(numpy.int64)
        key = (p.predicates, p.classes)
        total = groups.get(key)
        groups[key] = values if total is None else total + values
    counts: dict[str, int] = {}
    for (predicates, classes), total in groups.items():
        names = [*predicates, *(f"{RDF_TYPE} {c}" for c in classes)]
        for name, value in zip(names, total.tolist(), strict=True):
            counts[name] = counts.get(name, 0) + value
    return counts


_SHARED: dict[object, Any] = {}


def shared(prepared: Prepared) -> Prepared:
    """``prepared`` as the build keeps it in memory, with every preparation: a predicate or
    namespace tuple is one object for all preparations that have the same (records have much
    the same few dozen predicates, and most the same prefixes), and each IRI used as an object
    is one string for all (the same organisations, regions and programmes recur), where one
    that comes back from a worker or the cache is a fresh copy of each. The grouped lines
    are left out: the cache keeps them, and only the answers' process reads them."""
    p = prepared
    return dataclasses.replace(
        p, **shared_fields(p.predicates, p.classes, p.namespaces, p.objects, p.inverse_objects)
    )


def shared_fields(
    predicates: tuple[str, ...],
    classes: tuple[str, ...],
    namespaces: tuple[str, ...],
    objects: tuple[str, ...],
    inverse_objects: tuple[str, ...],
) -> dict[str, Any]:
    """The fields of a preparation :func:`shared` replaces, made from these: the cache makes
    its preparations with them at once (one object made, not two: a third of the time of
    reading 100,000 preparations back)."""
    return {
        "grouped": b"",
        "group_ends": b"",
        "predicates": _SHARED.setdefault(predicates, predicates),
        "classes": _SHARED.setdefault(classes, classes),
        "namespaces": _SHARED.setdefault(namespaces, namespaces),
        "objects": tuple(map(sys.intern, objects)),
        "inverse_objects": tuple(map(sys.intern, inverse_objects)),
    }


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


def merged_digests(prepared: Sequence[Prepared]) -> dict[str, str]:
    """Per predicate, the sum (modulo 2**64) of the sources' digests, in hex: a fingerprint
    of the merged graph's triples with it. A sum, not an exclusive or, so that two sources
    with the same triples do not cancel out and hide their change. Sources with the same
    predicates are summed as one array (numpy's unsigned addition wraps around). Under
    ``""`` (:data:`~projectgraph.sparql.footprint.LOAD_ORDER`, no predicate's name), a
    digest of the sources' order, which is the order their triples are loaded in."""
    groups: dict[tuple[str, ...], numpy.ndarray] = {}
    for p in prepared:
        values = numpy.frombuffer(p.digests, dtype="<u8")
        total = groups.get(p.predicates)
        groups[p.predicates] = values.copy() if total is None else total + values
    sums: dict[str, int] = {}
    for predicates, total in groups.items():
        for predicate, value in zip(predicates, total.tolist(), strict=True):
            sums[predicate] = (sums.get(predicate, 0) + value) % (1 << 64)
    sums[""] = int.from_bytes(_digest("\0".join(p.key for p in prepared).encode()), "big")
    return {p: f"{v:016x}" for p, v in sorted(sums.items())}


_RDF_TYPE = f"<{RDF_TYPE}>".encode()
_TYPE_IRI = RDF_TYPE.encode()  # the predicate as _line_key gives it
_LANG_STRING = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_DIR_LANG_STRING = b"http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
_STRING = b"http://www.w3.org/2001/XMLSchema#string"


def _line_key(line: bytes) -> tuple[bytes, int, bytes, bytes, bytes]:
    """An N-Triples line (without its newline) as (subject, 0 for rdf:type else 1, predicate
    IRI, object, the line less its final " ."): the sort key of triple_key, in bytes. Subjects
    and predicates hold no spaces (IRIs, blank nodes; triple terms are refused on reading)."""
    subject, predicate, rest = line.split(b" ", 2)
    return (subject, 0 if predicate == _RDF_TYPE else 1, predicate[1:-1], rest[:-2], line[:-2])


def _datatype(literal: bytes) -> bytes:
    """The datatype IRI of a literal in N-Triples form."""
    close = literal.rindex(b'"')
    tail = literal[close + 1 :]
    if tail.startswith(b"^^<"):
        return tail[3:-1]
    if tail.startswith(b"@"):
        return _DIR_LANG_STRING if b"--" in tail else _LANG_STRING
    return _STRING


def namespaces_of(iris: set[str]) -> set[str]:
    """Each IRI cut one character after its last ``/`` or ``#``: few strings, and still enough
    to tell which prefixes are used (see :func:`used_namespaces`)."""
    return {iri[: max(iri.rfind("/"), iri.rfind("#")) + 2] for iri in iris}


def used_prefixes(iris: set[str], base_iri: str) -> tuple[str, ...]:
    """The namespaces of :func:`~projectgraph.rdf.vocab.all_prefixes` that shorten some of
    ``iris``, sorted: what a source tells the build about the prefixes its dumps use (their
    union is what the whole graph uses). Few, and the same for most sources, so the build
    keeps one tuple for them all; each source's :func:`namespaces_of` would be some sixty
    strings of its own (interning them took 8 s of a rebuild at 100,000 projects)."""
    used = used_namespaces(namespaces_of(iris), all_prefixes(base_iri))
    return tuple(sorted(set(used.values())))


def used_namespaces(namespaces: set[str], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes that shorten some IRI summarised by :func:`namespaces_of`. The strings a
    namespace starts are together in sorted order, from the first not below it: one binary
    search a prefix (a scan of every string for each unused prefix took 2.4 s at 100,000
    projects)."""
    ordered = sorted(namespaces)

    def shortens(ns: str) -> bool:
        at = bisect.bisect_left(ordered, ns)
        if at < len(ordered) and ordered[at] == ns:  # the namespace itself shortens nothing
            at += 1
        return at < len(ordered) and ordered[at].startswith(ns)

    return {p: ns for p, ns in prefixes.items() if shortens(ns)}
