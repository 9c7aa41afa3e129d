"""Materialized named-query answers (the build's answers.sqlite) are the engine's answers.

For every shipped query, on the seed build and on a 200-project synthetic build: for every
value of an IRI parameter the answers hold, a sample of the graph's other IRIs and one IRI
that is not in the data; for thresholds; for texts (an accented name's unaccented form, one
and two characters, FTS5 syntax searched as text); by pages and under a row cap. The engine's
answer is the prepared query run on a store loaded as the server loads it, in the query's
order with ties broken by the projected variables (the order the build keeps). Then over
HTTP: a server reading the answers and one on the same build without the file give the same
bytes in every format, and the listing says which queries are materialized.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.pipeline.run import build
from projectgraph.publish import answers
from projectgraph.publish.answers import ANSWERS, fold, query_file
from projectgraph.settings import load_settings
from projectgraph.sparql.bind import bind, paginate
from projectgraph.sparql.grouped import grouped
from projectgraph.sparql.named import NamedQuery, ParameterError, load_queries
from projectgraph.sparql.representations import SOLUTIONS, by_name
from projectgraph.sparql.results import Term, plain_rows, rows_json, write_json
from projectgraph.store.embedded import load_build
from projectgraph.synth.generate import synthesize
from projectgraph.web.api.materialized import Materialized
from tests.conftest import REPO
from tests.server import Server, start_server

BASE = "https://w3id.org/projectgraph/"
QUERIES = {q.name: q for q in load_queries(REPO / "queries")}
ROWS, TSV = SOLUTIONS[0], by_name("tsv", False)
# IRIs not in the data, one that fits each parameter's pattern.
ABSENT = (
    f"{BASE}id/project/not-in-the-data",
    f"{BASE}id/programme/not-in-the-data",
    f"{BASE}id/group/not-in-the-data",
    "http://publications.europa.eu/resource/authority/country/ZZZ",
    "http://data.europa.eu/nuts/code/ZZ99",
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass
class Case:
    """A build, its graph loaded as the server loads it, and its materialized answers."""

    folder: Path
    store: ox.Store
    answers: Materialized

    def keys(self, query: NamedQuery) -> set[str]:
        """The parameter values the answers file holds rows for."""
        with contextlib.closing(sqlite3.connect(query_file(self.folder, query.name))) as db:
            return {key for (key,) in db.execute("SELECT DISTINCT key FROM blocks")}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of 200 synthetic projects."""
    root = tmp_path_factory.mktemp("materialized")
    synthesize(root / "records", 200, 7, load_settings(REPO), workers=1)
    settings = load_settings(REPO, {"project_dirs": (root / "records",), "dist_dir": root / "dist"})
    return build(settings, quiet=True).published.folder


@pytest.fixture(scope="module", params=["seed", "synthetic"])
def case(request: pytest.FixtureRequest, dist: Path) -> Case:
    folder = dist if request.param == "seed" else request.getfixturevalue("synthetic")
    store = ox.Store()
    load_build(store, str(folder / "projectgraph.nq.zst"))
    return Case(folder, store, Materialized(folder, QUERIES, BASE))


def engine(case: Case, query: NamedQuery, given: dict[str, str], page: int | None = None) -> list:
    """The engine's answer: rows of terms, in the query's order, ties broken as the build
    breaks them (by the projected variables)."""
    terms = {p.variable: p.term(str(given.get(p.name, p.default)), BASE) for p in query.parameters}
    text = grouped(bind(query.text, terms), [], query.variables)
    if query.pagination:
        text = paginate(text, query.pagination, page or 1)
    else:  # the tie-breakers only order: the same rows as the query as it is
        plain = Counter(tuple(s) for s in case.store.query(query.prepare(given, BASE)))
        assert plain == Counter(tuple(s) for s in case.store.query(text))
    return [tuple(s) for s in case.store.query(text)]


def every_page(query: NamedQuery, read: Callable[[int | None], list]) -> list:
    """The whole answer ``read(page)`` gives: every page of a paginated query, one after
    another to the first that is not full (``read(None)`` for a query without pages)."""
    if not query.pagination:
        return read(None)
    rows, page = [], 1
    while len(found := read(page)) == query.pagination:
        rows += found
        page += 1
    return rows + found


def every_row(case: Case, query: NamedQuery, given: dict[str, str]) -> list:
    """The engine's whole answer, every page of it."""
    return every_page(query, lambda page: engine(case, query, given, page))


def materialized(
    case: Case, query: NamedQuery, given: dict[str, str], page: int | None = None, cap: int = 0
) -> tuple[list[tuple[Term, ...]], bool]:
    """The materialized answer's rows (read from its TSV) and whether it says it was cut;
    its plain JSON is checked against those rows."""
    answer = case.answers.answer(query, given, page, TSV, cap)
    parsed = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.TSV)
    rows = [tuple(s) for s in parsed]
    plain = case.answers.answer(query, given, page, ROWS, cap)
    assert plain.body == rows_json(plain_rows(write_json(query.variables, rows)))
    assert answer.rows == plain.rows == len(rows)
    return rows, "X-SPARQL-MaxRows" in answer.headers


def check(
    case: Case, query: NamedQuery, given: dict[str, str], page: int | None = None
) -> list[tuple[Term, ...]]:
    """The materialized answer equals the engine's, whole and cut at a few rows."""
    expected = engine(case, query, given, page)
    assert materialized(case, query, given, page) == (expected, False), (query.name, given)
    cap = 3
    cut = bool(len(expected) > cap and not query.pagination)
    assert materialized(case, query, given, page, cap) == (expected[:cap], cut)
    return expected


def test_every_select_query_is_materialized(case: Case) -> None:
    covered = {name for name, q in QUERIES.items() if case.answers.covers(q)}
    assert covered == set(QUERIES) - {"project-summary"}  # a graph: the engine's


@pytest.mark.parametrize("name", [n for n, q in QUERIES.items() if not q.parameters])
def test_parameter_free_answers(case: Case, name: str) -> None:
    query = QUERIES[name]
    rows = check(case, query, {})
    if query.pagination:
        pages = len(rows) // query.pagination + 2  # to the first empty page
        for page in range(2, pages + 1):
            assert check(case, query, {}, page) == engine(case, query, {}, page)


def graph_iris(case: Case) -> list[str]:
    """Every IRI the graph names as an object (and every typed subject), sorted."""
    found = {
        t.value
        for s, p, o, _ in case.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        for t in ((o,) if p.value != RDF_TYPE else (s, o))
        if isinstance(t, ox.NamedNode)
    }
    return sorted(found)


@pytest.mark.parametrize(
    "name", [n for n, q in QUERIES.items() if any(p.type == "iri" for p in q.parameters)]
)
def test_every_value_of_an_iri_parameter(case: Case, name: str) -> None:
    query = QUERIES[name]
    if not case.answers.covers(query):
        pytest.skip("answered by the engine")
    (parameter,) = query.parameters
    keys = case.keys(query)
    assert keys, "the data has answers for some values"
    others = [iri for iri in graph_iris(case) if iri not in keys]
    sample = others[:: max(1, len(others) // 150)]  # every one on the seed, 150 or so else
    for value in sorted(keys) + sample + list(ABSENT):
        try:
            parameter.term(value, BASE)
        except ParameterError:
            continue  # refused with a 422 before any answer is looked for
        rows = check(case, query, {parameter.name: value})
        assert bool(rows) == (value in keys), (name, value)


def test_every_threshold(case: Case) -> None:
    query = QUERIES["organisations-by-projects"]
    counts = [row[2] for row in engine(case, query, {})]
    most = max(int(c.value) for c in counts if isinstance(c, ox.Literal))
    for least in sorted({1, 2, 3, 5, most, most + 1}):
        rows = check(case, query, {"min_projects": str(least)})
        assert all(int(row[2].value) >= least for row in rows)


FTS_SYNTAX = [
    '"a" OR b*',
    "agen*",
    "NEAR(a b)",
    "a AND b",
    "^in",
    "u-b",
    "(",
    "%",
    "_",
    "a\x00b",
    "ag\x00",
]


def test_every_text(case: Case) -> None:
    query = QUERIES["organisations-by-name"]
    everything = every_row(case, query, {"text": ""})
    accented = sorted({row[1].value for row in everything} - {""})
    accented = [name for name in accented if fold(name) != name.casefold()]
    assert accented, "some names have accents"
    bare = fold(accented[0])  # the name without its accents (and in lower case)
    for text in ["", "invest", "region", "CLUSTER", "a", "ag", "é", " ", "zzqx", bare, *FTS_SYNTAX]:
        wanted = fold(text)
        expected = [row for row in everything if wanted in fold(row[1].value)]

        def read(page: int | None, text: str = text) -> list:
            rows, cut = materialized(case, query, {"text": text}, page)
            assert not cut, text  # paged, never cut at max_rows
            return rows

        got = every_page(query, read)
        assert got == expected, text
        assert materialized(case, query, {"text": text}, cap=2) == (
            expected[:2],
            len(expected) > 2 and not query.pagination,
        )
        # The engine compares lower case only: what it finds is found, and more (accents).
        assert not Counter(every_row(case, query, {"text": text})) - Counter(got), text
    found = materialized(case, query, {"text": bare})[0]
    assert accented[0] in {row[1].value for row in found}, "found without its accents"


def test_any_run_of_rows_is_cut_out_of_the_blocks(synthetic: Path) -> None:
    """Rows are kept in blocks of 128: every window of a key's rows, across block ends,
    is those rows, in TSV and plain JSON alike."""
    stored = answers.AnswerFile(synthetic / ANSWERS)
    query = "organisations-by-name"
    with contextlib.closing(sqlite3.connect(query_file(synthetic, query))) as db:
        key = db.execute("SELECT key FROM blocks GROUP BY key ORDER BY count(*) DESC").fetchone()[0]
    whole = b"".join(stored.read(query, key, "tsv").parts).splitlines(keepends=True)
    objects = b", ".join(stored.read(query, key, "plain").parts)
    assert len(whole) > answers.BLOCK  # more than one block
    for offset in (0, 1, 127, 128, 129, 200, len(whole) - 1, len(whole), len(whole) + 5):
        for limit in (1, 2, 50, 127, 128, 129, 300, -1):
            end = offset + limit if limit >= 0 else len(whole)
            found = stored.read(query, key, "tsv", offset=offset, limit=limit)
            assert b"".join(found.parts) == b"".join(whole[offset:end]), (offset, limit)
            assert (found.count, found.more) == (len(whole[offset:end]), len(whole) > end)
            plain = stored.read(query, key, "plain", offset=offset, limit=limit)
            assert plain.count == found.count
            if plain.count:
                assert b", ".join(plain.parts) in objects


def test_an_edited_query_is_left_to_the_engine(case: Case) -> None:
    query = QUERIES["projects"]
    edited = replace(query, text=query.text + "\n# edited after the build\n")
    assert not Materialized(case.folder, {"projects": edited}, BASE).covers(edited)


def test_a_build_without_answers_covers_nothing(tmp_path: Path, dist: Path) -> None:
    shutil.copytree(dist, tmp_path / "build")
    (tmp_path / "build" / ANSWERS).unlink()
    assert not any(
        Materialized(tmp_path / "build", QUERIES, BASE).covers(q) for q in QUERIES.values()
    )
    (tmp_path / "build" / ANSWERS).write_bytes(b"not SQLite")
    assert not Materialized(tmp_path / "build", QUERIES, BASE).covers(QUERIES["projects"])


def test_a_build_missing_a_querys_file_covers_nothing(tmp_path: Path, dist: Path) -> None:
    """The list names a file that is gone, or is not SQLite: the engine answers every query,
    rather than some requests failing."""
    shutil.copytree(dist, tmp_path / "build")
    assert Materialized(tmp_path / "build", QUERIES, BASE).covers(QUERIES["projects"])
    query_file(tmp_path / "build", "projects").write_bytes(b"not SQLite")
    assert not Materialized(tmp_path / "build", QUERIES, BASE).covers(QUERIES["projects"])
    query_file(tmp_path / "build", "projects").unlink()
    assert not Materialized(tmp_path / "build", QUERIES, BASE).covers(QUERIES["projects"])


def test_without_fts5_trigrams_texts_are_the_engines(
    dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(dist / "projectgraph.nt.gz", tmp_path)
    monkeypatch.setattr(answers, "trigram_search", lambda: False)
    written = answers.write_answers(tmp_path, list(QUERIES.values()), BASE, 1_000)
    assert not written.queries["organisations-by-name"]["materialized"]
    assert "trigram" in str(written.queries["organisations-by-name"]["reason"])
    found = Materialized(tmp_path, QUERIES, BASE)
    covered = {name for name, q in QUERIES.items() if found.covers(q)}
    assert covered == set(QUERIES) - {"project-summary", "organisations-by-name"}


SLOW = """#+ summary: Slow on purpose (every triple with every other, twice)
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }
"""


def test_a_query_past_its_budget_is_left_to_the_engine(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answered in a child process with a budget: the slow query is given up on, the next
    query is answered by a new child."""
    shutil.copy(REPO / "queries" / "funding-by-programme.rq", tmp_path / "z-fast.rq")
    (tmp_path / "a-slow.rq").write_text(SLOW, encoding="utf-8")
    folder = tmp_path / "build"
    folder.mkdir()
    shutil.copy(synthetic / "projectgraph.nt.gz", folder)
    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    monkeypatch.setattr(answers, "LEAST_BUDGET", 2.0)
    monkeypatch.setattr(answers, "SECONDS_PER_TRIPLE", 0.0)
    written = answers.write_answers(folder, load_queries(tmp_path), BASE, 10**6)
    assert written.queries["a-slow"] == {
        "materialized": False,
        "reason": "took more than 2 s at build time",
    }
    assert written.queries["z-fast"]["materialized"] is True
    found = Materialized(folder, {q.name: q for q in load_queries(tmp_path)}, BASE)
    assert found.file is not None
    assert [q for q in ("a-slow", "z-fast") if found.file.queries[q].materialized] == ["z-fast"]


# ---- over HTTP ----


@pytest.fixture(scope="module")
def servers(synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Two servers on the synthetic build, rows cut at 40: one reads its answers, the other
    has a copy of the build without them."""
    running = []
    try:
        for with_answers in (True, False):
            folder = tmp_path_factory.mktemp("answers" if with_answers else "engine")
            shutil.copytree(synthetic, folder / "dist")
            if not with_answers:
                (folder / "dist" / ANSWERS).unlink()
            running.append(start_server(folder, "--no-build", "--max-rows", "40"))
        yield running
    finally:
        for server in running:
            server.stop()


def requests(synthetic: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Each query with its defaults and with other values."""
    case = Case(synthetic, ox.Store(), Materialized(synthetic, QUERIES, BASE))
    for name, query in QUERIES.items():
        yield name, {}
        for p in query.parameters:
            if p.type == "iri":
                keys = sorted(case.keys(query)) if case.answers.covers(query) else [p.default]
                absent = next(iri for iri in ABSENT if not p.pattern or re.match(p.pattern, iri))
                for value in (keys[0], keys[-1], absent):
                    yield name, {p.name: str(value)}
            elif p.materialize and p.materialize.contains:
                # Accents aside (the engine's CONTAINS keeps them), the same rows.
                for text in ("agency", "INST", "ge", "u-b", '"a" OR b*', "zzqx"):
                    yield name, {p.name: text}
            else:
                for least in ("2", "4", "1000"):
                    yield name, {p.name: least}
        if query.pagination:
            yield name, {"page": "2"}
            yield name, {"page": "999"}


def test_http_answers_are_the_engines_byte_for_byte(servers: list[Server], synthetic: Path) -> None:
    answered, computed = servers
    formats: Sequence[str | None] = (None, "srj", "xml", "csv", "tsv")
    with httpx.Client(base_url=answered.url) as a, httpx.Client(base_url=computed.url) as b:
        for name, params in requests(synthetic):
            graph = QUERIES[name].returns_graph
            for fmt in (None, "ttl") if graph else formats:
                asked = {**params, **({"format": fmt} if fmt else {})}
                mine = a.get(f"/api/queries/{name}", params=asked)
                theirs = b.get(f"/api/queries/{name}", params=asked)
                where = (name, asked)
                assert mine.status_code == theirs.status_code == 200, where
                assert mine.content == theirs.content, where
                for header in ("content-type", "etag", "x-sparql-maxrows", "x-result-truncated"):
                    assert mine.headers.get(header) == theirs.headers.get(header), where
                assert mine.headers.get("link", "").replace(answered.url, "") == theirs.headers.get(
                    "link", ""
                ).replace(computed.url, ""), where
                if graph:
                    assert mine.headers["x-cache"] != "materialized"
                else:
                    assert mine.headers["x-cache"] in ("materialized", "hit"), where
                assert theirs.headers["x-cache"] in ("miss", "hit", "shared"), where


def test_http_listing_and_cache_headers(servers: list[Server]) -> None:
    answered, computed = servers
    listing = {
        q["name"]: q["materialized"] for q in httpx.get(f"{answered.url}/api/queries").json()
    }
    assert listing == {name: name != "project-summary" for name in QUERIES}
    assert not any(q["materialized"] for q in httpx.get(f"{computed.url}/api/queries").json())
    params = {"text": "a first question"}
    first = httpx.get(f"{answered.url}/api/queries/organisations-by-name", params=params)
    again = httpx.get(f"{answered.url}/api/queries/organisations-by-name", params=params)
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("materialized", "hit")
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    revalidated = httpx.get(
        f"{answered.url}/api/queries/organisations-by-name",
        params=params,
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert revalidated.status_code == 304
