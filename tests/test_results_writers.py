"""The capped-result writers agree with pyoxigraph's own writers on awkward values."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from projectgraph.sparql.results import WRITERS, plain_json, plain_rows, rows_json, write_json

DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:p "plain" , "tab\\there" , "quote \\" and , comma" , "line\\nbreak" , "<xml> & 'amp'" ,
          "é ü 中文"@zh , "42"^^xsd:integer , "2016-04-01"^^xsd:date , "x"@en-GB , "" .
ex:b ex:p _:blank .
ex:c ex:q ex:d .
"""
QUERY = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } } ORDER BY ?s ?p ?o"
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
    "csv": ox.QueryResultsFormat.CSV,
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return store


def rows_of(
    data: bytes, fmt: ox.QueryResultsFormat
) -> tuple[list[str], list[tuple[str | None, ...]]]:
    parsed = ox.parse_query_results(data, format=fmt)
    variables = [v.value for v in parsed.variables]
    return variables, [tuple(None if t is None else str(t) for t in row) for row in parsed]


@pytest.mark.parametrize("key", ["json", "xml", "tsv"])
def test_writer_matches_pyoxigraph(store: ox.Store, key: str) -> None:
    ours_result = store.query(QUERY)
    variables = [v.value for v in ours_result.variables]
    ours = WRITERS[key](variables, [tuple(row) for row in ours_result])
    theirs = store.query(QUERY).serialize(format=FORMATS[key])
    assert rows_of(ours, FORMATS[key]) == rows_of(theirs, FORMATS[key])
    assert len(rows_of(ours, FORMATS[key])[1]) == 12


def test_csv_writer_matches_pyoxigraph_bytes(store: ox.Store) -> None:
    # pyoxigraph cannot parse CSV results (they lose term types), so compare the text itself.
    result = store.query(QUERY)
    variables = [v.value for v in result.variables]
    ours = WRITERS["csv"](variables, [tuple(row) for row in result])
    theirs = store.query(QUERY).serialize(format=ox.QueryResultsFormat.CSV)
    assert ours.decode().splitlines() == theirs.decode().splitlines()


def test_a_terms_plain_value_is_what_the_json_round_trip_gives() -> None:
    """The answers stage converts each term straight to its plain value; that must be what
    the server's conversion (SPARQL JSON, read as plain rows, written as rows) gives."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    terms = [
        ox.NamedNode("http://example.org/é"),
        ox.BlankNode("b1"),
        ox.Literal('hé\n"llo', language="fr"),
        ox.Literal("plain\t"),
        *(
            ox.Literal(value, datatype=ox.NamedNode(xsd + kind))
            for value, kind in [
                ("42", "integer"),
                ("4x", "int"),
                ("1.50", "decimal"),
                ("NaN", "double"),
                ("1e300", "double"),
                ("INF", "float"),
                ("true", "boolean"),
                ("0", "boolean"),
                ("2020-01-01", "date"),
            ]
        ),
        ox.Triple(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o")),
    ]
    for term in terms:
        row = rows_json(plain_rows(write_json(["v"], [(term,)]))).decode()
        assert row == '[{"v": ' + plain_json(term) + "}]\n", term
