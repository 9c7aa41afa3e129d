"""The interface between the HTTP layer and whatever answers SPARQL queries.

The web layer builds a :class:`QueryRequest` (query text, dataset, chosen format, limits) and
gets back a :class:`QueryOutcome`: either an error with an HTTP status, or a stream of bytes
already in the negotiated format whose first chunk exists (so the status is settled).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class QueryRequest:
    """One query to run, with the dataset and the output the client negotiated."""

    query: str
    format: str  # a key of projectgraph.rdf.formats (json, xml, csv, tsv, ttl, jsonld, ...)
    default_graphs: tuple[str, ...] | None = None  # protocol default-graph-uri
    named_graphs: tuple[str, ...] | None = None  # protocol named-graph-uri
    max_rows: int = 0  # 0 = no cap (SELECT only)
    timeout: float = 30.0  # seconds for the whole query, streaming included
    base_iri: str | None = None  # relative IRIs resolve against it (the endpoint's URL)


@dataclass(frozen=True)
class QueryError:
    """A query that did not produce results: why, and the HTTP status that says so."""

    status: int
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class QueryStream:
    """Results on their way: metadata, the first chunk, and the rest as they come."""

    truncated: bool
    rows: int | None  # rows written when known up front (capped SELECT)
    first: bytes
    rest: AsyncIterator[bytes]
    complete: bool = False  # ``first`` is the whole result (nothing in ``rest``)
    stats: dict[str, object] = field(default_factory=dict)  # seconds, rows: set at the end


QueryOutcome = QueryError | QueryStream


class ResultTooLarge(Exception):
    """A result read whole grew past the limit the caller set."""


async def read_all(stream: QueryStream, limit: int | None = None) -> bytes:
    """The whole result as bytes; ResultTooLarge once it grows past ``limit`` bytes (the
    stream is closed at once, so the engine stops the query)."""
    chunks, size = [stream.first], len(stream.first)
    async for chunk in stream.rest:
        size += len(chunk)
        if limit is not None and size > limit:
            close = getattr(stream.rest, "aclose", None)
            if close is not None:
                await close()
            raise ResultTooLarge(f"the result is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class QueryEngine(Protocol):
    """Something that answers SPARQL queries (the embedded store, or a remote one)."""

    async def start(self) -> None:
        """Get ready to answer (spawn workers, open connections)."""

    async def stop(self) -> None:
        """Release everything."""

    async def execute(self, request: QueryRequest) -> QueryOutcome:
        """Run one query; never raises for a bad query, returns a QueryError instead."""

    async def probe(self) -> str | None:
        """None when the store answers, else why it does not (for /health)."""

    def health(self) -> dict[str, object]:
        """A small status report for /health."""
