"""A rebuild keeps the named-query answers no change can reach, and writes the same files as
a build from scratch: the file of a query whose predicates (its footprint) kept their triples
is hard-linked from the build served before, any other query is run again.

The edits are real record edits on a synthetic set: a project's title (reaches the queries
that read titles only) and an organisation's name (reaches those that read names). Each
rebuild is compared, byte for byte and by build id, with a build of the same records from
scratch, so a query copied that should have been run again fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.build.partition import (
    predicate_of,
    selected,
    selected_form,
    triple_lines,
    with_predicates,
)
from projectgraph.pipeline.cache import SEARCH_FACTS
from projectgraph.pipeline.run import build
from projectgraph.publish import answers, search_index
from projectgraph.publish.answers import QUERY_FILES, query_file
from projectgraph.publish.dist import builds_dir
from projectgraph.sparql.footprint import LOAD_ORDER, footprint, selection
from projectgraph.sparql.grouped import Plan, plan
from projectgraph.sparql.named import load_queries
from tests.conftest import (
    REPO,
    answer_files,
    build_from_scratch,
    built_records,
    dataset_nquads,
    records_settings,
)

EURIO = "http://data.europa.eu/s66#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 synthetic records and their first build, made once for the module: the template
    :func:`records` copies (never written to)."""
    folder = tmp_path_factory.mktemp("incremental")
    first = built_records(folder / "records", 40, 5)
    assert first.reused["answers"][0] == 0  # nothing to copy from
    return folder


@pytest.fixture
def records(built_once: Path, tmp_path: Path) -> Path:
    """40 synthetic records, built once (the build a rebuild copies from): a copy of the
    module's, so each test edits and rebuilds its own."""
    shutil.copytree(built_once, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path / "records"


def _rebuild_equals_scratch(records: Path) -> tuple[int, int]:
    """Rebuild, build from scratch, and check both wrote the same bytes (the search index:
    the same content, see answer_files) and have the same id; the rebuild's (answers kept,
    answers written). The kept ones are the served build's files, linked. An edit (no project
    or organisation came or went) updates a copy of the search index served."""
    settings = records_settings(records)
    served = settings.dist_dir.resolve()
    rebuilt = build(settings, quiet=True)
    folder = rebuilt.published.folder
    linked = [
        p.name
        for p in (folder / QUERY_FILES).iterdir()
        if (served / QUERY_FILES / p.name).exists()
        and os.stat(p).st_ino == os.stat(served / QUERY_FILES / p.name).st_ino
    ]
    answers = answer_files(folder)
    scratch = build_from_scratch(settings)
    assert scratch.reused["answers"][0] == 0
    assert answer_files(scratch.published.folder) == answers
    assert scratch.published.build_id == rebuilt.published.build_id
    assert len(linked) == rebuilt.reused["answers"][0]
    assert rebuilt.reused.get("search index updated") == (1, 1)
    assert "search index updated" not in scratch.reused
    return rebuilt.reused["answers"]


def test_a_changed_title_reruns_only_the_queries_that_read_titles(records: Path) -> None:
    record = sorted(records.glob("*.ttl"))[3]
    text = record.read_text(encoding="utf-8")
    title = re.search(r'eurio:title\s+"([^"\\]*)"', text)
    assert title is not None
    record.write_text(text[: title.start(1)] + "Changed: " + text[title.start(1) :], "utf-8")
    copied, answered = _rebuild_equals_scratch(records)
    reading_titles = [
        q.query.name for q in _queries() if (f := footprint(q.text)) is None or EURIO + "title" in f
    ]
    assert reading_titles, "some shipped query reads titles"
    assert 0 < copied <= answered - len(reading_titles)


def test_a_renamed_organisation_reruns_the_queries_that_read_names(records: Path) -> None:
    renamed = 0
    for record in sorted(records.glob("*.ttl")):
        text = record.read_text(encoding="utf-8")
        # The first organisation's name in the first record, wherever it is described.
        if not renamed:
            found = re.search(r'organisation:(\S+) [^.]*?skos:prefLabel "([^"\\]*)"', text, re.S)
            assert found is not None
            slug, name = found[1], found[2]
        changed = text.replace(f'"{name}"', '"Quarzwerk Forschungsstiftung"')
        if changed != text:
            record.write_text(changed, "utf-8")
            renamed += 1
    assert renamed, f"{slug} is described somewhere"
    copied, answered = _rebuild_equals_scratch(records)
    assert 0 < copied < answered


@pytest.mark.parametrize("where", ["in this process", "in the answers child"])
@pytest.mark.parametrize("damage", ["rows lost", "file removed"])
def test_a_damaged_earlier_answer_is_computed_again(
    records: Path, where: str, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A query whose file in the served build is not the one listed there is run by the engine
    # instead: in the child, after loading what it reads, which a kept file did not need.
    if where == "in the answers child":
        monkeypatch.setattr(answers, "IN_PROCESS", 0)
    served = query_file(records_settings(records).dist_dir, "projects-by-region")
    if damage == "file removed":
        served.unlink()
    else:
        with sqlite3.connect(served) as db:
            db.execute("DELETE FROM blocks WHERE id = (SELECT max(id) FROM blocks)")
        db.close()
    record = sorted(records.glob("*.ttl"))[5]
    record.write_text(record.read_text("utf-8").replace('eurio:title "', 'eurio:title "New: '))
    copied, answered = _rebuild_equals_scratch(records)
    assert 0 < copied < answered - 3  # the three that read titles, and projects-by-region


def test_the_answers_store_holds_only_the_triples_the_queries_read(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A graph past IN_PROCESS is answered in a child that loads only the predicates the
    # queries and the search index read: the file must be the one the whole graph gives.
    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    kept: list[frozenset[str] | None] = []
    needed = answers._needed
    monkeypatch.setattr(answers, "_needed", lambda *a: kept.append(needed(*a)) or kept[-1])
    settings = records_settings(records)
    only = build_from_scratch(settings)
    # Asked once for how many triples to expect (memory or disk), once for what to load.
    loaded = kept[-1]
    assert loaded is not None and kept == [loaded, loaded]
    nquads = dataset_nquads(only.published.folder)
    left_out = {predicate_of(line) for line in nquads.splitlines()} - {
        f"<{p}>".encode() for p in loaded
    }
    assert f"<{EURIO}isInvolvedIn>".encode() in left_out
    # Of rdf:type, only the classes the queries and the index name: not a site's type.
    types = [line for line in nquads.splitlines() if predicate_of(line) == f"<{RDF_TYPE}>".encode()]
    kept_types = [line for line in types if selected(line, answers_selection(loaded))]
    assert 0 < len(kept_types) < len(types)
    assert not any(f"<{EURIO}Site>".encode() in line for line in kept_types)
    monkeypatch.setattr(answers, "_needed", lambda *a: None)
    whole = build_from_scratch(settings)
    assert answer_files(whole.published.folder) == answer_files(only.published.folder)
    assert whole.published.build_id == only.published.build_id


@pytest.mark.parametrize(
    "triple",
    [
        b"<http://e/s> <http://e/p> <http://e/o> .",
        b'_:b0 <http://e/p> "a b c"@en .',
        b'<http://e/s> <http://e/p> "x <http://e/q> y" .',
    ],
)
def test_a_lines_predicate(triple: bytes) -> None:
    quad = triple[:-1] + b"<http://e/g> ."
    p, q = frozenset({b"<http://e/p>"}), frozenset({b"<http://e/q>"})
    assert predicate_of(triple) == predicate_of(quad) == b"<http://e/p>"
    assert triple_lines(quad + b"\n", q) == []
    assert triple_lines(quad + b"\n", p) == triple_lines(quad + b"\n") == [triple + b"\n"]
    assert with_predicates(triple + b"\n", q) == b""
    assert with_predicates(triple + b"\n", p) == triple + b"\n"


TYPE = f"<{RDF_TYPE}>".encode()


@pytest.mark.parametrize(
    "selection",
    [
        frozenset({b"<http://e/p>"}),
        frozenset({TYPE + b" <http://e/A>"}),
        frozenset({TYPE + b" <http://e/A>", b"<http://e/q>"}),
        frozenset({TYPE, TYPE + b" <http://e/A>"}),
        frozenset(),
    ],
)
def test_lines_are_selected_as_selected_says_one_by_one(selection: frozenset[bytes]) -> None:
    """triple_lines and with_predicates take, in one loop, exactly the lines ``selected``
    takes, in their order: a type of the class named or of another, a predicate's IRI inside
    a literal, blank nodes."""
    triples = [
        b"<http://e/s> " + TYPE + b" <http://e/A> .",
        b"<http://e/s> " + TYPE + b" <http://e/AB> .",
        b"_:b1 " + TYPE + b" <http://e/B> .",
        b'<http://e/s> <http://e/q> "has <http://e/p> in it"@en .',
        b"<http://e/s> <http://e/p> _:b1 .",
        b'_:b1 <http://e/pp> "<http://e/A> " .',
    ]
    ntriples = b"".join(t + b"\n" for t in triples)
    nquads = b"".join(t[:-1] + b"<http://e/g> .\n" for t in triples)
    expected = [t + b"\n" for t in triples if selected(t, selection)]
    assert triple_lines(nquads, selection) == expected
    assert with_predicates(ntriples, selection) == b"".join(expected)


def answers_selection(entries: frozenset[str]) -> frozenset[bytes]:
    """A selection's entries as lines are matched with."""
    return frozenset(selected_form(e) for e in entries)


def test_a_type_line_is_selected_by_its_class() -> None:
    t = f"<{RDF_TYPE}>"
    line = f"<http://e/s> {t} <http://e/A> <http://e/g> .".encode()
    assert selected(line, frozenset({f"{t} <http://e/A>".encode()}))
    assert selected(line, frozenset({t.encode()}))
    assert not selected(line, frozenset({f"{t} <http://e/B>".encode()}))
    other = b"<http://e/s> <http://e/p> <http://e/A> ."
    assert not selected(other, frozenset({f"{t} <http://e/A>".encode()}))


@pytest.mark.parametrize(
    ("query", "types"),
    [
        ("SELECT * { ?s a e:A ; e:p ?o }", {"A"}),
        ("SELECT * { ?s a e:A . ?o a e:B FILTER EXISTS { ?o a e:C } }", {"A", "B", "C"}),
        ("SELECT * { ?s (a) e:A }", {"A"}),
        ("SELECT * { ?s e:p ?o }", set()),
        ("SELECT * { ?s a e:A . ?o a ?class }", None),  # any class
        ("SELECT * { ?s a/e:sub* e:A }", None),  # a path through rdf:type
        ("SELECT * { ?s a e:A . ?o ^a ?s }", None),
        ("SELECT * { ?s a+ e:A }", None),
        ('SELECT * { ?s a "A" }', None),
    ],
)
def test_selection_names_the_classes_of_type_patterns(query: str, types: set[str] | None) -> None:
    # A store loaded with only these type triples gives such a query the same answers: a
    # pattern with a fixed class matches only that class's type triples.
    found = selection(P + query)
    predicates = footprint(P + query)
    assert found is not None and predicates is not None
    if types is None:  # every type triple
        assert found == predicates
    else:
        assert found == (predicates - {RDF_TYPE}) | {f"{RDF_TYPE} http://e/{c}" for c in types}


def test_the_store_is_loaded_anew_when_a_query_needs_more_classes() -> None:
    # Type triples loaded for some classes, then for more: loaded anew in one pass, so the
    # rdf:type triples are in the graph's order, as in a store loaded whole.
    t = f"<{RDF_TYPE}>"
    lines = b"".join(
        f'<http://e/s{i}> {t} <http://e/{c}> .\n<http://e/s{i}> <http://e/p> "{i}" .\n'.encode()
        for i, c in enumerate("ABCABC")
    )
    passes: list[frozenset[bytes] | None] = []

    def graph(predicates: frozenset[bytes] | None = None) -> list[bytes]:
        passes.append(predicates)
        return [lines if predicates is None else with_predicates(lines, predicates)]

    store = answers._Loading(graph)
    first = store.load(frozenset({f"{RDF_TYPE} http://e/A"}))
    assert len(first) == 2
    assert store.load(frozenset({f"{RDF_TYPE} http://e/A", "http://e/p"})) is first
    assert len(first) == 8 and len(passes) == 2  # p added in one more pass
    more = store.load(frozenset({f"{RDF_TYPE} http://e/B"}))
    assert more is not first and len(more) == 10 and len(passes) == 3  # anew: A, B and p
    assert store.load(frozenset({RDF_TYPE})) is not more
    assert len(store.load(frozenset({f"{RDF_TYPE} http://e/C"}))) == 12  # all types: covered
    assert len(passes) == 4


def _queries() -> list[Plan]:
    """The plans of the shipped queries the build materializes."""
    plans = [plan(q, "https://w3id.org/projectgraph/") for q in load_queries(REPO / "queries")]
    return [p for p in plans if p.materialized]


def test_a_querys_file_is_made_of_its_rows_alone(tmp_path: Path) -> None:
    # A query that keeps rows one by one (a text column, a number column) over thousands of
    # rows, in several keys, answered alone or after another query with other texts: the same
    # bytes, so a file kept from the build before is the file a build from scratch writes.
    e = "http://e/"
    lines = (
        "".join(
            f'<{e}o{i}> <{e}k> <{e}k{i % 7}> .\n<{e}o{i}> <{e}name> "Name {i % 1700}" .\n'
            f'<{e}o{i}> <{e}n> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            for i in range(5000)
        ).encode()
        + "".join(f'<{e}o{i}> <{e}alias> "Alias {i}" .\n' for i in range(300)).encode()
    )
    store = answers._Loading(lambda predicates=None: [lines])
    store.load(None)
    where = f"WHERE {{ ?o <{e}k> ?k ; <{e}name> ?name ; <{e}n> ?n }}"
    other = answers._Job(
        1, "aliases", f"SELECT ?name {{ ?o <{e}alias> ?name }} ORDER BY ?o", (), ("name",),
        None, "name",
    )  # fmt: skip
    text = f"SELECT ?k ?name ?n {where} ORDER BY ?k ?n"
    rows = answers._Job(2, "rows", text, ("k",), ("name", "n"), "n", "name")
    for folder, jobs in (("alone", [rows]), ("after", [other, rows])):
        (tmp_path / folder / QUERY_FILES).mkdir(parents=True)
        outcomes = [answers._answer_one(store, tmp_path / folder, job, None) for job in jobs]
        assert outcomes[-1]["rows"] == 5000
    alone, after = (query_file(tmp_path / f, "rows").read_bytes() for f in ("alone", "after"))
    assert alone == after


@pytest.mark.parametrize("room", [answers.AHEAD_BYTES, 1], ids=["room", "one at a time"])
def test_rows_answered_ahead_are_the_rows_answered_now(
    room: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child answers the jobs whose triples are loaded in a thread, ahead of writing them
    # (with no room, one job waits for the one before to be taken); a job whose triples are
    # not loaded yet is answered when its turn comes, after loading them.
    monkeypatch.setattr(answers, "AHEAD_BYTES", room)
    e = "http://e/"
    lines = "".join(
        f'<{e}o{i}> <{e}name> "Name {i}" .\n<{e}o{i}> <{e}n> "{i % 97}" .\n' for i in range(3000)
    ).encode()

    def graph(predicates: frozenset[bytes] | None = None) -> list[bytes]:
        return [with_predicates(lines, predicates) if predicates is not None else lines]

    jobs = [
        answers._Job(i, f"q{i}", f"SELECT ?o ?v {{ ?o <{e}{p}> ?v }} ORDER BY ?o", (), ("o", "v"),
                     None, None, frozenset({e + p}))
        for i, p in enumerate(["name", "n", "name", "n"], start=1)
    ]  # fmt: skip
    now = answers._Loading(graph)
    expected = [answers._lines(now, job) for job in jobs]
    store = answers._Loading(graph)
    store.load(frozenset({e + "name"}))  # the jobs reading n are not covered
    with answers._Ahead(store, jobs) as ahead:
        assert set(ahead._answered) == {1, 3}
        got = [ahead.lines(store, job) for job in jobs]
    assert got == expected
    assert all(len(rows) == 3000 for rows in got)


# ---- the search index's facts, kept between builds ----

LABEL, ABSTRACT = "http://www.w3.org/2000/01/rdf-schema#label", EURIO + "abstract"


def _loaded_first(monkeypatch: pytest.MonkeyPatch) -> list[frozenset[str] | None]:
    """What each answers child of the builds that follow loads before its first query."""
    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    found: list[frozenset[str] | None] = []
    needed = answers._needed
    monkeypatch.setattr(answers, "_needed", lambda *a: found.append(needed(*a)) or found[-1])
    return found


def test_a_rebuild_reads_again_only_the_search_facts_a_change_reaches(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _loaded_first(monkeypatch)
    record = sorted(records.glob("*.ttl"))[7]
    record.write_text(record.read_text("utf-8").replace('eurio:title "', 'eurio:title "New: '))
    rebuilt = build(records_settings(records), quiet=True)
    # Titles: the facts "title" and "titled" (every resource's titles, for its labels).
    assert rebuilt.reused["search facts"] == (24, 26)
    # The child loads what the queries that read titles and those two facts read: not the
    # labels of every participation, nor the abstracts.
    (first, *_) = loaded
    assert first is not None and EURIO + "title" in first
    assert LABEL not in first and ABSTRACT not in first
    settings = records_settings(records)
    scratch = build_from_scratch(settings)
    assert scratch.reused["search facts"] == (0, 26)
    assert answer_files(scratch.published.folder) == answer_files(rebuilt.published.folder)
    assert scratch.published.build_id == rebuilt.published.build_id


def test_a_rebuild_no_change_reaches_loads_nothing(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = _loaded_first(monkeypatch)
    copied, answered = _rebuild_equals_scratch(records)
    assert copied == answered
    assert loaded[0] == frozenset()  # every query copied, every fact kept: no graph loaded


def test_a_damaged_kept_fact_is_read_again(records: Path) -> None:
    kept = builds_dir(records_settings(records).dist_dir) / SEARCH_FACTS
    (title,) = kept.glob("title.*")
    title.write_bytes(title.read_bytes()[:-5])  # cut short
    settings = records_settings(records)
    rebuilt = build(settings, quiet=True)
    assert rebuilt.reused["search facts"] == (25, 26)
    files = answer_files(rebuilt.published.folder)
    assert answer_files(build_from_scratch(settings).published.folder) == files


EX = "https://example.org/"


def _one_project(more: str = "") -> ox.Store:
    """A store of one project with one topic, and ``more`` (Turtle)."""
    store = ox.Store()
    store.bulk_load(
        f"""<{EX}p> a <{EURIO}Project> ; <{EURIO}title> "P" ; <http://purl.org/dc/terms/subject> <{EX}t1> .
        <{EX}t1> a <{SKOS}Concept> ; <{LABEL}> "One" .
        {more}
        """.encode(),
        format=ox.RdfFormat.TURTLE,
    )
    return store


def test_labels_are_read_again_for_resources_named_anew(tmp_path: Path) -> None:
    # The labels are kept only for the resources the other facts name: a resource named anew
    # (here a topic) whose label was already in the graph, unchanged, is looked up again.
    ex = EX
    store = _one_project(f'<{ex}t2> a <{SKOS}Concept> ; <{LABEL}> "Two" .')
    digests = {p: "1" for p in search_index.index_footprint()}
    kept = search_index.KeptFacts(tmp_path, digests)
    assert search_index._read(store, kept).one("label", f"{ex}t2") is None  # not named
    store.add(
        ox.Quad(
            ox.NamedNode(f"{ex}p"),
            ox.NamedNode("http://purl.org/dc/terms/subject"),
            ox.NamedNode(f"{ex}t2"),
        )
    )
    kept = search_index.KeptFacts(tmp_path, {**digests, "http://purl.org/dc/terms/subject": "2"})
    facts = search_index._read(store, kept)
    # Read again: projects' topics and the topics (their predicate changed), the labels and
    # titles of named resources (those changed).
    assert facts.kept == 26 - 4
    assert facts.one("label", f"{ex}t2") == "Two"
    assert facts.many == search_index._read(store).many


def test_kept_facts_read_ahead_are_the_ones_read_later(tmp_path: Path) -> None:
    # Read while the graph loads, before anything says which resources are named: every kept
    # fact is read ahead, and the index reads the same facts from there as from the files.
    store = _one_project()
    kept = search_index.KeptFacts(tmp_path, {p: "1" for p in search_index.index_footprint()})
    written = search_index._read(store, kept)
    ahead = kept.read_ahead()
    assert set(ahead.ahead) == {p.name for p in tmp_path.iterdir()}
    assert len(ahead.ahead) == 26
    for path in tmp_path.iterdir():  # not read again: every one came ahead
        path.unlink()
    again = search_index._read(ox.Store(), ahead)
    assert again.kept == 26 and again.many == written.many


def test_a_store_loaded_in_passes_answers_as_one_loaded_whole() -> None:
    # Loaded a predicate at a time, each predicate's triples keep the graph's order, so a
    # query reading fixed predicates gives the same rows in the same order.
    lines = b"".join(
        f"<http://e/s{i % 7}> <http://e/{'pq'[i % 2]}> <http://e/o{(i * 5) % 11}> .\n".encode()
        for i in range(200)
    )

    def graph(predicates: frozenset[bytes] | None = None) -> list[bytes]:
        return [lines if predicates is None else with_predicates(lines, predicates)]

    query = "SELECT ?s ?o ?z WHERE { ?s <http://e/p> ?o . OPTIONAL { ?s <http://e/q> ?z } }"
    whole = answers._Loading(graph)
    expected = list(whole.load(None).query(query))
    passes = answers._Loading(graph)
    passes.load(frozenset({"http://e/q"}))
    rows = list(passes.load(frozenset({"http://e/p", "http://e/q"})).query(query))
    assert [[str(t) for t in r] for r in rows] == [[str(t) for t in r] for r in expected]
    assert passes.loaded == {"http://e/p", "http://e/q"}
    assert len(passes.load(None)) == len(whole.load(None))  # anew, whole
    assert passes.loaded is None


# ---- footprints ----

P = "PREFIX e: <http://e/> "


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * { ?s e:p ?o }", {"http://e/p"}),
        ("SELECT * { ?s a e:C }", {RDF_TYPE}),
        ("SELECT * { ?s e:a\\.b ?o }", {"http://e/a.b"}),  # the engine reads no backslash
        ("SELECT * { ?s e:p/^e:q|e:r+ ?o }", {"http://e/p", "http://e/q", "http://e/r"}),
        ("SELECT * { ?s e:p ?o FILTER EXISTS { ?s a e:C } }", {"http://e/p", RDF_TYPE}),
        (
            "SELECT * { ?s e:p ?o FILTER NOT EXISTS { ?s e:q+/e:r ?x } }",
            {f"http://e/{c}" for c in "pqr"},
        ),
        (
            "SELECT * { ?s e:p ?o MINUS { ?s e:q ?x } OPTIONAL { ?s e:r ?y } }",
            {f"http://e/{c}" for c in "pqr"},
        ),
        ("SELECT ?s (COUNT(*) AS ?n) { { SELECT ?s { ?s e:p ?x } } } GROUP BY ?s", {"http://e/p"}),
        ("SELECT * { VALUES ?x { 1 } }", set()),
        # A filter inside EXISTS (rdflib's algebra drops those: the parse tree is read).
        (
            "SELECT * { ?s e:p ?o FILTER EXISTS { ?s e:q ?x FILTER NOT EXISTS { ?x e:r ?y } } }",
            {f"http://e/{c}" for c in "pqr"},
        ),
        # A zero-length path is bound by a pattern that must match, or by a constant.
        ("SELECT * { ?s e:p* ?o ; e:q ?z }", {"http://e/p", "http://e/q"}),
        ("SELECT * { e:a e:p? ?o }", {"http://e/p"}),
        ("SELECT * { ?s (e:p|e:q?)/e:r ?o }", {f"http://e/{c}" for c in "pqr"}),
        # Answers that depend on the order solutions come in.
        (
            "SELECT ?s (GROUP_CONCAT(?o) AS ?g) { ?s e:p ?o } GROUP BY ?s",
            {"http://e/p", LOAD_ORDER},
        ),
        ("SELECT ?s (SAMPLE(?o) AS ?g) { ?s e:p ?o } GROUP BY ?s", {"http://e/p", LOAD_ORDER}),
        ("SELECT * { ?s e:p ?o } ORDER BY ?s LIMIT 2", {"http://e/p", LOAD_ORDER}),
        # Any predicate can match: no footprint.
        ("SELECT * { ?s ?p ?o }", None),
        ("SELECT * { ?s e:p ?o FILTER NOT EXISTS { ?s ?p ?x } }", None),
        ("SELECT * { ?s !e:p ?o }", None),
        ("SELECT * { ?s e:p ?o FILTER EXISTS { ?s !(e:q|^e:r) ?x } }", None),
        ("SELECT * { ?s (e:p|!e:q)* ?o }", None),
        ("SELECT * { ?s e:p ?o FILTER EXISTS { ?s e:q ?x FILTER NOT EXISTS { ?x ?v ?y } } }", None),
        ("SELECT * { ?s e:p* ?o }", None),  # every node of the graph, with itself
        ("SELECT * { ?s (e:p|e:q?)/e:r? ?o }", None),
        ("SELECT * { ?s e:p* ?o OPTIONAL { ?s e:q ?z } }", None),
        ("SELECT * { ?s e:p ?o FILTER (?o < NOW()) }", None),
        ("SELECT * { ?s e:p ?o BIND (RAND() AS ?r) }", None),
        ("SELECT * { ?s e:p ?o BIND (STRUUID() AS ?r) }", None),
        ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s e:p ?o } }", None),
        ("SELECT * { ?s e:p", None),  # not parsed
    ],
)
def test_footprint(query: str, expected: set[str] | None) -> None:
    found = footprint(P + query)
    assert found == (None if expected is None else frozenset(expected))


def test_every_shipped_materialized_query_has_a_footprint() -> None:
    # The footprints are what lets a rebuild copy; a shipped query without one is always run.
    for p in _queries():
        found = footprint(p.text)
        assert found, p.query.name
        assert all(iri.startswith(("http://", "https://")) for iri in found)
