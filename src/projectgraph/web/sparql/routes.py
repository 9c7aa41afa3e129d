"""``/sparql``: the SPARQL 1.1 Protocol endpoint (:mod:`projectgraph.web.sparql.endpoint`), its
service description (a GET without a query) and the query page (for browsers)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from projectgraph.rdf.formats import Format
from projectgraph.settings import Settings
from projectgraph.sparql.named import NamedQuery
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.web.linked_data.site import Site
from projectgraph.web.metrics import Metrics
from projectgraph.web.pages import render
from projectgraph.web.sparql.endpoint import SparqlEndpoint
from projectgraph.web.sparql.service_description import PREFIXES, describe_service

DEFAULT_QUERY = """PREFIX eurio: <http://data.europa.eu/s66#>
SELECT ?project ?acronym ?title WHERE {
  ?project a eurio:Project ;
           eurio:hasAcronym/eurio:shortForm ?acronym ;
           eurio:title ?title .
}
LIMIT 100
"""
PATHS = ("/sparql", "/sparql/")  # the first is the one named in links and the API reference

PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "query",
        "in": "query",
        "schema": {"type": "string"},
        "description": "A SPARQL 1.1 query.",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string", "format": "iri", "minLength": 1}},
        "description": "Graphs whose merge is the default graph (replaces FROM).",
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "schema": {"type": "array", "items": {"type": "string", "format": "iri", "minLength": 1}},
        "description": "Graphs available to GRAPH (replaces FROM NAMED).",
    },
    {
        "name": "format",
        "in": "query",
        "schema": {
            "type": "string",
            "enum": ["json", "xml", "csv", "tsv", "ttl", "jsonld", "nt", "rdf", "nq", "trig"],
        },
        "description": "Result format; overrides the Accept header.",
    },
]
RESPONSES: dict[str, Any] = {
    "200": {
        "description": "Results (SELECT/ASK) or a graph (CONSTRUCT/DESCRIBE); without a query, "
        "the service description."
    },
    "400": {"description": "Malformed query, with the parser's message and position."},
    "403": {
        "description": "SPARQL Update, LOAD, SERVICE to an endpoint not in service_allow, "
        "or a store's own functions: the endpoint is read-only."
    },
    "406": {"description": "No acceptable result format."},
    "413": {"description": "Query or body too long."},
    "415": {"description": "Unsupported request body type."},
    "502": {"description": "The remote store, or an allowed SERVICE endpoint, failed."},
    "503": {
        "description": "The query ran past the time limit and was stopped, or every worker "
        "is busy, or the store no longer holds the build (with Retry-After)."
    },
    "504": {"description": "The remote store did not answer in time."},
}
GET_DOC = {"parameters": PARAMETERS, "responses": RESPONSES}
POST_DOC = {
    "parameters": PARAMETERS[1:],  # the query is in the body
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"],
                }
            },
            "application/sparql-query": {"schema": {"type": "string"}},
        },
    },
    "responses": RESPONSES,
}


class PlainRoute(APIRoute):
    """A route whose endpoint takes the request and returns a Response itself, as the
    protocol endpoint does: it has no parameters, dependencies or response model for FastAPI
    to resolve per request, so FastAPI's handler (which does that) is left out. The route
    keeps its place in the OpenAPI document. Measured on the point query: 40 us less server
    time a request of about 600."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint


def sparql_router(
    settings: Settings,
    engine: QueryEngine,
    build: ServedBuild,
    site: Site,
    examples: list[NamedQuery],
    metrics: Metrics | None = None,
) -> APIRouter:
    """The endpoint over ``engine``; its page shows ``examples`` and the size of ``build``;
    refused queries are counted in ``metrics``."""

    def endpoint_url(request: Request) -> str:
        return str(request.url_for("sparql"))

    def page(request: Request, query: str | None) -> Response:
        graphs = build.manifest.get("graphs", {})
        html = render(
            "sparql.html",
            **site.page_context(request, site.urls(request)),
            endpoint=endpoint_url(request),
            triples=build.manifest.get("triples"),
            graphs=len(graphs) if isinstance(graphs, dict) else 0,
            timeout=f"{settings.query_timeout:g}",
            max_rows=settings.max_rows,
            examples=examples,
            query=query,
            default_query=DEFAULT_QUERY,
        )
        return HTMLResponse(html, headers={"Vary": "Accept"})

    @lru_cache(maxsize=64)
    def description_bytes(endpoint: str, fmt: Format) -> bytes:
        assert isinstance(fmt.ox_format, ox.RdfFormat)  # a description is a graph
        triples = describe_service(endpoint, build, settings)
        body = ox.serialize(triples, format=fmt.ox_format, prefixes=PREFIXES)
        assert body is not None  # without an output file, serialize returns the bytes
        return body

    def description(request: Request, fmt: Format, media_type: str) -> Response:
        body = description_bytes(endpoint_url(request), fmt)
        return Response(body, media_type=fmt.content_type(media_type), headers={"Vary": "Accept"})

    async def options(request: Request) -> Response:
        return Response(status_code=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})

    router = APIRouter(route_class=PlainRoute)
    sparql = SparqlEndpoint(settings, engine, page, description, metrics)
    for path in PATHS:
        for method in ("GET", "POST"):
            router.add_api_route(
                path,
                sparql,
                methods=[method],
                name="sparql" if path == PATHS[0] else None,
                summary=f"SPARQL 1.1 query ({method})",
                operation_id=f"sparql_{method.lower()}",
                tags=["SPARQL"],
                openapi_extra=GET_DOC if method == "GET" else POST_DOC,
                include_in_schema=path == PATHS[0],
                response_class=Response,
            )
    for path in PATHS:
        router.add_api_route(path, options, methods=["OPTIONS"], include_in_schema=False)
    return router
