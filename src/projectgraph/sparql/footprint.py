"""Which predicates a query reads: its answers stay the same while their triples do.

A triple pattern with a fixed predicate (or a property path of fixed predicates) matches only
triples with that predicate, and filters, binds and aggregates read no triples, so two graphs
with the same triples for every predicate of a query's footprint give the query the same
answers. A query has no footprint (``None``) when something else decides its answers:

- a pattern that can match any triple: a variable predicate, a negated property set (``!p``);
- a path that can match zero steps (``p*``, ``p?``) between two ends nothing else binds: it
  matches every node of the graph (a node of any triple). Where one end is a constant, or
  occurs in a pattern of the same basic graph pattern that must match a triple, only nodes
  that pattern found can take part;
- ``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()`` (another value on each run),
  and ``SERVICE`` (another store's answers);
- a text the parser refuses.

Answers that depend on the order the engine meets solutions in (a ``LIMIT`` or ``OFFSET``,
``GROUP_CONCAT``, ``SAMPLE``) have :data:`LOAD_ORDER` in their footprint: their triples must
also have been loaded in the same order.

The query is read from rdflib's parse tree, with prefixed names resolved, not from its
algebra: the algebra leaves the groups of ``EXISTS`` untranslated and takes their filters out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Literal, URIRef

from projectgraph.rdf.vocab import RDF_TYPE
from projectgraph.sparql.rdflib_parser import parse_query

# In a footprint: the answers depend on the order the triples were loaded in (the graph's
# digests then include one of that order, under this name, which no predicate IRI has).
LOAD_ORDER = ""
_UNBOUNDED = frozenset(
    {
        "Builtin_NOW",
        "Builtin_RAND",
        "Builtin_UUID",
        "Builtin_STRUUID",
        "Builtin_BNODE",
        "ServiceGraphPattern",
    }
)
_ORDERED = frozenset({"Aggregate_GroupConcat", "Aggregate_Sample", "LimitOffsetClauses"})


class _Unbounded(Exception):
    """Something besides the triples of named predicates decides the answers."""


def footprint(query: str) -> frozenset[str] | None:
    """The IRIs of the predicates ``query`` matches triples by (and :data:`LOAD_ORDER` when
    its answers depend on the order of solutions); None when something else may decide its
    answers (see the module's docstring)."""
    found = _analysis(query)
    return None if found is None else found[0]


def selection(query: str) -> frozenset[str] | None:
    """What a store must hold for ``query`` to give the answers it gives on the whole graph:
    its :func:`footprint`, where ``rdf:type`` is, when every pattern that reads it names its
    class (``?s a eurio:Project``), only the type triples of those classes, each given as
    ``"<rdf:type IRI> <class IRI>"`` (a space: in no IRI). A fifth of a graph's triples are
    types, and most are of classes no query names (participations, sites, fundings)."""
    found = _analysis(query)
    if found is None:
        return None
    predicates, classes = found
    if RDF_TYPE not in predicates or classes is None:
        return predicates
    return (predicates - {RDF_TYPE}) | {f"{RDF_TYPE} {c}" for c in classes}


@functools.lru_cache(maxsize=256)
def _analysis(query: str) -> tuple[frozenset[str], frozenset[str] | None] | None:
    """The predicates ``query`` reads, and the classes its ``rdf:type`` patterns name (None
    when one reads ``rdf:type`` otherwise: a variable class, a path); None as for
    :func:`footprint`. Kept per text: a rebuild asks twice of a query (may it be copied, what
    must the store hold), and a parse takes about 50 ms."""
    try:
        parsed = parse_query(query)
        prologue = translatePrologue(parsed[0], None)
        tree = traverse(parsed[1], visitPost=functools.partial(translatePName, prologue=prologue))
    except Exception:  # rdflib raises parser errors of several kinds; any means: not known
        return None
    found = _Found()
    try:
        _walk(tree, found)
    except _Unbounded:
        return None
    classes = None if found.any_type else frozenset(found.classes)
    return frozenset(found.predicates), classes


@dataclass
class _Found:
    """What a walk of a query found it reads."""

    predicates: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)  # named by rdf:type patterns
    any_type: bool = False  # rdf:type read some other way


def _walk(node: object, found: _Found) -> None:
    if isinstance(node, CompValue):
        if node.name in _UNBOUNDED:
            raise _Unbounded(node.name)
        if node.name in _ORDERED:
            found.predicates.add(LOAD_ORDER)
        if node.name == "TriplesBlock":
            _block(node, found)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, found)


def _block(block: CompValue, found: _Found) -> None:
    """A basic graph pattern: runs of ``s p o s p o ...`` (lists and blank-node property lists
    expanded)."""
    triples = [run[at : at + 3] for run in block.triples for at in range(0, len(run), 3)]
    joined = {t for s, p, o in triples if not _may_be_empty(p) for t in (s, o)}
    for s, p, o in triples:
        if isinstance(o, URIRef) and (iri := _plain_iri(p)) is not None and _iri(iri) == RDF_TYPE:
            found.predicates.add(RDF_TYPE)
            found.classes.add(_iri(o))
        else:
            path: set[str] = set()
            _predicate(p, path)
            found.predicates |= path
            found.any_type = found.any_type or RDF_TYPE in path
        if _may_be_empty(p) and not any(_fixed(t) or t in joined for t in (s, o)):
            raise _Unbounded("a zero-length path between two free ends")


# rdflib keeps a prefixed name's escapes (``e:a\.b``) in the IRI it makes; the engine does not.
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


def _iri(term: URIRef) -> str:
    iri = _LOCAL_ESCAPE.sub(r"\1", str(term))
    if "\\" in iri:  # some other escape: which IRI the engine reads is not known here
        raise _Unbounded(f"an escape in {iri}")
    return iri


def _fixed(term: object) -> bool:
    return isinstance(term, URIRef | Literal)


def _predicate(path: object, found: set[str]) -> None:
    """Add the IRIs of a predicate position (an IRI or a path as the parser gives it)."""
    if isinstance(path, URIRef):
        found.add(_iri(path))
    elif isinstance(path, CompValue) and path.name in ("PathAlternative", "PathSequence"):
        for part in path.part:
            _predicate(part, found)
    elif isinstance(path, CompValue) and path.name in ("PathElt", "PathEltOrInverse"):
        _predicate(path.part, found)
    else:  # a variable, a negated property set, a form not known: any predicate
        raise _Unbounded(repr(path))


def _plain_iri(path: object) -> URIRef | None:
    """The IRI of a predicate position that is one IRI, which the parser wraps as a path of
    one alternative of one step (``PathElt`` without a modifier); else None."""
    while isinstance(path, CompValue):
        if path.name in ("PathAlternative", "PathSequence") and len(path.part) == 1:
            path = path.part[0]
        elif path.name == "PathElt" and not dict.get(
            path, "mod"
        ):  # CompValue.get names a missing key
            path = path.part
        else:
            return None
    return path if isinstance(path, URIRef) else None


def _may_be_empty(path: object) -> bool:
    """Whether a path can match zero steps (then it binds its two ends to one node)."""
    if isinstance(path, CompValue):
        if path.name == "PathAlternative":
            return any(_may_be_empty(part) for part in path.part)
        if path.name == "PathSequence":
            return all(_may_be_empty(part) for part in path.part)
        if path.name == "PathElt":
            return path.get("mod") in ("*", "?") or _may_be_empty(path.part)
        if path.name == "PathEltOrInverse":
            return _may_be_empty(path.part)
    return False
