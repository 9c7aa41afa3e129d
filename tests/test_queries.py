"""Query files: headers, parameters and syntax are checked when loaded, and values are bound
as RDF terms that cannot change a query's shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.sparql.bind import bind
from projectgraph.sparql.inspect import tokens
from projectgraph.sparql.named import (
    Parameter,
    ParameterError,
    QueryFileError,
    load_queries,
    load_query,
)
from tests.conftest import REPO

QUERIES = sorted((REPO / "queries").glob("*.rq"))
BASE = "https://w3id.org/projectgraph/"
HOSTILE = [
    '"} ; DROP ALL ; #',
    "> } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #",
    "x' } } UNION { ?s ?p ?o } #",
    'a\\" } INSERT DATA { <urn:a> <urn:b> <urn:c> } #',
    "line\nbreak } #",
]


def test_the_library_has_useful_queries() -> None:
    queries = load_queries(REPO / "queries")
    assert len(queries) >= 10
    for q in queries:
        assert q.summary and q.summary != q.name.replace("-", " "), f"{q.name}: no summary"
        assert q.tags, f"{q.name}: no tags"
        for p in q.parameters:
            assert p.description, f"{q.name}: parameter {p.name} is not described"
            assert p.example is not None or p.default is not None


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_parses_and_binds_its_defaults(path: Path, turtle_store: ox.Store) -> None:
    query = load_query(path)
    prepared = query.prepare({}, BASE)
    result = turtle_store.query(prepared, use_default_graph_as_union=True)
    assert list(result), f"{query.name} returns nothing with its defaults"


def _shape(text: str) -> list[tuple[str, str]]:
    """The token sequence of a query, with every string literal's content blanked."""
    return [(kind, "" if kind == "string" else word) for kind, word, _, _ in tokens(text)]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_string_stays_one_literal(value: str, turtle_store: ox.Store) -> None:
    query = load_query(REPO / "queries" / "organisations-by-name.rq")
    benign = query.prepare({"text": "invest"}, BASE)
    hostile = query.prepare({"text": value}, BASE)
    assert _shape(hostile) == _shape(benign)  # the same query, only the literal differs
    assert list(turtle_store.query(hostile, use_default_graph_as_union=True)) == []


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_iri_is_refused(value: str) -> None:
    query = load_query(REPO / "queries" / "project-partners.rq")
    with pytest.raises(ValueError, match=r"^project: "):
        query.prepare({"project": value}, BASE)


def test_bind_writes_values_as_terms() -> None:
    text = "SELECT ?x WHERE { ?x ?p ?_v }"
    bound = bind(text, {"_v": ox.Literal('say "hi"\n')})
    assert bound == 'SELECT ?x WHERE { VALUES (?_v) { ("say \\"hi\\"\\n") }  ?x ?p ?_v }'


def test_values_inside_the_group_constrain_aggregates(turtle_store: ox.Store) -> None:
    """A parameter used in HAVING works because VALUES sits inside the WHERE group."""
    query = load_query(REPO / "queries" / "organisations-by-projects.rq")
    for minimum, expected in (("1", 10), ("2", 0)):
        prepared = query.prepare({"min_projects": minimum}, BASE)
        assert len(list(turtle_store.query(prepared))) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }\n", r"bad\.rq:1: the #\+ header"),
        (
            "#+ summary: ok\n#+ params:\n#+   x:\n#+     colour: red\nSELECT * WHERE { ?s ?p ?_x }\n",
            r"parameter x: unknown key\(s\) colour",
        ),
        (
            "#+ params:\n#+   y: {description: d}\nSELECT * WHERE { ?s ?p ?o }\n",
            r"params y are not \?_name variables",
        ),
        ("SELECT * WHERE { ?s ?p ?_page }\n", r"\?_page cannot be a parameter"),
        (
            "#+ params:\n#+   n: {default: many}\nSELECT * WHERE { ?s ?p ?_n_integer }\n",
            r"parameter n: the default 'many' must be an integer",
        ),
        (
            "#+ params:\n#+   n: {pattern: '['}\nSELECT * WHERE { ?s ?p ?_n }\n",
            r"pattern is not a regular expression",
        ),
        ("#+ summary: x\nSELECT * WHERE {\n  ?s ?p ?o ) .\n}\n", r"bad\.rq:\d+:\d+: expected"),
        (
            "#+ pagination: 10\nSELECT * WHERE { ?s ?p ?o } LIMIT 5\n",
            r"bad\.rq:\d+:\d+: ",
        ),
        ("#+ pagination: lots\nSELECT * WHERE { ?s ?p ?o }\n", r"pagination must be a page size"),
        ("# nothing but a comment\n", r"not a SPARQL query"),
        (
            "SELECT * WHERE { ?s ?p ?_v . ?s ?q ?_v_iri }\n",
            r"\?_v and \?_v_iri would both be parameter v",
        ),
        (
            "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n",
            r"SERVICE \(a federated query\): named queries read the published graph only",
        ),
        ("DELETE WHERE { ?s ?p ?o }\n", r"SPARQL Update"),
        ("CONSTRUCT WHERE { ?s ?p ?_v }\n", r"CONSTRUCT WHERE \{ \} cannot take parameters"),
        ("DESCRIBE ?_v\n", r"no WHERE group to bind parameters into"),
    ],
)
def test_broken_query_files_are_refused_with_the_place(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.rq"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QueryFileError, match=message):
        load_query(path)


def test_a_query_without_header_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "plain.rq"
    path.write_text("SELECT ?s WHERE { ?s ?p ?_thing_iri }\n", encoding="utf-8")
    query = load_query(path)
    assert query.summary == "plain"
    (parameter,) = query.parameters
    assert (parameter.name, parameter.type, parameter.required) == ("thing", "iri", True)
    with pytest.raises(ValueError, match="thing: is required"):
        query.prepare({}, BASE)


NAMES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
"""
COUNTRY = "http://publications.europa.eu/resource/authority/country/ESP"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A subquery that does not select the parameter: the value still reaches it.
        (
            "SELECT ?name WHERE { { SELECT ?name WHERE {\n"
            "  ?o a eurio:Organisation ; eurio:hasSite/pg:country ?_c_iri ; skos:prefLabel ?name } } }\n",
            [
                "TCI Network-The Competitiveness Institute",
                "Tecnalia Research & Innovation Foundation",
            ],
        ),
        # With LIMIT inside: the value applies before the limit, as if written in the query.
        (
            "SELECT ?name WHERE { { SELECT ?name ?_c_iri WHERE {\n"
            "  ?o a eurio:Organisation ; eurio:hasSite/pg:country ?_c_iri ; skos:prefLabel ?name } ORDER BY ?name LIMIT 1 } }\n",
            ["TCI Network-The Competitiveness Institute"],
        ),
        # EXISTS in the SELECT list opens no WHERE group: the row goes to the real one.
        (
            "SELECT ?name (EXISTS { ?o skos:prefLabel ?name } AS ?named) WHERE {\n"
            "  ?o a eurio:Organisation ; eurio:hasSite/pg:country ?_c_iri ; skos:prefLabel ?name }\n",
            [
                "TCI Network-The Competitiveness Institute",
                "Tecnalia Research & Innovation Foundation",
            ],
        ),
    ],
)
def test_values_reach_every_scope_that_uses_them(
    tmp_path: Path, turtle_store: ox.Store, body: str, expected: list[str]
) -> None:
    path = tmp_path / "scoped.rq"
    path.write_text(NAMES + body, encoding="utf-8")
    prepared = load_query(path).prepare({"c": COUNTRY}, BASE)
    rows = turtle_store.query(prepared, use_default_graph_as_union=True)
    assert sorted(r["name"].value for r in rows) == expected


def test_optional_parameters_stay_unbound(tmp_path: Path) -> None:
    path = tmp_path / "optional.rq"
    path.write_text("SELECT ?s WHERE { ?s ?p ?__o }\n", encoding="utf-8")
    query = load_query(path)
    assert query.prepare({}, BASE) == query.text
    assert "VALUES (?__o)" in query.prepare({"o": "x"}, BASE)


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("kind", "raw", "term"),
    [
        ("integer", " 12 ", f'"12"^^<{XSD}integer>'),
        ("integer", "+3", f'"3"^^<{XSD}integer>'),
        ("decimal", "-.25", f'"-0.25"^^<{XSD}decimal>'),
        ("decimal", "1.5e3", f'"1500"^^<{XSD}decimal>'),
        ("decimal", "12345678901234.123456789", f'"12345678901234.123456789"^^<{XSD}decimal>'),
        ("date", "2020-02-29", f'"2020-02-29"^^<{XSD}date>'),
        ("boolean", "1", f'"true"^^<{XSD}boolean>'),
        ("string", "  two spaces  ", '"  two spaces  "'),
        ("iri", "id/project/x", f"<{BASE}id/project/x>"),
        ("iri", "urn:isbn:123", "<urn:isbn:123>"),
        ("iri", "https://a.example/x?y=1#z", "<https://a.example/x?y=1#z>"),
    ],
)
def test_values_become_typed_terms(kind: str, raw: str, term: str) -> None:
    assert str(Parameter("x", kind, "_x", False).term(raw, BASE)) == term


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        ("integer", "1_0", "must be an integer"),
        ("integer", "２", "must be an integer"),
        ("integer", "1.5", "must be an integer"),
        ("integer", "10000000000000000", "out of range"),
        ("decimal", "1e-400000000", "must be a number"),  # would be a billion digits
        ("decimal", "1e-31", "out of range"),
        ("decimal", "NaN", "must be a number"),
        ("date", "20200101", "YYYY-MM-DD"),
        ("date", "2021-02-29", "not a day of the calendar"),
        ("boolean", "yes", "true or false"),
        ("string", "x" * 1001, "longer than 1000"),
        ("string", "bad \udcff byte", "not valid Unicode"),
        ("iri", "", "is empty"),
        ("iri", "//elsewhere.example/x", "a path under the base IRI"),
        ("iri", "../../x", "a path under the base IRI"),
        ("iri", "mailto:a@example.org", "http(s) or urn"),
        ("iri", "https://a.example/b c", "not a valid IRI"),
        ("iri", "https://a.example/" + "x" * 2000, "longer than 2000"),
    ],
)
def test_unfit_values_say_why(kind: str, raw: str, reason: str) -> None:
    with pytest.raises(ParameterError) as error:
        Parameter("x", kind, "_x", False).term(raw, BASE)
    assert reason in error.value.reason


def test_bounds_and_allowed_values() -> None:
    bounded = Parameter("n", "integer", "_n_integer", False, minimum=1, maximum=10)
    assert str(bounded.term("10", BASE)).startswith('"10"')
    for raw, reason in (("0", "at least 1"), ("11", "at most 10")):
        with pytest.raises(ParameterError, match=reason):
            bounded.term(raw, BASE)
    listed = Parameter("role", "string", "_role", False, values=("Partner", "Coordinator"))
    with pytest.raises(ParameterError, match="must be one of Partner, Coordinator"):
        listed.term("partner", BASE)
