"""Observability: /metrics in the Prometheus text format, and the JSON access log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.server import Server, start_server


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("observed"), "--timeout", "2", "--workers", "1", quiet=False
    )
    yield running
    running.stop()


def samples(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(server.url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_by_route_status_and_rejections(observed: Server) -> None:
    before = samples(observed)
    url = observed.url
    for _ in range(3):
        assert httpx.get(url + "/page/project/clusters3").status_code == 200
    assert httpx.get(url + "/page/project/no-such-thing").status_code == 404
    assert httpx.get(url + "/sparql", params={"query": "SELECT * {"}).status_code == 400
    update = {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}
    assert httpx.get(url + "/sparql", params=update).status_code == 403
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    assert httpx.get(url + "/sparql", params={"query": slow}, timeout=30).status_code == 503
    assert httpx.get(url + "/sparql", params={"query": "ASK {}"}).status_code == 200
    after = samples(observed)

    page = {"route": "/page/{kind}/{slug}", "method": "GET"}
    total = "projectgraph_http_requests_total"
    assert (
        value(after, total, **page, status="200") - value(before, total, **page, status="200") == 3
    )
    assert (
        value(after, total, **page, status="404") - value(before, total, **page, status="404") == 1
    )
    rejected = "projectgraph_queries_rejected_total"
    for reason in ("malformed", "forbidden"):
        assert value(after, rejected, reason=reason) - value(before, rejected, reason=reason) == 1
    timeouts = "projectgraph_query_timeouts_total"
    assert value(after, timeouts) - value(before, timeouts) == 1
    count = "projectgraph_http_request_duration_seconds_count"
    assert value(after, count, route="/page/{kind}/{slug}") >= 4
    assert value(after, "projectgraph_query_seconds_count") > value(
        before, "projectgraph_query_seconds_count"
    )
    build = [k for k in after if k[0] == "projectgraph_build_info"]
    assert len(build) == 1 and dict(build[0][1])["store"] == "memory"
    assert value(after, "projectgraph_triples") > 1000


def test_every_request_is_one_json_line_with_query_time(observed: Server) -> None:
    number = str(time.monotonic_ns())
    marker = f"ASK {{ <urn:marker:{number}> ?p ?o }}"
    assert httpx.get(observed.url + "/sparql", params={"query": marker}).status_code == 200
    deadline = time.monotonic() + 10
    entry = None
    while entry is None and time.monotonic() < deadline:
        for line in observed.output().splitlines():
            if line.startswith("{") and number in line:
                entry = json.loads(line)
        time.sleep(0.1)
    assert entry is not None, observed.output()[-2000:]
    assert entry["method"] == "GET" and entry["status"] == 200 and entry["route"] == "/sparql"
    assert entry["client"] == "127.0.0.1" and entry["bytes"] > 0
    assert 0 <= entry["query_ms"] <= entry["ms"]
    assert "T" in entry["time"]  # ISO 8601


def test_a_named_query_run_logs_its_engine_time_and_a_cached_one_none(observed: Server) -> None:
    path = "/api/queries/project-summary?format=nt"  # not warmed, not materialized
    for _ in range(2):
        assert httpx.get(observed.url + path).status_code == 200
    deadline = time.monotonic() + 10
    entries: list[dict[str, object]] = []
    while len(entries) < 2 and time.monotonic() < deadline:
        entries = [
            json.loads(line)
            for line in observed.output().splitlines()
            if line.startswith("{") and f'"path": "{path}"' in line
        ]
        time.sleep(0.1)
    assert [e["cache"] for e in entries] == ["miss", "hit"], entries
    ran, cached = entries
    assert isinstance(ran["query_ms"], float) and 0 <= ran["query_ms"] <= float(ran["ms"])  # type: ignore[arg-type]
    assert "query_ms" not in cached
