"""How a named query's results are handed out, over HTTP and on the command line.

By default as plain data: a JSON list of objects with typed values for SELECT, JSON-LD
compacted with the published context for CONSTRUCT/DESCRIBE. Otherwise in any SPARQL result
or RDF format of :mod:`projectgraph.rdf.formats`, as the engine writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from projectgraph.rdf.formats import GRAPH_FORMATS, RESULT_FORMATS
from projectgraph.rdf.serialize import jsonld
from projectgraph.sparql.results import plain_rows, rows_json


@dataclass(frozen=True)
class Representation:
    """One way to answer: its ``format`` name, media type, what the engine is asked for, and
    how that is converted (``rows``: plain JSON list, ``jsonld``: compacted JSON-LD)."""

    key: str
    media_type: str
    engine: str
    convert: str | None = None

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.media_type.endswith("+json"):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    def finish(self, body: bytes, context: dict[str, Any]) -> tuple[bytes, int | None]:
        """The engine's output in this representation, and the number of rows if counted."""
        if self.convert == "rows":
            rows = plain_rows(body)
            return rows_json(rows), len(rows)
        if self.convert == "jsonld":
            triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
            return jsonld(triples, context), None
        return body, None


ROWS = Representation("json", "application/json", "json", "rows")
SOLUTIONS = (
    ROWS,
    *(
        Representation("srj" if f.key == "json" else f.key, f.media_type, f.key)
        for f in RESULT_FORMATS
    ),
)
GRAPHS = (
    Representation("json", "application/json", "nt", "jsonld"),
    Representation("jsonld", "application/ld+json", "nt", "jsonld"),
    *(Representation(f.key, f.media_type, f.key) for f in GRAPH_FORMATS if f.key != "jsonld"),
)


def representations(returns_graph: bool) -> tuple[Representation, ...]:
    """The ways results of this kind can be sent, preferred first."""
    return GRAPHS if returns_graph else SOLUTIONS


def by_name(name: str, returns_graph: bool) -> Representation | None:
    """A representation by its ``format`` name or media type."""
    name = name.strip().lower()
    return next((r for r in representations(returns_graph) if name in (r.key, r.media_type)), None)
