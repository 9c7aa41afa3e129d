"""Which predicates a query reads: its answers stay the same while their triples do.

A triple pattern with a fixed predicate (or a property path of fixed predicates) matches only
triples with that predicate, and filters, binds and aggregates read no triples, so two graphs
with the same triples for every predicate of a query's footprint give the query the same
answers. A pattern whose predicate is a variable, or a negated property set (``!p``), can match
any triple: such a query has no footprint (``None``), and nothing about a change spares it.

The query is parsed by rdflib's SPARQL parser (its algebra); what it cannot parse has no
footprint either.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable


class _Unbounded(Exception):
    """A pattern may match a triple of any predicate."""


def footprint(query: str) -> frozenset[str] | None:
    """The IRIs of the predicates ``query`` matches triples by; None when a pattern may match
    any predicate (a variable, a negated property set) or the text is not parsed."""
    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # rdflib raises parser and translation errors of many kinds
        return None
    found: set[str] = set()
    try:
        _walk(algebra, found)
    except _Unbounded:
        return None
    return frozenset(found)


def _walk(node: object, found: set[str]) -> None:
    if isinstance(node, CompValue):
        if node.name == "BGP":  # translated: (s, p, o) tuples
            for triple in node.triples:
                _predicate(triple[1], found)
        elif node.name == "TriplesBlock":
            # Left untranslated by rdflib inside EXISTS: lists of s p o s p o ...
            for run in node.triples:
                for at in range(1, len(run), 3):
                    _predicate(run[at], found)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, dict):
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list | tuple | set | frozenset):
        for value in node:
            _walk(value, found)


def _predicate(p: object, found: set[str]) -> None:
    """Add the predicates of a pattern's predicate position (an IRI or a path)."""
    if isinstance(p, URIRef):
        found.add(str(p))
    elif isinstance(p, SequencePath | AlternativePath):
        _predicates(p.args, found)
    elif isinstance(p, InvPath):
        _predicate(p.arg, found)
    elif isinstance(p, MulPath):
        _predicate(p.path, found)
    elif isinstance(p, CompValue) and not p.name.startswith("PathNegated"):
        # An untranslated path (in EXISTS): its parts, whatever the nesting.
        _untranslated(p, found)
    else:  # a variable, a negated property set (NegatedPath), anything else: any predicate
        raise _Unbounded(repr(p))


def _predicates(paths: Iterable[object], found: set[str]) -> None:
    for path in paths:
        _predicate(path, found)


def _untranslated(node: object, found: set[str]) -> None:
    """The IRIs of a path as the parser left it; a negated set anywhere in it is unbounded."""
    if isinstance(node, CompValue):
        if node.name.startswith("PathNegated"):
            raise _Unbounded(node.name)
        for value in node.values():
            _untranslated(value, found)
    elif isinstance(node, URIRef):
        found.add(str(node))
    elif isinstance(node, Variable):
        raise _Unbounded(node)
    elif isinstance(node, list | tuple):
        for value in node:
            _untranslated(value, found)
    elif node is not None and not isinstance(node, str):
        raise _Unbounded(repr(node))  # a variable, or a form not seen before
