"""Prepare one source for a build: parse and check it, add the entailed alignments, and write
its named graph as canonical N-Quads with what the partitioning needs to know about it.

This is the unit of work the build runs in parallel and caches: a source whose bytes did not
change is never parsed again. Terms are kept in their N-Triples form (``<iri>``, ``_:b``) so the
summaries are plain strings, cheap to pickle and to store.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass

import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.build.assemble import triple_key
from projectgraph.build.entail import entail
from projectgraph.build.sources import Source, read

# Bump when what preparing writes changes: cached preparations of older code are ignored.
PREPARE_LAYOUT = 2  # 2: the N-Quads kept compressed

Alignments = tuple[dict[str, set[str]], dict[str, set[str]]]


@dataclass(frozen=True)
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
    packed: bytes  # the named graph (see nquads), zlib-compressed
    quads: int
    entailed: int
    blocks: tuple[Block, ...]  # one per subject, in order
    objects: tuple[str, ...]  # IRIs and blank nodes used as objects, not subjects here
    inverse_objects: tuple[str, ...]  # objects of predicates the shapes walk backwards
    namespaces: frozenset[str]  # for choosing prefixes: see namespaces_of

    @property
    def subjects(self) -> list[str]:
        return [b.subject for b in self.blocks]

    @property
    def nquads(self) -> bytes:
        """The named graph, sorted by subject (rdf:type first), one quad per line.

        Kept compressed (a sixteenth of the size): a large build holds every source's
        preparation, sends it to worker processes and writes it to the cache."""
        return zlib.decompress(self.packed)


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
    """Parse ``source`` (raising SourceError with file:line:col), entail, and summarise it."""
    quads = read(source, base_iri)
    unique = set(quads)
    added = entail(quads, *alignments) if source.kind != "ontology" else []
    unique.update(added)
    # Each quad's sort key once: its N-Triples strings serve the summary below too.
    keyed = sorted(((triple_key(q), q) for q in unique), key=_first)
    ordered = [q for _, q in keyed]
    data = ox.serialize(ordered, format=ox.RdfFormat.N_QUADS)
    assert data is not None, "with no output file, serialize returns the bytes"
    blocks: list[Block] = []
    subjects: set[str] = set()
    objects: set[str] = set()
    inverse: set[str] = set()
    iris: set[str] = set()
    predicates: set[str] = set()
    start = end = 0
    current = None
    for ((subject, _, predicate, obj), quad), line_end in zip(keyed, _line_ends(data), strict=True):
        if subject != current:
            if current is not None:
                blocks.append(Block(current, start, end))
                start = end
            current = subject
            subjects.add(subject)
            if subject[0] == "<":
                iris.add(subject[1:-1])
        end = line_end
        predicates.add(predicate)
        if obj[0] == '"':  # a literal
            iris.add(quad.object.datatype.value)  # type: ignore[union-attr]
        else:
            if obj[0] == "<":
                iris.add(obj[1:-1])
            objects.add(obj)
            if predicate in inverse_predicates:
                inverse.add(obj)
    if current is not None:
        blocks.append(Block(current, start, end))
    iris |= predicates
    return Prepared(
        key=source.key,
        graph=source.graph,
        fingerprint=fingerprint,
        packed=pack(data),
        quads=len(ordered),
        entailed=len(added),
        blocks=tuple(blocks),
        objects=tuple(sorted(objects - subjects)),
        inverse_objects=tuple(sorted(inverse)),
        namespaces=frozenset(namespaces_of(iris)),
    )


def pack(data: bytes) -> bytes:
    """N-Quads compressed as :attr:`Prepared.packed` holds them (zlib's fastest level:
    300 MB/s, 16 times smaller)."""
    return zlib.compress(data, 1)


def namespaces_of(iris: set[str]) -> set[str]:
    """Each IRI cut one character after its last ``/`` or ``#``: few strings, and still enough
    to tell which prefixes are used (see :func:`used_namespaces`)."""
    return {iri[: max(iri.rfind("/"), iri.rfind("#")) + 2] for iri in iris}


def used_namespaces(namespaces: set[str], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes that shorten some IRI summarised by :func:`namespaces_of`."""
    return {
        p: ns for p, ns in prefixes.items() if any(n.startswith(ns) and n != ns for n in namespaces)
    }


def _first(item: tuple[tuple[str, int, str, str], ox.Quad]) -> tuple[str, int, str, str]:
    return item[0]


def _line_ends(data: bytes) -> list[int]:
    ends = []
    position = data.find(b"\n")
    while position >= 0:
        ends.append(position + 1)
        position = data.find(b"\n", position + 1)
    return ends
