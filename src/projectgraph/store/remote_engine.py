"""The query engine over a remote SPARQL store: the worker pool, with workers that forward.

Queries still run in worker processes (:mod:`projectgraph.store.forward`), so the timeout,
the cap on concurrent queries (one per worker, 503 past it), streaming and the read-only
checks are the embedded engine's. What is added is the store's health: ``/health`` asks the
store a trivial query and reports it unreachable, while every route that needs no query
(pages of dumps, VoID, the API reference, static files) keeps answering.
"""

from __future__ import annotations

import asyncio

from projectgraph.store.pool import StoreSpec, WorkerPool
from projectgraph.store.remote import Endpoints, SparqlStore, StoreError, credentials

PROBE_TIMEOUT = 5.0  # seconds /health waits for the store


class RemoteEngine(WorkerPool):
    """A :class:`WorkerPool` whose workers query the remote store in ``spec``."""

    def __init__(
        self, spec: StoreSpec, size: int, max_queued: int = 100, network: bool = True
    ) -> None:
        super().__init__(spec, size, max_queued, network)
        self._prober = SparqlStore(
            Endpoints(spec.path), credentials(), timeout=PROBE_TIMEOUT, retries=0
        )
        self.store_error: str | None = None

    async def stop(self) -> None:
        await super().stop()
        self._prober.close()

    async def probe(self) -> str | None:
        """None when the store answers a trivial query in time, else why not."""
        try:
            await asyncio.wait_for(asyncio.to_thread(self._prober.ping), PROBE_TIMEOUT + 1)
            self.store_error = None
        except StoreError as e:
            self.store_error = e.message
        except TimeoutError:
            self.store_error = (
                f"the SPARQL store at {self.spec.path} did not answer within {PROBE_TIMEOUT:g} s"
            )
        return self.store_error

    def health(self) -> dict[str, object]:
        return {
            **super().health(),
            "store_url": self.spec.path,
            "graph": self.spec.graph,
            "store_error": self.store_error,
        }
