"""``/health`` (liveness, the store, the build served) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.web.api.operations import NamedQueryApi
from projectgraph.web.metrics import CONTENT_TYPE, Metrics


def health_router(
    engine: QueryEngine, build: ServedBuild, api: NamedQueryApi, metrics: Metrics
) -> APIRouter:
    """How ``engine`` serving ``build`` is doing, and the named queries' warm-up and cache."""
    router = APIRouter()

    @router.get(
        "/health",
        summary="Liveness, the store, and the build being served",
        responses={503: {"description": "No query worker or the store answers."}},
    )
    async def health() -> JSONResponse:
        store_error = await engine.probe()
        status = engine.health()
        alive, wanted = _count(status["workers_alive"]), _count(status["workers"])
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

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    return router


def _count(value: object) -> int:
    """A number of workers from the engine's health report."""
    if not isinstance(value, int | float | str):
        raise TypeError(f"not a count: {value!r}")
    return int(value)
