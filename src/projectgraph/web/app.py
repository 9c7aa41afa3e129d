"""The FastAPI application: the routers of each part of the site (``web/sparql/``,
``web/api/``, ``web/linked_data/``, ``web/harvest/``, ``web/health.py``) over one served build,
its static files, and the middleware of :mod:`projectgraph.web.middleware`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pyoxigraph as ox
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from projectgraph import __version__
from projectgraph.publish.manifest import CONTEXT, VOID_FILE
from projectgraph.settings import Settings
from projectgraph.sparql.named import load_queries
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.store.pool import WorkerPool
from projectgraph.web.api.operations import NamedQueryApi
from projectgraph.web.api.routes import api_router
from projectgraph.web.harvest.dataset import Harvest
from projectgraph.web.harvest.routes import harvest_router, home_router
from projectgraph.web.health import health_router
from projectgraph.web.linked_data.routes import linked_data_router
from projectgraph.web.linked_data.site import Site
from projectgraph.web.metrics import Metrics
from projectgraph.web.middleware import add_middleware
from projectgraph.web.pages import STATIC
from projectgraph.web.search.index import SearchIndex
from projectgraph.web.search.routes import Search, search_router
from projectgraph.web.sparql.routes import sparql_router

TITLE = "projectgraph"
DESCRIPTION = (
    "EU-funded cooperation projects as linked data: a read-only SPARQL endpoint (`/sparql`) "
    "and named queries (`/api/queries`) over the same graph."
)


def create_app(
    settings: Settings, engine: QueryEngine, build: ServedBuild, metrics: Metrics | None = None
) -> FastAPI:
    """The application serving ``build`` through ``engine``; ``metrics`` may be shared by the
    apps a server switches between (the switch points it at the new engine and build)."""
    context = json.loads((build.folder / CONTEXT).read_text(encoding="utf-8"))["@context"]
    site = Site(settings, engine, build, build_metadata(build), context)
    examples = load_queries(settings.queries_dir)
    api = NamedQueryApi(settings, engine, build, examples, context)
    site.answers = api  # the maps and charts of pages draw from the named queries' answers
    if metrics is None:
        served = {"build_id": build.build_id, "triples": str(build.manifest.get("triples"))}
        metrics = Metrics(engine.health, served)
    if isinstance(engine, WorkerPool):
        engine.observe = metrics.query_seconds.observe

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
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # served by the API router, with this server in "servers"
        docs_url=None,
        redoc_url=None,
    )
    # In this order, which is the order of the OpenAPI document.
    app.include_router(sparql_router(settings, engine, build, site, examples, metrics))
    app.include_router(api_router(api))
    harvest = Harvest(site)
    site.history = harvest.history  # pages and data documents say when they last changed
    app.include_router(home_router(harvest))
    app.include_router(linked_data_router(site))
    app.include_router(search_router(Search(site, SearchIndex.open(build.folder), no_index(build))))
    app.include_router(harvest_router(harvest))
    app.include_router(health_router(engine, build, api, metrics))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_middleware(app, settings, metrics)
    return app


def no_index(build: ServedBuild) -> str:
    """Why ``build`` has no search index, should it have none (its manifest says)."""
    answers = build.manifest.get("answers")
    search = answers.get("search") if isinstance(answers, dict) else None
    if isinstance(search, dict) and search.get("reason"):
        return str(search["reason"])
    return "it was made by an older projectgraph; build again"


def build_metadata(build: ServedBuild) -> list[ox.Triple]:
    """The VoID/DCAT description of ``build`` (its dataset, catalogue and distributions)."""
    return [q.triple for q in ox.parse(path=build.folder / VOID_FILE, format=ox.RdfFormat.TURTLE)]
