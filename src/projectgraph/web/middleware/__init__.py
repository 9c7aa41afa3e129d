"""The ASGI middleware of the server, one job each, and the order they wrap the app in."""

from __future__ import annotations

from fastapi import FastAPI

from projectgraph.settings import Settings
from projectgraph.web.metrics import Metrics
from projectgraph.web.middleware.compression import CompressExceptDumps
from projectgraph.web.middleware.cors import add_cors
from projectgraph.web.middleware.gone import StopWhenGone
from projectgraph.web.middleware.hardening import HardeningHeaders
from projectgraph.web.middleware.hosts import AllowedHosts
from projectgraph.web.middleware.observe import Observe
from projectgraph.web.middleware.ratelimit import RateLimit


def add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Wrap ``app``, innermost first: stopping the work of a request whose client has gone,
    compression, the rate limit, allowed hosts, hardening headers (on every answer, refusals
    too), the access log and metrics (which see every status), and CORS outermost (its
    preflight answers need nothing else)."""
    app.add_middleware(StopWhenGone)
    app.add_middleware(CompressExceptDumps, minimum_size=1024)
    app.add_middleware(
        RateLimit,
        rate=settings.rate_limit,
        burst=settings.rate_burst,
        trusted_proxies=settings.trusted_proxies,
        loopback=settings.rate_limit_loopback,
        on_limited=lambda: metrics.reject(429),
    )
    if settings.allowed_hosts:
        app.add_middleware(
            AllowedHosts,
            patterns=settings.allowed_hosts,
            trusted_proxies=settings.trusted_proxies,
        )
    app.add_middleware(HardeningHeaders, retry_after=settings.retry_after)
    app.add_middleware(Observe, metrics=metrics, log=settings.access_log)
    add_cors(app)
