"""The FastAPI application: the SPARQL endpoint, its query page, static files and health."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import lru_cache

import pyoxigraph as ox
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from projectgraph import __version__
from projectgraph.formats import Format
from projectgraph.queries import load_queries
from projectgraph.settings import Settings
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.web.pages import STATIC, render
from projectgraph.web.service_description import PREFIXES, describe_service
from projectgraph.web.sparql import SparqlEndpoint

DEFAULT_QUERY = """PREFIX eurio: <http://data.europa.eu/s66#>
SELECT ?project ?acronym ?title WHERE {
  ?project a eurio:Project ;
           eurio:hasAcronym/eurio:shortForm ?acronym ;
           eurio:title ?title .
}
LIMIT 100
"""
EXPOSED_HEADERS = ["X-SPARQL-MaxRows", "X-Result-Truncated", "Content-Location", "Link"]

SPARQL_DOC = {
    "parameters": [
        {
            "name": "query",
            "in": "query",
            "schema": {"type": "string"},
            "description": "A SPARQL 1.1 query.",
        },
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "description": "Graphs whose merge is the default graph (replaces FROM).",
        },
        {
            "name": "named-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
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
    ],
    "responses": {
        "200": {
            "description": "Results (SELECT/ASK) or a graph (CONSTRUCT/DESCRIBE); without a query, "
            "the service description."
        },
        "400": {"description": "Malformed query, with the parser's message and position."},
        "403": {"description": "SPARQL Update or SERVICE: the endpoint is read-only."},
        "406": {"description": "No acceptable result format."},
        "413": {"description": "Query or body too long."},
        "415": {"description": "Unsupported request body type."},
        "503": {"description": "The query ran past the time limit and was stopped."},
    },
}


def create_app(settings: Settings, engine: QueryEngine, build: ServedBuild) -> FastAPI:
    """The application serving ``build`` through ``engine``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    app = FastAPI(
        title="projectgraph",
        version=__version__,
        description="EU-funded cooperation projects as linked data: a read-only SPARQL endpoint.",
        lifespan=lifespan,
    )
    examples = load_queries(settings.queries_dir)

    def endpoint_url(request: Request) -> str:
        return str(request.url_for("sparql"))

    def page(request: Request, query: str | None) -> Response:
        graphs = build.manifest.get("graphs", {})
        html = render(
            "sparql.html",
            title=settings.dataset.title,
            root=str(request.url_for("root")),
            static=str(request.url_for("static", path="")).rstrip("/"),
            endpoint=endpoint_url(request),
            build_id=build.build_id,
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
        triples = describe_service(endpoint, build, settings)
        return ox.serialize(triples, format=fmt.ox_format, prefixes=PREFIXES)

    def description(request: Request, fmt: Format, media_type: str) -> Response:
        body = description_bytes(endpoint_url(request), fmt)
        return Response(body, media_type=fmt.content_type(media_type), headers={"Vary": "Accept"})

    sparql = SparqlEndpoint(settings, engine, page, description)
    for path in ("/sparql", "/sparql/"):
        app.add_api_route(
            path,
            sparql,
            methods=["GET", "POST"],
            name="sparql" if path == "/sparql" else None,
            summary="SPARQL 1.1 query endpoint",
            openapi_extra=SPARQL_DOC,
            include_in_schema=path == "/sparql",
            response_class=Response,
        )

    @app.get("/", name="root", include_in_schema=False)
    async def root(request: Request) -> Response:
        return RedirectResponse(str(request.url_for("sparql")), status_code=303)

    @app.get("/health", summary="Liveness and the build being served")
    async def health() -> JSONResponse:
        status = engine.health()
        alive = bool(status.get("workers_alive"))
        body = {
            "status": "ok" if alive else "degraded",
            "build_id": build.build_id,
            "triples": build.manifest.get("triples"),
            "engine": status,
        }
        return JSONResponse(body, status_code=200 if alive else 503)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=86_400,
    )
    return app
