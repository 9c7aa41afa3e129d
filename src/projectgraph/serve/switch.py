"""A server that switches to a new build without failing a request.

:class:`Switcher` is the ASGI application uvicorn runs. It holds one *generation* (an app for
one build, its engine and what it pins) and forwards every request to the current one. On
``SIGHUP`` (``kill -HUP <pid>``) it makes a generation for the build ``dist`` now points at,
starts it (workers up, named queries warmed) while the old one keeps answering, then switches
in one assignment: requests that arrived before keep their generation to the end, new ones get
the new one. The old generation is stopped once its last request is done (or after the query
timeout). If anything about the new build is wrong, the server says so and keeps the old one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("projectgraph.switch")


@dataclass
class Generation:
    """One build being served: its app, and what to release when it is retired."""

    build_id: str
    app: FastAPI
    description: str = ""  # where it answers from, for messages
    pins: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)
    inflight: int = 0
    on_current: Callable[[], None] = lambda: None  # told when it becomes the current one

    async def start(self, warm: bool = False) -> None:
        """Run the app's start-up (its engine's workers); ``warm``: also wait for the run of
        every named query, so the new build answers them from its cache at once."""
        await self.stack.enter_async_context(self.app.router.lifespan_context(self.app))
        warming = getattr(self.app.state, "warming", None)
        if warm and warming is not None:
            await asyncio.shield(warming)

    async def stop(self) -> None:
        """Run the app's shutdown and release its pins."""
        await self.stack.aclose()
        self.close_pins()

    def close_pins(self) -> None:
        """Release the pins on the build and store (idempotent)."""
        self.pins.close()


Factory = Callable[[], Awaitable[Generation | None]]


class Switcher:
    """The ASGI app: the current generation, replaced by :meth:`switch`."""

    def __init__(self, first: Generation, next_generation: Factory, drain_seconds: float) -> None:
        self.current = first
        self.next_generation = next_generation  # None: nothing new to serve
        self.drain_seconds = drain_seconds
        self.switching = asyncio.Lock()
        self.switches = 0
        self._retiring: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        generation = self.current
        generation.inflight += 1
        try:
            await generation.app(scope, receive, send)
        finally:
            generation.inflight -= 1

    async def switch(self) -> str:
        """Serve the build dist points at now; returns what happened, in a sentence."""
        async with self.switching:
            try:
                new = await self.next_generation()
            except Exception as e:  # a broken build must not take the server down
                log.error("not switching: %s", e)
                return f"not switching: {e}"
            if new is None:
                return f"already serving build {self.current.build_id}"
            try:
                await new.start(warm=True)
            except Exception as e:
                await new.stop()
                log.error("not switching to build %s: %s", new.build_id, e)
                return f"not switching to build {new.build_id}: {e}"
            old, self.current = self.current, new
            new.on_current()
            self.switches += 1
            task = asyncio.get_running_loop().create_task(self._retire(old))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)
            message = f"switched from build {old.build_id} to build {new.build_id}"
            if new.description:  # how its store was had: loaded, updated, reused
                message += f" ({new.description})"
            log.warning(message)
            return message

    async def _retire(self, old: Generation) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.drain_seconds
        while old.inflight and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await old.stop()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message: Message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            await self.current.start()
            self.current.on_current()
        except Exception as e:
            await send({"type": "lifespan.startup.failed", "message": str(e)})
            return
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(self.switch()))
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGHUP)
        for task in list(self._retiring):
            task.cancel()
        await self.current.stop()
        await send({"type": "lifespan.shutdown.complete"})
