"""The FastAPI application: the SPARQL endpoint and its query page, the named-query API and
its reference (/docs), the linked-data site, static files and health."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from functools import lru_cache

import pyoxigraph as ox
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

from projectgraph import __version__
from projectgraph.publish.manifest import CONTEXT, VOID_FILE
from projectgraph.rdf.formats import Format
from projectgraph.settings import Settings
from projectgraph.sparql.named import load_queries
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.store.pool import WorkerPool
from projectgraph.web.api import NamedQueryApi
from projectgraph.web.caching import CompressExceptDumps
from projectgraph.web.hardening import AllowedHosts, HardeningHeaders
from projectgraph.web.harvest import Harvest
from projectgraph.web.observe import CONTENT_TYPE as METRICS_TYPE
from projectgraph.web.observe import Metrics, Observe
from projectgraph.web.pages import STATIC, render
from projectgraph.web.ratelimit import RateLimit
from projectgraph.web.resources import Site, handle
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
EXPOSED_HEADERS = [
    "X-SPARQL-MaxRows",
    "X-Result-Truncated",
    "Content-Location",
    "Link",
    "ETag",
    "X-Cache",
    "Retry-After",
]

LINKED_DATA_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The document, in the format the Accept header chose."},
    303: {"description": "See Other: the page or data document of the resource."},
    304: {"description": "Not Modified: the client's copy (If-None-Match) is current."},
    400: {"description": "A bad Host or forwarded header."},
    404: {"description": "Nothing here (the error as JSON or text by Accept)."},
    406: {"description": "No format the client accepts."},
    429: {"description": "Too many requests from this client (Retry-After)."},
    503: {"description": "The store did not answer in time, or is down (Retry-After)."},
}

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
            "schema": {
                "type": "array",
                "items": {"type": "string", "format": "iri", "minLength": 1},
            },
            "description": "Graphs whose merge is the default graph (replaces FROM).",
        },
        {
            "name": "named-graph-uri",
            "in": "query",
            "schema": {
                "type": "array",
                "items": {"type": "string", "format": "iri", "minLength": 1},
            },
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
    },
}

SPARQL_POST_DOC = {
    "parameters": SPARQL_DOC["parameters"][1:],
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
    "responses": SPARQL_DOC["responses"],
}


def create_app(
    settings: Settings, engine: QueryEngine, build: ServedBuild, metrics: Metrics | None = None
) -> FastAPI:
    """The application serving ``build`` through ``engine``; ``metrics`` may be shared by the
    apps a server switches between (the switch points it at the new engine and build)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        # In the background: the server answers at once, the API reference gets its examples
        # as soon as the named queries have run.
        warming = asyncio.create_task(api.warm())
        app.state.warming = warming  # a switch to this build waits for it
        try:
            yield
        finally:
            warming.cancel()
            await engine.stop()

    app = FastAPI(
        title="projectgraph",
        version=__version__,
        description="EU-funded cooperation projects as linked data: a read-only SPARQL "
        "endpoint (`/sparql`) and named queries (`/api/queries`) over the same graph.",
        lifespan=lifespan,
        openapi_url=None,  # served by the named-query API, with this server in "servers"
        docs_url=None,
        redoc_url=None,
    )
    examples = load_queries(settings.queries_dir)
    metadata = [
        q.triple for q in ox.parse(path=build.folder / VOID_FILE, format=ox.RdfFormat.TURTLE)
    ]
    context = json.loads((build.folder / CONTEXT).read_text(encoding="utf-8"))["@context"]
    site = Site(settings, engine, build, metadata, context)
    harvest = Harvest(site)
    api = NamedQueryApi(settings, engine, build, examples, context)

    def endpoint_url(request: Request) -> str:
        return str(request.url_for("sparql"))

    def page(request: Request, query: str | None) -> Response:
        graphs = build.manifest.get("graphs", {})
        urls = site.urls(request)
        html = render(
            "sparql.html",
            **site.page_context(request, urls),
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
        triples = describe_service(endpoint, build, settings)
        return ox.serialize(triples, format=fmt.ox_format, prefixes=PREFIXES)

    def description(request: Request, fmt: Format, media_type: str) -> Response:
        body = description_bytes(endpoint_url(request), fmt)
        return Response(body, media_type=fmt.content_type(media_type), headers={"Vary": "Accept"})

    served_build = {"build_id": build.build_id, "triples": str(build.manifest.get("triples"))}
    if metrics is None:
        metrics = Metrics(engine.health, served_build)
    if isinstance(engine, WorkerPool):
        engine.observe = metrics.query_seconds.observe
    sparql = SparqlEndpoint(settings, engine, page, description, metrics)
    for path in ("/sparql", "/sparql/"):
        for method in ("GET", "POST"):
            app.add_api_route(
                path,
                sparql,
                methods=[method],
                name="sparql" if path == "/sparql" else None,
                summary=f"SPARQL 1.1 query ({method})",
                operation_id=f"sparql_{method.lower()}",
                tags=["SPARQL"],
                openapi_extra=SPARQL_DOC if method == "GET" else SPARQL_POST_DOC,
                include_in_schema=path == "/sparql",
                response_class=Response,
            )

    async def sparql_options(request: Request) -> Response:
        return Response(status_code=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})

    for path in ("/sparql", "/sparql/"):
        app.add_api_route(path, sparql_options, methods=["OPTIONS"], include_in_schema=False)

    def route(
        path: str,
        owner: object,
        handler: str,
        summary: str | None = None,
        route_name: str | None = None,
        examples: dict[str, str] | None = None,
        **fixed: str,
    ) -> None:
        """A GET/HEAD route; with a ``summary`` it is in the OpenAPI document too, with
        ``examples`` of its path parameters."""
        examples = examples or {}

        async def endpoint(request: Request) -> Response:
            return await handle(owner, handler, request, **fixed, **request.path_params)

        # GET first: a 405 names the methods of the first route that matched the path.
        app.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            include_in_schema=summary is not None,
            name=route_name,
            summary=summary,
            tags=["linked data"],
            operation_id="get_" + (re.sub(r"\W+", "_", path).strip("_") or "home"),
            response_class=Response,
            responses=LINKED_DATA_RESPONSES,
            openapi_extra={
                "parameters": [
                    {
                        "name": name,
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        **({"example": examples[name]} if name in examples else {}),
                    }
                    for name in re.findall(r"{(\w+)}", path)
                ]
            },
        )
        app.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)

    api.install(app)

    route("/", harvest, "home", "The home page: the dataset (HTML, schema.org JSON-LD)", "root")
    project = {"kind": "project", "slug": "clusters3"}
    route("/id/{kind}/{slug}", site, "dereference", "A resource's IRI: 303 to its page or data",
          examples=project)  # fmt: skip
    route("/page/{kind}/{slug}", site, "page", "A resource's HTML page", examples=project)
    route("/data/{kind}/{file}", site, "data", "A resource's data (.ttl, .jsonld, .nt, .rdf)",
          examples={"kind": "project", "file": "clusters3.ttl"})  # fmt: skip
    route("/embed/{kind}/{file}", site, "embed", "A resource as schema.org JSON-LD to embed",
          examples={"kind": "project", "file": "clusters3.jsonld"})  # fmt: skip
    route("/browse/{kind}", site, "browse", "The resources of a kind, by page",
          examples={"kind": "project"})  # fmt: skip
    route("/ontology", site, "ontology", "The ontology (HTML or RDF by Accept)")
    route("/ontology{extension:path}", site, "ontology")
    route("/.well-known/void", harvest, "void", "VoID and DCAT-AP description")
    route("/catalog", harvest, "catalog", "The DCAT-AP catalogue page")
    route("/dumps/{name}", harvest, "dump", "A dump of the graph",
          examples={"name": "projectgraph.ttl"})  # fmt: skip
    route("/context.jsonld", harvest, "dump", "The JSON-LD context", name="context.jsonld")
    route("/sitemap.xml", harvest, "sitemap", "The sitemap (index)")
    route("/sitemap-{number:int}.xml", harvest, "sitemap")
    route("/robots.txt", harvest, "robots", "robots.txt")

    @app.get(
        "/health",
        summary="Liveness, the store, and the build being served",
        responses={503: {"description": "No query worker or the store answers."}},
    )
    async def health() -> JSONResponse:
        store_error = await engine.probe()
        status = engine.health()
        alive, wanted = int(status["workers_alive"]), int(status["workers"])  # type: ignore[call-overload]
        state = "ok" if alive >= wanted else ("degraded" if alive else "down")
        if store_error is not None:
            state = "down"  # the workers are up, but what they ask does not answer
        body = {
            "status": state,  # degraded: some workers are being replaced; down: none answer
            "store": {
                "reachable": bool(status.get("store_reachable", store_error is None)),
                "holds_build": bool(status.get("store_holds_build", True)),
                "error": store_error,
            },
            "build_id": build.build_id,
            "triples": build.manifest.get("triples"),
            "engine": status,
            "named_queries": {"count": len(api.queries), "examples_ready": api.warmed},
            "query_cache": api.cache.stats(),
        }
        return JSONResponse(body, status_code=503 if state == "down" else 200)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=METRICS_TYPE)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(CompressExceptDumps, minimum_size=1024)
    app.add_middleware(
        RateLimit,
        rate=settings.rate_limit,
        burst=settings.rate_burst,
        trusted_proxies=settings.trusted_proxies,
        loopback=settings.rate_limit_loopback,
        on_limited=lambda: metrics.reject(429),
    )
    if settings.allowed_hosts:
        app.add_middleware(
            AllowedHosts,
            patterns=settings.allowed_hosts,
            trusted_proxies=settings.trusted_proxies,
        )
    app.add_middleware(HardeningHeaders, retry_after=settings.retry_after)
    app.add_middleware(Observe, metrics=metrics, log=settings.access_log)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=86_400,
    )
    return app
