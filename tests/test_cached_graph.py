"""The answers' graph read from the build cache: every source's triples, in the sources'
order, however the cache's table holds the preparations."""

from __future__ import annotations

from pathlib import Path

import pytest

from projectgraph.build.partition import triple_lines
from projectgraph.build.prepare import prepare
from projectgraph.build.sources import Source
from projectgraph.pipeline import cache as cache_module
from projectgraph.pipeline.cache import BuildCache, CachedGraph

BASE = "https://w3id.org/projectgraph/"
TITLE = b"<http://data.europa.eu/s66#title>"


def _record(folder: Path, n: int, title: str) -> Source:
    path = folder / f"p{n}.ttl"
    path.write_text(
        "@prefix eurio: <http://data.europa.eu/s66#> .\n"
        f"<{BASE}id/project/p{n}> a eurio:Project ; eurio:title {title!r} ;\n"
        f'    eurio:hasAcronym "P{n}" .\n',
        encoding="utf-8",
    )
    return Source(path=path, key=f"data/projects/p{n}", kind="project", graph=f"{BASE}graph/p{n}")


@pytest.mark.parametrize("ahead", [64 << 20, 0])
def test_the_graph_comes_in_the_sources_order_whatever_the_tables_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: int
) -> None:
    """A preparation made again (a record edited) is stored at the end of the table; one of
    a source no longer built stays in it until the build forgets it. Read with room to hold
    early preparations, and with none (each then looked up by its key)."""
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
    graph = CachedGraph(cache.path, tuple((s.key, made[s.key].fingerprint) for s in order))
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
