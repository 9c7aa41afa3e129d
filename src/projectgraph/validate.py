"""Run the SHACL shapes (pySHACL) over an assembled graph and describe each result."""

from __future__ import annotations

import pyshacl
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from projectgraph.assemble import Assembled
from projectgraph.errors import Location
from projectgraph.locate import SourceText
from projectgraph.report import Report, Result
from projectgraph.settings import Settings
from projectgraph.sources import read, shape_sources
from projectgraph.terms import rdflib_graph
from projectgraph.vocab import LABEL_PROPERTIES, SH, all_prefixes, compact, parse_base

SHAPES_NS = "https://w3id.org/projectgraph/shapes#"
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def load_shapes(settings: Settings) -> Graph:
    """The shapes graph: every file of the shapes folder, parsed against the base IRI."""
    quads = [q for s in shape_sources(settings) for q in read(s, settings.base_iri)]
    return rdflib_graph(quads)


def validate(assembled: Assembled, settings: Settings, shapes: Graph | None = None) -> Report:
    """Validate the union of all graphs against the shapes."""
    shapes = shapes if shapes is not None else load_shapes(settings)
    data = rdflib_graph(assembled.quads)
    _, report_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
    )
    prefixes = all_prefixes(settings.base_iri) | {"pgsh": SHAPES_NS, "sh": str(SH)}
    describer = _Describer(data, report_graph, shapes, assembled, settings, prefixes)
    # Results nested under sh:detail (why an sh:node failed) belong to their parent result.
    details = set(report_graph.objects(None, SH.detail))
    results = [
        describer.result(r)
        for r in report_graph.subjects(RDF.type, SH.ValidationResult)
        if r not in details
    ]
    return Report(results=results, graph=report_graph)


class _Describer:
    """Turns pySHACL result nodes into :class:`Result` objects with labels and locations."""

    def __init__(
        self,
        data: Graph,
        report: Graph,
        shapes: Graph,
        assembled: Assembled,
        settings: Settings,
        prefixes: dict[str, str],
    ) -> None:
        self.data, self.report, self.shapes = data, report, shapes
        self.prefixes = prefixes
        self.base = parse_base(settings.base_iri)
        self.sources = assembled.source_index()
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
