"""Stop the work of a request whose client has gone.

Uvicorn does not stop a request handler when its client disconnects: a query waiting for a
worker, or running in one, went on until it was done or timed out. Under load that is the
work that hurts: a load generator that stops, or impatient clients that give up on slow pages,
left dozens of queries queued in the pool, and every later query waited behind them (point
queries measured at 318 req/s right after a run of slow data documents, against 640-850 on
their own, 100,000 projects). Here a request's task is cancelled when the server reports the
client gone: a query still waiting for a worker leaves the queue, one running may finish
within a moment (most take a millisecond) and is stopped otherwise (store.pool). The request
is counted and logged as 499, the status nginx gave this case; nothing is sent, there is
nobody to send it to.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNWATCHED_PATHS = frozenset({"/health", "/metrics"})  # cheap, and probes must always answer
CLIENT_GONE = 499


class StopWhenGone:
    """ASGI middleware cancelling a request's handler once its client has disconnected."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNWATCHED_PATHS:
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None
        watch = _Watch(scope, receive, task)
        try:
            await self.app(scope, watch.receive, watch.send(send))
        except asyncio.CancelledError:
            if not watch.gone or task.uncancel():
                raise  # a cancellation of someone else's (the server stopping)
            await send({"type": "http.response.start", "status": CLIENT_GONE, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        finally:
            watch.stop()


class _Watch:
    """Waits for the client's disconnect beside the handler, without taking from it any part
    of the request body: a request without a body is watched at once (the watcher keeps the
    empty body message for the handler), one with a body once the handler has read it all."""

    def __init__(self, scope: Scope, receive: Receive, task: asyncio.Task[object]) -> None:
        self._receive = receive
        self._task = task
        # A request without a body: the watcher reads its one (empty) body message and keeps
        # it here for the handler, which may never ask for it.
        self._kept: asyncio.Future[Message] | None = None
        self._kept_taken = False  # the handler asked for it
        self._watcher: asyncio.Task[None] | None = None
        self.gone = False
        self.answered = False  # the whole response went out: nothing left to stop
        if not _has_body(scope):
            self._kept = asyncio.get_running_loop().create_future()
            self._start()

    def _start(self) -> None:
        if self._watcher is None and not self.answered:
            self._watcher = asyncio.get_running_loop().create_task(self._wait())
            self._watcher.add_done_callback(_retrieve)

    async def _wait(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                break
            if self._kept is not None and not self._kept.done():
                self._kept.set_result(message)
        if self._kept is not None and not self._kept.done():
            self._kept.set_result(message)
        if not self.answered:  # uvicorn says "disconnect" also once the response is complete
            self.gone = True
            self._task.cancel()

    async def receive(self) -> Message:
        """The handler's receive: the kept body message first, then the server's own."""
        if self._kept is not None and not self._kept_taken:
            self._kept_taken = True
            return await self._kept
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            self._start()  # the body is read: from now on only a disconnect can come
        return message

    def send(self, send: Send) -> Send:
        """The handler's send: the watch ends with the response."""

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.answered = True
            await send(message)

        return sending

    def stop(self) -> None:
        """Stop watching (the request is over)."""
        self.answered = True
        if self._watcher is not None:
            self._watcher.cancel()


def _retrieve(task: asyncio.Task[None]) -> None:
    """Take a watcher's outcome, so a failed receive is never reported as unretrieved."""
    if not task.cancelled():
        task.exception()


def _has_body(scope: Scope) -> bool:
    """Whether the request says it sends a body (a length other than 0, or chunks)."""
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False
