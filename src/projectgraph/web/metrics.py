"""What the server did, as Prometheus metrics (``/metrics``, text format from prometheus_client,
one registry per server):

- ``projectgraph_http_requests_total{route,method,status}``: by route template
  (``/page/{kind}/{slug}``, not each IRI, so the number of series stays small);
- ``projectgraph_http_request_duration_seconds{route}``: a latency histogram;
- ``projectgraph_query_seconds``: engine time of each query (from its worker);
- ``projectgraph_queries_rejected_total{reason}``: refused before or by the engine
  (malformed, forbidden, too_long, busy, rate_limited, ...);
- read at each scrape from the engine: query timeouts, worker restarts, queries refused busy,
  waiting, workers alive; and the build served (``projectgraph_build_info``,
  ``projectgraph_triples``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
REJECTED_BY_STATUS = {
    400: "malformed",
    403: "forbidden",
    406: "not_acceptable",
    413: "too_long",
    414: "too_long",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class Metrics:
    """The server's metrics; the engine's health and the build are read at each scrape, from
    whichever build :meth:`serve` was last told of (they outlive a switch to a new build)."""

    def __init__(self, engine_health: Callable[[], dict[str, object]], build: dict[str, str]):
        self.engine_health = engine_health
        self.build = build
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "projectgraph_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "projectgraph_http_request_duration_seconds",
            "Time from request to the last byte of the answer, by route template.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.query_seconds = Histogram(
            "projectgraph_query_seconds",
            "Engine time of each query that ran to its end.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rejected = Counter(
            "projectgraph_queries_rejected",
            "Queries refused (malformed, forbidden, too long, busy, rate limited, ...).",
            ("reason",),
            registry=self.registry,
        )
        self.registry.register(_EngineCollector(self))

    def serve(self, engine_health: Callable[[], dict[str, object]], build: dict[str, str]) -> None:
        """Report on this engine and build from now on."""
        self.engine_health, self.build = engine_health, build

    def reject(self, status: int, reason: str | None = None) -> None:
        """Count a refused query."""
        self.rejected.labels(reason or REJECTED_BY_STATUS.get(status, str(status))).inc()

    def exposition(self) -> bytes:
        """The metrics in Prometheus text format."""
        return generate_latest(self.registry)


class _EngineCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        status = self.metrics.engine_health()
        build = self.metrics.build
        for key, name, text in (
            ("query_timeouts", "projectgraph_query_timeouts", "Queries stopped at the timeout."),
            ("worker_restarts", "projectgraph_worker_restarts", "Query workers replaced."),
            (
                "queries_out_of_memory",
                "projectgraph_queries_out_of_memory",
                "Queries stopped at the worker's memory allowance.",
            ),
            (
                "queries_refused_busy",
                "projectgraph_queries_refused_busy",
                "Queries refused because every worker was busy (503).",
            ),
        ):
            yield CounterMetricFamily(name, text, value=float(status.get(key) or 0))  # type: ignore[arg-type]
        for key, name, text in (
            ("queries_waiting", "projectgraph_queries_waiting", "Queries waiting for a worker."),
            ("workers_alive", "projectgraph_workers_alive", "Query workers running."),
            ("workers", "projectgraph_workers", "Query workers wanted."),
        ):
            yield GaugeMetricFamily(name, text, value=float(status.get(key) or 0))  # type: ignore[arg-type]
        info = GaugeMetricFamily(
            "projectgraph_build_info", "The build served.", labels=("build_id", "store")
        )
        info.add_metric((build.get("build_id", ""), str(status.get("store", ""))), 1.0)
        yield info
        yield GaugeMetricFamily(
            "projectgraph_triples",
            "Triples in the merged graph served.",
            value=float(build.get("triples", 0) or 0),
        )
