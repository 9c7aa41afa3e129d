"""``projectgraph serve``: make sure a good build exists, prepare its store, run the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from projectgraph.errors import ProjectGraphError
from projectgraph.pipeline.current import SERVED_FILES
from projectgraph.publish.manifest import read_manifest
from projectgraph.serve.registry import registered
from projectgraph.settings import Settings
from projectgraph.store.loading import ServedBuild
from projectgraph.store.pool import QueryAborted, StoreSpec, WorkerPool

if TYPE_CHECKING:
    from projectgraph.serve.switch import Generation
    from projectgraph.web.metrics import Metrics


class _AbortedQueries(logging.Filter):
    """A query that fails after its first bytes were sent can only abort the transfer, which
    uvicorn logs as an application error with a traceback; say it in one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, QueryAborted):
            record.msg, record.args, record.exc_info = (
                "query stopped mid-stream: %s",
                (error,),
                None,
            )
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def run(
    settings: Settings, served: ServedBuild, say: Callable[[str], None], log_level: str = "info"
) -> None:
    """Serve ``served`` until interrupted (uvicorn on settings.host:settings.port), from the
    embedded store or, with a store URL, from the build's version graph in that store. On
    SIGHUP the server switches to the build ``dist`` points at then (see serve.switch)."""
    import uvicorn

    from projectgraph.serve.switch import Switcher
    from projectgraph.web.metrics import Metrics

    metrics = Metrics(dict, {})
    first = generation(settings, served, metrics)
    say(
        f"serving build {served.build_id} ({served.manifest['triples']} triples, "
        f"{first.description}) on http://{settings.host}:{settings.port}/sparql"
    )

    async def next_generation() -> Generation | None:
        manifest = read_manifest(settings.dist_dir)
        if manifest is None:
            raise ProjectGraphError(f"{settings.dist_dir}: no build to switch to")
        if manifest["build_id"] == switcher.current.build_id:
            return None
        build = ServedBuild(folder=Path(settings.dist_dir).resolve(), manifest=manifest)
        missing = [n for n in SERVED_FILES if not (build.folder / n).is_file()]
        if missing:
            raise ProjectGraphError(f"{build.folder}: not a complete build ({', '.join(missing)})")
        # Loading an on-disk store or checking a remote one blocks: not on the event loop.
        return await asyncio.to_thread(generation, settings, build, metrics)

    switcher = Switcher(first, next_generation, drain_seconds=settings.query_timeout + 5)
    logging.getLogger("uvicorn.error").addFilter(_AbortedQueries())
    if settings.access_log:  # ours (JSON lines, with query times) replaces uvicorn's
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access = logging.getLogger("projectgraph.access")
        access.addHandler(handler)
        access.setLevel(
            logging.INFO if log_level in ("info", "debug", "trace") else logging.WARNING
        )
        access.propagate = False
    switch_log = logging.getLogger("projectgraph.switch")
    switch_log.addHandler(logging.StreamHandler())
    switch_log.propagate = False
    try:
        with registered(settings.dist_dir, settings.host, settings.port):  # for reload
            uvicorn.run(
                switcher,
                host=settings.host,
                port=settings.port,
                log_level=log_level,
                access_log=not settings.access_log,
                # For the h11 parser (used if httptools is missing): let a GET line hold a long
                # query. httptools refuses URLs over 64 KiB itself (400); longer ones must POST.
                h11_max_incomplete_event_size=max(
                    64 * 1024, 4 * settings.max_query_length + 16 * 1024
                ),
                timeout_graceful_shutdown=5,
            )
    finally:
        first.close_pins()


def generation(settings: Settings, served: ServedBuild, metrics: Metrics) -> Generation:
    """An app for ``served`` with its engine, its store pinned until the generation stops."""
    from projectgraph.serve.switch import Generation
    from projectgraph.store.loading import chosen_store_dir, pinned_store
    from projectgraph.store.remote_engine import RemoteEngine
    from projectgraph.web.app import create_app

    pins = contextlib.ExitStack()
    try:
        if settings.store_url:
            spec, how = remote_spec(settings, served)
            pins.enter_context(pinned_store(served, None))  # the dumps it offers stay
        else:
            # Pinned, so later builds do not prune what the workers read (a replacement worker
            # must still find the dump or store).
            store_dir = chosen_store_dir(
                settings.store, served, settings.dist_dir, settings.memory_store_triples
            )
            spec, how = pins.enter_context(pinned_store(served, store_dir))
    except BaseException:
        pins.close()
        raise
    engine: WorkerPool | RemoteEngine
    if spec.kind == "remote":
        pool = WorkerPool(spec, settings.workers, settings.max_queued, network=True)
        pool.observe = metrics.query_seconds.observe  # the app only hooks a bare pool
        engine = RemoteEngine(pool, dataset_graph=settings.store_graph)
    else:
        engine = WorkerPool(
            spec,
            settings.workers,
            settings.max_queued,
            network=bool(settings.service_allow),
            memory_mb=settings.worker_memory,
        )
    app = create_app(settings, engine, served, metrics)
    made = Generation(served.build_id, app, description=how, pins=pins)
    made.stack.callback(pins.close)
    build_info = {"build_id": served.build_id, "triples": str(served.manifest.get("triples"))}
    made.on_current = lambda: metrics.serve(engine.health, build_info)
    return made


def remote_spec(settings: Settings, served: ServedBuild) -> tuple[StoreSpec, str]:
    """How workers reach the remote store, once it is known to hold ``served`` complete."""
    from projectgraph.publish.remote import current_version
    from projectgraph.store.client import Endpoints, SparqlStore, credentials

    assert settings.store_url is not None
    store = SparqlStore(Endpoints(settings.store_url), credentials(), timeout=30.0)
    try:
        version = current_version(store, settings.store_graph, served)
    finally:
        store.close()
    return StoreSpec("remote", settings.store_url, version, served.ontology_graph), (
        f"the remote store {settings.store_url}, graph {version}"
    )
