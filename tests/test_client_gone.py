"""A request whose client has gone stops its work (web/middleware/gone.py, store/pool.py).

One worker: a slow query holds it while two point queries wait their turn. The waiting
clients hang up: their queries leave the queue without running (no worker is replaced for
them). Then the slow query's client hangs up: after a moment's grace its worker is stopped and
replaced, long before the query would have timed out. Every check is on the server's own counters; the
polls only bound a hang.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.server import Server, start_server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
POINT = "SELECT ?p ?o WHERE { <https://w3id.org/projectgraph/id/project/clusters3> ?p ?o }"
HANG = 60.0  # seconds a poll may take before the test calls it a hang (not a speed limit)


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # A timeout no test reaches: a query stopped here was stopped because its client left.
    running = start_server(tmp_path_factory.mktemp("gone"), "--workers", "1", "--timeout", "600")
    yield running
    running.stop()


def ask(server: Server, query: str) -> socket.socket:
    """Send a GET /sparql over a raw connection and leave the answer unread."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)))
    connection.sendall(
        f"GET /sparql?query={quote(query, safe='')} HTTP/1.1\r\nHost: {host}\r\n"
        "Accept: application/sparql-results+json\r\n\r\n".encode()
    )
    return connection


def engine(server: Server) -> dict[str, int]:
    health: dict[str, dict[str, int]] = httpx.get(server.url + "/health", timeout=30).json()
    return health["engine"]


def until(server: Server, wanted: dict[str, int]) -> dict[str, int]:
    """/health's engine figures once they include ``wanted``."""
    deadline = time.monotonic() + HANG
    while True:
        now = engine(server)
        if all(now.get(k) == v for k, v in wanted.items()):
            return now
        assert time.monotonic() < deadline, f"still {now}, waiting for {wanted}"
        time.sleep(0.05)


def gone_count(server: Server) -> float:
    metrics = httpx.get(server.url + "/metrics", timeout=30).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("projectgraph_http_requests_total")
        and 'route="/sparql"' in line
        and 'status="499"' in line
    )


def test_queries_of_clients_that_left_do_not_hold_the_worker(one_worker: Server) -> None:
    before = engine(one_worker)
    slow = ask(one_worker, SLOW)
    until(one_worker, {"workers_idle": 0})
    waiting = [ask(one_worker, POINT), ask(one_worker, POINT)]
    until(one_worker, {"queries_waiting": 2})

    for connection in waiting:
        connection.close()
    after_waiting = until(one_worker, {"queries_waiting": 0})
    assert after_waiting["worker_restarts"] == before["worker_restarts"]  # never ran
    assert after_waiting["workers_idle"] == 0  # the slow query still runs

    slow.close()
    stopped = until(
        one_worker,
        {"worker_restarts": before["worker_restarts"] + 1, "workers_alive": 1, "workers_idle": 1},
    )
    assert stopped["query_timeouts"] == before["query_timeouts"]  # stopped, not timed out
    assert gone_count(one_worker) == 3

    answer = httpx.get(one_worker.url + "/sparql", params={"query": POINT}, timeout=30)
    assert answer.status_code == 200 and answer.json()["results"]["bindings"]


def test_a_client_that_stays_gets_its_answer(one_worker: Server) -> None:
    """The watch does not cut a normal exchange: GET, POST with and without a body,
    keep-alive."""
    with httpx.Client(base_url=one_worker.url, timeout=30) as http:
        for _ in range(3):
            assert http.get("/sparql", params={"query": POINT}).status_code == 200
            posted = http.post("/sparql", data={"query": POINT})
            assert posted.status_code == 200 and posted.json()["results"]["bindings"]
            direct = http.post(
                "/sparql", content=POINT, headers={"Content-Type": "application/sparql-query"}
            )
            assert direct.status_code == 200
            # A POST without a body: the handler reads the empty body the watch kept for it.
            empty = http.post(
                "/sparql", headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            assert empty.status_code == 400 and "no query" in empty.text
    assert engine(one_worker)["query_timeouts"] == 0
