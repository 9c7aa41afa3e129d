"""The named-query API: the queries of ``queries/`` as HTTP operations.

``GET /api/queries`` lists them; ``GET /api/queries/{name}?param=value`` runs one. Results are
a plain JSON list of objects with typed values by default (JSON-LD compacted with the
published context for CONSTRUCT/DESCRIBE), or any SPARQL result or RDF format by Accept or
``format``. Parameter values are checked against their declared type and bound as RDF terms
(:mod:`projectgraph.sparql.bind`); a bad value gets 422 naming the parameter and the reason.

Most answers were computed by the build (:mod:`projectgraph.web.api.materialized`): they are
read from the build folder, the engine answers the others. The published graph only changes
with a new build, so results are cached per (build,
prepared query, format) in a bounded LRU cache and carry an ETag derived from the same: a
client revalidating gets 304 without the query running again, and a new build changes every
tag. Identical requests that arrive together share one run. The OpenAPI side (one operation
per query, examples) is :mod:`projectgraph.web.api.openapi`, the routes are
:mod:`projectgraph.web.api.routes`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from projectgraph import __version__
from projectgraph.rdf.conneg import negotiate
from projectgraph.settings import Settings
from projectgraph.sparql.named import NamedQuery, ParameterError
from projectgraph.sparql.representations import ROWS, Representation, by_name, representations
from projectgraph.store.base import QueryEngine, QueryError, QueryRequest, ResultTooLarge, read_all
from projectgraph.store.loading import ServedBuild
from projectgraph.store.pool import QueryAborted
from projectgraph.web.api.materialized import Materialized
from projectgraph.web.api.openapi import ApiDocs, describe_parameter
from projectgraph.web.api.result_cache import CachedResponse, ResultCache
from projectgraph.web.base import BadHost, NotUtf8, base_map, public_base, query_parameters
from projectgraph.web.caching import MAX_AGE, etag, not_modified
from projectgraph.web.errors import HttpError
from projectgraph.web.errors import error_response as _error_response
from projectgraph.web.middleware.observe import note_query

PREFIX = "/api/queries"
MAX_RESULT_BYTES = 64 * 1024 * 1024  # larger results belong to the SPARQL endpoint or dumps
# Other media types clients send for a graph format (SPARQLWrapper, older servers). None for
# results: a browser's application/xml;q=0.9 would otherwise win SPARQL XML over JSON.
GRAPH_ALIASES = {"application/x-turtle": "ttl", "text/plain": "nt"}


def error_response(
    status: int, message: str, accept: str | None, details: dict[str, object] | None = None
) -> Response:
    """The site's error shape, as JSON unless the client asks for text only."""
    return _error_response(status, message, accept, details, json_first=True)


class ApiError(HttpError):
    """An answer other than results."""


def choose(query: NamedQuery, accept: str | None, requested: str | None) -> Representation:
    """The representation by ``format`` if given, else by the Accept header."""
    available = representations(query.returns_graph)
    if requested is not None:
        rep = by_name(requested, query.returns_graph)
        if rep is None:
            raise ParameterError("format", f"must be one of {', '.join(r.key for r in available)}")
        return rep
    offers = {rep.media_type: rep for rep in reversed(available)}
    if query.returns_graph:
        for alias, key in GRAPH_ALIASES.items():
            offers[alias] = next(rep for rep in available if rep.key == key)
    ordered = [rep.media_type for rep in available] + [m for m in offers if m not in available]
    chosen = negotiate(accept, list(dict.fromkeys(ordered)))
    if chosen is None:
        raise ApiError(
            406,
            f"none of the accepted types ({accept}) can be produced; available: "
            + ", ".join(rep.media_type for rep in available),
        )
    return offers[chosen]


class NamedQueryApi:
    """Runs named queries for HTTP requests, with the result cache."""

    def __init__(
        self,
        settings: Settings,
        engine: QueryEngine,
        build: ServedBuild,
        queries: list[NamedQuery],
        context: dict[str, Any],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.build = build
        self.queries = {q.name: q for q in queries}
        self.context = context
        self.materialized = Materialized(build.folder, self.queries, settings.base_iri)
        self.cache = ResultCache(settings.cache_entries, settings.cache_megabytes * 1024 * 1024)
        self.docs = ApiDocs(self.queries, build.build_id)
        self.warmed = False
        self._running: dict[tuple[str, str], asyncio.Task[CachedResponse]] = {}
        # What, besides the build and the query text, decides an answer's bytes.
        self._version = f"{__version__}:{settings.max_rows}"
        digest = hashlib.sha256()
        for query in queries:
            digest.update(f"{query.name}\x00{query.text}\x00".encode())
        self.queries_digest = digest.hexdigest()[:16]

    # ---- HTTP ----

    async def listing(self, request: Request) -> Response:
        """``GET /api/queries``: every query with its parameters and where to run it."""
        accept = request.headers.get("accept")
        try:
            public = public_base(request, self.settings.trusted_proxies)
        except BadHost as e:
            return error_response(400, str(e), accept)
        tag = etag(self.build.build_id, "api-listing", self.queries_digest, public)
        headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}"}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        body = [self.describe(q, public) for q in self.queries.values()]
        return Response(
            json.dumps(body, ensure_ascii=False, indent=1) + "\n",
            media_type="application/json",
            headers=headers,
        )

    def describe(self, query: NamedQuery, public: str) -> dict[str, Any]:
        """What the listing says about one query."""
        return {
            "name": query.name,
            "summary": query.summary,
            "description": query.description,
            "tags": list(query.tags),
            "url": f"{public}{PREFIX[1:]}/{query.name}",
            "returns": "graph" if query.returns_graph else "rows",
            "variables": list(query.variables),
            "pagination": query.pagination,
            "parameters": [describe_parameter(p) for p in query.parameters],
            "formats": {rep.key: rep.media_type for rep in representations(query.returns_graph)},
            "materialized": self.materialized.covers(query),
            "sparql": query.text,
        }

    async def run(self, request: Request, query: NamedQuery) -> Response:
        """``GET /api/queries/{name}``: bind, run (or take from the cache), negotiate."""
        accept = request.headers.get("accept")
        try:
            given, page, requested = _arguments(request, query)
            rep = choose(query, accept, requested)
            public = public_base(request, self.settings.trusted_proxies)
            mapping = base_map(self.settings.base_iri, public)
            for p in query.parameters:  # a link copied from this server names public IRIs
                if p.type == "iri" and p.name in given:
                    given[p.name] = mapping.to_canonical(given[p.name].strip())
            text = query.prepare(given, self.settings.base_iri, page)
        except ParameterError as e:
            return error_response(
                422,
                f"parameter {e.name}: {e.reason}",
                accept,
                {"parameter": e.name, "reason": e.reason},
            )
        except BadHost as e:
            return error_response(400, str(e), accept)
        except ApiError as e:
            return error_response(e.status, e.message, accept, e.details)

        build_id = self.build.build_id
        tag = etag(build_id, self._version, query.name, text, rep.key, rep.media_type)
        headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}", "Vary": "Accept"}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        try:
            answer, how = await self.answer(query, text, rep, given, page)
        except ApiError as e:
            return error_response(e.status, e.message, accept, e.details)
        headers["X-Cache"] = how
        if how != "hit":  # this request waited for the engine: its time goes in the log
            note_query(request.scope, answer.query_stats)
        if query.pagination:
            headers["Link"] = _page_links(request, public, query, page or 1, answer.rows)
        return Response(
            answer.body, media_type=rep.content_type, headers={**headers, **answer.headers}
        )

    async def answer(
        self,
        query: NamedQuery,
        text: str,
        rep: Representation,
        given: dict[str, str] | None = None,
        page: int | None = None,
    ) -> tuple[CachedResponse, str]:
        """The response body from the cache (``hit``), from the build's answers
        (``materialized``; ``text`` is ``query`` prepared with ``given`` and ``page``), from
        a run another request started (``shared``), or from a run of its own (``miss``). The
        run is a task of its own, so a client that goes away stops no one else's answer."""
        key = (text, rep.key)
        cached = self.cache.get(self.build.build_id, *key)
        if cached is not None:
            return cached, "hit"
        if self.materialized.covers(query):
            # SQLite reads block: not on the event loop (a large answer takes milliseconds).
            answer = await asyncio.to_thread(
                self.materialized.answer, query, given or {}, page, rep, self._cap(query)
            )
            if len(answer.body) > MAX_RESULT_BYTES:
                raise ApiError(
                    503,
                    f"the result is larger than {MAX_RESULT_BYTES} bytes: run the query at "
                    "the SPARQL endpoint, or use the dumps",
                )
            self.cache.put(self.build.build_id, *key, response=answer)
            return answer, "materialized"
        how = "shared"
        task = self._running.get(key)
        if task is None:
            how = "miss"
            task = asyncio.ensure_future(self._run(query, text, rep, key))
            # Retrieve a failure even when every waiting client has gone.
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._running[key] = task
        return await asyncio.shield(task), how

    async def _run(
        self, query: NamedQuery, text: str, rep: Representation, key: tuple[str, str]
    ) -> CachedResponse:
        try:
            answer = await self.execute(query, text, rep)
            self.cache.put(self.build.build_id, *key, response=answer)
            return answer
        finally:
            del self._running[key]

    async def execute(self, query: NamedQuery, text: str, rep: Representation) -> CachedResponse:
        """Run a prepared query and produce the response body (ApiError if it fails)."""
        cap = self._cap(query)
        outcome = await self.engine.execute(
            QueryRequest(
                query=text,
                format=rep.engine,
                max_rows=0 if query.returns_graph else cap,
                timeout=self.settings.query_timeout,
            )
        )
        if isinstance(outcome, QueryError):
            # A named query is ours and already parsed at load: any error is the server's.
            status = outcome.status if outcome.status >= 500 else 500
            raise ApiError(status, f"{query.name}: {outcome.message}")
        try:
            body = await read_all(outcome, MAX_RESULT_BYTES)
        except ResultTooLarge as e:
            raise ApiError(
                503, f"{e}: run the query at the SPARQL endpoint, or use the dumps"
            ) from None
        except QueryAborted as e:
            raise ApiError(503, str(e)) from None
        # Converting (JSON-LD compaction above all) can take a while: not on the event loop.
        body, counted = await asyncio.to_thread(rep.finish, body, self.context)
        headers: dict[str, str] = {}
        if outcome.truncated and not query.pagination:
            headers["X-SPARQL-MaxRows"] = str(cap)
            headers["X-Result-Truncated"] = f"true; only the first {cap} rows were returned"
        return CachedResponse(
            body, headers, outcome.rows if counted is None else counted, outcome.stats
        )

    async def rows(self, name: str, given: dict[str, str] | None = None) -> list[dict[str, str]]:
        """The rows of the named query ``name`` with the values ``given`` (or its defaults), each
        value as text, the whole answer (pages, maps and charts draw from these): from
        the cache, the build's answers or the engine, like a request. Empty when there is no
        such query or it fails (a page is still drawn, without the figure)."""
        query = self.queries.get(name)
        if query is None or query.returns_graph:
            return []
        try:
            text = query.prepare(given or {}, self.settings.base_iri)
            answer, _ = await self.answer(query, text, ROWS, given)
        except (ParameterError, ApiError):
            return []
        found = json.loads(answer.body)
        if not isinstance(found, list):
            return []
        # The JSON rows type numbers; figures read every value as the text it is.
        return [
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items() if v is not None}
            for row in found
            if isinstance(row, dict)
        ]

    def _cap(self, query: NamedQuery) -> int:
        """The most rows an answer of ``query`` holds: ``max_rows``, or a page (0: no cap)."""
        cap = self.settings.max_rows
        if query.pagination:
            cap = min(cap, query.pagination) if cap else query.pagination
        return cap

    async def warm(self) -> None:
        """Answer every query with its defaults once: the answers become the examples of the
        API reference. Materialized answers are read from the build; the engine runs the
        others (their first requests for the defaults are then answered from the cache)."""
        for query in self.queries.values():
            rep = representations(query.returns_graph)[0]
            try:
                text = query.prepare({}, self.settings.base_iri)
                answer, _ = await self.answer(query, text, rep)
            except (ParameterError, ApiError):
                continue  # a required parameter without default, or the engine failed
            self.docs.examples[query.name] = json.loads(answer.body)
        self.warmed = True


def _arguments(
    request: Request, query: NamedQuery
) -> tuple[dict[str, str], int | None, str | None]:
    """Parameter values, page and format from the query string (each at most once)."""
    given: dict[str, str] = {}
    page: int | None = None
    requested: str | None = None
    seen: set[str] = set()
    try:
        parameters = query_parameters(request)
    except NotUtf8 as e:
        raise ParameterError(e.name, "is not valid UTF-8 once %-decoded") from None
    for key, value in parameters:
        if key in seen:
            raise ParameterError(key, "is given more than once")
        seen.add(key)
        if key == "format":
            requested = value
        elif key == "page":
            if not query.pagination:
                raise ParameterError("page", f"{query.name} returns all its results at once")
            if not (value.isascii() and value.isdigit() and len(value) <= 6):
                raise ParameterError("page", f"must be a whole number from 1 to {query.max_page}")
            page = int(value)
        else:
            given[key] = value
    return given, page, requested


def _page_links(
    request: Request, public: str, query: NamedQuery, page: int, rows: int | None
) -> str:
    """The Link header of a page: first, prev and, while the page is full, next."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    url = f"{public}{PREFIX[1:]}/{query.name}"

    def link(number: int, rel: str) -> str:
        return f'<{url}?{urlencode([*params, ("page", str(number))])}>; rel="{rel}"'

    links = [link(1, "first")]
    if page > 1:
        links.append(link(page - 1, "prev"))
    if rows is not None and rows >= (query.pagination or 0) and page < query.max_page:
        links.append(link(page + 1, "next"))
    return ", ".join(links)
