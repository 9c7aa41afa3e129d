"""The serialisations the endpoint speaks: SPARQL results for SELECT/ASK, RDF for graphs.

Canonical media types and file extensions come from pyoxigraph's own format enums; the table
adds the short names of the ``format`` parameter and the aliases clients send in practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from projectgraph.rdf.vocab import FORMATS


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name, media types, and pyoxigraph's enum for it."""

    key: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat
    aliases: tuple[str, ...] = ()  # other media types clients send for it
    names: tuple[str, ...] = ()  # other values of the format parameter (SPARQLWrapper, Fuseki)

    @property
    def media_type(self) -> str:
        """The bare media type (pyoxigraph adds '; charset=utf-8' to some)."""
        return self.ox_format.media_type.split(";")[0].strip()

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    def content_type(self, media_type: str | None = None) -> str:
        """The Content-Type for this format, or for the alias the client negotiated. Text
        formats say their charset; XML declares its own."""
        media_type = media_type or self.media_type
        return media_type if media_type.endswith("xml") else f"{media_type}; charset=utf-8"


RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", ox.QueryResultsFormat.JSON, ("application/json",), ("srj",)),
    Format("xml", ox.QueryResultsFormat.XML, ("application/xml", "text/xml"), ("srx",)),
    Format("csv", ox.QueryResultsFormat.CSV),
    Format("tsv", ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("ttl", ox.RdfFormat.TURTLE, ("application/x-turtle",), ("turtle", "n3")),
    Format("jsonld", ox.RdfFormat.JSON_LD, ("application/json",), ("json-ld", "json")),
    Format("nt", ox.RdfFormat.N_TRIPLES, ("text/plain",), ("ntriples", "n-triples")),
    Format(
        "rdf", ox.RdfFormat.RDF_XML, ("application/xml", "text/xml"), ("xml", "rdfxml", "rdf/xml")
    ),
    Format("nq", ox.RdfFormat.N_QUADS, (), ("nquads", "n-quads")),
    Format("trig", ox.RdfFormat.TRIG),
)
# The W3C's names for formats (https://www.w3.org/ns/formats/), by media type: VoID's
# void:feature and the service description's sd:resultFormat name formats by these IRIs.
_W3C_FORMAT_NAMES = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/ld+json": "JSON-LD",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF_XML",
    "application/n-quads": "N-Quads",
    "application/trig": "TriG",
}


def w3c_format(media_type: str) -> str:
    """The W3C format IRI of a media type (KeyError for one the W3C list does not name)."""
    return str(FORMATS) + _W3C_FORMAT_NAMES[media_type]


BY_KEY: dict[str, dict[str, Format]] = {
    "results": {f.key: f for f in RESULT_FORMATS},
    "graph": {f.key: f for f in GRAPH_FORMATS},
}


def formats_for(returns_graph: bool) -> tuple[Format, ...]:
    """The formats a query of this kind can be answered in, preferred first."""
    return GRAPH_FORMATS if returns_graph else RESULT_FORMATS


def offers(returns_graph: bool) -> list[str]:
    """Media types to negotiate over: every canonical type first, then the aliases, so a
    wildcard such as text/* picks text/csv rather than an alias like text/xml."""
    available = formats_for(returns_graph)
    return [f.media_type for f in available] + [a for f in available for a in f.aliases]


def by_media_type(media_type: str, returns_graph: bool) -> Format:
    """The format a negotiated media type belongs to (first match: canonical before alias)."""
    return next(f for f in formats_for(returns_graph) if media_type in f.media_types)


def by_name(name: str, returns_graph: bool) -> Format | None:
    """A format by its short name (``ttl``) or one of its media types."""
    name = name.strip().lower()
    for f in formats_for(returns_graph):
        if name == f.key or name in f.names or name in f.media_types:
            return f
    return None


# Triple formats a record may be written in; named-graph formats are refused (file = graph).
SOURCE_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
