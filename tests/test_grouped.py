"""The grouped rewrite of a named query (sparql.grouped): which parameters can be left free,
where the rewrite puts the variable, and the materialize header it reads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.sparql.grouped import grouped, outline, plan, unbindable
from projectgraph.sparql.named import QueryFileError, load_query

BASE = "https://w3id.org/projectgraph/"
DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:in ex:x , ex:y ; ex:name "A" .
ex:b ex:in ex:x ; ex:name "B" .
ex:c ex:in ex:y ; ex:name "C" .
ex:d ex:name "D" .
"""


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("SELECT ?s WHERE { ?s <http://e/p> ?_v_iri }", None),
        ("SELECT ?s WHERE { { ?s <http://e/p> ?_v_iri } UNION { ?s <http://e/q> ?_v_iri } }", None),
        ("SELECT ?s WHERE { ?s <http://e/p> ?_v_iri OPTIONAL { ?s <http://e/q> ?_v_iri } }", None),
        (
            "SELECT ?s WHERE { ?s <http://e/p> ?o FILTER (?o != ?_v_iri) ?s <http://e/q> ?_v_iri }",
            None,
        ),
        (
            "SELECT ?s WHERE { ?s <http://e/p> ?o OPTIONAL { ?s <http://e/q> ?_v_iri } }",
            "not bound in every",
        ),
        (
            "SELECT ?s WHERE { ?s <http://e/p> ?o MINUS { ?s <http://e/q> ?_v_iri } }",
            "not bound in every",
        ),
        (
            "SELECT ?s WHERE { ?s <http://e/p> ?o FILTER NOT EXISTS { ?s <http://e/q> ?_v_iri } }",
            "not bound",
        ),
        ("SELECT ?s WHERE { ?s <http://e/p> ?o FILTER (?o = ?_v_iri) }", "not bound in every"),
        ("SELECT ?s WHERE { { SELECT ?s WHERE { ?s <http://e/p> ?_v_iri } } }", "subquery"),
        ("SELECT ?s WHERE { ?s <http://e/p> ?o }", "not used"),
        ("SELECT ?s (?_v_iri AS ?w) WHERE { ?s <http://e/p> ?_v_iri }", "outside the WHERE group"),
        ("SELECT ?s WHERE { ?s <http://e/p> $_v_iri }", None),  # $name is the same variable
    ],
)
def test_which_parameters_can_be_left_free(query: str, reason: str | None) -> None:
    found = unbindable(query, "_v_iri")
    assert found is None if reason is None else reason in (found or "")


def test_the_rewrite_projects_groups_and_orders_by_the_key_first() -> None:
    query = (
        "PREFIX ex: <http://example.org/>\n"
        "SELECT DISTINCT ?s (COUNT(?o) AS ?n) WHERE { ?s ex:in ?_v_iri ; ex:name ?o }\n"
        "GROUP BY ?s\nORDER BY DESC(?n)  # a comment at the end"
    )
    text = grouped(query, ["_v_iri"], ["s", "n"])
    assert "SELECT DISTINCT ?_v_iri  ?s" in text
    assert "GROUP BY ?_v_iri  ?s" in text
    assert "ORDER BY ?_v_iri  DESC(?n)  # a comment at the end\n  ?s ?n\n" in text
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    rows = [tuple(t.value for t in row) for row in store.query(text)]
    x, y = "http://example.org/x", "http://example.org/y"
    assert rows == [
        (x, "http://example.org/a", "1"),
        (x, "http://example.org/b", "1"),
        (y, "http://example.org/a", "1"),
        (y, "http://example.org/c", "1"),
    ]


def test_keywords_in_strings_iris_and_comments_are_not_clauses() -> None:
    query = 'SELECT ?s WHERE { ?s <http://e/ORDER> "GROUP BY ?x" ; <http://e/p> ?_v_iri } # ORDER BY ?s\n'
    found = outline(query)
    assert found.group_by == found.order_by == -1 and not found.aggregated
    text = grouped(query, ["_v_iri"], ["s"])
    assert text.endswith("# ORDER BY ?s\n\nORDER BY ?_v_iri ?s\n")
    ox.Store().query(text)  # parses


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("SELECT * WHERE { ?s <http://e/p> ?_v_iri }", "SELECT *"),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://e/p> ?_v_iri }", "without GROUP BY"),
        ("SELECT ?s WHERE { ?s <http://e/p> ?_v_iri } LIMIT 10", "LIMIT"),
        ("SELECT ?s WHERE { ?s <http://e/p> ?_v_iri } VALUES ?s { <http://e/a> }", "VALUES"),
        ("ASK { ?s <http://e/p> ?_v_iri }", "not a SELECT"),
    ],
)
def test_rewrites_that_would_change_the_answers_are_refused(query: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        grouped(query, ["_v_iri"], ["s"])


def _query(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


THRESHOLD = """#+ summary: t
#+ params:
#+   least:
#+     default: 1
#+     minimum: 1
#+     materialize: {column: n, compare: ">="}
#+   text:
#+     default: a
#+     materialize: {contains: name}
SELECT ?name (COUNT(?o) AS ?n) WHERE { ?s <http://e/p> ?o ; <http://e/n> ?name
  FILTER (CONTAINS(LCASE(?name), LCASE(?_text))) }
GROUP BY ?name HAVING (COUNT(?o) >= ?_least_integer)
"""


def test_a_plan_binds_thresholds_and_texts_at_their_loosest(tmp_path: Path) -> None:
    found = plan(load_query(_query(tmp_path, THRESHOLD)), BASE)
    assert found.materialized and not found.keys
    assert found.threshold is not None and found.threshold.name == "least"
    assert found.contains is not None and found.contains.name == "text"
    assert 'VALUES (?_text ?_least_integer) { ("" "1"^^<' in found.text
    assert found.text.rstrip().endswith("?name ?n")


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ("#+   x: {default: 1}", "has no materialize entry"),
        ("#+   x: {}", "may be left unbound"),
    ],
)
def test_plans_that_leave_a_query_to_the_engine(tmp_path: Path, params: str, reason: str) -> None:
    variable = "?__x_integer" if "{}" in params else "?_x_integer"
    text = (
        f"#+ summary: t\n#+ params:\n{params}\nSELECT ?s WHERE {{ ?s <http://e/p> {variable} }}\n"
    )
    found = plan(load_query(_query(tmp_path, text)), BASE)
    assert not found.materialized and reason in found.reason


@pytest.mark.parametrize(
    ("entry", "kind", "error"),
    [
        ("{contains: name}", "integer", "for a string parameter"),
        ('{column: n, compare: ">="}', "string", "for an integer parameter"),
        ('{column: n, compare: "="}', "integer", "compare of >="),
        ("{contains: nothing}", "string", "does not project"),
        ("{contains: name, colour: red}", "string", "unknown key"),
        ("[name]", "string", "materialize must be"),
    ],
)
def test_the_materialize_entry_is_checked(
    tmp_path: Path, entry: str, kind: str, error: str
) -> None:
    bound = "#+     minimum: 1\n" if kind == "integer" else ""
    default = "1" if kind == "integer" else "a"
    text = (
        f"#+ summary: t\n#+ params:\n#+   x:\n#+     default: {default}\n{bound}"
        f"#+     materialize: {entry}\n"
        f"SELECT ?name ?n WHERE {{ ?s <http://e/n> ?name ; <http://e/c> ?n ; <http://e/p> ?_x_{kind} }}\n"
    )
    with pytest.raises(QueryFileError, match=error):
        load_query(_query(tmp_path, text))


def test_a_threshold_needs_its_loosest_value(tmp_path: Path) -> None:
    text = (
        "#+ summary: t\n#+ params:\n#+   x:\n#+     default: 3\n"
        '#+     materialize: {column: n, compare: "<="}\n'
        "SELECT ?n WHERE { ?s <http://e/c> ?n FILTER (?n <= ?_x_integer) }\n"
    )
    with pytest.raises(QueryFileError, match="needs a maximum"):
        load_query(_query(tmp_path, text))
