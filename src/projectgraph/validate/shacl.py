"""Run the SHACL shapes (pySHACL) over an assembled graph and describe each result."""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
import pyshacl
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from projectgraph.build.assemble import Assembled
from projectgraph.build.locate import SourceText
from projectgraph.build.sources import Source, read, resource, shape_sources
from projectgraph.errors import Location
from projectgraph.rdf.terms import rdflib_graph, to_rdflib
from projectgraph.rdf.vocab import (
    LABEL_PROPERTIES,
    RDF_TYPE,
    SH,
    all_prefixes,
    compact,
    parse_base,
)
from projectgraph.settings import Settings
from projectgraph.sparql.footprint import LOAD_ORDER, selection
from projectgraph.validate import patches
from projectgraph.validate.graph import ValidationGraph
from projectgraph.validate.report import Report, Result

SHAPES_NS = "https://w3id.org/projectgraph/shapes#"
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def load_shapes(settings: Settings) -> Graph:
    """The shapes graph: every file of the shapes folder, parsed against the base IRI."""
    quads = [q for s in shape_sources(settings) for q in read(s, settings.base_iri)]
    return rdflib_graph(quads)


def shapes_footprint(shapes: Graph) -> frozenset[str] | None:
    """The predicates whose triples the shapes can read in the data graph, or None when they
    may read any. Validating only the triples with these predicates gives the same results.

    Generously: every IRI the shapes name as a subject or object (the predicates of paths,
    ``sh:targetSubjectsOf``, ``sh:equals`` and the like are among them; classes, datatypes and
    shapes come along and match nothing; an IRI only ever a predicate of the shapes graph, such
    as the shapes' own ``rdfs:label``, is an annotation no shape reads in the data),
    ``rdfs:subClassOf`` (class targets and ``sh:class`` walk it in the data graph), and what the
    queries of SPARQL constraints and targets read (see
    :func:`projectgraph.sparql.footprint.selection`). ``rdf:type`` is read only of the classes
    the shapes name, as entries ``"<rdf:type IRI> <class IRI>"`` (see
    :func:`projectgraph.build.partition.selected`), unless a shape reads it otherwise (a path
    or a query over it with the class a variable): then all of it. A type the shapes name no
    class of reaches a named class only through ``rdfs:subClassOf``, which the caller adds
    from the data (see :func:`projectgraph.validate.units.init_worker`). None for a closed
    shape (it reads every predicate of its focus nodes) or a query whose footprint is
    unknown."""
    if any(shapes.triples((None, SH.closed, None))):
        return None
    named = {str(t) for s, _, o in shapes for t in (s, o) if isinstance(t, URIRef)}
    found = named | {str(RDFS.subClassOf)}
    declared = "".join(
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for d in shapes.objects(None, SH.declare)
    )
    for kind in (SH.select, SH.ask):
        for text in shapes.objects(None, kind):
            reads = selection(declared + str(text))
            if reads is None:
                return None
            found |= reads - {LOAD_ORDER}
    if RDF_TYPE in found:  # read otherwise than by a named class: every type
        return frozenset(found)
    return frozenset(found | {f"{RDF_TYPE} {c}" for c in named})


def validate(assembled: Assembled, settings: Settings, shapes: Graph | None = None) -> Report:
    """Validate the union of all graphs against the shapes, as one graph (the reference the
    partitioned validation of :mod:`projectgraph.validate.units` is held to)."""
    shapes = shapes if shapes is not None else load_shapes(settings)
    data = ValidationGraph()
    add = data.add
    for q in assembled.quads:  # the union of all graphs: the quads' triples, merged
        o = q.object
        obj = o if isinstance(o, ox.Literal) else resource(o)
        add((to_rdflib(resource(q.subject)), to_rdflib(q.predicate), to_rdflib(obj)))
    results, report_graph = check(data, shapes, assembled.source_index(), settings)
    return Report(results=[r for _, r in results], graph=report_graph)


SourceIndex = Mapping[str, tuple[Source, bool]]


def check(
    data: Graph, shapes: Graph, sources: SourceIndex, settings: Settings
) -> tuple[list[tuple[Node | None, Result]], Graph]:
    """Run pySHACL over ``data`` (changed in place: pySHACL adds nothing without inference)
    and describe each top-level result; returns (focus node, result) pairs and the report.
    ``data`` should be a :class:`ValidationGraph` (any rdflib graph gives the same results,
    slower); the patch of :mod:`projectgraph.validate.patches` is on only during the run.

    ``sources`` maps a term's value to the first source mentioning it and whether it is
    described there, to point each result at its place.
    """
    with patches.installed():
        _, report_graph, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            allow_warnings=True,
            allow_infos=True,
            inplace=True,
        )
    return describe(report_graph, data, shapes, sources, settings), report_graph


def describe(
    report_graph: Graph, data: Graph, shapes: Graph, sources: SourceIndex, settings: Settings
) -> list[tuple[Node | None, Result]]:
    """Each top-level result of a SHACL report as (focus node, :class:`Result`), with the
    focus node's label and the place in the sources (``data`` is the validated graph)."""
    prefixes = all_prefixes(settings.base_iri) | {"pgsh": SHAPES_NS, "sh": str(SH)}
    describer = _Describer(data, report_graph, shapes, sources, settings, prefixes)
    # Results nested under sh:detail (why an sh:node failed) belong to their parent result.
    details = set(report_graph.objects(None, SH.detail))
    return [
        (report_graph.value(r, SH.focusNode), describer.result(r))
        for r in report_graph.subjects(RDF.type, SH.ValidationResult)
        if r not in details
    ]


class _Describer:
    """Turns pySHACL result nodes into :class:`Result` objects with labels and locations."""

    def __init__(
        self,
        data: Graph,
        report: Graph,
        shapes: Graph,
        sources: SourceIndex,
        settings: Settings,
        prefixes: dict[str, str],
    ) -> None:
        self.data, self.report, self.shapes = data, report, shapes
        self.prefixes = prefixes
        self.base = parse_base(settings.base_iri)
        self.sources = sources
        self.texts: dict[str, SourceText] = {}

    def result(self, node: Node) -> Result:
        r = self.report
        focus = r.value(node, SH.focusNode)
        value = r.value(node, SH.value)
        path = r.value(node, SH.resultPath)
        shape = r.value(node, SH.sourceShape)
        messages = sorted(str(m) for m in r.objects(node, SH.resultMessage))
        severity = _SEVERITIES.get(r.value(node, SH.resultSeverity), "Violation")  # type: ignore[call-overload]
        component = r.value(node, SH.sourceConstraintComponent)
        return Result(
            severity=severity,
            focus=str(focus),
            focus_label=self.label(focus),
            focus_display=self.term(focus),
            path=self.path(path) if path is not None else None,
            value=self.term(value) if value is not None else None,
            message=messages[0] if messages else f"{self.term(component)} failed",
            shape=self.term(shape) if isinstance(shape, URIRef) else "(anonymous shape)",
            constraint=self.term(component).removeprefix("sh:"),
            location=self.location(focus, value, path if isinstance(path, URIRef) else None),
        )

    def label(self, node: Node | None) -> str | None:
        for prop in LABEL_PROPERTIES:
            values = sorted(
                self.data.objects(node, prop),
                key=lambda v: (getattr(v, "language", None) != "en", str(v)),
            )
            if values:
                return str(values[0])
        return None

    def term(self, node: Node | None) -> str:
        if isinstance(node, URIRef):
            return compact(str(node), self.prefixes)
        if isinstance(node, Literal):
            return node.n3()
        return f"_:{node}"

    def path(self, node: Node) -> str:
        """A SHACL property path in SPARQL syntax, read from the report (or the shapes) graph."""
        if isinstance(node, URIRef):
            return self.term(node)
        for graph in (self.report, self.shapes):
            if (node, RDF.first, None) in graph:
                return "/".join(self.path(p) for p in Collection(graph, node))
            inverse = graph.value(node, SH.inversePath)
            if inverse is not None:
                return "^" + self.path(inverse)
            for op, mark in (
                (SH.zeroOrMorePath, "*"),
                (SH.oneOrMorePath, "+"),
                (SH.zeroOrOnePath, "?"),
            ):
                inner = graph.value(node, op)
                if inner is not None:
                    return f"({self.path(inner)}){mark}"
            alternatives = graph.value(node, SH.alternativePath)
            if alternatives is not None:
                return "(" + "|".join(self.path(p) for p in Collection(graph, alternatives)) + ")"
        return self.term(node)

    def location(
        self, focus: Node | None, value: Node | None, predicate: Node | None
    ) -> Location | None:
        found = self.sources.get(str(focus)) if focus is not None else None
        if found is None:
            return None
        source, described = found
        text = self.texts.setdefault(source.key, SourceText(source.path, self.base))
        if not described:  # the focus node is only referred to: point at the reference
            return text.locate(focus)
        stated = value if value is not None and (focus, None, value) in self.data else None
        present = (
            predicate if predicate is not None and (focus, predicate, None) in self.data else None
        )
        return text.locate(stated, focus if not isinstance(focus, BNode) else None, present)
