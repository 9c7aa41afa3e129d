"""The query inspector finds forms, updates, SERVICE and FROM, and is not fooled by names."""

from __future__ import annotations

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
