"""The terms of a build's triples, typed as they are: a build refuses RDF-star (see
:mod:`projectgraph.build.sources`), so a subject or object is never a quoted triple."""

from __future__ import annotations

import pyoxigraph as ox

Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal


def subject_of(triple: ox.Triple) -> Node:
    """The subject of ``triple``, an IRI or blank node."""
    subject = triple.subject
    if isinstance(subject, ox.Triple):
        raise TypeError(f"a quoted triple as a subject: {triple}")
    return subject


def object_of(triple: ox.Triple) -> Term:
    """The object of ``triple``, an IRI, blank node or literal."""
    value = triple.object
    if isinstance(value, ox.Triple):
        raise TypeError(f"a quoted triple as an object: {triple}")
    return value
