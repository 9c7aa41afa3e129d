"""Cut the dataset into validation units that can be checked apart and give, together, exactly
the results of checking the whole graph.

A SHACL result about a focus node depends only on the triples its shapes reach from it. The
reference data (ontology and reference tables) goes into every unit. A project source is its
own unit unless its nodes reach into another source:

* a node that is a subject in several sources (an organisation every record describes, a
  project with curated additions) is *shared*: each unit that mentions it gets its whole
  description, the union over all sources, so its results are the same in every unit;
* a source that points at a node only another source describes, or whose shared node's
  description points at such a node, or that reaches a node of another source through a
  predicate the shapes walk backwards (``sh:inversePath``), is merged with that source.

Results about reference nodes are taken from one unit only, the one that holds the reference
data with every source merged into it (usually none), so inverse paths into the reference data
are seen whole too. Validating units one by one, in any grouping, then gives the whole-graph
report (``tests/test_incremental_validation.py`` checks it with planted errors).

The partition reads of each source only its kind, its subjects, objects and inverse objects,
and the lines of its subjects that are shared: :func:`structure` digests that much, so a
rebuild whose changed sources keep the same structure (a title edited, a date moved) can keep
the partition it made before (see :func:`unchanged`) instead of reading every source again
(26 s at 100,000 projects).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from projectgraph.build.prepare import Block, Prepared

REFERENCE = -1  # the union-find element that stands for all reference sources


@dataclass(frozen=True)
class Unit:
    """Sources validated together, and the shared nodes whose descriptions they need."""

    members: tuple[int, ...]  # indices of project sources, in build order
    shared: tuple[str, ...]  # shared nodes (N-Triples form) mentioned, closed over descriptions
    with_reference: bool  # the unit whose results about reference nodes are kept


@dataclass
class Partition:
    """Units, shared descriptions, and where each shared node is first described."""

    units: list[Unit]
    shared: dict[str, bytes]  # shared node -> its description, N-Triples lines (all sources)
    first_source: dict[str, int]  # shared node -> index of the first source describing it
    reference_subjects: frozenset[str]
    structures: tuple[bytes, ...] = ()  # each source's structure() when partitioned


def structure(
    prepared: Prepared,
    kind: str,
    shared: Container[str],
    read: tuple[bytes, Sequence[Block]] | None = None,
) -> bytes:
    """A digest of all that partitioning reads of one source (``kind``, ``prepared``): its
    kind, subjects, objects and inverse objects, and the lines of its subjects in ``shared``
    (``read``: its N-Quads and blocks, when the caller has them already)."""
    h = hashlib.blake2b(kind.encode(), digest_size=16)
    for names in (prepared.subjects, prepared.objects, prepared.inverse_objects):
        h.update(b"\0" + "\n".join(names).encode())  # N-Triples terms hold no line break
    if any(subject in shared for subject in prepared.subjects):
        nquads, blocks = read or (prepared.nquads, prepared.blocks)
        for b in blocks:
            if b.subject in shared:
                h.update(nquads[b.start : b.end])
    return h.digest()


def unchanged(
    earlier: Partition,
    prepared: Sequence[Prepared],
    kinds: Sequence[str],
    fingerprints: Sequence[str],
) -> bool:
    """Whether ``earlier``, the partition of sources with ``fingerprints`` (the same sources,
    in the same order), is also the partition of ``prepared``: every source is the same or
    keeps its structure. Structures are compared with the shared nodes of ``earlier``: sources
    with the same subjects as before share the same nodes."""
    if len(earlier.structures) != len(prepared) or len(fingerprints) != len(prepared):
        return False
    return all(
        p.fingerprint == fingerprint or structure(p, kind, earlier.shared) == digest
        for p, kind, fingerprint, digest in zip(
            prepared, kinds, fingerprints, earlier.structures, strict=True
        )
    )


def partition(prepared: Sequence[Prepared], kinds: Sequence[str]) -> Partition:
    """Units of the project sources among ``prepared`` (``kinds[i]`` is each one's kind)."""
    owners: dict[str, int] = {}
    more: dict[str, list[int]] = {}  # nodes described in more than one source
    reference: set[str] = set()
    for i, p in enumerate(prepared):
        for subject in p.subjects:
            if kinds[i] in ("ontology", "reference"):
                reference.add(subject)
            first = owners.setdefault(subject, i)
            if first != i:
                more.setdefault(subject, [first]).append(i)
    projects = [i for i, k in enumerate(kinds) if k not in ("ontology", "reference")]
    groups = _UnionFind(projects)

    def owner(node: str) -> int | None:
        """The one project source describing ``node``; REFERENCE; or None (none, or shared)."""
        if node in more:
            return None
        i = owners.get(node)
        if i is None:
            return None
        return REFERENCE if kinds[i] in ("ontology", "reference") else i

    for i in projects:
        p = prepared[i]
        for node in p.objects:
            j = owner(node)
            if j is not None and j != REFERENCE:
                groups.union(i, j)
        for node in p.inverse_objects:  # walked backwards: every describer must be here
            for j in more.get(node, [owners[node]] if node in owners else []):
                groups.union(i, REFERENCE if kinds[j] in ("ontology", "reference") else j)

    # Each shared node's lines, from every source describing it (each source's N-Quads
    # decompressed once, and digested then).
    described: dict[str, set[bytes]] = {node: set() for node in more}
    describing = {i for sources in more.values() for i in sources}
    structures = []
    for i, p in enumerate(prepared):
        if i not in describing:
            structures.append(structure(p, kinds[i], more))
            continue
        nquads, blocks = p.nquads, p.blocks
        for block in blocks:
            if block.subject in described:
                described[block.subject].update(triple_lines(nquads[block.start : block.end]))
        structures.append(structure(p, kinds[i], more, (nquads, blocks)))
    shared: dict[str, bytes] = {}
    shared_objects: dict[str, set[str]] = {}
    for node, sources in more.items():
        data = b"".join(sorted(described.pop(node)))
        shared[node] = data
        objects = _node_objects(data)
        shared_objects[node] = objects
        describers = [i for i in sources if kinds[i] not in ("ontology", "reference")]
        for m in objects:  # the description points at a node one source describes
            j = owner(m)
            if j is not None and j != REFERENCE:
                for i in describers:
                    groups.union(i, j)

    members: dict[int, list[int]] = {}
    for i in projects:
        members.setdefault(groups.find(i), []).append(i)
    reference_root = groups.find(REFERENCE)
    units = []
    for root, group in sorted(members.items(), key=lambda item: item[1][0]):
        mentioned: set[str] = set()
        for i in group:
            p = prepared[i]
            mentioned.update(n for n in p.subjects if n in shared)
            mentioned.update(n for n in p.objects if n in shared)
        units.append(
            Unit(tuple(group), _closure(mentioned, shared_objects), root == reference_root)
        )
    if not any(u.with_reference for u in units):
        units.append(Unit((), (), True))  # the reference data on its own
    return Partition(
        units=units,
        shared=shared,
        first_source={node: sources[0] for node, sources in more.items()},
        reference_subjects=frozenset(reference),
        structures=tuple(structures),
    )


def unit_fingerprints(
    units: Sequence[Unit],
    prepared: Sequence[Prepared],
    shared: dict[str, bytes],
    context: str,
    before: Mapping[tuple[str, ...], str] | None = None,
) -> tuple[list[str], dict[tuple[str, ...], str]]:
    """What each unit's results depend on: its sources, the shared descriptions it uses, and
    ``context`` (the reference data, the shapes, the code); and each print by its members'
    fingerprints. Each shared description is hashed once, not once a unit that uses it (an
    organisation is in the unit of each of its projects: 4 s of a rebuild at 100,000
    projects). ``before`` is what an earlier call gave by members' fingerprints, for the same
    units, shared descriptions and context: a unit whose sources are the same is not hashed
    again (a source is in one unit, so its members' fingerprints name it)."""
    described: dict[str, bytes] = {}
    prints = []
    by_members: dict[tuple[str, ...], str] = {}
    for unit in units:
        members = tuple(prepared[i].fingerprint for i in unit.members)
        known = before.get(members) if before is not None else None
        if known is None:
            h = hashlib.sha256(context.encode())
            h.update(b"reference" if unit.with_reference else b"-")
            for member in members:
                h.update(member.encode())
            for node in unit.shared:
                h.update(node.encode())
                digest = described.get(node)
                if digest is None:
                    digest = described[node] = hashlib.sha256(shared[node]).digest()
                h.update(digest)
            known = h.hexdigest()
        prints.append(known)
        by_members[members] = known
    return prints, by_members


def _closure(nodes: set[str], objects: dict[str, set[str]]) -> tuple[str, ...]:
    todo = list(nodes)
    seen = set(nodes)
    while todo:
        for m in objects[todo.pop()]:
            if m in objects and m not in seen:
                seen.add(m)
                todo.append(m)
    return tuple(sorted(seen))


def _node_objects(ntriples: bytes) -> set[str]:
    """The objects of N-Triples lines that are IRIs or blank nodes, in N-Triples form: each
    line's end after its second space, less " ." (no parsing: 80,000 shared descriptions at
    100,000 projects)."""
    ends = (line.split(b" ", 2)[2] for line in ntriples.splitlines())
    return {end[:-2].decode() for end in ends if end[:1] != b'"'}


def triple_lines(nquads: bytes, predicates: frozenset[bytes] | None = None) -> list[bytes]:
    """N-Quads lines of one named graph as N-Triples lines (the graph name dropped); with
    ``predicates``, only the lines :func:`selected` by them."""
    lines = nquads.splitlines()
    if predicates is not None:
        lines = _select(lines, predicates)
    return [line[: line.rfind(b" <", 0, len(line) - 2)] + b" .\n" for line in lines]


def with_predicates(ntriples: bytes, predicates: frozenset[bytes]) -> bytes:
    """The N-Triples lines of ``ntriples`` :func:`selected` by ``predicates``."""
    return b"".join(_select(ntriples.splitlines(keepends=True), predicates))


def _select(lines: list[bytes], predicates: frozenset[bytes]) -> list[bytes]:
    """The N-Triples or N-Quads ``lines`` :func:`selected` by ``predicates``, in one loop
    without a call a line: at 100,000 projects the answers' graph is read through this, 15
    million lines, and a rebuild's child waited on it (a quarter less time than calling
    :func:`selected`, measured on 470,000 lines of the dump)."""
    classes = _classes(predicates)
    out = []
    for line in lines:
        _, predicate, rest = line.split(b" ", 2)
        if predicate in predicates or (
            predicate == RDF_TYPE_TERM and rest[: rest.find(b" ")] in classes
        ):
            out.append(line)
    return out


def group_lines(
    lines: bytes,
    ends: Sequence[int],
    predicates: tuple[str, ...],
    classes: tuple[str, ...],
    selection: frozenset[bytes],
) -> list[bytes]:
    """The N-Triples lines :func:`selected` by ``selection`` of one source's lines grouped
    by predicate and class (see :attr:`~projectgraph.build.prepare.Prepared.grouped`; its
    ``predicates`` and ``classes``, whose groups end at ``ends``): the groups of the
    predicates, and of the classes whose rdf:type lines alone are selected. The lines of a
    predicate, of rdf:type whole, or of one class keep the graph's order: a query's answers
    depend on no other (see :class:`~projectgraph.publish.answers._Loading`)."""
    return [
        lines[ends[i - 1] if i else 0 : ends[i]] for i in _groups(predicates, classes, selection)
    ]


@functools.lru_cache(maxsize=1024)
def _groups(
    predicates: tuple[str, ...], classes: tuple[str, ...], selection: frozenset[bytes]
) -> tuple[int, ...]:
    """Which groups (see :func:`group_lines`) ``selection`` takes. Sources share a few dozen
    sets of predicates and classes."""
    taken = [i for i, p in enumerate(predicates) if f"<{p}>".encode() in selection]
    if RDF_TYPE_TERM not in selection:  # rdf:type whole is one group; or by class
        wanted = _classes(selection)
        taken += [len(predicates) + j for j, c in enumerate(classes) if f"<{c}>".encode() in wanted]
    return tuple(taken)


@functools.lru_cache(maxsize=64)
def _classes(predicates: frozenset[bytes]) -> frozenset[bytes]:
    """The classes (N-Triples forms) whose ``rdf:type`` lines ``predicates`` select."""
    prefix = RDF_TYPE_TERM + b" "
    return frozenset(p[len(prefix) :] for p in predicates if p.startswith(prefix))


def selected(line: bytes, predicates: frozenset[bytes]) -> bool:
    """Whether an N-Triples or N-Quads line's predicate is one of ``predicates`` (N-Triples
    forms), or, for an ``rdf:type`` line, its predicate and class are, as one entry
    ``<rdf:type IRI> <class IRI>`` (see :func:`projectgraph.sparql.footprint.selection`)."""
    start = line.find(b" ") + 1
    end = line.find(b" ", start)
    predicate = line[start:end]
    if predicate in predicates:
        return True
    return predicate == RDF_TYPE_TERM and line[start : line.find(b" ", end + 1)] in predicates


RDF_TYPE_TERM = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def selected_form(entry: str) -> bytes:
    """A selection's entry (a predicate's IRI, or rdf:type's and a class's, space-separated:
    see :func:`projectgraph.sparql.footprint.selection`) as :func:`selected` matches lines
    with: ``<p>``, or ``<rdf:type> <class>``."""
    return " ".join(f"<{iri}>" for iri in entry.split(" ")).encode()


def predicate_of(line: bytes) -> bytes:
    """The predicate of an N-Triples or N-Quads line: its second term (a subject, IRI or
    blank node, has no space)."""
    start = line.find(b" ") + 1
    return line[start : line.find(b" ", start)]


class _UnionFind:
    def __init__(self, items: list[int]) -> None:
        self.parent = {i: i for i in items}
        self.parent[REFERENCE] = REFERENCE

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller index is the root, so a group's root is stable from build to build
            self.parent[max(ra, rb)] = min(ra, rb)
