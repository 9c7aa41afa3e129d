"""Small SPARQL queries over real HTTP: what the fast paths of the endpoint, the worker pool
and the query worker answer is what pyoxigraph answers in-process.

The worker writes capped SELECT results through pyoxigraph's TSV writer and counts lines to
stop at the cap, so terms with line breaks, tabs and quotes, language tags, datatypes, blank
nodes, triple terms and unbound values must all survive the trip, in every format, cut or not.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.store.embedded import open_store
from tests.server import Server, start_server

MAX_ROWS = 3
GRAPHS = "https://w3id.org/projectgraph/graph/data/"
# Five rows of awkward terms: a TSV line per row only if every term escapes its line breaks.
AWKWARD = """SELECT ?x ?y WHERE { VALUES (?x ?y) {
  ("line\\nbreak\\r\\nand\\ttab \\"quoted\\" \\\\ back" "dé"@fr-be)
  (<http://example.org/a?b=c#d> 42)
  (UNDEF "1.5"^^<http://www.w3.org/2001/XMLSchema#decimal>)
  (<<( <http://example.org/s> <http://example.org/p> "o\\nx" )>> "x"^^<http://example.org/dt>)
  ("" UNDEF)
} }"""
BLANK = "SELECT ?b WHERE { BIND(BNODE() AS ?b) }"
NO_VARIABLES = "SELECT * WHERE { }"
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("capped"), "--max-rows", str(MAX_ROWS))
    yield running
    running.stop()


def expected(query: str, limit: int | None = None) -> list[tuple[object, ...]]:
    """The rows pyoxigraph gives in-process (the query needs no data)."""
    result = ox.Store().query(query)
    assert isinstance(result, ox.QuerySolutions)
    rows = [tuple(row) for row in result]
    return rows if limit is None else rows[:limit]


def parsed(body: bytes, fmt: str) -> list[tuple[object, ...]]:
    if fmt == "json":  # pyoxigraph's parser refuses members after "results", as "truncated"
        document = json.loads(body)
        document.pop("truncated", None)
        body = json.dumps(document).encode()
    result = ox.parse_query_results(body, format=FORMATS[fmt])
    assert isinstance(result, ox.QuerySolutions)
    return [tuple(row) for row in result]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_a_cut_result_keeps_every_term_of_its_first_rows(capped: Server, fmt: str) -> None:
    response = httpx.get(
        capped.url + "/sparql", params={"query": AWKWARD, "format": fmt}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["x-sparql-maxrows"] == str(MAX_ROWS)
    assert parsed(response.content, fmt) == expected(AWKWARD, MAX_ROWS)
    if fmt == "json":
        assert response.json()["truncated"] == {"maxRows": MAX_ROWS}


def test_a_cut_csv_result_has_the_first_rows(capped: Server) -> None:
    # CSV keeps no types (a literal and an IRI look alike): compare the text of each term.
    response = httpx.get(
        capped.url + "/sparql", params={"query": AWKWARD, "format": "csv"}, timeout=30
    )
    assert response.status_code == 200 and response.headers["x-sparql-maxrows"] == "3"
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == ["x", "y"] and len(rows) == 1 + MAX_ROWS
    assert rows[1][0] == 'line\nbreak\r\nand\ttab "quoted" \\ back' and rows[1][1] == "dé"
    assert rows[2] == ["http://example.org/a?b=c#d", "42"]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("query", [AWKWARD, BLANK, NO_VARIABLES])
def test_a_result_within_the_cap_is_whole(capped: Server, fmt: str, query: str) -> None:
    limited = query if query != AWKWARD else query + f" LIMIT {MAX_ROWS}"
    response = httpx.get(
        capped.url + "/sparql", params={"query": limited, "format": fmt}, timeout=30
    )
    assert response.status_code == 200
    assert "x-sparql-maxrows" not in response.headers
    if fmt == "json":
        assert "truncated" not in response.json()
    if fmt == "csv":
        return  # untyped: the cut test reads it
    rows, want = parsed(response.content, fmt), expected(limited)
    assert len(rows) == len(want)
    if query == BLANK:  # a new blank node each time: compare the kind only
        assert all(isinstance(row[0], ox.BlankNode) for row in rows)
    else:
        assert rows == want


def test_point_queries_give_pyoxigraphs_rows(capped: Server, dist: Path) -> None:
    """Project descriptions through /sparql, in a row over one keep-alive connection (a
    worker serves one after another): the same rows as the build's store in-process."""
    store = ox.Store()
    with gzip.open(dist / "projectgraph.nt.gz", "rb") as merged:  # the served default graph
        store.bulk_load(cast(IO[bytes], merged), format=ox.RdfFormat.N_TRIPLES)
    projects = [
        row[0]
        for row in store.query(
            "SELECT ?p WHERE { ?p a <http://data.europa.eu/s66#Project> } ORDER BY ?p LIMIT 20"
        )  # type: ignore[union-attr]
    ]
    assert projects
    with httpx.Client(base_url=capped.url, timeout=30) as http:
        for project in projects:
            query = f"SELECT ?p ?o WHERE {{ {project} ?p ?o }} ORDER BY ?p ?o"
            response = http.get("/sparql", params={"query": query}, headers={"Accept": "*/*"})
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("application/sparql-results+json")
            rows = parsed(response.content, "json")
            assert rows == expected_on(store, query, MAX_ROWS)
            assert ("truncated" in json.loads(response.content)) == (
                len(expected_on(store, query)) > MAX_ROWS
            )


def expected_on(store: ox.Store, query: str, limit: int | None = None) -> list[tuple[object, ...]]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    rows = [tuple(row) for row in result]
    return rows if limit is None else rows[:limit]


DATASET_QUERIES = [
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
    ("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        {"default-graph-uri": [GRAPHS + "reference/roles", GRAPHS + "reference/topics"]},
    ),
    (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"named-graph-uri": GRAPHS + "reference/topics"},
    ),
    (f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS}reference/topics> WHERE {{ ?s ?p ?o }}", {}),
    (
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPHS}reference/roles> "
        "WHERE { GRAPH ?g { ?s ?p ?o } }",
        {},
    ),
]


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("on-disk")
    running = start_server(folder, "--store", str(folder / "store"))
    yield running
    running.stop()


@pytest.mark.parametrize(("query", "dataset"), DATASET_QUERIES)
def test_the_compacted_store_on_disk_has_the_same_dataset(
    on_disk: Server, dist: Path, query: str, dataset: dict[str, Any]
) -> None:
    """The store loaded and compacted on disk answers FROM, FROM NAMED, GRAPH and the
    protocol's dataset as the in-memory store loaded from the same build does."""
    assert "loaded the on-disk store" in on_disk.output()
    response = httpx.get(on_disk.url + "/sparql", params={"query": query, **dataset}, timeout=30)
    assert response.status_code == 200, response.text
    served = response.json()["results"]["bindings"][0]["n"]["value"]
    memory = open_store("memory", str(dist / "projectgraph.nq.zst"))
    defaults = dataset.get("default-graph-uri")
    named = dataset.get("named-graph-uri")
    options: dict[str, object] = {}
    if defaults or named:
        options["default_graph"] = [ox.NamedNode(g) for g in _listed(defaults)]
        options["named_graphs"] = [ox.NamedNode(g) for g in _listed(named)]
    result = memory.query(query, **options)  # type: ignore[arg-type]  # lists of NamedNode
    assert isinstance(result, ox.QuerySolutions)
    assert served == next(iter(result))["n"].value


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
