"""Query files: headers, parameters and syntax are checked when loaded, and values are bound
as RDF terms that cannot change a query's shape."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.queries import QueryFileError, load_queries, load_query
from projectgraph.sparql.bind import bind
from projectgraph.sparql.inspect import tokens
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
    with pytest.raises(ValueError, match="project: is not a valid IRI"):
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
            r"parameter n: the default 'many' must be a number",
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


def test_optional_parameters_stay_unbound(tmp_path: Path) -> None:
    path = tmp_path / "optional.rq"
    path.write_text("SELECT ?s WHERE { ?s ?p ?__o }\n", encoding="utf-8")
    query = load_query(path)
    assert query.prepare({}, BASE) == query.text
    assert "VALUES (?__o)" in query.prepare({"o": "x"}, BASE)
