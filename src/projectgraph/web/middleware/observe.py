"""The access log, and the per-route request counts and latencies of ``/metrics``.

The access log is one JSON object per request on the ``projectgraph.access`` logger: time,
client, method, path, status, bytes, duration, and for queries the engine's time, rows and
whether the answer came from the cache.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from projectgraph.web.metrics import Metrics

access_log = logging.getLogger("projectgraph.access")
MAX_LOGGED_PATH = 2_000  # characters of a request target in the log


class Observe:
    """ASGI middleware: counts and times every request, and logs it as one JSON line."""

    def __init__(self, app: ASGIApp, metrics: Metrics, log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log
        # The labelled series, looked up once each: prometheus_client's labels() takes a lock
        # and builds a key every time (about 10 us a request). Route templates, methods and
        # statuses are few, so these stay small.
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._latencies: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "bytes": 0, "cache": None}

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"x-cache":
                        answer["cache"] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            self._record(scope, answer, time.perf_counter() - started)

    def _record(self, scope: Scope, answer: dict[str, Any], seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        status = str(answer["status"])
        key = (route, scope["method"], status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = self.metrics.requests.labels(*key)
        counter.inc()
        latency = self._latencies.get(route)
        if latency is None:
            latency = self._latencies[route] = self.metrics.latency.labels(route)
        latency.observe(seconds)
        if not self.log or not access_log.isEnabledFor(logging.INFO):
            return
        target = scope.get("path", "")
        query_string = scope.get("query_string", b"")
        if query_string:
            target += "?" + query_string.decode("latin-1")
        client = scope.get("client") or ("", 0)
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "client": client[0],
            "method": scope["method"],
            "path": target[:MAX_LOGGED_PATH],
            "route": route,
            "status": answer["status"],
            "bytes": answer["bytes"],
            "ms": round(seconds * 1000, 2),
        }
        stats = scope.get("state", {}).get("query_stats")
        if stats:  # filled in by the engine when the query ended (after streaming, too)
            seconds = stats.get("seconds")
            if isinstance(seconds, int | float):
                entry["query_ms"] = round(seconds * 1000, 2)
            if stats.get("rows") is not None:
                entry["rows"] = stats["rows"]
        if answer["cache"]:
            entry["cache"] = answer["cache"]
        access_log.info(json.dumps(entry, ensure_ascii=False))


def note_query(scope: Scope, stats: dict[str, object]) -> None:
    """Log this request with a query's engine statistics (a dict the engine fills in when
    the query ends, which for a streamed answer is after the route returned)."""
    scope.setdefault("state", {})["query_stats"] = stats
