"""Accept negotiation: q-values, wildcards, specificity, ties, garbage."""

from __future__ import annotations

import pytest

from projectgraph.rdf.conneg import explicitly_accepts, negotiate, parse_accept
from projectgraph.rdf.formats import by_name, offers

RESULTS = offers(returns_graph=False)
GRAPHS = offers(returns_graph=True)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("text/*;q=0.3, text/tab-separated-values;q=0.4", "text/tab-separated-values"),
        ("application/sparql-results+xml;q=0.5, */*;q=0.6", "application/sparql-results+json"),
        ("text/csv;q=0, text/*", "text/tab-separated-values"),
        ("application/json", "application/json"),
        ("APPLICATION/SPARQL-RESULTS+XML", "application/sparql-results+xml"),
        ("image/png", None),
        ("text/csv;q=banana", None),
        ("text/csv;charset=utf-8", "text/csv"),
    ],
)
def test_results(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, RESULTS) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/turtle"),
        ("application/*", "application/ld+json"),
        ("text/plain", "text/plain"),
        ("application/rdf+xml, text/turtle;q=0.9", "application/rdf+xml"),
        ("application/trig;q=1.0, application/n-quads;q=1.0", "application/n-quads"),
    ],
)
def test_graphs(accept: str | None, expected: str) -> None:
    assert negotiate(accept, GRAPHS) == expected


def test_parse_and_explicit() -> None:
    assert parse_accept("text/html;level=1;q=0.7, */*;q=0.1") == (
        ("text", "html", 0.7),
        ("*", "*", 0.1),
    )
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert explicitly_accepts(browser, "text/html")
    assert not explicitly_accepts("text/*", "text/html")
    assert not explicitly_accepts("text/html;q=0", "text/html")


def test_format_names() -> None:
    assert by_name("TTL", returns_graph=True).media_type == "text/turtle"
    assert by_name("text/csv", returns_graph=False).key == "csv"
    assert by_name("csv", returns_graph=True) is None
    assert by_name("xml", returns_graph=True).media_type == "application/rdf+xml"
    assert by_name("xml", returns_graph=False).media_type == "application/sparql-results+xml"
    assert by_name("json", returns_graph=True).media_type == "application/ld+json"
    assert by_name("turtle", returns_graph=True).key == "ttl"
