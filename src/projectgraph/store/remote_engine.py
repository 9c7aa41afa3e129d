"""The query engine over a remote SPARQL store: a worker pool whose workers forward, and a
watch on the store's health.

Queries still run in worker processes (:mod:`projectgraph.store.forward`), so the timeout,
the cap on concurrent queries (one per worker, 503 past it), streaming and the read-only
checks are the embedded engine's. What is added is the store's health: ``/health`` asks the
store a trivial query and reports it unreachable, while every route that needs no query
(pages of dumps, VoID, the API reference, static files) keeps answering.

The store can also lose the build this server answers from: every publish drops versions older
than the previous one (and those a server on the publishing machine pins), so a server on
another machine two publishes behind would query an empty graph. The engine checks, every
``VERSION_CHECK`` seconds and on ``/health``, that the pointer graph still records its version;
once it does not, queries get a 503 that says so instead of empty answers. The environment
variable ``PROJECTGRAPH_VERSION_CHECK_SECONDS`` (a positive number, read when a server starts)
overrides that interval; the tests use it so a check comes within a second, not ten.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from projectgraph.errors import SettingsError
from projectgraph.store.base import QueryError, QueryOutcome, QueryRequest
from projectgraph.store.client import Endpoints, SparqlStore, StoreError, credentials
from projectgraph.store.pool import WorkerPool

PROBE_TIMEOUT = 5.0  # seconds /health waits for the store
VERSION_CHECK = 10.0  # seconds between checks that the store still holds the served version
VERSION_CHECK_ENV = "PROJECTGRAPH_VERSION_CHECK_SECONDS"  # overrides VERSION_CHECK
DCT_IDENTIFIER = "http://purl.org/dc/terms/identifier"


class RemoteEngine:
    """A :class:`~projectgraph.store.base.QueryEngine` over a remote store: ``pool`` (whose
    spec is ``remote``) runs the queries; this engine watches that the store answers and still
    holds the served version."""

    def __init__(self, pool: WorkerPool, dataset_graph: str | None = None) -> None:
        """``dataset_graph`` is the graph holding the pointer and the version records (the
        ``--graph`` of publish); without it the version is not watched."""
        if pool.spec.kind != "remote":
            raise ValueError(f"a remote engine needs a pool of remote workers, not {pool.spec}")
        self.pool = pool
        self.spec = pool.spec
        self._prober = SparqlStore(
            Endpoints(pool.spec.path), credentials(), timeout=PROBE_TIMEOUT, retries=0
        )
        self.dataset_graph = dataset_graph
        self.store_error: str | None = None
        self.reachable = True
        self.version_missing = False
        self._watcher: asyncio.Task[None] | None = None
        self.version_check = version_check()

    async def start(self) -> None:
        """Start the workers, then the watch on the served version."""
        await self.pool.start()
        if self.dataset_graph is not None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch_version())

    async def stop(self) -> None:
        """Stop the watch and the workers, and close the prober's connection."""
        if self._watcher is not None:
            self._watcher.cancel()
        await self.pool.stop()
        self._prober.close()

    async def _watch_version(self) -> None:
        while True:
            await asyncio.sleep(self.version_check)
            await self.probe()

    async def probe(self) -> str | None:
        """None when the store answers a trivial query in time and still records the served
        version, else why not."""
        try:
            missing = await asyncio.wait_for(
                asyncio.to_thread(self._version_missing), PROBE_TIMEOUT + 1
            )
        except StoreError as e:
            self.reachable, self.store_error = False, e.message
        except TimeoutError:
            self.reachable = False
            self.store_error = (
                f"the SPARQL store at {self.spec.path} did not answer within {PROBE_TIMEOUT:g} s"
            )
        else:
            self.reachable, self.version_missing = True, missing
            self.store_error = (
                f"the store at {self.spec.path} no longer holds the version {self.spec.graph} "
                "this server answers from (a later publish dropped it); serve the published "
                "build: build it here, then projectgraph reload (or SIGHUP), or restart"
                if missing
                else None
            )
        return self.store_error

    def _version_missing(self) -> bool:
        if self.dataset_graph is None:
            self._prober.ping()
            return False
        rows = self._prober.select(
            f"SELECT ?id WHERE {{ GRAPH <{self.dataset_graph}> "
            f"{{ <{self.spec.graph}> <{DCT_IDENTIFIER}> ?id }} }} LIMIT 1"
        )
        return not rows

    async def execute(self, request: QueryRequest) -> QueryOutcome:
        """As the pool's, but a 503 once the store has lost the served version (an empty
        graph would answer every query with nothing)."""
        if self.version_missing:
            return QueryError(503, self.store_error or "the served version is gone")
        return await self.pool.execute(request)

    def health(self) -> dict[str, object]:
        """The pool's report and the store's."""
        return {
            **self.pool.health(),
            "store_url": self.spec.path,
            "graph": self.spec.graph,
            "store_reachable": self.reachable,
            "store_holds_build": not self.version_missing,
            "store_error": self.store_error,
        }


def version_check(environ: Mapping[str, str] | None = None) -> float:
    """The seconds between checks of the served version: :data:`VERSION_CHECK`, unless
    ``PROJECTGRAPH_VERSION_CHECK_SECONDS`` in ``environ`` (the process's environment by
    default) gives a positive number."""
    environ = os.environ if environ is None else environ
    text = environ.get(VERSION_CHECK_ENV)
    if text is None:
        return VERSION_CHECK
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise SettingsError(f"{VERSION_CHECK_ENV}={text!r}: not a positive number of seconds")
    return seconds
