"""SPARQL syntax as clients write it: relative IRIs, resolved against the endpoint's URL (the
Protocol's base, as Oxigraph's own server does), a query's own BASE winning over it; and a
call to a function the engine does not know, evaluated as SPARQL evaluates any expression
error (unbound in BIND and SELECT, the solution dropped by FILTER) on the embedded store, a
400 naming the function on a remote one: never a 5xx."""

from __future__ import annotations

import httpx
import pytest

from tests.server import Server

JSON = {"Accept": "application/sparql-results+json"}
UNKNOWN = "PREFIX ex: <http://example.org/functions#>\n"


def rows(http: httpx.Client, query: str) -> list[dict[str, str]]:
    """The rows of a SELECT, each variable's value (unbound ones left out)."""
    response = http.post("/sparql", data={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


def test_a_relative_iri_resolves_against_the_endpoint(http: httpx.Client, server: Server) -> None:
    assert rows(http, "SELECT (<a> AS ?x) {}") == [{"x": f"{server.url}/a"}]
    assert rows(http, "SELECT (<../up#f> AS ?x) {}") == [{"x": f"{server.url}/up#f"}]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { <a> <b> ?o }",
        "SELECT * FROM <file> WHERE { ?s ?p ?o }",
    ],
)
def test_queries_with_relative_iris_are_answered(http: httpx.Client, query: str) -> None:
    assert rows(http, query) == []  # nothing in the data is named so


def test_a_relative_iri_in_a_list_of_values(http: httpx.Client) -> None:
    query = "SELECT ?o WHERE { ?s ?p ?o FILTER(?o IN (<x>, <https://schema.org/Event>)) } LIMIT 3"
    found = rows(http, query)
    assert found and {row["o"] for row in found} == {"https://schema.org/Event"}


def test_the_querys_own_base_wins(http: httpx.Client) -> None:
    query = "BASE <http://example.org/base/> SELECT (<a> AS ?x) {}"
    assert rows(http, query) == [{"x": "http://example.org/base/a"}]


def test_a_relative_iri_can_name_a_resource_served_here(http: httpx.Client) -> None:
    """Behind a proxy at the canonical base, a relative IRI in a query names the canonical
    resource (the endpoint's URL is the canonical one)."""
    headers = {
        **JSON,
        "X-Forwarded-Host": "w3id.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/projectgraph",
    }
    query = (
        "SELECT ?title WHERE { <id/project/clusters3> <http://data.europa.eu/s66#title> ?title }"
    )
    response = http.post("/sparql", data={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    [row] = response.json()["results"]["bindings"]
    assert row["title"]["value"].startswith("Leveraging Cluster Policies")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?x WHERE { BIND(ex:unknown(1) AS ?x) }", [{}]),
        ("SELECT ?s WHERE { ?s ?p ?o FILTER(ex:unknown(?o)) } LIMIT 5", []),
        ("SELECT (ex:unknown(?s) AS ?y) WHERE { ?s a ?t } LIMIT 2", [{}, {}]),
        # Two unknown functions, and one the engine knows beside them.
        (
            'SELECT ?x ?n WHERE { BIND(ex:a(ex:b(1)) AS ?x) BIND(STRLEN("abc") AS ?n) }',
            [{"n": "3"}],
        ),
    ],
)
def test_an_unknown_function_is_an_expression_error(
    http: httpx.Client, server: Server, query: str, expected: list[dict[str, str]]
) -> None:
    response = http.post("/sparql", data={"query": UNKNOWN + query}, headers=JSON)
    if server.backend == "virtuoso":  # a remote store is not asked to evaluate it
        assert response.status_code == 400, response.text
        assert "<http://example.org/functions#" in response.text
        return
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    assert [{k: v["value"] for k, v in row.items()} for row in bindings] == expected
