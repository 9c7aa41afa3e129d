"""Validate a partitioned dataset unit by unit, in parallel, reusing the results of units that
did not change; the report equals whole-graph validation (see :mod:`projectgraph.build.partition`).

Units are validated in chunks (by pyshacl-turbo, see :mod:`projectgraph.validate.native`):
one run over the reference data and several units
costs far less than one run per unit, and units never see into each other (that is what the
partition guarantees), so each result is credited to the units whose data decides it and
cached per unit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
from pyshacl_turbo import CompiledShapes
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from projectgraph.build.partition import Unit, selected_form, triple_lines, with_predicates
from projectgraph.build.prepare import Prepared
from projectgraph.build.sources import Source, resource
from projectgraph.rdf.packed import unpack
from projectgraph.rdf.serialize import parse_own
from projectgraph.rdf.vocab import RDF_TYPE
from projectgraph.settings import Settings
from projectgraph.validate import native
from projectgraph.validate.native import compile_shapes
from projectgraph.validate.report import Result
from projectgraph.validate.shacl import describe, load_shapes, shapes_footprint

SUBCLASS_TERM = b"<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
CHUNK_TRIPLES = 20_000  # units per SHACL engine run: at most about this many triples
# The terms of N-Triples lines (IRIs and blank nodes; one inside a literal is taken too, which
# only adds reference data that was not needed).
_TERM = re.compile(rb"<[^>\s]*>|_:[A-Za-z0-9_.\-]+")
_DATATYPE = re.compile(rb"\^\^(<[^>\s]*>)")  # a typed literal's datatype IRI


@dataclass(frozen=True)
class UnitTask:
    """What a worker needs to validate one unit."""

    sources: tuple[Source, ...]
    packed: tuple[bytes, ...]  # each source's N-Quads, as Prepared.packed holds them
    shared: tuple[str, ...]
    with_reference: bool


@dataclass
class _WorkerState:
    settings: Settings
    shapes: Graph
    compiled: CompiledShapes
    reference: bytes  # N-Triples
    # The reference data by subject (N-Triples terms: its lines, the nodes it points at), and
    # whether every chunk needs all of it (see reference_for).
    reference_lines: dict[bytes, bytes]
    reference_links: dict[bytes, tuple[bytes, ...]]
    whole_reference: bool
    reference_index: dict[str, tuple[Source, bool]]
    reference_subjects: frozenset[str]
    shared: dict[str, bytes]
    first_source: dict[str, Source]
    # The predicates (N-Triples forms) the shapes read, or None for all: the engine is given
    # only their triples (two thirds of its time on a chunk goes to loading them).
    read: frozenset[bytes] | None
    # The reference data and the shared descriptions, only the triples of ``read``: filtered
    # once in a worker, not once a chunk (an organisation's description is in the chunk of
    # each of its projects; the shared ones as chunks come to them).
    read_reference: bytes
    # The reference triples of ``read`` by subject, and the nodes they link to: the engine,
    # given only those triples, can walk no other link into the reference data.
    read_reference_lines: dict[bytes, bytes]
    read_reference_links: dict[bytes, tuple[bytes, ...]]
    read_shared: dict[str, bytes] = field(default_factory=dict)


_state: _WorkerState | None = None


def init_worker(
    settings: Settings,
    reference: Sequence[tuple[Source, bytes]],
    shared: dict[str, bytes],
    reference_subjects: frozenset[str],
    first_source: dict[str, Source],
) -> None:
    """Load what every unit shares: shapes, reference data, shared descriptions (the
    partition's ``shared`` and ``reference_subjects``; not its units, one per project)."""
    global _state
    index: dict[str, tuple[Source, bool]] = {}
    for source, data in reference:
        _index(index, source, parse_own(data, ox.RdfFormat.N_QUADS))
    shapes = load_shapes(settings)
    read = shapes_footprint(shapes)
    lines = [line for _, data in reference for line in triple_lines(data)]
    by_subject, links = _by_subject(lines)
    if read is not None and RDF_TYPE not in read:  # the types of the classes the shapes name
        # and of the reference data's subclasses (any: a superset of those reaching one), or
        # every type when a shared description states a subclass (rare: a unit stating one
        # is given every type, see _chunk_data)
        subclasses = _subclasses(lines)
        if subclasses is None or any(SUBCLASS_TERM in data for data in shared.values()):
            read = read | {RDF_TYPE}
        else:
            read = read | {f"{RDF_TYPE} {c}" for c in subclasses}
    predicates = None if read is None else frozenset(map(selected_form, read))
    reference_data = b"".join(lines)
    read_reference = _only(reference_data, predicates)
    read_by_subject, read_links = (
        (by_subject, links)
        if predicates is None
        else _by_subject(read_reference.splitlines(keepends=True))
    )
    _state = _WorkerState(
        settings=settings,
        shapes=shapes,
        compiled=compile_shapes(shapes),
        reference=reference_data,
        reference_lines=by_subject,
        reference_links=links,
        whole_reference=_walks_back_into(shapes, lines),
        reference_index=index,
        reference_subjects=reference_subjects,
        shared=shared,
        first_source=first_source,
        read=predicates,
        read_reference=read_reference,
        read_reference_lines=read_by_subject,
        read_reference_links=read_links,
    )


def _only(ntriples: bytes, predicates: frozenset[bytes] | None) -> bytes:
    """The lines of ``ntriples`` with one of ``predicates`` (None: all)."""
    return ntriples if predicates is None else with_predicates(ntriples, predicates)


def validate_chunk(tasks: Sequence[UnitTask]) -> list[list[Result]]:
    """Validate several units in one run of the SHACL engine; the results of each unit, in
    order."""
    state = _state
    assert state is not None, "init_worker first"
    graphs = [[unpack(blob) for blob in task.packed] for task in tasks]
    report_graph = native.report(_chunk_data(state, tasks, graphs, True), state.compiled)
    if report_graph is None:
        return [[] for _ in tasks]
    loaded = [
        [
            (source, parse_own(blob, ox.RdfFormat.N_QUADS))
            for source, blob in zip(task.sources, blobs, strict=True)
        ]
        for task, blobs in zip(tasks, graphs, strict=True)
    ]

    def places() -> dict[str, tuple[Source, bool]]:  # only needed when something is found
        index = dict(state.reference_index)
        for task, mine in zip(tasks, loaded, strict=True):
            for source, quads in mine:
                _index(index, source, quads)
            for node in task.shared:
                index[_value(node)] = (state.first_source[node], True)
        return index

    # Describing a result reads any triple of its focus node (its label, where it is stated).
    data = _chunk_data(state, tasks, graphs, False)
    found = describe(
        report_graph, native.rdflib_data(data), state.shapes, _Lazy(places), state.settings
    )
    mentioned = [
        {str(t) for _, quads in mine for q in quads for t in (q.subject, q.object)}
        for mine in loaded
    ]
    out: list[list[Result]] = [[] for _ in tasks]
    for focus, result in found:
        node = _nt(focus)
        for k, task in enumerate(tasks):
            if node in state.shared:
                keep = node in task.shared
            elif node in state.reference_subjects or node not in mentioned[k]:
                keep = task.with_reference
            else:
                keep = True
            if keep:
                out[k].append(result)
    return out


def _chunk_data(
    state: _WorkerState,
    tasks: Sequence[UnitTask],
    graphs: Sequence[Sequence[bytes]],
    only_read: bool,
) -> bytes:
    """The N-Triples a chunk is validated with: its units' named graphs (``graphs``: each
    task's N-Quads), their shared descriptions (each once) and the reference data they reach;
    with ``only_read``, only the triples of the predicates the shapes read. A triple a unit
    repeats from the reference data or another unit comes twice: the engine reads a set, as
    the graph a result is described from is one (deduplicating every line took 3 ms of a
    10,000-project chunk of 8,000 lines, whose validation takes about 55 ms)."""
    # A unit stating a subclass may make a type of a class no shape names one a shape targets:
    # its chunk is given every triple (the shapes' footprint takes the reference data's).
    subclassing = any(SUBCLASS_TERM in blob for blobs in graphs for blob in blobs)
    read = state.read if only_read and not subclassing else None
    lines: list[bytes] = []
    shared: dict[str, None] = {}  # units of one chunk often share an organisation's description
    for task, blobs in zip(tasks, graphs, strict=True):
        for blob in blobs:
            lines += triple_lines(blob, read)
        shared.update(dict.fromkeys(task.shared))
    for node in shared:
        lines.append(state.shared[node] if read is None else _read_shared(state, node))
    units = b"".join(lines)
    return reference_for(state, tasks, units, read is not None) + units


def _read_shared(state: _WorkerState, node: str) -> bytes:
    """The shared description of ``node``, only the triples the shapes read."""
    found = state.read_shared.get(node)
    if found is None:
        found = state.read_shared[node] = _only(state.shared[node], state.read)
    return found


def reference_for(
    state: _WorkerState, tasks: Sequence[UnitTask], units: bytes, only_read: bool = False
) -> bytes:
    """The reference data a chunk of units is validated with: all of it for the unit whose
    results about reference nodes are kept; else only what the units' triples reach by
    following links forward through the reference data (a region, the regions above it, its
    country, their schemes, the classes and their superclasses). A shape walks from a unit's
    focus node along its paths, and every path into the reference data goes forward (see
    :func:`_walks_back_into`), so the results about the units' nodes are the same; the
    reference nodes' own results are kept from the one unit that has all of it. At 100,000
    projects this spares each of some 450 chunks the 35,000 reference triples (NUTS). With
    ``only_read``, only the triples of the predicates the shapes read, and only the links
    those triples make: a region's broader regions, linked by a predicate no shape reads, are
    then no path's end (a 10,000-project chunk named 230 regions and reached 579 through
    skos:broader, a third of its triples)."""
    if state.whole_reference or any(t.with_reference for t in tasks):
        return state.read_reference if only_read else state.reference
    if only_read:
        links, lines = state.read_reference_links, state.read_reference_lines
    else:
        links, lines = state.reference_links, state.reference_lines
    todo = [t for t in _named_terms(units) if t in lines]
    reached: set[bytes] = set()
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo += [n for n in links.get(node, ()) if n in lines and n not in reached]
    return b"".join(lines[n] for n in sorted(reached))


def _named_terms(ntriples: bytes) -> set[bytes]:
    """The IRIs and blank nodes that N-Triples lines name, among other pieces: the lines split
    at white space (twice as fast as :data:`_TERM` over the bytes, which the validate stage did
    for every chunk), with each typed literal's datatype. The other pieces (a literal's words)
    are no node's key: the caller keeps the terms it knows."""
    pieces = set(ntriples.split())
    pieces.update(_DATATYPE.findall(ntriples))
    return pieces


def _subclasses(lines: Iterable[bytes]) -> set[str] | None:
    """The IRIs N-Triples ``lines`` state to be a subclass of something; None when a blank
    node is one (a type of it is no selection's entry)."""
    found = set()
    for line in lines:
        subject, predicate, _ = line.split(b" ", 2)
        if predicate == SUBCLASS_TERM:
            if not subject.startswith(b"<"):
                return None
            found.add(subject[1:-1].decode())
    return found


def _by_subject(
    lines: Iterable[bytes],
) -> tuple[dict[bytes, bytes], dict[bytes, tuple[bytes, ...]]]:
    """N-Triples lines grouped by subject, and the other terms each subject's lines name."""
    grouped: dict[bytes, list[bytes]] = defaultdict(list)
    named: dict[bytes, set[bytes]] = defaultdict(set)
    for line in lines:
        subject = line.split(b" ", 1)[0]
        grouped[subject].append(line)
        named[subject].update(_TERM.findall(line[len(subject) :]))
    return (
        {s: b"".join(ls) for s, ls in grouped.items()},
        {s: tuple(sorted(ns - {s})) for s, ns in named.items()},
    )


def _walks_back_into(shapes: Graph, reference: Sequence[bytes]) -> bool:
    """Whether the shapes may read reference triples a forward walk from the units does not
    reach: an inverse path over a predicate the reference data uses, or a SPARQL constraint
    naming one (a SPARQL query can walk any way). Then every chunk gets all of it."""
    predicates = {line.split(b" ", 2)[1].decode()[1:-1] for line in reference}
    backwards = {str(p) for p in shapes.objects(None, SH.inversePath)}
    if backwards & predicates:
        return True
    selects = [str(q) for q in shapes.objects(None, SH.select)]
    names = {p: shapes.namespace_manager.normalizeUri(URIRef(p)) for p in predicates}
    return any(
        p in text or names[p] in text or p.rsplit("#", 1)[-1].rsplit("/", 1)[-1] in text
        for p in predicates
        for text in selects
    ) or any(True for _ in shapes.subjects(RDF.type, SH.SPARQLTarget))


def chunks(units: Sequence[Unit], prepared: Sequence[Prepared], workers: int) -> list[list[int]]:
    """Group unit indices into runs of at most about CHUNK_TRIPLES triples, and at least
    four runs per worker so all of them keep busy to the end."""
    total = sum(prepared[i].quads for u in units for i in u.members)
    limit = min(CHUNK_TRIPLES, max(1_000, total // (4 * workers))) if workers > 1 else CHUNK_TRIPLES
    out: list[list[int]] = []
    size = 0
    for k, unit in enumerate(units):
        if not out or size >= limit:
            out.append([])
            size = 0
        out[-1].append(k)
        size += sum(prepared[i].quads for i in unit.members) + 10 * len(unit.shared)
    return out


def merge(results: Sequence[Sequence[Result]], order: Callable[[Result], tuple]) -> list[Result]:
    """One result per distinct finding: units that share a node report it alike, except for
    the place, where the first in build order (``order``) is kept."""
    best: dict[tuple, Result] = {}
    for unit_results in results:
        for r in unit_results:
            key = (r.severity, r.focus, r.path, r.value, r.message, r.shape, r.constraint)
            if key not in best or order(r) < order(best[key]):
                best[key] = r
    return list(best.values())


class _Lazy(Mapping[str, tuple[Source, bool]]):
    """A mapping made on first use."""

    def __init__(self, make: Callable[[], dict[str, tuple[Source, bool]]]) -> None:
        self._make = make
        self._data: dict[str, tuple[Source, bool]] | None = None

    def _get(self) -> dict[str, tuple[Source, bool]]:
        if self._data is None:
            self._data = self._make()
        return self._data

    def __getitem__(self, key: str) -> tuple[Source, bool]:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _index(index: dict[str, tuple[Source, bool]], source: Source, quads: list[ox.Quad]) -> None:
    """Add ``source`` to the term index as :meth:`Assembled.source_index` builds it."""
    for q in quads:
        subject = resource(q.subject).value
        described = index.get(subject)
        if described is None or not described[1]:
            index[subject] = (source, True)
    for q in quads:
        if not isinstance(q.object, ox.Literal):
            value = resource(q.object).value
            if value not in index:
                index[value] = (source, False)


def _nt(node: Node | None) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _value(node: str) -> str:
    return node[1:-1] if node.startswith("<") else node[2:]
