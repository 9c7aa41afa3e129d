"""SHACL validation with pyshacl-turbo, the Rust engine the build validates its units with.

pySHACL stays the reference (``validate --whole``, :func:`projectgraph.validate.shacl.validate`)
and ``tests/test_validator_parity.py`` holds this engine to its results on every planted-error
set. Measured at 1,000 synthetic projects (90,864 triples, one process): 1.1 s against 4 s for
pySHACL by units (``bench/results/BUILD_SCALE.md``).

The data reaches the engine as N-Quads text for its native parser (``Input`` with the
``oxigraph-nquads`` format: what its own pyoxigraph ``Store`` input becomes). Its public
inputs cost more: an rdflib graph or N-Triples text goes through rdflib's parser at a tenth of
the speed, and a pyoxigraph ``Store`` writes numbers canonically (``"1.00"^^xsd:decimal``
becomes ``"1"``), so reports would quote other values than the sources hold. That ``Input``
is not in the package's ``__all__``: the version is pinned below 0.7 and the parity test
fails if it changes meaning.

Two RDF 1.1 equivalences make the engine agree with pySHACL: a plain literal is an
``xsd:string`` literal, and the native parser reads it so, so the shapes' plain literals
(``sh:in ( "EUR" )``) are given that datatype too; and the report's ``xsd:string`` values are
written back as plain literals, as pySHACL reports them.
"""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl_turbo
from pyshacl_turbo.rdf import Input
from rdflib import RDF, XSD, Graph, Literal

from projectgraph.rdf.serialize import parse_own
from projectgraph.rdf.terms import to_rdflib
from projectgraph.rdf.vocab import SH
from projectgraph.validate.graph import ValidationGraph


def compile_shapes(shapes: Graph) -> pyshacl_turbo.CompiledShapes:
    """The shapes compiled once, for any number of validations."""
    typed = Graph()
    for prefix, namespace in shapes.namespaces():
        typed.bind(prefix, namespace)
    for s, p, o in shapes:
        if isinstance(o, Literal) and o.datatype is None and o.language is None:
            o = Literal(str(o), datatype=XSD.string)
        typed.add((s, p, o))
    return pyshacl_turbo.CompiledShapes(typed)


def report(ntriples: bytes, shapes: pyshacl_turbo.CompiledShapes) -> Graph | None:
    """Validate a graph given as N-Triples lines (a triple given twice is one: the engine
    reads them into a set): None when it conforms with no result at all (warnings and infos
    included), else the SHACL report graph, as pySHACL writes it."""
    data = Input(ntriples.decode(), "oxigraph-nquads", None, {}, preserve_ids=True)
    _, graph, _ = shapes.validate(data, allow_warnings=True, allow_infos=True)
    if (None, RDF.type, SH.ValidationResult) not in graph:
        return None
    plain = [
        (s, p, o)
        for s, p, o in graph
        if isinstance(o, Literal) and o.datatype == XSD.string and o.language is None
    ]
    for s, p, o in plain:
        graph.remove((s, p, o))
        graph.add((s, p, Literal(str(o))))
    return graph


def rdflib_data(ntriples: bytes) -> Graph:
    """N-Triples lines as an rdflib graph, for describing results (labels, places)."""
    data = ValidationGraph()
    for t in parse_own(ntriples, ox.RdfFormat.N_TRIPLES):
        data.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return data
