"""Materialise the ontology's alignments so consumers see standard terms without a reasoner.

Only our own terms are expanded: for ``pg:C rdfs:subClassOf D`` every ``x a pg:C`` also gets
``x a D``; for ``pg:p rdfs:subPropertyOf q`` every ``x pg:p y`` also gets ``x q y`` (transitively
through our own terms). Entailed triples go to the named graph of the triple they come from, so
provenance per source file holds. Nothing is said about other vocabularies' terms.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from projectgraph.rdf.vocab import PG, RDF, RDFS

_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_SUBPROPERTY = ox.NamedNode(str(RDFS.subPropertyOf))
_TYPE = ox.NamedNode(str(RDF.type))


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
    quads: Iterable[ox.Quad], classes: dict[str, set[str]], properties: dict[str, set[str]]
) -> list[ox.Quad]:
    """The quads the alignments add to ``quads`` (none that are already there)."""
    quads = list(quads)
    present = set(quads)
    added: list[ox.Quad] = []
    for q in quads:
        if q.predicate == _TYPE and isinstance(q.object, ox.NamedNode):
            supers = [
                ox.Quad(q.subject, _TYPE, ox.NamedNode(c), q.graph_name)
                for c in sorted(classes.get(q.object.value, ()))
            ]
        else:
            supers = [
                ox.Quad(q.subject, ox.NamedNode(p), q.object, q.graph_name)
                for p in sorted(properties.get(q.predicate.value, ()))
            ]
        for s in supers:
            if s not in present:
                present.add(s)
                added.append(s)
    return added
