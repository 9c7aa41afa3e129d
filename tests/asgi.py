"""Routers driven in-process: one real engine over a build's embedded Oxigraph store, and
requests through ``httpx.ASGITransport`` to a bare FastAPI app holding one router."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import APIRouter, FastAPI

from projectgraph.publish.manifest import CONTEXT, read_manifest
from projectgraph.settings import Settings
from projectgraph.sparql.named import load_queries
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild, store_spec
from projectgraph.store.pool import WorkerPool
from projectgraph.web.api.operations import NamedQueryApi
from projectgraph.web.app import build_metadata
from projectgraph.web.harvest.dataset import Harvest
from projectgraph.web.linked_data.site import Site
from projectgraph.web.metrics import Metrics

T = TypeVar("T")
BASE_URL = "http://testserver"  # what the bare apps answer as (their public base)


class Served:
    """A build served in this process: its engine (one worker on the embedded store, started
    on an event loop of its own) and the objects the routers are made from."""

    def __init__(self, settings: Settings, dist: Path) -> None:
        folder = dist.resolve()
        manifest = read_manifest(folder)
        assert manifest is not None, f"{folder}: no build"
        self.settings = settings
        self.build = ServedBuild(folder=folder, manifest=manifest)
        self.engine = WorkerPool(store_spec(self.build, None)[0], 1)
        self.context = json.loads((folder / CONTEXT).read_text(encoding="utf-8"))["@context"]
        self.queries = load_queries(settings.queries_dir)
        self.metrics = Metrics(self.engine.health, {"build_id": self.build.build_id})
        self.loop = asyncio.Runner()
        self.run(self.engine.start())

    def site(self, engine: QueryEngine | None = None) -> Site:
        """A new site (its caches empty) over ``engine``, by default the real one."""
        metadata = build_metadata(self.build)
        return Site(self.settings, engine or self.engine, self.build, metadata, self.context)

    def harvest(self) -> Harvest:
        return Harvest(self.site())

    def api(self) -> NamedQueryApi:
        """A new named-query API (its result cache empty, its examples not run)."""
        return NamedQueryApi(self.settings, self.engine, self.build, self.queries, self.context)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the engine's event loop."""
        return self.loop.run(coroutine)

    def close(self) -> None:
        self.run(self.engine.stop())
        self.loop.close()


def bare(*routers: APIRouter) -> FastAPI:
    """An app with nothing but ``routers``: no middleware, no static files, no lifespan."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for router in routers:
        app.include_router(router)
    return app


class Client:
    """Requests to one app, run on the engine's loop, in this thread."""

    def __init__(self, served: Served, app: FastAPI) -> None:
        self.served = served
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                return await client.request(method, path, **kwargs)

        return self.served.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)
