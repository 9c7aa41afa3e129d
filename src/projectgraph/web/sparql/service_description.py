"""The SPARQL 1.1 Service Description of the endpoint (GET /sparql without a query).

It says what the endpoint speaks (SPARQL 1.1 Query, the result formats), that the default graph
is the union of the named graphs, which named graphs exist and how large they are, and the
limits a client should know about. See https://www.w3.org/TR/sparql11-service-description/.
"""

from __future__ import annotations

import pyoxigraph as ox

from projectgraph.rdf import vocab
from projectgraph.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS, w3c_format
from projectgraph.settings import Settings
from projectgraph.store.loading import ServedBuild

SD = str(vocab.SD)
VOID = str(vocab.VOID)
RDF_TYPE = ox.NamedNode(str(vocab.RDF.type))
PREFIXES = vocab.prefixes("sd", "void", "formats", "dct", "rdfs")


def describe_service(endpoint: str, build: ServedBuild, settings: Settings) -> list[ox.Triple]:
    """Service description triples for the endpoint at ``endpoint``."""
    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(endpoint + "#dataset")
    default = ox.NamedNode(endpoint + "#default-graph")
    triples: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        triples.append(ox.Triple(s, ox.NamedNode(p), o))

    def integer(n: object) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))

    add(service, str(RDF_TYPE.value), ox.NamedNode(SD + "Service"))
    add(service, SD + "endpoint", service)
    add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    add(service, SD + "feature", ox.NamedNode(SD + "UnionDefaultGraph"))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        add(service, SD + "resultFormat", ox.NamedNode(w3c_format(fmt.media_type)))
    limits = (
        f"Read-only: SPARQL Update, LOAD and SERVICE are refused. Queries longer than "
        f"{settings.max_query_length} characters are refused; a query is stopped after "
        f"{settings.query_timeout:g} s (HTTP 503); "
        + (
            f"SELECT results are cut at {settings.max_rows} rows (header X-SPARQL-MaxRows)."
            if settings.max_rows
            else "SELECT results are not capped."
        )
    )
    add(service, "http://www.w3.org/2000/01/rdf-schema#comment", ox.Literal(limits, language="en"))

    add(service, SD + "defaultDataset", dataset)
    add(dataset, str(RDF_TYPE.value), ox.NamedNode(SD + "Dataset"))
    add(dataset, "http://purl.org/dc/terms/identifier", ox.Literal(build.build_id))
    add(dataset, SD + "defaultGraph", default)
    add(default, str(RDF_TYPE.value), ox.NamedNode(SD + "Graph"))
    add(default, VOID + "triples", integer(build.manifest["triples"]))
    graphs = build.manifest.get("graphs", {})
    assert isinstance(graphs, dict)
    for number, (iri, info) in enumerate(sorted(graphs.items()), 1):
        named = ox.NamedNode(f"{endpoint}#graph-{number}")
        graph = ox.NamedNode(f"{endpoint}#graph-{number}-content")
        add(dataset, SD + "namedGraph", named)
        add(named, str(RDF_TYPE.value), ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(iri))
        add(named, SD + "graph", graph)
        add(graph, str(RDF_TYPE.value), ox.NamedNode(SD + "Graph"))
        add(graph, VOID + "triples", integer(info.get("quads", 0)))
        add(graph, "http://purl.org/dc/terms/source", ox.Literal(str(info.get("source", ""))))
    return triples
