"""Conversions between pyoxigraph terms (parsing, store, dumps) and rdflib terms (pySHACL)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """Convert one pyoxigraph term to rdflib (xsd:string literals become plain literals)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"rdflib holds no triple terms (RDF 1.2): {term}")
    # normalize=False keeps the lexical form as written, so errors can quote and find it.
    if term.language:
        return Literal(term.value, lang=term.language, normalize=False)
    if term.datatype.value == XSD_STRING:
        return Literal(term.value, normalize=False)
    return Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)


def from_rdflib(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert one rdflib term to pyoxigraph."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


def rdflib_graph(triples: Iterable[ox.Triple | ox.Quad]) -> Graph:
    """An rdflib graph of pyoxigraph triples (or of the triples of quads, merged)."""
    graph = Graph()
    add = graph.add
    for t in triples:
        add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph
