"""``projectgraph serve``: make sure a good build exists, prepare its store, run the server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from projectgraph.build import build
from projectgraph.errors import ProjectGraphError, SourceError
from projectgraph.publish import CONTEXT, VOID_FILE, inputs_digest, read_manifest
from projectgraph.settings import Settings
from projectgraph.sources import discover
from projectgraph.store.loading import DUMP, ServedBuild
from projectgraph.store.pool import QueryAborted, StoreSpec

# What the server reads from a build besides its manifest (the other dumps are only offered).
SERVED_FILES = (DUMP, VOID_FILE, CONTEXT)


def is_stale(settings: Settings, manifest: dict[str, object] | None) -> bool:
    """True when ``dist`` is missing or was built from other inputs than the current ones."""
    if manifest is None:
        return True
    return manifest.get("inputs_sha256") != inputs_digest(discover(settings), settings)


def ensure_build(
    settings: Settings, quiet: bool, say: Callable[[str], None], rebuild: bool = True
) -> ServedBuild:
    """The build to serve: ``dist`` if it is current, else a fresh build; if building fails,
    the previous good build (the last good build keeps being served). With ``rebuild=False``
    ``dist`` is served as it is, e.g. a build made on another machine."""
    dist = settings.dist_dir
    manifest = read_manifest(dist)
    if not rebuild:
        if manifest is None:
            raise ProjectGraphError(f"{dist}: no build to serve (no {dist}/build.json)")
        missing = [name for name in SERVED_FILES if not (Path(dist) / name).is_file()]
        if missing:
            raise ProjectGraphError(
                f"{dist}: not a complete build, {', '.join(missing)} missing "
                "(make it with projectgraph build)"
            )
        return ServedBuild(folder=Path(dist).resolve(), manifest=manifest)
    try:
        stale = is_stale(settings, manifest)
    except SourceError:  # a source vanished or is unreadable: the build below reports it
        stale = True
    if stale:
        try:
            result = build(settings, quiet=quiet)
            say(f"built {result.published.build_id} ({result.report.summary()})")
        except ProjectGraphError as e:
            if manifest is None:
                raise
            say(
                f"warning: the build failed, serving the previous build {manifest['build_id']}: {e}"
            )
    manifest = read_manifest(dist)
    assert manifest is not None
    return ServedBuild(folder=Path(dist).resolve(), manifest=manifest)


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
    embedded store or, with a store URL, from the build's version graph in that store."""
    from projectgraph.store.loading import pinned_store

    if settings.store_url:
        spec, how = remote_spec(settings, served)
        with pinned_store(served, None):  # the dumps this server offers stay in place
            _serve(settings, served, spec, how, say, log_level)
        return
    # Pin what this server reads, so later builds do not prune it away underneath the workers
    # (a replacement worker must still find the dump or store). Released when serving ends.
    with pinned_store(served, settings.store) as (spec, how):
        _serve(settings, served, spec, how, say, log_level)


def remote_spec(settings: Settings, served: ServedBuild) -> tuple[StoreSpec, str]:
    """How workers reach the remote store, once it is known to hold ``served`` complete."""
    from projectgraph.publish.remote import current_version
    from projectgraph.store.remote import Endpoints, SparqlStore, credentials

    assert settings.store_url is not None
    store = SparqlStore(Endpoints(settings.store_url), credentials(), timeout=30.0)
    try:
        version = current_version(store, settings.store_graph, served)
    finally:
        store.close()
    return StoreSpec("remote", settings.store_url, version, served.ontology_graph), (
        f"the remote store {settings.store_url}, graph {version}"
    )


def _serve(
    settings: Settings,
    served: ServedBuild,
    spec: StoreSpec,
    how: str,
    say: Callable[[str], None],
    log_level: str,
) -> None:
    import uvicorn

    from projectgraph.store.pool import WorkerPool
    from projectgraph.store.remote_engine import RemoteEngine
    from projectgraph.web.app import create_app

    say(
        f"serving build {served.build_id} ({served.manifest['triples']} triples, {how}) on "
        f"http://{settings.host}:{settings.port}/sparql"
    )
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
    engine = (RemoteEngine if spec.kind == "remote" else WorkerPool)(
        spec, settings.workers, settings.max_queued
    )
    app = create_app(settings, engine, served)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=not settings.access_log,
        # For the h11 parser (used if httptools is missing): let a GET line hold a long
        # query. httptools refuses URLs over 64 KiB itself (400); longer ones must POST.
        h11_max_incomplete_event_size=max(64 * 1024, 4 * settings.max_query_length + 16 * 1024),
        timeout_graceful_shutdown=5,
    )
