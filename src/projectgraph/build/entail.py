"""Materialise the ontology's alignments so consumers see standard terms without a reasoner.

Only our own terms are expanded: for ``pg:C rdfs:subClassOf D`` every ``x a pg:C`` also gets
``x a D``; for ``pg:p rdfs:subPropertyOf q`` every ``x pg:p y`` also gets ``x q y`` (transitively
through our own terms). Entailed triples go to the named graph of the triple they come from, so
provenance per source file holds. Nothing is said about other vocabularies' terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import pyoxigraph as ox

from projectgraph.rdf.vocab import PG, RDF, RDFS

_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_SUBPROPERTY = ox.NamedNode(str(RDFS.subPropertyOf))
_TYPE = ox.NamedNode(str(RDF.type))
Statement = TypeVar("Statement", ox.Triple, ox.Quad)


def alignments(ontology: Iterable[ox.Quad]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Super-classes and super-properties of our own terms, transitively closed."""
    direct: dict[ox.NamedNode, dict[str, set[str]]] = {_SUBCLASS: {}, _SUBPROPERTY: {}}
    for q in ontology:
        if (
            q.predicate in direct
            and isinstance(q.subject, ox.NamedNode)
            and isinstance(q.object, ox.NamedNode)
            and q.subject.value.startswith(str(PG))
        ):
            direct[q.predicate].setdefault(q.subject.value, set()).add(q.object.value)
    return _closure(direct[_SUBCLASS]), _closure(direct[_SUBPROPERTY])


def _closure(direct: dict[str, set[str]]) -> dict[str, set[str]]:
    closed: dict[str, set[str]] = {}
    for term in direct:
        seen: set[str] = set()
        todo = list(direct[term])
        while todo:
            parent = todo.pop()
            if parent not in seen and parent != term:
                seen.add(parent)
                todo.extend(direct.get(parent, ()))
        closed[term] = seen
    return closed


def entail(
    statements: Iterable[Statement], classes: dict[str, set[str]], properties: dict[str, set[str]]
) -> list[Statement]:
    """The triples (or quads, in the graph of the quad they come from) the alignments add to
    ``statements``, none that are already there."""
    statements = list(statements)
    present = set(statements)
    added: list[Statement] = []
    for q in statements:
        if q.predicate == _TYPE and isinstance(q.object, ox.NamedNode):
            supers = [
                _like(q, q.subject, _TYPE, ox.NamedNode(c))
                for c in sorted(classes.get(q.object.value, ()))
            ]
        else:
            supers = [
                _like(q, q.subject, ox.NamedNode(p), q.object)
                for p in sorted(properties.get(q.predicate.value, ()))
            ]
        for s in supers:
            if s not in present:
                present.add(s)
                added.append(s)
    return added


def _like(
    model: Statement,
    subject: ox.NamedNode | ox.BlankNode | ox.Triple,
    predicate: ox.NamedNode,
    obj: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
) -> Statement:
    """A statement of the kind of ``model``: a triple, or a quad in its graph."""
    if isinstance(model, ox.Quad):
        return ox.Quad(subject, predicate, obj, model.graph_name)
    return ox.Triple(subject, predicate, obj)
