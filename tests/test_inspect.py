"""The query inspector finds forms, updates, SERVICE and FROM, and is not fooled by names."""

from __future__ import annotations

import contextlib

import pytest

from projectgraph.sparql.inspect import inspect


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("select ?x where { ?x ?y ?z }", "SELECT"),
        ("PREFIX ex: <http://ex.org/>\nBASE <http://b.org/>\nASK { ?s ex:p ?o }", "ASK"),
        ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://ex.org/a>", "DESCRIBE"),
        ("PREFIX select: <http://ex.org/> ASK { ?s select:p ?o }", "ASK"),
        ("nonsense", None),
        ("", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    found = inspect(text)
    assert found.form == form
    assert found.update is None
    assert found.returns_graph == (form in ("CONSTRUCT", "DESCRIBE"))


@pytest.mark.parametrize(
    ("text", "operation"),
    [
        ("INSERT DATA { <a:b> <a:c> <a:d> }", "INSERT"),
        ("prefix x: <http://x/> delete where { ?s ?p ?o }", "DELETE"),
        ("  LOAD <http://127.0.0.1:9/evil.ttl>", "LOAD"),
        ("CLEAR DEFAULT", "CLEAR"),
        ("DROP ALL", "DROP"),
        ("CREATE GRAPH <g:a>", "CREATE"),
        ("ADD <g:a> TO <g:b>", "ADD"),
        ("MOVE DEFAULT TO <g:b>", "MOVE"),
        ("COPY <g:a> TO <g:b>", "COPY"),
        ("WITH <g:a> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ],
)
def test_updates(text: str, operation: str) -> None:
    assert inspect(text).update == operation
    assert inspect(text).form is None


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1/sparql> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { service silent <http://x/> { ?s ?p ?o } }", True),
        ("SELECT ?service WHERE { ?service ?p ?o }", False),
        ("PREFIX ex: <http://ex.org/> SELECT * WHERE { ?s ex:SERVICE ?o }", False),
        ('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', False),
        ("SELECT * WHERE { ?s ?p '''\nSERVICE\n''' }", False),
        ("SELECT * WHERE { ?s <http://x.org/#SERVICE> ?o }", False),
        ("SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>", False),
        ("SELECT * WHERE { _:SERVICE ?p ?o }", False),
    ],
)
def test_service(text: str, service: bool) -> None:
    assert inspect(text).service is service


def test_dataset_clauses() -> None:
    assert inspect("SELECT * FROM <g:a> WHERE { ?s ?p ?o }").dataset_clause
    assert inspect("SELECT * FROM NAMED <g:a> WHERE { GRAPH ?g { ?s ?p ?o } }").dataset_clause
    assert not inspect("SELECT ?from WHERE { ?from ?p ?o }").dataset_clause
    assert not inspect('SELECT * WHERE { ?s ?p "FROM <g:a>" }').dataset_clause


def test_inspection_is_linear_on_hostile_input() -> None:
    import time

    text = "SELECT * WHERE { " + '"\\' * 200_000 + " }"
    started = time.perf_counter()
    inspect(text)
    assert time.perf_counter() - started < 2.0


# --- the inspector against the real engine -----------------------------------------------------

OBJECTS = [  # how the triple before SERVICE may end
    "true",
    "false",
    "1",
    "1e0",
    "1.5",
    ".5e3",
    "1.e2",
    '"x"',
    '"x"@en',
    '"x"@en-GB',
    '"x"^^<http://x/t>',
    "'x'",
    '"""x"""',
    "?v",
    "$v",
    "<http://x/i>",
    "p:a",
    ":a",
    "p:",
    ":",
    "_:b",
    "(1 2)",
    "[]",
]
SEPARATORS = [".", " .", ".\n", " . ", " .# c\r", "# c\r.", "# c\n.", " ;p:q ?w ."]
WORDS = ["SERVICE", "service", "SeRvIcE"]


class Listener:
    """A loopback TCP listener that counts connections (and answers nothing useful)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 500 Nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            conn.close()


# Data every object form above matches, so the engine gets as far as the SERVICE call.
MATCHING = """@prefix p: <http://x/> . @prefix : <http://y/> .
<http://x/s> <http://x/p> true, false, 1, 1e0, 1.5, 5.0e2, 1.0e2, "x", "x"@en, "x"@en-GB,
    "x"^^<http://x/t>, <http://x/i>, p:a, :a, p:, :, (1 2) ."""


def engine_connects(query: str, listener: Listener) -> bool:
    import pyoxigraph as ox

    store = ox.Store()
    store.load(MATCHING.encode(), format=ox.RdfFormat.TURTLE)
    before = listener.connections
    with contextlib.suppress(Exception):  # any failure is fine: we only watch the listener
        list(store.query(query))
    return listener.connections > before


def test_no_query_reaches_the_network_without_being_flagged() -> None:
    listener = Listener()
    connected = 0
    for obj in OBJECTS:
        for separator in SEPARATORS:
            for word in WORDS:
                query = (
                    f"PREFIX p: <http://x/> PREFIX : <http://y/> SELECT * WHERE {{ ?s ?p {obj}{separator}"
                    f"{word} <http://127.0.0.1:{listener.port}/sparql> {{ ?a ?b ?c }} }}"
                )
                connects = engine_connects(query, listener)
                connected += connects
                assert inspect(query).service or not connects, f"SERVICE slipped through: {query!r}"
    assert connected > len(OBJECTS) * len(SEPARATORS)  # the corpus does make real SERVICE calls
    names = [
        f"PREFIX p: <http://x/> SELECT * WHERE {{ ?s p:{w} <http://127.0.0.1:{listener.port}/> }}"
        for w in WORDS
    ]
    for query in names:
        assert not inspect(query).service and not engine_connects(query, listener)
