"""Run a build stage's tasks on a Dask distributed cluster (``build --cluster tcp://host:8786``).

:func:`projectgraph.pipeline.parallel.cluster` connects here; inside it, every
:func:`~projectgraph.pipeline.parallel.run` of the build sends its tasks to the cluster's
workers and yields their results in task order, as the local process pool does. The workers
must be able to import this projectgraph (installed at the same version in their environment:
connecting checks that they run the same code) and read the project's files at the same paths
(reading a source and placing a violation at its line read them).

How a stage runs there: the stage's ``initargs`` (shapes, reference data, shared descriptions: up to
hundreds of MB at scale) are scattered once, to every worker (sent once, then copied worker to
worker); each worker process runs the stage's initializer before its first task of that stage,
and again when a later stage (another token) comes. Tasks go in batches, at most a few per
worker thread in flight, so neither the scheduler nor the workers hold a whole stage's input.

Failures: a worker that dies is replaced by its nanny and Dask runs its tasks again elsewhere
(up to the scheduler's ``allowed-failures``); a scheduler that is not there, goes away, or has
had no workers for :data:`NO_WORKERS_TIMEOUT` raises :class:`ClusterError` (one line: the
address and what happened). Stages run before anything is published, so a failed build leaves
``dist`` as it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import distributed
from distributed.client import FutureCancelledError
from distributed.comm import CommClosedError
from distributed.core import rpc
from distributed.security import Security

import projectgraph
from projectgraph.errors import ClusterError
from projectgraph.pipeline.parallel import carrying

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler, and for it to answer a question
NO_WORKERS_TIMEOUT = 60.0  # seconds a build waits for a worker, at the start or mid-stage
POLL = 2.0  # seconds between checks that the scheduler is there while a task runs
BATCH = 64  # tasks per Dask task at most (each costs the scheduler about a millisecond)
RESUBMITS = 3  # times a stage's remaining tasks are sent again after their shared data was lost


@dataclass
class Cluster:
    """A connected cluster: the client, the scheduler's address, and the workers' threads."""

    address: str
    client: distributed.Client
    threads: int

    def map(
        self,
        function: Callable[[T], R],
        tasks: Sequence[T],
        initializer: Callable[..., None] | None,
        initargs: tuple[Any, ...],
    ) -> Iterator[R]:
        """``function`` over ``tasks`` on the cluster's workers, results in task order."""
        token = uuid.uuid4().hex  # this stage: its initializer runs again in each worker
        name = getattr(function, "__name__", "task").strip("_") or "task"
        size = max(1, min(BATCH, len(tasks) // (self.threads * 8)))
        batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        window = max(8, 4 * self.threads)  # batches in flight
        shared: distributed.Future | None = None
        pending: deque[distributed.Future] = deque()
        done = 0  # batches whose results were yielded
        resubmits = 0
        try:
            while done < len(batches):
                if initializer is not None and shared is None:
                    shared = self._scatter(initargs)
                while len(pending) < window and done + len(pending) < len(batches):
                    k = done + len(pending)
                    try:
                        submitted = self.client.submit(
                            run_batch,
                            function,
                            batches[k],
                            initializer,
                            token,
                            shared,
                            key=f"{name}-{token}-{resubmits}-{k}",
                            pure=False,
                        )
                    except Exception as error:
                        if self.client.status == "running":
                            raise
                        raise self._failure(error) from None
                    pending.append(submitted)
                future = pending[0]
                try:
                    results = self._result(future)
                except _Lost:
                    # The workers that held the stage's shared data all died (a one-worker
                    # cluster restarted): send it and the tasks not yet done again.
                    resubmits += 1
                    if resubmits > RESUBMITS:
                        raise ClusterError(
                            f"cluster {self.address}: the workers kept losing the data of "
                            f"{name} ({RESUBMITS} times); nothing was published"
                        ) from None
                    self.client.cancel(list(pending))
                    pending.clear()
                    if shared is not None:
                        shared.release()
                    shared = None
                    continue
                pending.popleft()
                future.release()
                done += 1
                yield from results
        finally:
            with contextlib.suppress(Exception):
                if pending:
                    self.client.cancel(list(pending))
                if shared is not None:
                    shared.release()

    def _scatter(self, initargs: tuple[Any, ...]) -> distributed.Future:
        """The initializer's arguments on every worker: sent once, copied worker to worker
        (after waiting for a worker, when the last ones died with the previous copies)."""
        if self.client.status != "running":
            raise self._failure(None)
        try:
            self.client.wait_for_workers(1, timeout=NO_WORKERS_TIMEOUT)
            [future] = self.client.scatter([initargs], broadcast=True, hash=False)
        except TimeoutError:
            if self.client.status != "running":
                raise self._failure(None) from None
            raise self._no_workers() from None
        except Exception as error:
            if self.client.status == "running" and not isinstance(error, OSError):
                raise  # the initargs themselves (cannot be pickled)
            raise self._failure(error) from None
        return future

    def _result(self, future: distributed.Future) -> list[Any]:
        """The future's results once done, checking meanwhile that the scheduler is there and
        has workers; a task's own error (a malformed source) is raised as it is."""
        alone_since: float | None = None
        while True:
            try:
                return future.result(timeout=POLL)
            except TimeoutError:
                if future.done():
                    # Done as the wait ran out (or the task's own TimeoutError): its outcome.
                    # Raising the wait's TimeoutError here failed a build that had finished.
                    return future.result()
            except FutureCancelledError as error:
                if error.reason == "scheduler-connection-lost" or self.client.status != "running":
                    raise self._failure(error) from None
                raise _Lost() from None
            except distributed.KilledWorker as error:
                raise ClusterError(
                    f"cluster {self.address}: task {error.task} was running on every worker "
                    "that died (out of memory? see the workers' logs); nothing was published"
                ) from None
            except OSError as error:  # the connection, not the task
                raise self._failure(error) from None
            if self._workers() > 0:
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > NO_WORKERS_TIMEOUT:
                raise self._no_workers()

    def _workers(self) -> int:
        """How many workers the scheduler has now (asking it, within CONNECT_TIMEOUT)."""
        if self.client.status != "running":
            raise self._failure(None)
        try:
            info = self.client.sync(
                self.client.scheduler.identity, n_workers=0, callback_timeout=CONNECT_TIMEOUT
            )
        except Exception as error:  # OSError, TimeoutError, a closed connection pool
            raise self._failure(error) from None
        return int(info["n_workers"])

    def _no_workers(self) -> ClusterError:
        return ClusterError(
            f"cluster {self.address}: no workers for {NO_WORKERS_TIMEOUT:.0f} s mid-build; "
            "nothing was published"
        )

    def _failure(self, error: BaseException | None) -> ClusterError:
        reason = f" ({_reason(error)})" if error is not None else ""
        return ClusterError(
            f"cluster {self.address}: lost the scheduler mid-build{reason}; nothing was published"
        )


class _Lost(Exception):
    """A batch was cancelled by the scheduler (its shared data was lost), not by a lost client."""


@contextlib.contextmanager
def connect(address: str, paths: Sequence[Path] = ()) -> Iterator[Cluster]:
    """A client of the scheduler at ``address`` whose workers run this projectgraph and can read
    ``paths``; :class:`ClusterError` if there is none, it has no workers, or they cannot."""
    _reachable(address)
    with _quiet_dask():
        _scheduler_at(address)
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as error:
            raise ClusterError(
                f"cluster {address}: no scheduler answered ({_reason(error)})"
            ) from None
        try:
            threads = _check_workers(client, address, paths)
            yield Cluster(address, client, threads)
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=CONNECT_TIMEOUT)


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's log lines unsaid in this process for the block (a lost connection is logged
    several times, with tracebacks): a failure is said once, by :class:`ClusterError`, and
    the scheduler's and workers' own logs keep the details."""
    loggers = [
        logging.getLogger(name)
        for name in ("distributed", "tornado", *logging.root.manager.loggerDict)
        if name.split(".")[0] in ("distributed", "tornado")
    ]
    saved = [(logger, logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [logging.NullHandler()], False
    try:
        yield
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate


def _reachable(address: str) -> None:
    """Fail at once, with the reason, when nothing listens at a tcp:// or tls:// address
    (Dask's client would retry a refused connection until its timeout)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return  # another transport (ucx, ws, inproc): the client says
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise ClusterError(f"cluster {address}: not a scheduler address such as tcp://host:8786")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as error:
        raise ClusterError(f"cluster {address}: no scheduler answered ({_reason(error)})") from None


def _scheduler_at(address: str) -> None:
    """Ask whatever listens at ``address`` who it is, before a client is made (a client that
    fails to start hangs for its timeout again when it is collected)."""

    async def identity() -> dict[str, Any]:
        tls = Security().get_connection_args("client")  # Dask's configuration, as the client
        async with rpc(address, timeout=CONNECT_TIMEOUT, connection_args=tls) as scheduler:
            return await asyncio.wait_for(scheduler.identity(), CONNECT_TIMEOUT)

    try:
        found = asyncio.run(identity())
    except (OSError, TimeoutError) as error:
        raise ClusterError(
            f"cluster {address}: no Dask scheduler answered ({_reason(error)})"
        ) from None
    except Exception:  # it answered, in another protocol: unreadable frames
        raise ClusterError(
            f"cluster {address}: what answered there does not speak Dask's protocol"
        ) from None
    if found.get("type") != "Scheduler":
        raise ClusterError(
            f"cluster {address}: a Dask {found.get('type', 'server')} answered, not a scheduler"
        )


def _check_workers(client: distributed.Client, address: str, paths: Sequence[Path]) -> int:
    """The cluster's worker threads, once it has a worker, after checking that every worker
    runs this projectgraph's code and can read ``paths``."""
    try:
        client.wait_for_workers(1, timeout=NO_WORKERS_TIMEOUT)
    except TimeoutError:
        raise ClusterError(
            f"cluster {address}: the scheduler has no workers (waited {NO_WORKERS_TIMEOUT:.0f} s)"
        ) from None
    wanted = [str(p) for p in paths if os.access(p, os.R_OK)]  # the others fail here too
    try:
        found = client.run(probe, wanted, on_error="return")
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"cluster {address}: {_reason(error)}") from None
    mine = code_fingerprint()
    for worker, answer in sorted(found.items()):
        if isinstance(answer, BaseException):
            raise ClusterError(
                f"cluster {address}: worker {worker} cannot run projectgraph ({_reason(answer)}); "
                "install it, at this version, where the workers run"
            )
        version, fingerprint, missing = answer
        if fingerprint != mine:
            raise ClusterError(
                f"cluster {address}: worker {worker} runs other projectgraph code ({version}, "
                f"code {fingerprint[:12]}; here {projectgraph.__version__}, code {mine[:12]}); "
                "install the same version where the workers run"
            )
        if missing:
            raise ClusterError(
                f"cluster {address}: worker {worker} cannot read {missing[0]}; the workers need "
                "the project's files at the same paths"
            )
    return sum(client.nthreads().values()) or 1


def probe(paths: Sequence[str]) -> tuple[str, str, list[str]]:
    """Run on each worker: its projectgraph version and code fingerprint, and which of
    ``paths`` it cannot read."""
    return (
        projectgraph.__version__,
        code_fingerprint(),
        [p for p in paths if not os.access(p, os.R_OK)],
    )


def code_fingerprint() -> str:
    """A digest of projectgraph's own Python files: equal on two machines when they run the
    same code (the version alone does not change while it is being developed)."""
    package = Path(projectgraph.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _reason(error: BaseException | None) -> str:
    if error is None:
        return "the client is closed"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.timeout | TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT:.0f} s"
    if isinstance(error, FutureCancelledError):
        return "the connection closed" if "connection" in error.reason else error.reason
    if isinstance(error, CommClosedError | ConnectionError):
        return "the connection closed"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


# In each worker process: the stage whose initializer ran last, and how many of its tasks run
# now (a worker with several threads runs several; another stage waits until they are done).
_gate = threading.Condition()
_stage: str | None = None
_running = 0


def run_batch(
    function: Callable[[T], R],
    tasks: Sequence[T],
    initializer: Callable[..., None] | None,
    token: str,
    initargs: tuple[Any, ...] | None,
) -> list[R]:
    """Run on a worker: ``function`` over ``tasks``, after the stage's initializer if this
    process has not run it for this stage yet."""
    if initializer is None:
        return [carrying(function, task) for task in tasks]
    global _stage, _running
    with _gate:
        while _stage != token and _running:
            _gate.wait()
        if _stage != token:
            _stage = None
            initializer(*(initargs or ()))
            _stage = token
        _running += 1
    try:
        return [carrying(function, task) for task in tasks]
    finally:
        with _gate:
            _running -= 1
            _gate.notify_all()
