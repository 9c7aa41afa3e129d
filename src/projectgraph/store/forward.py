"""Answer queries by forwarding them to a remote SPARQL store, inside a query worker.

:class:`RemoteQueries` stands where the embedded engine has its ``pyoxigraph.Store``: the same
worker process, the same frames, the same timeout that kills the worker (and so drops the
connection to the store). The query is first parsed here by pyoxigraph, so a malformed query
gets the same 400 with line and column as on the embedded engine, and the store's own
extensions (Virtuoso's ``DEFINE`` pragmas, which can make it fetch URLs) never reach it.

The store is asked for one well-defined format (SPARQL JSON results, N-Triples for graphs),
and the answer is parsed by pyoxigraph as it arrives and written in the client's format by the
same writers the embedded engine uses, so every engine answers in the same shapes. Fixed on the
way: Virtuoso's JSON writes ``xsd:boolean`` values as ``1``/``0`` (canonical: ``true``/
``false``; mended in the bytes as they stream, so rows never pass through Python one by one),
and it answers ASK as a one-variable SELECT; its FROM clauses override the protocol's dataset
(against the spec), see below.

The remote dataset is the build's merged graph in its version graph (see
:mod:`projectgraph.publish.remote`), the default graph, and a copy of the ontology's graph, the
one source graph the site asks for by name. A protocol dataset naming only the ontology graph
gets that copy; a query that names other graphs (FROM, FROM NAMED, ``default-graph-uri``,
``named-graph-uri``) is answered from an empty dataset, here, without asking the store: the
per-source graphs live in the dumps.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from projectgraph.sparql.inspect import inspect, tokens, without_comments


class RemoteTriples:
    """A graph that came from a remote store: pyoxigraph's parser over the answer."""

    def __init__(self, triples: Iterable[Any]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[Any]:
        return iter(self._triples)


# Virtuoso's JSON: "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1"
_BOOLEAN = re.compile(rb'(XMLSchema#boolean"\s*,\s*"value"\s*:\s*")([01])(")')
_CANONICAL = {b"1": b"true", b"0": b"false"}
_KEEP = 128  # bytes held back between chunks: more than any match is long


def _mend(match: re.Match[bytes]) -> bytes:
    return match[1] + _CANONICAL[match[2]] + match[3]


def canonical_booleans(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """JSON results with ``xsd:boolean`` values in canonical form, as they stream. A chunk is
    cut after a ``}`` at least :data:`_KEEP` bytes before its end; the pattern holds no ``}``,
    so no match is ever split between two pieces."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"}", 0, max(len(data) - _KEEP, 0)) + 1
        if cut:
            yield _BOOLEAN.sub(_mend, data[:cut])
        carry = data[cut:]
    if carry:
        yield _BOOLEAN.sub(_mend, carry)


def _boolean(value: bool) -> ox.QueryBoolean:
    document = b'{"head":{},"boolean":true}' if value else b'{"head":{},"boolean":false}'
    result = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    assert isinstance(result, ox.QueryBoolean)
    return result


class _Body(io.RawIOBase):
    """A streaming HTTP response body as a file, for pyoxigraph's parsers."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


TIMEOUT_PARAMETER = "timeout"  # Virtuoso's per-query limit, in milliseconds
# How Oxigraph names a function it does not know, when it plans a query that calls one.
UNKNOWN_FUNCTION = re.compile(r"custom function <([^>]+)> is not supported")


class RemoteQueries:
    """The remote store, behind the interface of ``pyoxigraph.Store.query``."""

    def __init__(self, url: str, graph: str, ontology_graph: str | None = None) -> None:
        from projectgraph.store.client import Endpoints, SparqlStore, credentials, ontology_copy

        # The worker's deadline (the pool kills it) bounds a query; the client waits as long.
        # A new connection per query: on a kept-alive connection Virtuoso's answers of a few
        # KB waited ~40 ms for the client's delayed ACK (measured by bench/remote.py).
        self.store = SparqlStore(
            Endpoints(url), credentials(), timeout=86_400.0, retries=0, keep_alive=False
        )
        self.graph = graph
        # graph name -> the version's copy of it
        self.copies = {ontology_graph: ontology_copy(graph)} if ontology_graph else {}
        self.empty = ox.Store()  # parses queries; answers those that name graphs
        self._open: Any = None  # the response being read

    def query(
        self,
        text: str,
        default_graph: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        timeout: float | None = None,
        base_iri: str | None = None,
    ) -> Any:
        """Parse ``text`` (SyntaxError as pyoxigraph raises it), then run it on the store,
        asking it to stop after ``timeout`` seconds; raises
        :class:`~projectgraph.store.client.StoreError` when the store fails. Relative IRIs
        resolve against ``base_iri``: the store gets it as a BASE before the query's own
        prologue, unless the query has a BASE of its own."""
        from projectgraph.store.client import (
            N_TRIPLES,
            NO_GRAPH,
            RESULTS_JSON,
            PartialResult,
            StoreError,
        )

        self.close()
        try:  # lazy: parsed and planned, nothing evaluated yet
            local = self.empty.query(text, base_iri=base_iri)
        except SyntaxError:
            raise
        except Exception as e:
            unknown = UNKNOWN_FUNCTION.search(str(e))
            if unknown is None:
                raise
            raise StoreError(
                f"the query calls <{unknown[1]}>, a function the remote store is not known to "
                "evaluate: leave it out, or query the embedded store, which evaluates it as an "
                "expression error",
                status=400,
            ) from None
        if base_iri and not any(
            kind == "name" and word.upper() == "BASE" for kind, word, _, _ in tokens(text)
        ):  # Virtuoso takes one BASE: the query's own, else the endpoint's, on line 1
            text = f"BASE {ox.NamedNode(base_iri)} {text}"
        found = inspect(text)
        dataset: tuple[tuple[str, ...], tuple[str, ...]] = (self.graph,), (NO_GRAPH,)
        if default_graph is not None or named_graphs is not None:
            copies = [self.copies.get(g.value) for g in default_graph or ()]
            if found.dataset_clause or named_graphs or not copies or None in copies:
                return local
            dataset = tuple(c for c in copies if c), (NO_GRAPH,)
        elif found.dataset_clause:
            return local
        graph = found.returns_graph
        # Killing the worker at the deadline closes the connection, but a store computes on
        # (Virtuoso did, for seconds): ask it to stop at the same time. Virtuoso reads
        # ``timeout`` in milliseconds and then answers its partial result with X-SQL-State,
        # which check_response refuses; Fuseki and GraphDB read seconds, a longer limit.
        extra = {TIMEOUT_PARAMETER: str(max(1, round(timeout * 1000)))} if timeout else {}
        context = self.store.query(
            without_comments(text), N_TRIPLES if graph else RESULTS_JSON, *dataset, extra=extra
        )
        try:
            response = context.__enter__()
        except PartialResult:
            if not timeout:
                raise
            # Our own limit, which the store applied: said as the embedded engine says it.
            raise StoreError(
                f"the query ran longer than the {timeout:g} s limit and was stopped", status=503
            ) from None
        self._open = context
        if graph:
            body = io.BufferedReader(_Body(response.iter_bytes()), buffer_size=1 << 16)
            return RemoteTriples(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        mended = canonical_booleans(response.iter_bytes())
        body = io.BufferedReader(_Body(mended), buffer_size=1 << 16)
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return results
        if found.form == "ASK":
            # Virtuoso answers ASK as a SELECT of one variable: a row "1" for true, none
            # (or "0") for false.
            rows = [row[0] for row in results]
            return _boolean(any(t is not None and t.value in ("1", "true") for t in rows))
        return results

    def close(self) -> None:
        """Finish with the previous answer (its connection goes back to the pool)."""
        if self._open is not None:
            context, self._open = self._open, None
            context.__exit__(None, None, None)
