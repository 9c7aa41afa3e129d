"""The answers' graph read from the build cache: every source's triples, in the sources'
order, however the cache's table holds the preparations."""

from __future__ import annotations

from pathlib import Path

import pytest

from projectgraph.build.partition import group_lines, predicate_of, triple_lines
from projectgraph.build.prepare import prepare
from projectgraph.build.sources import Source
from projectgraph.pipeline import cache as cache_module
from projectgraph.pipeline.cache import BuildCache, CachedGraph
from projectgraph.rdf.packed import unpack

BASE = "https://w3id.org/projectgraph/"
TITLE = b"<http://data.europa.eu/s66#title>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
EX = "http://example.org/"


def _record(folder: Path, n: int, title: str) -> Source:
    path = folder / f"p{n}.ttl"
    path.write_text(
        "@prefix eurio: <http://data.europa.eu/s66#> .\n"
        f"<{BASE}id/project/p{n}> a eurio:Project ; eurio:title {title!r} ;\n"
        f'    eurio:hasAcronym "P{n}" .\n',
        encoding="utf-8",
    )
    return Source(path=path, key=f"data/projects/p{n}", kind="project", graph=f"{BASE}graph/p{n}")


@pytest.mark.parametrize("grouped", [True, False], ids=["by predicate", "line by line"])
@pytest.mark.parametrize("ahead", [64 << 20, 0])
def test_the_graph_comes_in_the_sources_order_whatever_the_tables_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: int, grouped: bool
) -> None:
    """A preparation made again (a record edited) is stored at the end of the table; one of
    a source no longer built stays in it until the build forgets it. Read with room to hold
    early preparations, and with none (each then looked up by its key); a selection sliced
    from the lines grouped by predicate, and looked for line by line."""
    monkeypatch.setattr(cache_module, "_AHEAD", ahead)
    sources = [_record(tmp_path, n, f"Project {n}") for n in range(6)]
    cache = BuildCache(tmp_path / "cache.sqlite")
    made = {s.key: prepare(s, BASE, ({}, {}), frozenset(), f"fp-{s.key}") for s in sources}
    for s in sources:
        cache.store_prepared(made[s.key])
    # p2 edited: stored again, after the others, with another fingerprint.
    edited = _record(tmp_path, 2, "Edited")
    made[edited.key] = prepare(edited, BASE, ({}, {}), frozenset(), "fp-edited")
    cache.store_prepared(made[edited.key])
    gone = _record(tmp_path, 9, "Gone")
    cache.store_prepared(prepare(gone, BASE, ({}, {}), frozenset(), "fp-gone"))
    order = [sources[4], sources[1], sources[2], sources[0], sources[5], sources[3]]
    names = tuple((made[s.key].predicates, made[s.key].classes) for s in order) if grouped else ()
    graph = CachedGraph(cache.path, tuple((s.key, made[s.key].fingerprint) for s in order), names)
    expected = [line for s in order for line in triple_lines(made[s.key].nquads)]
    assert b"".join(graph()) == b"".join(expected)
    titles = b"".join(graph(frozenset({TITLE}))).decode()
    assert [line.split('"')[1] for line in titles.splitlines()] == [
        "Project 4", "Project 1", "Edited", "Project 0", "Project 5", "Project 3"
    ]  # fmt: skip
    cache.close()


def test_a_source_the_cache_does_not_hold_is_named(tmp_path: Path) -> None:
    source = _record(tmp_path, 1, "One")
    cache = BuildCache(tmp_path / "cache.sqlite")
    cache.store_prepared(prepare(source, BASE, ({}, {}), frozenset(), "fp-1"))
    graph = CachedGraph(cache.path, ((source.key, "fp-1"), ("data/projects/p7", "fp-7")))
    with pytest.raises(LookupError, match="no preparation of data/projects/p7"):
        b"".join(graph())
    cache.close()


def test_a_selection_sliced_by_predicate_is_the_one_looked_for_line_by_line(
    tmp_path: Path,
) -> None:
    """Of a source's lines grouped by predicate and class, :func:`group_lines` gives the lines
    :func:`triple_lines` selects; the lines of each predicate, of rdf:type whole when it is
    selected whole, and of each class otherwise, in the graph's order: a store's answers
    depend on no other order (see answers._Loading)."""
    path = tmp_path / "p.ttl"
    path.write_text(
        "@prefix eurio: <http://data.europa.eu/s66#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        f'<{BASE}id/project/p1> a eurio:Project, ex:Funded ; eurio:title "One" ;\n'
        '    ex:note "<http://data.europa.eu/s66#title> in a literal" ;\n'
        '    eurio:hasAcronym [ a ex:Acronym ; eurio:shortForm "P1" ] .\n'
        f'<{BASE}id/project/p0> a ex:Funded, eurio:Project ; eurio:title "Zero", "Nul"@nl .\n'
        "ex:Funded a ex:ProjectClass .\n",
        encoding="utf-8",
    )
    source = Source(path=path, key="data/p", kind="project", graph=f"{BASE}graph/p")
    p = prepare(source, BASE, ({}, {}), frozenset(), "fp")
    lines, ends = unpack(p.grouped), memoryview(p.group_ends).cast("Q")
    types = sum(1 for line in p.nquads.splitlines() if predicate_of(line) == TYPE.encode())
    assert lines.count(b"\n") == p.quads + types  # rdf:type lines twice: whole, by class
    assert len(ends) == len(p.predicates) + len(p.classes)
    eurio = "http://data.europa.eu/s66#"
    project, acronym = f"{TYPE} <{eurio}Project>".encode(), f"{TYPE} <{EX}Acronym>".encode()
    funded = f"{TYPE} <{EX}Funded>".encode()
    for selection in [
        {TITLE},
        {TYPE.encode()},
        {project},
        {project, funded},
        {project, acronym, TITLE},
        {f"{TYPE} <{EX}ProjectClass>".encode(), f"<{eurio}shortForm>".encode()},
        {TYPE.encode(), project, f"<{EX}note>".encode()},
        {f"<{EX}absent>".encode()},
    ]:
        wanted = frozenset(selection)
        looked = triple_lines(p.nquads, wanted)
        sliced = b"".join(group_lines(lines, ends, p.predicates, p.classes, wanted))
        assert sorted(sliced.splitlines(keepends=True)) == sorted(looked), selection

        def kind(line: bytes, whole: bool = TYPE.encode() in wanted) -> bytes:
            if predicate_of(line) == TYPE.encode() and not whole:
                return line.split(b" ")[2]  # the class
            return predicate_of(line)

        for k in {kind(line) for line in looked}:
            of = [line for line in looked if kind(line) == k]
            assert [line for line in sliced.splitlines(keepends=True) if kind(line) == k] == of
