"""projectgraph on a remote SPARQL store (a private Virtuoso): publish and serve --store URL.

The shared server suite (test_sparql_protocol, test_linked_data, test_named_query_api, ...)
runs on this backend through the parametrised ``server`` fixture; these tests are about what
only a remote store has: publishing into it atomically and idempotently, what readers see
while a publish runs, and a store that fails (refused, wrong password, silent, 500, gone).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs

import httpx
import pytest

from projectgraph.errors import ProjectGraphError, SettingsError
from projectgraph.publish.remote import read_state
from projectgraph.store.client import (
    AutoAuth,
    Endpoints,
    SparqlStore,
    StoreError,
    credentials,
    version_graph,
)
from projectgraph.store.forward import RemoteQueries, canonical_booleans
from projectgraph.store.remote_engine import VERSION_CHECK, VERSION_CHECK_ENV, version_check
from tests.conftest import REPO, publish
from tests.server import Server, projectgraph, start_server
from tests.virtuoso import USER, Virtuoso, start_virtuoso

GRAPH = "https://w3id.org/projectgraph/graph/published"
HAS_VERSION = "http://purl.org/dc/terms/hasVersion"
POINTER_COUNT = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ <{GRAPH}> <{HAS_VERSION}> ?v }} "
    "GRAPH ?v { ?s ?p ?o } }"
)


def admin(virtuoso: Virtuoso) -> SparqlStore:
    return SparqlStore(
        Endpoints(virtuoso.sparql, virtuoso.sparql_auth, virtuoso.graph_store),
        credentials(USER),
        retries=0,
    )


def count(url: str, query: str, **params: str) -> int:
    answer = httpx.post(
        url,
        data={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    bindings = answer.json()["results"]["bindings"]
    return int(bindings[0]["n"]["value"]) if bindings else 0


@pytest.fixture
def own_virtuoso(tmp_path: Path) -> Iterator[Virtuoso]:
    """A Virtuoso of this test alone (some tests kill it)."""
    running = start_virtuoso(tmp_path / "virtuoso")
    yield running
    running.stop()


def synthetic(folder: Path, projects: int, seed: int) -> Path:
    """A synthetic project folder (its build goes to folder/.projectgraph/dist)."""
    done = projectgraph(
        "synth", "--root", str(REPO), "--projects", str(projects), "--seed", str(seed),
        "--out", str(folder),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


def manifest_of(project: Path) -> dict[str, object]:
    return json.loads((project / ".projectgraph" / "dist" / "build.json").read_text())


def test_publish_is_atomic_for_readers_and_idempotent(
    own_virtuoso: Virtuoso, tmp_path: Path
) -> None:
    small = synthetic(tmp_path / "small", 10, seed=1)
    large = synthetic(tmp_path / "large", 40, seed=2)
    first = publish(own_virtuoso, tmp_path, "--project", str(small))
    assert first.returncode == 0, first.stdout + first.stderr
    first_triples = manifest_of(small)["triples"]
    assert count(own_virtuoso.sparql, POINTER_COUNT) == first_triples

    seen: Counter[int] = Counter()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen[count(own_virtuoso.sparql, POINTER_COUNT)] += 1

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        # Small requests, so the load takes many of them while the readers read.
        second = publish(own_virtuoso, tmp_path, "--project", str(large), "--chunk", "200")
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert second.returncode == 0, second.stdout + second.stderr
    # Each set's first build, in its own project's dist: release 1 of each.
    assert "pointer switched (release 1)" in first.stdout, first.stdout
    assert "pointer switched (release 1)" in second.stdout, second.stdout
    manifest = manifest_of(large)
    second_triples = manifest["triples"]
    assert isinstance(second_triples, int) and isinstance(first_triples, int)
    assert second_triples > first_triples
    assert set(seen) <= {first_triples, second_triples}, seen  # never a part of a build
    assert seen[first_triples] > 10
    assert count(own_virtuoso.sparql, POINTER_COUNT) == second_triples

    # The same build again: nothing loaded, one copy, the pointer where it was.
    again = publish(own_virtuoso, tmp_path, "--project", str(large), "--no-build")
    assert again.returncode == 0, again.stderr
    assert "was already complete" in again.stdout and "pointer unchanged" in again.stdout
    store = admin(own_virtuoso)
    state = read_state(store, GRAPH)
    version = version_graph(GRAPH, str(manifest["build_id"]))
    assert state.current == version
    assert state.versions[version].release == "1"  # dcat:version, beside dct:identifier
    assert [v.build_id for v in state.versions.values()].count(manifest["build_id"]) == 1
    assert store.count(version) == second_triples
    graphs = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    ours = sorted(row["g"] for row in graphs if row["g"].startswith(GRAPH))
    # The pointer graph, two versions (current and previous), each with its ontology copy.
    assert len(ours) == 5, ours
    store.close()


def test_an_interrupted_publish_is_loaded_anew(own_virtuoso: Virtuoso, tmp_path: Path) -> None:
    done = publish(own_virtuoso, tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "dist" / "build.json").read_text())
    version = version_graph(GRAPH, manifest["build_id"])
    store = admin(own_virtuoso)
    # What a publish killed mid-load leaves: a version graph without its record.
    store.update(f"DELETE WHERE {{ GRAPH <{GRAPH}> {{ <{version}> ?p ?o }} }}")
    store.update(f'DELETE WHERE {{ GRAPH <{version}> {{ ?s ?p "CLUSTERS3" }} }}')
    again = publish(own_virtuoso, tmp_path, "--no-build")
    assert again.returncode == 0, again.stderr
    assert "loaded" in again.stdout
    assert store.count(version) == manifest["triples"]
    store.close()


def test_serve_refuses_a_build_the_store_does_not_hold(
    own_virtuoso: Virtuoso, tmp_path: Path
) -> None:
    with pytest.raises(RuntimeError, match="publish it first"):
        start_server(tmp_path, "--store", own_virtuoso.sparql, wait=60)


class _Silent(BaseHTTPRequestHandler):
    """A store that takes requests and never answers."""

    def do_POST(self) -> None:
        time.sleep(30)

    def log_message(self, *args: object) -> None:
        pass


class _Failing(BaseHTTPRequestHandler):
    """A store that answers every request with a 500."""

    def do_POST(self) -> None:
        body = b"Virtuoso 42000 Error SR008: the store is broken today\n"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_store(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = request.param
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def run_publish(to: str, dist: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``publish`` of the session's build as it is (the failures below are the store's, so
    no build of their own: ten seconds each)."""
    return projectgraph(
        "publish", "--root", str(REPO), "--dist", str(dist), "--no-build", "--to", to,
        "--quiet", *args, timeout=300,
    )  # fmt: skip


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def assert_clear_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: the SPARQL store at") or done.stderr.startswith(
        "error: cannot reach the SPARQL store"
    ), done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_publish_to_a_closed_port_says_connection_refused(dist: Path) -> None:
    done = run_publish(f"http://127.0.0.1:{closed_port()}/sparql", dist)
    assert_clear_failure(done, "connection refused")


def test_publish_with_a_wrong_password_says_so(virtuoso: Virtuoso, dist: Path) -> None:
    done = run_publish(virtuoso.sparql_auth, dist, "--auth", "dba:wrong")
    assert_clear_failure(done, "HTTP 401", "credentials")


@pytest.mark.parametrize("fake_store", [_Silent], indirect=True)
def test_publish_to_a_silent_store_times_out(fake_store: str, dist: Path) -> None:
    started = time.monotonic()
    done = run_publish(fake_store, dist, "--timeout", "0.5")
    assert_clear_failure(done, "did not answer within 0.5 s")
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("fake_store", [_Failing], indirect=True)
def test_a_store_answering_500_is_named_with_its_message(fake_store: str, dist: Path) -> None:
    done = run_publish(fake_store, dist)
    assert_clear_failure(done, "HTTP 500", "the store is broken today")


@pytest.fixture
def served_by_own_virtuoso(own_virtuoso: Virtuoso, tmp_path: Path) -> Iterator[Server]:
    done = publish(own_virtuoso, tmp_path)
    assert done.returncode == 0, done.stderr
    running = start_server(tmp_path, "--store", own_virtuoso.sparql, "--timeout", "5")
    yield running
    running.stop()


def test_serve_survives_the_store_going_away(
    own_virtuoso: Virtuoso, served_by_own_virtuoso: Server, tmp_path: Path
) -> None:
    url = served_by_own_virtuoso.url
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    assert httpx.get(url + "/sparql", params=query).status_code == 200
    assert httpx.get(url + "/health").json()["store"]["reachable"] is True

    port = int(own_virtuoso.base.rsplit(":", 1)[1])
    own_virtuoso.kill()
    answer = httpx.get(url + "/sparql", params=query, timeout=30)
    assert answer.status_code == 502
    assert "cannot reach the SPARQL store" in answer.text
    health = httpx.get(url + "/health", timeout=30)
    assert health.status_code == 503
    body = health.json()
    assert body["status"] == "down" and body["store"]["reachable"] is False
    assert "cannot reach the SPARQL store" in body["store"]["error"]
    # Everything that needs no query still answers.
    for path in ("/dumps/projectgraph.ttl", "/.well-known/void", "/docs", "/openapi.json"):
        assert httpx.get(url + path, timeout=30).status_code == 200, path
    # Cached named-query answers too (warmed at start-up).
    assert httpx.get(url + "/api/queries/projects", timeout=30).status_code == 200

    # The store comes back (same database, same port): so does the server.
    back = start_virtuoso(tmp_path / "virtuoso", http_port=port)
    try:
        assert httpx.get(url + "/health", timeout=30).json()["store"]["reachable"] is True
        assert httpx.get(url + "/sparql", params=query, timeout=30).status_code == 200
    finally:
        back.stop()


def test_the_dataset_is_the_build_and_nothing_else_of_the_store(server: Server) -> None:
    """On either backend a query sees the build and nothing of the store's own: the embedded
    store has the per-source graphs, the remote one none (not Virtuoso's system graphs
    either), and a store's own pragmas and SQL functions never reach it."""
    sparql = server.url + "/sparql"
    graphs = count(sparql, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    if server.backend == "virtuoso":
        assert graphs == 0
    else:
        assert graphs >= 8  # the project, the curated statements, reference data, ontology
    internal = "http://www.openlinksw.com/schemas/virtrdf#"
    assert count(sparql, f"SELECT (COUNT(*) AS ?n) FROM <{internal}> WHERE {{ ?s ?p ?o }}") == 0
    everything = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(sparql, everything, **{"default-graph-uri": internal}) == 0
    assert count(sparql, everything) > 1000  # the build itself is there
    pragma = httpx.post(sparql, data={"query": 'define input:grab-all "yes" SELECT * { ?s ?p ?o }'})
    assert pragma.status_code == 400
    for function in ("bif:http_get", "<bif:file_to_string>", "sql:x"):
        call = f'SELECT ({function}("http://127.0.0.1:1/") AS ?x) {{}}'
        refused = httpx.post(sparql, data={"query": call})
        assert refused.status_code == 403, (function, refused.text)
        assert "built-in functions" in refused.text


def test_named_queries_agree_on_both_backends(tmp_path: Path, virtuoso: Virtuoso) -> None:
    """Every named query (default parameters) answers the same rows from Oxigraph and from
    Virtuoso, through projectgraph."""
    folder = tmp_path / "agree"
    done = publish(virtuoso, folder)
    assert done.returncode == 0, done.stderr
    env = {"PROJECTGRAPH_CACHE_ENTRIES": "0"}
    embedded = start_server(folder, "--no-build", env=env)
    remote = start_server(folder, "--no-build", "--store", virtuoso.sparql, env=env)
    try:
        names = [q["name"] for q in httpx.get(embedded.url + "/api/queries").json()]
        assert len(names) >= 10
        for name in names:
            answers = [
                httpx.get(s.url + f"/api/queries/{name}", timeout=60) for s in (embedded, remote)
            ]
            assert [a.status_code for a in answers] == [200, 200], name
            ours, theirs = (a.json() for a in answers)
            key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
            assert sorted(ours, key=key) == sorted(theirs, key=key), name
    finally:
        embedded.stop()
        remote.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_credentials_come_from_the_flag_or_the_environment() -> None:
    assert credentials(None, {}) is None
    with pytest.raises(ProjectGraphError, match="user:password"):
        credentials("no-colon", {})
    flag = credentials("alice:s3:cret", {"PROJECTGRAPH_STORE_AUTH": "bob:x"})
    assert isinstance(flag, AutoAuth) and (flag.user, flag.password) == ("alice", "s3:cret")
    env = credentials(None, {"PROJECTGRAPH_STORE_AUTH": "bob:x"})
    assert isinstance(env, AutoAuth) and env.user == "bob"
    token = credentials(None, {"PROJECTGRAPH_STORE_TOKEN": "t0ken"})
    request = httpx.Request("POST", "http://127.0.0.1/sparql")
    assert next(token.auth_flow(request)).headers["Authorization"] == "Bearer t0ken"  # type: ignore[union-attr]


def test_basic_auth_is_answered_when_the_store_asks_for_it() -> None:
    """AutoAuth answers a Basic challenge (Fuseki, GraphDB) as it answers Virtuoso's Digest."""

    def store(request: httpx.Request) -> httpx.Response:
        expected = "Basic " + base64.b64encode(b"alice:pw").decode()
        if request.headers.get("authorization") != expected:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="fuseki"'})
        return httpx.Response(
            200,
            json={
                "head": {"vars": ["n"]},
                "results": {"bindings": [{"n": {"type": "literal", "value": "7"}}]},
            },
        )

    client = SparqlStore(Endpoints("http://store.invalid/ds"), AutoAuth("alice", "pw"))
    client.client = httpx.Client(auth=AutoAuth("alice", "pw"), transport=httpx.MockTransport(store))
    assert client.count("urn:g") == 7


@pytest.mark.parametrize("size", [1, 7, 61, 128, 129, 4096])
def test_booleans_are_mended_however_the_answer_is_cut(size: int) -> None:
    """Virtuoso's JSON says "value": "1" for xsd:boolean true; the forwarder mends it in the
    stream, whatever the chunk boundaries (a match is never split)."""
    term = (
        '{ "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", '
        '"value": "%s" }'
    )
    answer = ", ".join(term % v for v in "10" * 40).encode()
    chunks = [answer[i : i + size] for i in range(0, len(answer), size)]
    mended = b"".join(canonical_booleans(iter(chunks)))
    assert mended == ", ".join(term % v for v in ("true", "false") * 40).encode()
    untouched = b'{"type": "literal", "value": "1"}, {"datatype": "urn:x#boolean", "value": "0"}'
    assert b"".join(canonical_booleans(iter([untouched]))) == untouched


def retitle(root: Path, title: str) -> None:
    """A new title for CLUSTERS3 in the copy at ``root``: the next build differs."""
    record = root / "data" / "projects" / "clusters3.ttl"
    text = record.read_text(encoding="utf-8")
    old = re.search(r'"(Leveraging Cluster Policies[^"]*)"', text)
    assert old is not None
    record.write_text(text.replace(old.group(1), title), "utf-8")


def test_a_served_version_is_kept_here_and_its_loss_elsewhere_reported(
    own_virtuoso: Virtuoso, project_copy: Path
) -> None:
    """Publishing drops versions older than the previous one, except one a server on this
    machine serves (it pins the build); a server whose version a publish from elsewhere
    dropped answers 503 saying so, not empty results."""
    here, elsewhere = project_copy / "here", project_copy / "elsewhere"
    done = publish(own_virtuoso, here, root=project_copy)
    assert done.returncode == 0, done.stderr
    # The version checked every second, not every VERSION_CHECK (ten) seconds.
    served = start_server(
        here, "--store", own_virtuoso.sparql, root=project_copy, env={VERSION_CHECK_ENV: "1"}
    )
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    try:
        triples = httpx.get(served.url + "/sparql", params=query).json()
        first = version_graph(GRAPH, served_build_id(served))
        for number in (2, 3):  # two more publishes from the same dist
            retitle(project_copy, f"Leveraging Cluster Policies, edition {number}")
            done = publish(own_virtuoso, here, root=project_copy)
            assert done.returncode == 0, done.stderr
        store = admin(own_virtuoso)
        assert first in read_state(store, GRAPH).versions  # kept: the server pins it
        assert httpx.get(served.url + "/sparql", params=query).json() == triples

        retitle(project_copy, "Leveraging Cluster Policies, edition 4")
        done = publish(own_virtuoso, elsewhere, root=project_copy)  # another machine's dist
        assert done.returncode == 0, done.stderr
        assert first not in read_state(store, GRAPH).versions
        store.close()
        # The server notices by itself (within its check interval), before any /health.
        deadline = time.monotonic() + 1 + 10
        answer = httpx.get(served.url + "/sparql", params=query)
        while answer.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            answer = httpx.get(served.url + "/sparql", params=query)
        assert answer.status_code == 503, answer.text
        assert "no longer holds the version" in answer.text
        assert "Retry-After" in answer.headers
        health = httpx.get(served.url + "/health")
        assert health.status_code == 503
        assert health.json()["store"] == {
            "reachable": True,
            "holds_build": False,
            "error": health.json()["store"]["error"],
        }
        assert first in health.json()["store"]["error"]
    finally:
        served.stop()


def test_the_version_check_interval_can_be_set_from_the_environment() -> None:
    assert version_check({}) == VERSION_CHECK
    assert version_check({VERSION_CHECK_ENV: "0.5"}) == 0.5
    for bad in ("0", "-1", "inf", "nan", "ten"):
        with pytest.raises(SettingsError, match=VERSION_CHECK_ENV):
            version_check({VERSION_CHECK_ENV: bad})


def served_build_id(server: Server) -> str:
    return str(httpx.get(server.url + "/health").json()["build_id"])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def served_by_session_virtuoso(virtuoso: Virtuoso, tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own (5 s timeout) on the session's Virtuoso, which holds the
    shipped build already or is given it (the same build: the pointer stays where it is)."""
    done = publish(virtuoso, tmp_path)
    assert done.returncode == 0, done.stderr
    running = start_server(tmp_path, "--store", virtuoso.sparql, "--timeout", "5")
    yield running
    running.stop()


def test_a_timed_out_query_stops_on_the_store_too(
    virtuoso: Virtuoso, served_by_session_virtuoso: Server
) -> None:
    """The worker is killed at the timeout, and the store is asked to stop then as well:
    without that, Virtuoso went on computing after the client had its 503."""
    # Virtuoso notices a closed connection during a plain cartesian count and stops, but not
    # while it filters one with a regex: without the store's own limit it went on at one core.
    filtered = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
        'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "(a|aa)*zz")) }'
    )
    started = time.monotonic()
    answer = httpx.get(
        served_by_session_virtuoso.url + "/sparql", params={"query": filtered}, timeout=60
    )
    assert answer.status_code == 503, answer.text
    assert "limit and was stopped" in answer.text
    # Answered at the limit, not when the query would have ended (hours): a hang detector.
    assert time.monotonic() - started < 5 + 25
    # The store's own stop lags its limit a little (measured: 0.5 s, more on a busy machine):
    # within 30 s it must be idle over a whole 2 s window.
    deadline = time.monotonic() + 30
    while True:
        before = cpu_seconds(virtuoso.process.pid)
        time.sleep(2.0)
        busy = (cpu_seconds(virtuoso.process.pid) - before) / 2.0
        if busy < 0.3 or time.monotonic() > deadline:
            break
    assert busy < 0.3, f"Virtuoso still used {busy:.2f} cores 30 s after the query's timeout"


class _Partial(BaseHTTPRequestHandler):
    """A store that stops every query at the time it is given and answers what it had, the
    way Virtuoso does (200, an empty result, X-SQL-State S1TAT); it keeps the forms it got."""

    forms: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.forms.append(parse_qs(self.rfile.read(length).decode()))
        body = b'{"head": {"vars": ["n"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("X-SQL-State", "S1TAT")
        self.send_header("X-SQL-Message", "RC...: Returning incomplete results")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("fake_store", [_Partial], indirect=True)
def test_the_store_is_given_the_timeout_and_its_partial_answer_refused(fake_store: str) -> None:
    remote = RemoteQueries(fake_store, "urn:x:version")
    try:
        with pytest.raises(StoreError) as stopped:
            remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=2.5)
        assert stopped.value.status == 503
        assert "ran longer than the 2.5 s limit" in stopped.value.message
        assert _Partial.forms[-1]["timeout"] == ["2500"]
        # Without a timeout of ours, a partial answer is still an error, never data.
        with pytest.raises(StoreError, match="partial result"):
            remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert "timeout" not in _Partial.forms[-1]
    finally:
        remote.close()
        remote.store.close()
