"""Limits that need their own server: the query timeout frees the worker; results stream."""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from projectgraph.pipeline.run import build
from projectgraph.settings import load_settings
from tests.server import Server, start_server
from tests.test_hostile import expand

HOSTILE = Path(__file__).parent / "hostile"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 1.5
# How late a 503 may come after the timeout: a busy machine delays the answer by seconds, a
# timeout that failed would leave these queries running for minutes.
MARGIN = 10.0
RESTART_WAIT = 60.0  # seconds a replacement worker may take to be up


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("strict"), "--timeout", str(TIMEOUT), "--workers", "1"
    )
    yield running
    running.stop()


def test_timeout_gives_503_in_time_and_the_server_recovers(strict: Server) -> None:
    with httpx.Client(base_url=strict.url, timeout=30) as http:
        started = time.monotonic()
        response = http.get("/sparql", params={"query": CARTESIAN})
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert "stopped" in response.text and f"{TIMEOUT:g} s" in response.text
        assert elapsed < TIMEOUT + MARGIN
        # One worker only: the next query needs the replacement. Waiting for it is bounded by the
        # same 1.5 s, which a busy machine may take to start a worker: /health says when it is up.
        replaced(strict, 1)
        after = http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert after.status_code == 200 and after.json()["boolean"] is True
        health = http.get("/health").json()["engine"]
        assert health["query_timeouts"] == 1 and health["worker_restarts"] == 1
        assert health["workers_alive"] == 1


def test_timeout_also_stops_graph_queries(strict: Server) -> None:
    query = "CONSTRUCT { ?a ?b ?i } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c"
    restarts = httpx.get(strict.url + "/health", timeout=30).json()["engine"]["worker_restarts"]
    started = time.monotonic()
    response = httpx.get(strict.url + "/sparql", params={"query": query}, timeout=30)
    assert response.status_code == 503 and time.monotonic() - started < TIMEOUT + MARGIN
    # the worker is replaced, and the next query is answered normally
    replaced(strict, restarts + 1)
    after = httpx.get(strict.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert after.status_code == 200
    assert httpx.get(strict.url + "/health").json()["status"] == "ok"


def replaced(server: Server, restarts: int) -> dict[str, object]:
    """The engine part of /health once ``restarts`` workers were replaced and all are alive
    (the server replaces a dead worker by itself, without a query asking for one)."""
    deadline = time.monotonic() + RESTART_WAIT
    while True:
        engine: dict[str, object] = httpx.get(server.url + "/health", timeout=30).json()["engine"]
        if engine["worker_restarts"] == restarts and engine["workers_alive"] == engine["workers"]:
            return engine
        assert time.monotonic() < deadline, f"no replacement within {RESTART_WAIT} s: {engine}"
        time.sleep(0.1)


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def test_a_million_rows_stream_without_piling_up(tmp_path: Path) -> None:
    # The timeouts bound a hang, not the machine's speed (idle, the stream takes ~10 s).
    server = start_server(tmp_path, "--max-rows", "0", "--workers", "1", "--timeout", "600")
    try:
        query = "SELECT ?a ?b WHERE { ?a ?p ?o . ?b ?q ?r } LIMIT 1000000"
        before = rss_kib(server.process.pid)
        rows = size = 0
        peak = before
        with httpx.stream(
            "GET", server.url + "/sparql", params={"query": query, "format": "tsv"}, timeout=600
        ) as r:
            assert r.status_code == 200
            assert "content-length" not in r.headers  # streamed, not buffered
            for chunk in r.iter_bytes():
                size += len(chunk)
                rows += chunk.count(b"\n")
                if rows % 100_000 < 2_000:
                    peak = max(peak, rss_kib(server.process.pid))
        assert rows == 1_000_001  # header + rows
        assert size > 50_000_000
        # the server relayed ~90 MB; its own memory grew by far less than that
        assert (peak - before) < 60 * 1024, f"server grew by {(peak - before) // 1024} MiB"
    finally:
        server.stop()


def test_on_disk_store_is_reused_after_a_restart(tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = start_server(tmp_path, "--store", str(store))
    try:
        assert "loaded the on-disk store" in first.output()
        assert httpx.get(first.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()[
            "boolean"
        ]
    finally:
        first.stop()
    stores = sorted(p.name for p in store.iterdir() if not p.name.startswith("."))
    inode = os.stat(store / stores[0]).st_ino
    second = start_server(tmp_path, "--store", str(store))
    try:
        assert "reusing the on-disk store" in second.output()
        assert sorted(p.name for p in store.iterdir() if not p.name.startswith(".")) == stores
        assert os.stat(store / stores[0]).st_ino == inode
        count = httpx.get(
            second.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        )
        triples = json.loads((tmp_path / "dist" / "build.json").read_text())["triples"]
        assert count.json()["results"]["bindings"][0]["n"]["value"] == str(triples)
        assert httpx.get(second.url + "/health").json()["engine"]["store"] == "disk"
    finally:
        second.stop()


def test_a_large_build_is_served_from_an_on_disk_store_beside_dist(tmp_path: Path) -> None:
    """With no --store, a build over memory_store_triples goes into .dist-store (here every
    build is "large": the bound is 0); the seed, under the default bound, stays in memory."""
    env = {"PROJECTGRAPH_MEMORY_STORE_TRIPLES": "0"}
    server = start_server(tmp_path, env=env)
    try:
        assert "loaded the on-disk store" in server.output()
        assert httpx.get(server.url + "/health").json()["engine"]["store"] == "disk"
        store = tmp_path / ".dist-store"
        assert [p for p in store.iterdir() if p.name.endswith(".loaded")], "no finished store"
        answer = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert answer.json()["boolean"]
    finally:
        server.stop()
    default = start_server(tmp_path)
    try:
        assert "in-memory store" in default.output()
        assert httpx.get(default.url + "/health").json()["engine"]["store"] == "memory"
    finally:
        default.stop()


def test_a_timeout_while_streaming_cuts_the_response_short(tmp_path: Path) -> None:
    """Once 200 and the first bytes are out, a timeout can only abort the transfer: the client
    must see an error (no final chunk), never a complete-looking short result."""
    # 3 s: long enough for the first rows to be out on a busy machine (then the 200 is sent).
    server = start_server(tmp_path, "--max-rows", "0", "--workers", "1", "--timeout", "3")
    try:
        query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        received = 0
        stream = httpx.stream(
            "GET", server.url + "/sparql", params={"query": query, "format": "tsv"}, timeout=30
        )
        with (
            pytest.raises(httpx.RemoteProtocolError),
            stream as response,
        ):  # the error comes mid-body
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += len(chunk)
        assert received > 0
        after = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert after.status_code == 200
        log = server.output()
        assert "stopped mid-stream" in log and "Traceback" not in log
    finally:
        server.stop()


def test_a_query_over_the_memory_limit_is_stopped_and_its_worker_replaced(tmp_path: Path) -> None:
    """The hostile case cost/concat-doubling (a string doubled 30 times) on a server whose
    timeout no machine reaches: the worker's memory limit, not the clock, must stop it."""
    case = tomllib.loads((HOSTILE / "cost" / "concat-doubling.toml").read_text(encoding="utf-8"))
    server = start_server(
        tmp_path,
        "--workers",
        "1",
        "--timeout",
        "600",
        env={"PROJECTGRAPH_WORKER_MEMORY": "256"},
    )
    try:
        query = expand(case["query"], listener="")
        response = httpx.post(server.url + "/sparql", data={"query": query}, timeout=600)
        assert response.status_code == 503, response.text
        assert "more memory than a query worker may use (256" in response.text
        engine = replaced(server, 1)
        assert engine["queries_out_of_memory"] == 1 and engine["query_timeouts"] == 0
        after = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        assert after.status_code == 200
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_that_dies_while_idle_is_replaced_before_it_fails_a_query(tmp_path: Path) -> None:
    import signal

    server = start_server(tmp_path, "--workers", "1")
    try:
        [worker] = children(server.process.pid)
        os.kill(worker, signal.SIGKILL)
        engine = replaced(server, 1)  # noticed and replaced with no query asking
        assert "exited" in str(engine["last_error"])
        response = httpx.get(
            server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30
        )
        assert response.status_code == 200
        assert httpx.get(server.url + "/health").json()["engine"]["worker_restarts"] == 1
        assert children(server.process.pid) != [worker]
    finally:
        server.stop()


def test_a_running_server_keeps_its_build_while_others_are_made(built_project_copy: Path) -> None:
    project_copy = built_project_copy  # served as built: the server finds dist current
    server = start_server(project_copy, "--workers", "1", root=project_copy)
    try:
        served = (project_copy / "dist").resolve()
        # Three builds: the third would prune the served one (KEEP_BUILDS keeps two before
        # the current) but for the server pinning it. Each of a retitled record (a rebuild
        # from the cache, not a whole build as a new base IRI made it).
        record = project_copy / "data" / "projects" / "clusters3.ttl"
        text = record.read_text(encoding="utf-8")
        seen = {served.name}
        for edition in (2, 3, 4):
            title = f"Leveraging Cluster Policies, edition {edition}"
            record.write_text(text.replace("Leveraging Cluster Policies", title, 1), "utf-8")
            build(load_settings(project_copy, {"dist_dir": project_copy / "dist"}), quiet=True)
            seen.add((project_copy / "dist").resolve().name)
        assert len(seen) == 4, seen  # three new builds
        assert served.is_dir() and (project_copy / "dist").resolve() != served
        # a replacement worker still finds the dump it serves
        [worker] = children(server.process.pid)
        os.kill(worker, 9)
        replaced(server, 1)
        response = httpx.get(
            server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30
        )
        assert response.status_code == 200
    finally:
        server.stop()
