"""A per-client rate limit: a token bucket per address, 429 with Retry-After past it.

Each client may make ``burst`` requests at once and ``rate`` per second after that. The client
is the connecting address, or, when that is a trusted proxy, the last address in its
``X-Forwarded-For`` that is not itself a trusted proxy. Loopback clients are not limited unless
``loopback`` is set (development, tests and a local reverse proxy without X-Forwarded-For).
``/health`` and ``/metrics`` are never limited: monitors must always get through. The table of
buckets is bounded: the longest-idle clients are forgotten first.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

UNLIMITED_PATHS = ("/health", "/metrics")
MAX_CLIENTS = 100_000


class RateLimit:
    """ASGI middleware; ``on_limited`` is told of each refused request (for /metrics)."""

    def __init__(
        self,
        app: ASGIApp,
        rate: float,
        burst: int,
        trusted_proxies: tuple[str, ...] = (),
        loopback: bool = False,
        on_limited: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = max(burst, 1)
        self.trusted = set(trusted_proxies)
        self.loopback = loopback
        self.on_limited = on_limited
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0 or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = self.client(scope)
        if client is None:
            await self.app(scope, receive, send)
            return
        wait = self.take(client, time.monotonic())
        if wait is None:
            await self.app(scope, receive, send)
            return
        if self.on_limited is not None:
            self.on_limited()
        seconds = max(1, math.ceil(wait))
        body = json.dumps(
            {
                "status": 429,
                "error": "Too Many Requests",
                "message": f"more than {self.rate:g} requests per second from {client}; "
                f"try again in {seconds} s",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(seconds).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def client(self, scope: Scope) -> str | None:
        """The address to count this request against, or None when it is not limited."""
        peer = (scope.get("client") or ("",))[0]
        if peer in self.trusted:
            forwarded = [
                value.decode("latin-1")
                for name, value in scope.get("headers", [])
                if name.lower() == b"x-forwarded-for"
            ]
            hops = [h.strip() for h in ",".join(forwarded).split(",") if h.strip()]
            untrusted = [h for h in hops if h not in self.trusted]
            if untrusted:
                peer = untrusted[-1]
        if not self.loopback and _is_loopback(peer):
            return None
        return peer

    def take(self, client: str, now: float) -> float | None:
        """Take a token for ``client``: None if there was one, else seconds until there is."""
        tokens, when = self.buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.rate)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            waited = None
        else:
            self.buckets[client] = (tokens, now)
            waited = (1 - tokens) / self.rate
        while len(self.buckets) > MAX_CLIENTS:
            self.buckets.popitem(last=False)
        return waited


@functools.lru_cache(maxsize=4096)
def _is_loopback(address: str) -> bool:
    # Cached: parsing the address took 12 us of every request, and few addresses recur.
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
