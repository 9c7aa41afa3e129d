"""The embedded engine: a pool of query worker processes over one Oxigraph store.

The server process stays light and asynchronous; each query borrows an idle worker, sends it
the request, and relays its frames to the HTTP response. One timer per query (the event
loop's own, no thread per request) enforces the timeout: a worker that runs past it is killed
and replaced, so the pool is whole again within a process start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from projectgraph.store.base import QueryError, QueryOutcome, QueryRequest, QueryStream
from projectgraph.store.protocol import (
    DATA,
    END,
    ERROR,
    HEAD,
    READY,
    REQUEST,
    json_frame,
    read_frame,
)

log = logging.getLogger("projectgraph.store")

STARTUP_TIMEOUT = 300.0  # loading a large dump into memory takes a while
ABANDONED_GRACE = 1.0  # seconds a query whose client left may run on before it is stopped


@dataclass(frozen=True)
class StoreSpec:
    """Which store the workers open: ``memory`` (load an N-Quads dump), ``disk`` (read-only)
    or ``remote`` (forward to the SPARQL endpoint ``path``, querying the version ``graph``)."""

    kind: str
    path: str
    graph: str | None = None
    ontology_graph: str | None = None  # remote: the one source graph with a copy there


class WorkerStartError(RuntimeError):
    """A worker process could not open the store."""


class _Worker:
    """One worker process and the server's end of its socket."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.isolated = False  # the worker runs in its own empty network namespace

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.writer.close()


class _Handoff:
    """Idle workers, handed to waiting queries in the order they arrived.

    ``asyncio.Queue`` lets a query that has just arrived take a returned worker ahead of one
    that has been waiting (the woken waiter finds the queue empty again and goes back to
    sleep), which under load gave some point lookups a second's wait or a 503.
    """

    def __init__(self) -> None:
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()

    def put(self, worker: _Worker) -> None:
        """Give ``worker`` to the longest-waiting query, or keep it idle."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    def take(self) -> _Worker | None:
        """An idle worker at once, or None."""
        return self._idle.popleft() if self._idle else None

    async def get(self) -> _Worker:
        """An idle worker, or the next one returned (cancellable by a timeout)."""
        if self._idle:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed over just as we gave up
                self.put(waiter.result())
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)  # so that ``waiting`` counts the live ones
            raise

    def remove(self, worker: _Worker) -> None:
        """Forget an idle worker (it died)."""
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)

    def __len__(self) -> int:
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Queries waiting for a worker (asked under load for every query: a waiter leaves
        the queue when it is served or gives up, so this is its length)."""
        return len(self._waiters)


class WorkerPool:
    """A fixed number of worker processes; busy ones are borrowed, broken ones replaced."""

    def __init__(
        self,
        spec: StoreSpec,
        size: int,
        max_queued: int = 100,
        network: bool = False,
        memory_mb: int = 0,
    ) -> None:
        self.spec = spec
        self.size = size
        self.memory_mb = memory_mb  # what a query may take beyond the open store (0: no limit)
        self.network = network  # workers keep the network (SERVICE to allowed endpoints)
        self.max_queued = max_queued  # queries that may wait for a worker; more get 503 at once
        self.observe: Callable[[float], None] | None = None  # told each finished query's time
        self._idle = _Handoff()
        self._all: set[_Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # replacements and exit watchers
        self.timeouts = 0
        self.out_of_memory = 0  # queries stopped at the memory allowance
        self.busy = 0  # queries refused because no worker became free in time
        self.restarts = 0
        self.last_error: str | None = None
        self._closed = False

    async def start(self) -> None:
        """Start every worker; fails if the store cannot be opened."""
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in workers:
            self._idle.put(w)

    async def stop(self) -> None:
        """Kill every worker and wait for them."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        workers = list(self._all)
        self._all.clear()
        for w in workers:
            w.kill()
        for w in workers:
            with contextlib.suppress(ProcessLookupError):
                await w.process.wait()

    async def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "projectgraph.store.worker",
                "--fd",
                str(child.fileno()),
                "--store",
                self.spec.kind,
                "--path",
                self.spec.path,
                *(("--graph", self.spec.graph) if self.spec.graph else ()),
                *(
                    ("--ontology-graph", self.spec.ontology_graph)
                    if self.spec.ontology_graph
                    else ()
                ),
                *(("--network",) if self.network else ()),
                *(("--memory-mb", str(self.memory_mb)) if self.memory_mb else ()),
                pass_fds=(child.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                env={**os.environ, "RUST_BACKTRACE": "0"},  # an abort is reported, not dumped
            )
        finally:
            child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent, limit=1 << 22)
        worker = _Worker(process, reader, writer)
        try:
            kind, payload = await asyncio.wait_for(read_frame(reader), STARTUP_TIMEOUT)
        except (asyncio.IncompleteReadError, TimeoutError):
            worker.kill()
            raise WorkerStartError(
                f"query worker exited while opening the {self.spec.kind} store {self.spec.path}"
            ) from None
        if kind != READY:
            worker.kill()
            raise WorkerStartError(
                json.loads(payload).get("message", "query worker failed to start")
            )
        worker.isolated = bool(json.loads(payload).get("isolated"))
        if not worker.isolated and self.spec.kind != "remote" and not self.network:
            log.warning("query worker %s could not leave the network namespace", process.pid)
        self._all.add(worker)
        self._background(self._watch(worker))
        return worker

    async def _watch(self, worker: _Worker) -> None:
        """Notice a worker that dies on its own (killed, out of memory) and replace it, so
        the next query does not fail on it."""
        code = await worker.process.wait()
        if worker in self._all:  # not one we killed ourselves
            self.last_error = f"query worker {worker.process.pid} exited with status {code}"
            log.error(self.last_error)
            self._idle.remove(worker)
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker that is stuck or broken, and start its replacement in the background.
        Idempotent: whoever notices first (the query, the watcher) replaces it."""
        worker.kill()
        if worker not in self._all:
            return
        self._all.discard(worker)
        self.restarts += 1
        if not self._closed:
            self._background(self._replace())

    def _background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self) -> None:
        delay = 0.1
        while not self._closed:
            try:
                worker = await self._spawn()
            except (WorkerStartError, OSError) as e:
                self.last_error = str(e)
                log.error("cannot restart a query worker: %s (retrying in %.1f s)", e, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            self._idle.put(worker)
            return

    async def probe(self) -> str | None:
        """Whether the store answers: the embedded store is inside the workers, whose state
        :meth:`health` reports, so there is nothing more to ask."""
        return None

    def health(self) -> dict[str, object]:
        return {
            "store": self.spec.kind,
            "workers": self.size,
            "workers_alive": len(self._all),
            "workers_idle": len(self._idle),
            "network_isolated": bool(self._all) and all(w.isolated for w in self._all),
            "worker_restarts": self.restarts,
            "query_timeouts": self.timeouts,
            "queries_out_of_memory": self.out_of_memory,
            "queries_refused_busy": self.busy,
            "queries_waiting": self._idle.waiting,
            "last_error": self.last_error,
        }

    async def execute(self, request: QueryRequest) -> QueryOutcome:
        """Run ``request`` on an idle worker within ``request.timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.timeout
        worker = self._idle.take()
        if worker is None:
            if self._idle.waiting >= self.max_queued:
                self.busy += 1
                return QueryError(
                    503,
                    f"all {self.size} query workers are busy and {self.max_queued} queries are "
                    "waiting; try again later",
                )
            try:
                async with asyncio.timeout_at(deadline):
                    worker = await self._idle.get()
            except TimeoutError:
                self.busy += 1
                if not self._all:
                    return QueryError(
                        503, f"no query worker is running ({self.last_error}); try again later"
                    )
                return QueryError(
                    503,
                    f"all {self.size} query workers stayed busy for {request.timeout:g} s; "
                    "try again later",
                )
        # One timer per query, the lease's: at the deadline it kills the worker, and whatever
        # is reading from it (here or in _relay) sees the end of its output and reports the
        # timeout. (A timeout per read as well cost more server time than the point query's
        # relaying itself.)
        lease: _Lease
        lease = _Lease(self, worker, loop.call_at(deadline, lambda: lease.expire()))
        try:
            # vars(): the request's fields as they are (asdict copies them deeply, slower).
            worker.writer.write(json_frame(REQUEST, vars(request)))
            kind, payload = await read_frame(worker.reader)
            if kind != HEAD:
                lease.end(ok=kind == ERROR)
                return (
                    _error(payload)
                    if kind == ERROR
                    else QueryError(500, "query worker out of step")
                )
            head = json.loads(payload)
            # The status is only settled once the first bytes exist: a query that computes
            # everything before writing (an aggregate) can still get its 503.
            kind, payload = await read_frame(worker.reader)
            if kind == DATA and head.get("complete"):
                end_kind, end = await read_frame(worker.reader)  # sent with the data
                if end_kind == END:
                    lease.end(ok=True)
                    return QueryStream(
                        head["truncated"],
                        head["rows"],
                        payload,
                        _nothing(),
                        True,
                        self._ended(end, {}),
                    )
                kind, payload = end_kind, end
        except (asyncio.IncompleteReadError, ConnectionError):
            lease.end(ok=False)
            if lease.expired:
                return QueryError(
                    503,
                    f"the query ran longer than the {request.timeout:g} s limit and was stopped",
                )
            return await self._crashed(worker)
        except asyncio.CancelledError:
            self._abandon(lease)  # nobody waits for this answer any more
            raise

        if kind == ERROR:
            lease.end(ok=True)
            return _error(payload)
        if kind == END:
            lease.end(ok=True)
            return QueryStream(
                head["truncated"], head["rows"], b"", _nothing(), True, self._ended(payload, {})
            )
        stats: dict[str, object] = {}
        return QueryStream(
            head["truncated"],
            head["rows"],
            payload,
            self._relay(lease, stats),
            stats=stats,
        )

    async def _crashed(self, worker: _Worker) -> QueryError:
        """Why a worker died under a query: out of its memory allowance (it aborts when an
        allocation fails: 503, the query was too big) or anything else (500)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.process.wait(), 1.0)
        if self.memory_mb and worker.process.returncode == -signal.SIGABRT:
            self.out_of_memory += 1
            return QueryError(
                503,
                f"the query needed more memory than a query worker may use ({self.memory_mb} "
                "MiB beyond the store) and was stopped",
            )
        return QueryError(500, "the query worker crashed while running this query")

    def _ended(self, payload: bytes, stats: dict[str, object]) -> dict[str, object]:
        """Fill ``stats`` from an END frame and report the query's time."""
        stats.update(json.loads(payload))
        seconds = stats.get("seconds")
        if self.observe is not None and isinstance(seconds, int | float):
            self.observe(float(seconds))
        return stats

    async def _relay(self, lease: _Lease, stats: dict[str, object]) -> AsyncIterator[bytes]:
        finished = broken = False
        try:
            while True:
                # No timeout of its own: the lease's timer stops the worker at the deadline,
                # whether it is still computing or waiting for a slow client to take what
                # was yielded, and this read then ends.
                kind, payload = await read_frame(lease.worker.reader)
                if kind == DATA:
                    yield payload
                elif kind == END:
                    finished = True
                    self._ended(payload, stats)
                    return
                else:  # ERROR after the first bytes: the response can only be cut short
                    broken = True
                    raise QueryAborted(json.loads(payload).get("message", "query failed"))
        except (asyncio.IncompleteReadError, ConnectionError):
            broken = True
            if lease.expired:
                raise QueryAborted("the query ran past its time limit while streaming") from None
            crash = await self._crashed(lease.worker)
            raise QueryAborted(f"{crash.message} (while streaming)") from None
        finally:
            # A finished query returns the worker to the pool; a timeout or an error leaves
            # it mid-query: it is replaced. A reader that stopped (the client went away)
            # leaves the query to finish on its own for a moment.
            if finished or broken:
                lease.end(ok=finished)
            else:
                self._abandon(lease)

    def _abandon(self, lease: _Lease) -> None:
        """Nobody reads the answer of this running query any more (its client left). Most
        queries are done in a millisecond: its worker reads on to the end for at most
        :data:`ABANDONED_GRACE` seconds and is kept, since a replacement costs a process
        start and the store's opening; a query still running then is stopped."""
        if not lease.done:
            self._background(self._drain(lease))

    async def _drain(self, lease: _Lease) -> None:
        try:
            async with asyncio.timeout(ABANDONED_GRACE):
                while not lease.done:
                    kind, _ = await read_frame(lease.worker.reader)
                    if kind in (END, ERROR):
                        lease.end(ok=True)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            lease.end(ok=False)  # no-op once ended above


class _Lease:
    """A worker lent to one query. It ends exactly once: back to the pool if the query
    finished cleanly, otherwise killed and replaced. Its timer, at the query's deadline, ends
    it in any case (:meth:`expire`), even if nobody ever reads the response."""

    def __init__(self, pool: WorkerPool, worker: _Worker, timer: asyncio.TimerHandle) -> None:
        self.pool = pool
        self.worker = worker
        self.timer = timer
        self.done = False
        self.expired = False  # the deadline passed before the query ended

    def expire(self) -> None:
        """The deadline: stop the query (its worker is replaced) and count the timeout."""
        if not self.done:
            self.expired = True
            self.pool.timeouts += 1
            self.end(ok=False)

    def end(self, ok: bool) -> None:
        if self.done:
            return
        self.done = True
        self.timer.cancel()
        if ok:
            self.pool._idle.put(self.worker)
        else:
            self.pool._discard(self.worker)


class QueryAborted(Exception):
    """Results had started streaming when the query failed; the response is cut short."""


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


def _error(payload: bytes) -> QueryError:
    data = json.loads(payload)
    return QueryError(
        data.get("status", 500),
        data.get("message", "query failed"),
        data.get("line"),
        data.get("column"),
    )
