"""gzip for what the server writes, except the dumps."""

from __future__ import annotations

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send


class CompressExceptDumps:
    """gzip for pages, data documents and results; the dumps go out as they are: they are
    large (compressing them per request would hold the server's one process), one is
    gzipped already, and their strong ETags (SHA-256 of the file) must name exact bytes."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/dumps/"):
            await self.app(scope, receive, send)
        else:
            await self.gzip(scope, receive, send)
