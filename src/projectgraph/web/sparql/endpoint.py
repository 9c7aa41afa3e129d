"""The SPARQL 1.1 Protocol query operation at ``/sparql``.

https://www.w3.org/TR/sparql11-protocol/#query-operation: GET ``?query=``, POST
``application/x-www-form-urlencoded`` and POST ``application/sparql-query``, with
``default-graph-uri`` / ``named-graph-uri``. The dataset is one named graph per source file;
without dataset parameters or FROM clauses the default graph is the union of all of them.
The endpoint is read-only: updates and SERVICE are refused before any engine sees the query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from projectgraph.rdf.conneg import explicitly_accepts, negotiate
from projectgraph.rdf.formats import Format, by_media_type, by_name, formats_for, offers
from projectgraph.settings import Settings
from projectgraph.sparql.inspect import inspect
from projectgraph.store.base import QueryEngine, QueryError, QueryRequest, QueryStream
from projectgraph.web.base import BadHost, NotUtf8, public_base, query_parameters
from projectgraph.web.errors import HttpError, error_response
from projectgraph.web.metrics import Metrics
from projectgraph.web.middleware.observe import note_query

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, ...) is not accepted"
)
NO_SERVICE = "federated queries (SERVICE) are disabled on this endpoint"
NO_VENDOR = (
    "{namespace} names a store's own built-in functions (Virtuoso runs SQL procedures with "
    "them, some of which fetch URLs or read files); they are disabled on this endpoint"
)
# pyoxigraph's parser recurses per bracket and overflows its stack (the worker dies) near a few
# thousand levels; real queries stay far below this.
MAX_NESTING = 128


def _no_service(refused: list[str], allowed: tuple[str, ...]) -> str:
    if not allowed:
        return NO_SERVICE
    named = ", ".join(f"<{e}>" if e else "a variable or prefixed name" for e in refused)
    return (
        f"SERVICE may only call these endpoints, written as full IRIs: "
        f"{', '.join(f'<{a}>' for a in allowed)}; not {named}"
    )


class ProtocolError(HttpError):
    """A request that breaks the protocol."""


# The query page for a request (with the query it asked to run, if any).
QueryPage = Callable[[Request, str | None], Response]
# The service description for a request, in a format, said as the media type the client asked.
ServiceDescription = Callable[[Request, Format, str], Response]


class SparqlEndpoint:
    """Handles requests to /sparql; the page and the service description are injected."""

    def __init__(
        self,
        settings: Settings,
        engine: QueryEngine,
        page: QueryPage,
        description: ServiceDescription,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.metrics = metrics  # counts refused queries
        self.page = page
        self.description = description
        # Percent-encoding can triple a character's size, UTF-8 make it four bytes.
        self.max_body = 12 * settings.max_query_length + 65_536

    async def __call__(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        try:
            return await self._handle(request, accept)
        except ProtocolError as e:
            if self.metrics is not None and e.status < 500:
                self.metrics.reject(e.status)
            return error_response(e.status, e.message, accept, e.details)

    async def _handle(self, request: Request, accept: str | None) -> Response:
        params = await self._parameters(request)
        if "update" in params:
            raise ProtocolError(403, READ_ONLY)
        queries = params.getlist("query")
        if len(queries) > 1:
            raise ProtocolError(400, "send one query per request (more than one 'query' parameter)")
        if not queries:
            if request.method != "GET":
                raise ProtocolError(
                    400, "no query: send it as 'query' or as an application/sparql-query body"
                )
            return self._describe(request, accept, params)
        query = queries[0]
        if len(query) > self.settings.max_query_length:
            status = 414 if request.method == "GET" else 413
            raise ProtocolError(
                status,
                f"the query is {len(query)} characters long; this endpoint accepts at most "
                f"{self.settings.max_query_length}",
            )

        found = inspect(query)
        if found.depth > MAX_NESTING:
            raise ProtocolError(
                400,
                f"the query nests brackets {found.depth} levels deep; "
                f"at most {MAX_NESTING} are accepted",
            )
        if found.update:
            raise ProtocolError(403, READ_ONLY, operation=found.update)
        if found.service:
            allowed = self.settings.service_allow
            refused = [e for e in found.services if e not in allowed] if allowed else ["all"]
            if refused:
                raise ProtocolError(403, _no_service(refused, allowed))
        if found.vendor:
            raise ProtocolError(403, NO_VENDOR.format(namespace=found.vendor))
        if (
            request.method == "GET"
            and "format" not in params
            and _prefers_html(accept, found.returns_graph)
        ):
            return self.page(request, query)
        try:
            fmt, media_type = _choose_format(params, accept, found.returns_graph)
        except ProtocolError:
            if found.form is not None:
                raise
            # Not recognisably a query: let the parser say what is wrong (400) rather than
            # answer that no format fits something that has no results.
            fmt, media_type = formats_for(False)[0], formats_for(False)[0].media_type
        default_graphs, named_graphs = _dataset(params)
        try:  # relative IRIs resolve against the endpoint, as the client reached it
            endpoint = public_base(request, self.settings.trusted_proxies) + "sparql"
        except BadHost as e:
            raise ProtocolError(400, str(e)) from None
        outcome = await self.engine.execute(
            QueryRequest(
                query=query,
                format=fmt.key,
                max_rows=self.settings.max_rows,
                timeout=self.settings.query_timeout,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                base_iri=endpoint,
            )
        )
        if isinstance(outcome, QueryError):
            raise _query_error(outcome, query)
        note_query(request.scope, outcome.stats)
        return _respond(outcome, fmt.content_type(media_type), self.settings.max_rows)

    async def _parameters(self, request: Request) -> MultiDict:
        """Protocol parameters from the URL and, for POST, from the body."""
        try:
            params = query_parameters(request)
        except NotUtf8 as e:
            raise ProtocolError(400, str(e)) from None
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == SPARQL_UPDATE:
                raise ProtocolError(403, READ_ONLY)
            if content_type not in (FORM, SPARQL_QUERY):
                raise ProtocolError(
                    415,
                    f"unsupported Content-Type {content_type or '(none)'!r}: send the query as "
                    f"{FORM} ('query=...') or as {SPARQL_QUERY}",
                )
            body = await self._body(request)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ProtocolError(
                    400, f"the request body is not UTF-8 (byte {e.start})"
                ) from None
            if content_type == FORM:
                try:
                    params += parse_qsl(text, keep_blank_values=True, errors="strict")
                except UnicodeDecodeError as e:
                    raise ProtocolError(
                        400, f"a form value is not UTF-8 once %-decoded ({e.reason})"
                    ) from None
            else:
                params = [(k, v) for k, v in params if k != "query"] + [("query", text)]
        return MultiDict(params)

    async def _body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body:
            raise ProtocolError(413, f"the request body is larger than {self.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise ProtocolError(413, f"the request body is larger than {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _describe(self, request: Request, accept: str | None, params: MultiDict) -> Response:
        _dataset(params)  # a malformed graph IRI is an error here too, not silently ignored
        if "format" not in params and _prefers_html(accept, returns_graph=True):
            return self.page(request, None)
        fmt, media_type = _choose_format(params, accept, returns_graph=True)
        return self.description(request, fmt, media_type)


def _prefers_html(accept: str | None, returns_graph: bool) -> bool:
    """A browser: it names text/html, and likes it at least as much as any data format."""
    return _by_accept(accept, returns_graph)[0]


MAX_CACHED_ACCEPT = 300  # characters: longer Accept headers are negotiated, not remembered


def _by_accept(accept: str | None, returns_graph: bool) -> tuple[bool, str | None]:
    """For an Accept header: whether it prefers the HTML page, and the media type of the
    data format it prefers (None: none is acceptable). Clients repeat their header, so the
    answers are remembered (negotiating took about 25 us of every query's time)."""
    if accept is not None and len(accept) > MAX_CACHED_ACCEPT:
        return _negotiate_accept(accept, returns_graph)
    return _negotiate_cached(accept, returns_graph)


def _negotiate_accept(accept: str | None, returns_graph: bool) -> tuple[bool, str | None]:
    html = (
        explicitly_accepts(accept, "text/html")
        and negotiate(accept, ["text/html", *offers(returns_graph)]) == "text/html"
    )
    return html, negotiate(accept, offers(returns_graph))


_negotiate_cached = lru_cache(maxsize=256)(_negotiate_accept)


def _choose_format(
    params: MultiDict, accept: str | None, returns_graph: bool
) -> tuple[Format, str]:
    """The format to answer in, and the media type to say (the alias the client asked for)."""
    available = formats_for(returns_graph)
    # Present but empty is a request too (for nothing): answered 406, never ignored.
    requested = params.get("format") if "format" in params else params.get("output")
    if requested is not None:
        fmt = by_name(requested, returns_graph)
        if fmt is None:
            kind = "graphs (CONSTRUCT, DESCRIBE)" if returns_graph else "results (SELECT, ASK)"
            names = ", ".join(f.key for f in available)
            raise ProtocolError(
                406, f"format {requested!r} is not available for {kind}; use one of {names}"
            )
        return fmt, fmt.media_type
    chosen = _by_accept(accept, returns_graph)[1]
    if chosen is None:
        raise ProtocolError(
            406,
            f"none of the accepted types ({_shortened(accept)}) can be produced; available: "
            + ", ".join(f.media_type for f in available),
        )
    return by_media_type(chosen, returns_graph), chosen


def _shortened(text: str | None, limit: int = 200) -> str:
    """A client's header as an error message quotes it: never a 70 KB echo."""
    text = text or ""
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


Graphs = tuple[str, ...] | None


def _dataset(params: MultiDict) -> tuple[Graphs, Graphs]:
    """The protocol's dataset (default graphs, named graphs), if the request gives one;
    without it (None, None) the query's own FROM clauses, or else the store's default graph
    (the merge of all graphs), apply."""
    defaults = params.getlist("default-graph-uri")
    named = params.getlist("named-graph-uri")
    for iri in (*defaults, *named):
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(400, f"graph IRI {iri!r} is not a valid absolute IRI") from None
    if defaults or named:  # the protocol's dataset replaces the query's FROM clauses
        return tuple(defaults), tuple(named)
    return None, None


def _query_error(error: QueryError, query: str) -> ProtocolError:
    if error.status != 400 or error.line is None:
        return ProtocolError(error.status, error.message)
    lines = query.split("\n")  # the parser counts lines at LF only
    line = lines[min(error.line, len(lines)) - 1]
    pointer = " " * max((error.column or 1) - 1, 0) + "^"
    return ProtocolError(
        400,
        f"malformed query: {error.message} (line {error.line}, column {error.column})",
        line=error.line,
        column=error.column,
        context=f"{line}\n{pointer}",
    )


def _respond(outcome: QueryStream, content_type: str, max_rows: int) -> Response:
    """A complete small result as one response with a length; anything else streamed."""
    headers = {"Vary": "Accept"}
    if outcome.truncated:
        headers["X-SPARQL-MaxRows"] = str(max_rows)
        headers["X-Result-Truncated"] = f"true; only the first {max_rows} rows were returned"
    if outcome.complete:
        return Response(outcome.first, media_type=content_type, headers=headers)
    return StreamingResponse(_body(outcome), media_type=content_type, headers=headers)


async def _body(outcome: QueryStream) -> AsyncIterator[bytes]:
    if outcome.first:
        yield outcome.first
    async for chunk in outcome.rest:
        yield chunk
