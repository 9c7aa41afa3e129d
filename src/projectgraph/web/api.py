"""The named-query API: the queries of ``queries/`` as documented HTTP operations.

``GET /api/queries`` lists them; ``GET /api/queries/{name}?param=value`` runs one. Results are
a plain JSON list of objects with typed values by default (JSON-LD compacted with the
published context for CONSTRUCT/DESCRIBE), or any SPARQL result or RDF format by Accept or
``format``. Parameter values are checked against their declared type and bound as RDF terms
(:mod:`projectgraph.sparql.bind`); a bad value gets 422 naming the parameter and the reason.

The published graph only changes with a new build, so results are cached per (build,
prepared query, format) in a bounded LRU cache and carry an ETag derived from the same: a
client revalidating gets 304 without the query running again, and a new build changes every
tag. Each query is its own operation in the OpenAPI document (``/docs``), with its parameters
and an example response taken from running it with its defaults when the server starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import Response

from projectgraph.conneg import negotiate
from projectgraph.queries import MAX_PAGE, MAX_STRING, NamedQuery, Parameter, ParameterError
from projectgraph.settings import Settings
from projectgraph.sparql.representations import Representation, by_name, representations
from projectgraph.store.base import QueryEngine, QueryError, QueryRequest, ResultTooLarge, read_all
from projectgraph.store.loading import ServedBuild
from projectgraph.store.pool import QueryAborted
from projectgraph.web.base import BadHost, base_map, public_base
from projectgraph.web.caching import MAX_AGE, etag, not_modified
from projectgraph.web.errors import HttpError
from projectgraph.web.errors import error_response as _error_response
from projectgraph.web.result_cache import CachedResponse, ResultCache

PREFIX = "/api/queries"
MAX_RESULT_BYTES = 64 * 1024 * 1024  # larger results belong to the SPARQL endpoint or dumps
LARGEST_NUMBER = 10**15  # what Parameter.term accepts


# Other names clients use for the same media types (SPARQLWrapper, Fuseki, older servers).
ALIASES = {
    "application/xml": "xml",
    "text/xml": "xml",
    "application/x-turtle": "ttl",
    "text/plain": "nt",
}


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
    by_media_type = {rep.media_type: rep for rep in reversed(available)}
    for alias, key in ALIASES.items():
        match = next((rep for rep in available if rep.key == key), None)
        if match is not None:
            by_media_type.setdefault(alias, match)
    chosen = negotiate(accept, [rep.media_type for rep in available] + list(ALIASES))
    if chosen is None or chosen not in by_media_type:
        raise ApiError(
            406,
            f"none of the accepted types ({accept}) can be produced; available: "
            + ", ".join(rep.media_type for rep in available),
        )
    return by_media_type[chosen]


class NamedQueryApi:
    """Runs named queries for HTTP requests, with the result cache and the OpenAPI details."""

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
        self.cache = ResultCache(settings.cache_entries, settings.cache_megabytes * 1024 * 1024)
        self.examples: dict[str, Any] = {}
        self.warmed = False

    # ---- HTTP ----

    async def listing(self, request: Request) -> Response:
        """``GET /api/queries``: every query with its parameters and where to run it."""
        accept = request.headers.get("accept")
        try:
            public = public_base(request, self.settings.trusted_proxies)
        except BadHost as e:
            return error_response(400, str(e), accept)
        body = [self.describe(q, public) for q in self.queries.values()]
        tag = etag(self.build.build_id, "api-listing", public)
        headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}"}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
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
            "parameters": [_describe_parameter(p) for p in query.parameters],
            "formats": {rep.key: rep.media_type for rep in representations(query.returns_graph)},
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
        tag = etag(build_id, query.name, text, rep.key, rep.media_type)
        headers = {
            "ETag": tag,
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "Vary": "Accept",
        }
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        cached = self.cache.get(build_id, text, rep.key)
        headers["X-Cache"] = "hit" if cached is not None else "miss"
        if cached is None:
            try:
                cached = await self.execute(query, text, rep)
            except ApiError as e:
                return error_response(e.status, e.message, accept, e.details)
            self.cache.put(build_id, text, rep.key, response=cached)
        if query.pagination:
            headers["Link"] = _page_links(request, public, query, page or 1, cached.rows)
        return Response(
            cached.body, media_type=rep.content_type, headers={**headers, **cached.headers}
        )

    async def execute(self, query: NamedQuery, text: str, rep: Representation) -> CachedResponse:
        """Run a prepared query and produce the response body (ApiError if it fails)."""
        cap = self.settings.max_rows
        if query.pagination:
            cap = min(cap, query.pagination) if cap else query.pagination
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
        headers: dict[str, str] = {}
        body, counted = rep.finish(body, self.context)
        rows = outcome.rows if counted is None else counted
        if outcome.truncated and not query.pagination:
            headers["X-SPARQL-MaxRows"] = str(cap)
            headers["X-Result-Truncated"] = f"true; only the first {cap} rows were returned"
        return CachedResponse(body, rep.content_type, headers, rows)

    # ---- start-up: examples for the OpenAPI document, and a warm cache ----

    async def warm(self) -> None:
        """Run every query with its defaults once: the results become the examples of the
        API reference, and the first requests for the defaults are answered from the cache."""
        for query in self.queries.values():
            rep = representations(query.returns_graph)[0]
            try:
                text = query.prepare({}, self.settings.base_iri)
                response = await self.execute(query, text, rep)
            except (ParameterError, ApiError):
                continue  # a required parameter without default, or the engine failed
            self.cache.put(self.build.build_id, text, rep.key, response=response)
            self.examples[query.name] = json.loads(response.body)
        self.warmed = True

    def document(self, schema: dict[str, Any]) -> None:
        """Add each query's example response and row schema to the OpenAPI document."""
        for name, example in self.examples.items():
            operation = schema["paths"].get(f"{PREFIX}/{name}", {}).get("get")
            if operation is None:
                continue
            content = operation["responses"]["200"]["content"]
            query = self.queries[name]
            first = content["application/json"]
            if query.returns_graph:
                first["example"] = example
            else:
                first["example"] = example[:3]
                first["schema"] = _rows_schema(query, example)

    # ---- routes ----

    def install(self, app: FastAPI) -> None:
        """Add the listing, one operation per query, and the OpenAPI document with examples."""
        app.add_api_route(
            PREFIX,
            self.listing,
            methods=["GET"],
            summary="The named queries, with their parameters",
            tags=["named queries"],
            response_class=Response,
            openapi_extra={"responses": {"200": _listing_response(), "304": _NOT_MODIFIED}},
        )
        for query in self.queries.values():
            app.add_api_route(
                f"{PREFIX}/{query.name}",
                self._endpoint(query),
                methods=["GET"],
                name=f"query:{query.name}",
                summary=query.summary,
                description=_operation_description(query),
                tags=[query.tags[0] if query.tags else "named queries"],
                operation_id=f"run_{query.name.replace('-', '_')}",
                response_class=Response,
                openapi_extra=self._operation(query),
            )
            app.add_api_route(
                f"{PREFIX}/{query.name}",
                self._endpoint(query),
                methods=["HEAD"],
                include_in_schema=False,
            )

        async def unknown(request: Request, name: str) -> Response:
            known = ", ".join(self.queries) or "none"
            return error_response(
                404, f"no named query {name!r}; known: {known}", request.headers.get("accept")
            )

        app.add_api_route(
            f"{PREFIX}/{{name}}", unknown, methods=["GET", "HEAD"], include_in_schema=False
        )

        def openapi() -> dict[str, Any]:
            if app.openapi_schema:
                return app.openapi_schema
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=_tags(self.queries.values()),
            )
            self.document(schema)
            if self.warmed:  # keep it only once the examples are in
                app.openapi_schema = schema
            return schema

        app.openapi = openapi  # type: ignore[method-assign]

    def _endpoint(self, query: NamedQuery) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        async def endpoint(request: Request) -> Response:
            return await self.run(request, query)

        return endpoint

    def _operation(self, query: NamedQuery) -> dict[str, Any]:
        parameters = [_openapi_parameter(p) for p in query.parameters]
        if query.pagination:
            parameters.append(
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": f"Page of {query.pagination} results, from 1. The Link "
                    'header has rel="next" while a page is full.',
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
                }
            )
        reps = representations(query.returns_graph)
        parameters.append(
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "Result format; overrides the Accept header. "
                + ", ".join(f"{r.key}: {r.media_type}" for r in reps),
                "schema": {"type": "string", "enum": [r.key for r in reps]},
            }
        )
        content: dict[str, Any] = {}
        for rep in reps:
            if rep.media_type.endswith("json"):
                content[rep.media_type] = {
                    "schema": {"type": "object"}
                    if rep.convert != "rows"
                    else {"type": "array", "items": {"type": "object"}}
                }
            else:
                content[rep.media_type] = {"schema": {"type": "string"}}
        headers = {
            "ETag": {"description": "Changes with the build.", "schema": {"type": "string"}},
        }
        if query.pagination:
            headers["Link"] = {
                "description": 'rel="first", "prev" and "next" pages.',
                "schema": {"type": "string"},
            }
        return {
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The results; a plain list of rows as application/json"
                    if not query.returns_graph
                    else "The graph; JSON-LD compacted with the published context as JSON",
                    "headers": headers,
                    "content": content,
                },
                "304": _NOT_MODIFIED,
                "404": _error("No such query (a name outside this document)."),
                "406": _error("None of the accepted media types can be produced."),
                "422": _error(
                    "A parameter value that does not fit: the body names it and says why.",
                    parameter=True,
                ),
                "503": _error("The query ran past the time limit, or its result is too large."),
            },
        }


def _arguments(
    request: Request, query: NamedQuery
) -> tuple[dict[str, str], int | None, str | None]:
    """Parameter values, page and format from the query string (each at most once)."""
    given: dict[str, str] = {}
    page: int | None = None
    requested: str | None = None
    seen: set[str] = set()
    for key, value in request.query_params.multi_items():
        if key in seen:
            raise ParameterError(key, "is given more than once")
        seen.add(key)
        if key == "format":
            requested = value
        elif key == "page":
            if not query.pagination:
                raise ParameterError("page", f"{query.name} returns all its results at once")
            if not value.isdigit() or len(value) > 6:
                raise ParameterError("page", f"must be a whole number from 1 to {MAX_PAGE}")
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
    if rows is not None and rows >= (query.pagination or 0) and page < MAX_PAGE:
        links.append(link(page + 1, "next"))
    return ", ".join(links)


def _describe_parameter(p: Parameter) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": p.name,
        "type": p.type,
        "required": p.required,
        "description": p.description,
    }
    for key in ("default", "example", "pattern", "minimum", "maximum"):
        if getattr(p, key) is not None:
            described[key] = getattr(p, key)
    if p.values:
        described["values"] = list(p.values)
    return described


def _openapi_parameter(p: Parameter) -> dict[str, Any]:
    schema: dict[str, Any]
    if p.values:
        schema = {"type": "string", "enum": list(p.values)}
    elif p.type == "integer":
        schema = {"type": "integer"}
    elif p.type == "decimal":
        schema = {"type": "number"}
    elif p.type == "boolean":
        schema = {"type": "boolean"}
    elif p.type == "date":
        schema = {"type": "string", "format": "date"}
    elif p.type == "iri":
        schema = {"type": "string", "format": "iri-reference"}
    else:
        schema = {"type": "string", "maxLength": MAX_STRING}
    if p.type in ("integer", "decimal") and not p.values:
        schema["minimum"] = p.minimum if p.minimum is not None else -LARGEST_NUMBER
        schema["maximum"] = p.maximum if p.maximum is not None else LARGEST_NUMBER
    if p.pattern and not p.values:
        schema["pattern"] = p.pattern
    if p.default is not None:
        schema["default"] = _typed(p, p.default)
    described: dict[str, Any] = {
        "name": p.name,
        "in": "query",
        "required": p.required,
        "description": p.description
        + (" An IRI, or a path relative to the base IRI." if p.type == "iri" else ""),
        "schema": schema,
    }
    if p.example is not None:
        described["example"] = _typed(p, p.example)
    return described


def _typed(p: Parameter, value: str) -> Any:
    """A default or example as the JSON type its schema says."""
    if p.values:
        return value
    if p.type == "integer":
        return int(value)
    if p.type == "decimal":
        return float(value)
    if p.type == "boolean":
        return value.lower() in ("true", "1")
    return value


def _rows_schema(query: NamedQuery, example: list[dict[str, Any]]) -> dict[str, Any]:
    """The row schema, with each column's JSON type as the default run shows it."""
    properties: dict[str, Any] = {}
    for variable in query.variables:
        kinds = {_json_type(row[variable]) for row in example if variable in row}
        if kinds == {"integer", "number"}:
            kinds = {"number"}
        properties[variable] = {"type": kinds.pop()} if len(kinds) == 1 else {}
    return {"type": "array", "items": {"type": "object", "properties": properties}}


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _operation_description(query: NamedQuery) -> str:
    parts = [query.description] if query.description else []
    parts.append(f"`queries/{query.path.name}`:\n\n```sparql\n{query.text.strip()}\n```")
    return "\n\n".join(parts)


def _tags(queries: Any) -> list[dict[str, str]]:
    names = sorted({q.tags[0] if q.tags else "named queries" for q in queries})
    return [{"name": "named queries", "description": "The queries of queries/."}] + [
        {"name": n} for n in names if n != "named queries"
    ]


def _error(description: str, parameter: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "status": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
    }
    if parameter:
        properties["parameter"] = {"type": "string"}
        properties["reason"] = {"type": "string"}
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": ["status", "error", "message"],
                }
            },
            "text/plain": {"schema": {"type": "string"}},
        },
    }


def _listing_response() -> dict[str, Any]:
    return {
        "description": "Every named query: name, summary, parameters, formats and its SPARQL.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "summary": {"type": "string"},
                            "url": {"type": "string", "format": "uri"},
                            "returns": {"type": "string", "enum": ["rows", "graph"]},
                            "parameters": {"type": "array", "items": {"type": "object"}},
                            "sparql": {"type": "string"},
                        },
                        "required": ["name", "summary", "url", "returns", "parameters"],
                    },
                }
            }
        },
    }


_NOT_MODIFIED = {"description": "The client's copy (If-None-Match) is current."}
