"""The search index's items kept between builds: an index made with the items and facts the
last one kept, after a change, holds what the index made anew from every fact holds, whether
it kept the items no change reaches or (for changes that reach many) made them all anew; and
so does the index served updated in a copy (when no item came or went), with the same content
digest, which the build id counts in place of the file's bytes."""

from __future__ import annotations

import gzip
import hashlib
import marshal
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.publish import search_index
from projectgraph.publish.search_index import KeptFacts, index_footprint, index_graph
from tests.conftest import built_records, search_held

PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@dataclass(frozen=True)
class Graph:
    """The merged graph of a small synthetic build, with the kept facts and items of its index."""

    triples: bytes  # N-Triples
    kept: Path  # the facts folder after indexing the graph as it is
    index: Path  # that index: the one a build serves
    names: dict[str, str]  # resources the changes name


def _store(triples: bytes) -> ox.Store:
    store = ox.Store()
    store.bulk_load(triples, format=ox.RdfFormat.N_TRIPLES)
    return store


def _digests(store: ox.Store) -> dict[str, str]:
    """Per predicate the index reads, a digest of its triples (what the build gives
    :class:`KeptFacts`: see merged_digests)."""
    digests = {}
    for p in sorted(index_footprint()):
        lines = sorted(str(q.triple) for q in store.quads_for_pattern(None, ox.NamedNode(p), None))
        digests[p] = hashlib.blake2b("\n".join(lines).encode(), digest_size=8).hexdigest()
    return digests


def _same(made: dict[str, object], path: Path, anew: dict[str, object], anew_path: Path) -> None:
    """The index ``made`` in ``path`` holds what ``anew`` in ``anew_path`` does, and has its
    content digest."""
    assert search_held(path) == search_held(anew_path)
    assert made["content"] == anew["content"]
    assert made["items"] == anew["items"]


def _one(store: ox.Store, query: str) -> dict[str, str]:
    solutions = store.query(PREFIXES + query)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        return {v.value: row[v].value for v in solutions.variables if row[v] is not None}
    raise AssertionError(f"nothing for {query}")


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    folder = tmp_path_factory.mktemp("search-items")
    built = built_records(folder / "records", 30, 5)
    triples = gzip.decompress((built.published.folder / "projectgraph.nt.gz").read_bytes())
    store = _store(triples)
    names = _one(
        store,
        """SELECT ?project ?membership ?organisation ?site ?programme WHERE {
             ?project a eurio:Project ;
               eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?programme .
             ?membership org:organization ?project ; org:member ?organisation .
             ?organisation eurio:hasSite ?site . ?site pg:country ?country .
             FILTER EXISTS { ?other org:organization ?project . FILTER(?other != ?membership) }
           } ORDER BY ?project ?membership""",
    )
    names |= _one(
        store, "SELECT ?region WHERE { ?region a eurio:AdministrativeArea ; skos:broader ?above }"
    )
    kept = folder / "kept"
    result = index_graph(store, folder / "first.sqlite", KeptFacts(kept, _digests(store)))
    assert result["items_kept"] == [0, sum(result["items"].values())]  # nothing kept yet
    return Graph(triples, kept, folder / "first.sqlite", names)


# Each change: SPARQL Update (resources named as in Graph.names), and whether the items no
# change reaches are kept (False: a change that reaches many items makes them all anew).
CHANGES = {
    "a project's title": (
        "DELETE { <{project}> eurio:title ?t } INSERT { <{project}> eurio:title 'Changed'@en }"
        " WHERE { <{project}> eurio:title ?t }",
        True,
    ),
    "a project's start": (
        "DELETE { <{project}> eurio:startDate ?d } INSERT { <{project}> eurio:startDate"
        " '1999-01-01'^^<http://www.w3.org/2001/XMLSchema#date> }"
        " WHERE { <{project}> eurio:startDate ?d }",
        True,
    ),
    "a partner left a project": (
        "DELETE WHERE { <{membership}> org:organization <{project}> }",
        True,
    ),
    "an organisation moved country": (
        "DELETE { <{site}> pg:country ?c } INSERT { <{site}> pg:country"
        " <http://publications.europa.eu/resource/authority/country/MLT> }"
        " WHERE { <{site}> pg:country ?c }",
        True,
    ),
    "an organisation renamed": (
        "DELETE { <{organisation}> skos:prefLabel ?n }"
        " INSERT { <{organisation}> skos:prefLabel 'Quarzwerk'@en }"
        " WHERE { <{organisation}> skos:prefLabel ?n }",
        True,
    ),
    "an organisation became a cluster": (
        "DELETE WHERE { <{organisation}> pg:isClusterOrganisation ?f } ;"
        " INSERT DATA { <{organisation}> pg:isClusterOrganisation true }",
        True,
    ),
    "a project added": (
        "INSERT DATA { <{project}-new> a eurio:Project ; eurio:title 'New'@en ;"
        " eurio:hasAcronym [ eurio:shortForm 'NEW' ] ."
        " <{membership}-new> org:organization <{project}-new> ; org:member <{organisation}> }",
        True,
    ),
    "a project removed": (
        "DELETE WHERE { <{project}> ?p ?o } ;"
        " DELETE WHERE { ?m org:organization <{project}> ; ?q ?v }",
        True,
    ),
    "a programme renamed": (
        "DELETE { <{programme}> skos:prefLabel ?n ; rdfs:label ?l }"
        " INSERT { <{programme}> skos:prefLabel 'Renamed'@en }"
        " WHERE { OPTIONAL { <{programme}> skos:prefLabel ?n } OPTIONAL { <{programme}> rdfs:label ?l } }",
        False,
    ),
    "a project's cost not a number": (
        "DELETE { ?c eurio:value ?v } INSERT { ?c eurio:value 'NaN'^^xsd:double }"
        " WHERE { <{project}> eurio:hasTotalCost ?c . ?c eurio:value ?v }",
        True,
    ),
    # A role elsewhere with the code of one the index has: two values for one facet key.
    "a partner's role from elsewhere": (
        "DELETE { <{membership}> org:role ?r } INSERT { <{membership}> org:role ?other }"
        " WHERE { <{membership}> org:role ?r"
        " BIND(IRI(CONCAT('http://example.org/elsewhere/', REPLACE(STR(?r), '^.*/', '')))"
        " AS ?other) }",
        True,
    ),
    "a region moved": (
        "DELETE { <{region}> skos:broader ?b } WHERE { <{region}> skos:broader ?b }",
        False,
    ),
}


def _changed(graph: Graph, change: str) -> tuple[ox.Store, dict[str, str]]:
    """A store of the graph with ``change`` made, and its digests."""
    store = _store(graph.triples)
    text = CHANGES[change][0]
    for name, iri in graph.names.items():
        text = text.replace("{" + name + "}", iri)
    before = _digests(store)
    store.update(PREFIXES + text)
    digests = _digests(store)
    assert digests != before, "the change changed the graph"
    return store, digests


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("ahead", [False, True], ids=["read", "read ahead"])
def test_an_index_from_kept_items_is_the_one_made_anew(
    graph: Graph, tmp_path: Path, change: str, ahead: bool
) -> None:
    keeps = CHANGES[change][1]
    kept_folder = tmp_path / "kept"
    shutil.copytree(graph.kept, kept_folder)
    store, digests = _changed(graph, change)
    kept = KeptFacts(kept_folder, digests)
    if ahead:  # as the answers child reads them: while the graph loads
        kept = kept.read_ahead()
    made = index_graph(store, tmp_path / "kept.sqlite", kept)
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    _same(made, tmp_path / "kept.sqlite", anew, tmp_path / "anew.sqlite")
    assert not made["patched"]
    reused, items = made["items_kept"]  # type: ignore[misc]
    people = made["items"]["project"] + made["items"]["organisation"]  # type: ignore[index]
    if keeps:
        assert 0 < reused < people, "the items the change reaches made anew, the others kept"
    else:
        assert reused == 0
    # The items kept now are this index's: the next change builds on them.
    again = index_graph(store, tmp_path / "again.sqlite", KeptFacts(kept_folder, digests))
    assert again["items_kept"] == [people, items]
    _same(again, tmp_path / "again.sqlite", anew, tmp_path / "anew.sqlite")


@pytest.mark.parametrize(
    "change", ["a project added", "a project removed", "a partner left a project"]
)
def test_kept_items_are_read_in_step_across_batches(
    graph: Graph, tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kept rows are read a batch at a time beside the items made now, both in order:
    # with batches of five, items come and go across their edges.
    monkeypatch.setattr(search_index, "_BATCH", 5)
    kept_folder = tmp_path / "kept"
    shutil.copytree(graph.kept, kept_folder)
    store = _store(graph.triples)
    first = index_graph(store, tmp_path / "first.sqlite", KeptFacts(kept_folder, _digests(store)))
    people = first["items"]["project"] + first["items"]["organisation"]  # type: ignore[index]
    assert first["items_kept"][0] == people  # type: ignore[index]  # kept again, in fives
    store, digests = _changed(graph, change)
    made = index_graph(store, tmp_path / "kept.sqlite", KeptFacts(kept_folder, digests))
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    _same(made, tmp_path / "kept.sqlite", anew, tmp_path / "anew.sqlite")
    assert 0 < made["items_kept"][0] < people  # type: ignore[index]


def test_items_kept_with_facts_not_found_are_made_anew(graph: Graph, tmp_path: Path) -> None:
    # The earlier values of a changed fact are what tells which items it reaches: without
    # them (a kept fact removed, say by hand), every item is made anew.
    kept_folder = tmp_path / "kept"
    shutil.copytree(graph.kept, kept_folder)
    for path in kept_folder.glob("title.*"):
        path.unlink()
    store = _store(graph.triples)
    store.update(
        PREFIXES
        + "DELETE { ?p eurio:title ?t } INSERT { ?p eurio:title 'Changed'@en }"
        + f" WHERE {{ BIND(<{graph.names['project']}> AS ?p) ?p eurio:title ?t }}"
    )
    made = index_graph(store, tmp_path / "kept.sqlite", KeptFacts(kept_folder, _digests(store)))
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    assert made["items_kept"][0] == 0  # type: ignore[index]
    _same(made, tmp_path / "kept.sqlite", anew, tmp_path / "anew.sqlite")


@pytest.mark.parametrize("damage", ["cut short", "another layout", "another version"])
def test_damaged_kept_items_are_made_anew(
    graph: Graph, tmp_path: Path, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept_folder = tmp_path / "kept"
    shutil.copytree(graph.kept, kept_folder)
    items = kept_folder / "items"
    if damage == "another version":  # made by other code: its facets may differ
        monkeypatch.setattr(search_index, "__version__", "0.0.0-other")
    elif damage == "cut short":
        items.write_bytes(items.read_bytes()[:-7])
    else:
        with items.open("rb") as f:
            layout, keys = marshal.load(f)  # the header; the rows follow, a batch at a time
            rest = f.read()
        assert layout[0] == search_index._made_by()  # the layout, facets and version
        items.write_bytes(marshal.dumps((("other", layout[1]), keys)) + rest)
    store = _store(graph.triples)
    made = index_graph(store, tmp_path / "kept.sqlite", KeptFacts(kept_folder, _digests(store)))
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    # Here the rows are one batch: cut short, none of them is read.
    assert made["items_kept"][0] == 0  # type: ignore[index]
    _same(made, tmp_path / "kept.sqlite", anew, tmp_path / "anew.sqlite")


# The changes after which no item came or went, reaching few items: the index served is
# updated in a copy; after the others it is written anew.
PATCHED = {
    "a project's title",
    "a project's cost not a number",
    "a project's start",
    "a partner left a project",
    "an organisation moved country",
    "an organisation renamed",
    "an organisation became a cluster",
}


def _served(graph: Graph, folder: Path) -> tuple[Path, Path]:
    """A copy of the graph's kept facts and of the index served, in ``folder``."""
    shutil.copytree(graph.kept, folder / "kept")
    shutil.copyfile(graph.index, folder / "served.sqlite")
    return folder / "kept", folder / "served.sqlite"


def _searched(path: Path, words: str) -> list[int]:
    """The items a full-text search finds, after checking the full-text index against the
    text it indexes (FTS5's integrity-check fails where they differ)."""
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO search_text(search_text) VALUES ('integrity-check')")
        found = db.execute("SELECT rowid FROM search_text WHERE search_text MATCH ?", (words,))
        return sorted(i for (i,) in found)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_index_served_updated_holds_what_one_made_anew_holds(
    graph: Graph, tmp_path: Path, change: str
) -> None:
    kept_folder, served = _served(graph, tmp_path)
    before = served.read_bytes()
    store, digests = _changed(graph, change)
    made = index_graph(store, tmp_path / "made.sqlite", KeptFacts(kept_folder, digests, served))
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    _same(made, tmp_path / "made.sqlite", anew, tmp_path / "anew.sqlite")
    assert made["patched"] == (change in PATCHED)
    assert served.read_bytes() == before  # the build served is read, never written
    for words in ("changed", "quarzwerk", "new"):
        assert _searched(tmp_path / "made.sqlite", words) == _searched(
            tmp_path / "anew.sqlite", words
        )
    if made["patched"]:
        people = made["items"]["project"] + made["items"]["organisation"]  # type: ignore[index]
        assert 0 < made["items_kept"][0] < people  # type: ignore[index]
        # Another file than the one written anew (a copy of the one served, updated): the
        # build id counts what it holds, not its bytes.
        assert (tmp_path / "made.sqlite").read_bytes() != (tmp_path / "anew.sqlite").read_bytes()


def test_indexes_updated_one_after_another_hold_what_one_made_anew_holds(
    graph: Graph, tmp_path: Path
) -> None:
    # Each build updates the one before: a title, a cost, a start, an organisation's name;
    # then a project is added (items come: written anew, the items kept read from the index
    # served, the kept items file being older).
    kept_folder, served = _served(graph, tmp_path)
    store = _store(graph.triples)
    steps = [
        "a project's title",
        "a project's cost not a number",  # then read back from the index served (NULL)...
        "a project's start",  # ...when the project is made anew again
        "an organisation renamed",
        "a project added",
    ]
    for step, change in enumerate(steps):
        text = CHANGES[change][0]
        for name, iri in graph.names.items():
            text = text.replace("{" + name + "}", iri)
        store.update(PREFIXES + text)
        digests = _digests(store)
        path = tmp_path / f"step{step}.sqlite"
        made = index_graph(store, path, KeptFacts(kept_folder, digests, served))
        anew = index_graph(store, tmp_path / f"anew{step}.sqlite", None)
        _same(made, path, anew, tmp_path / f"anew{step}.sqlite")
        assert made["patched"] == (change != "a project added")
        # Every build keeps the items no change reaches: after updates, from the index served.
        people = made["items"]["project"] + made["items"]["organisation"]  # type: ignore[index]
        assert 0 < made["items_kept"][0] < people  # type: ignore[index]
        assert _searched(path, "changed quarzwerk") == _searched(
            tmp_path / f"anew{step}.sqlite", "changed quarzwerk"
        )
        served = path


@pytest.mark.parametrize("failure", [sqlite3.DatabaseError, RuntimeError])
def test_an_update_that_fails_is_written_anew_or_leaves_no_index(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[Exception]
) -> None:
    # SQLite's error (the index served damaged): the index is written anew instead; anything
    # else (the build stopped): raised, and the copy removed. The build served is only read.
    kept_folder, served = _served(graph, tmp_path)
    before = served.read_bytes()
    store, digests = _changed(graph, "a project's title")

    def fail(*args: object) -> None:
        raise failure("database disk image is malformed")

    monkeypatch.setattr(search_index, "_tags_updated", fail)
    kept = KeptFacts(kept_folder, digests, served)
    if failure is RuntimeError:
        with pytest.raises(RuntimeError):
            index_graph(store, tmp_path / "made.sqlite", kept)
        assert not (tmp_path / "made.sqlite").exists()
    else:
        made = index_graph(store, tmp_path / "made.sqlite", kept)
        anew = index_graph(store, tmp_path / "anew.sqlite", None)
        assert not made["patched"]
        _same(made, tmp_path / "made.sqlite", anew, tmp_path / "anew.sqlite")
    assert served.read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [
        "no record of what it was made of",
        "made by other code",
        "its arrays damaged",
        "not SQLite",
        "cut short",
        "missing",
    ],
)
def test_an_index_served_that_cannot_be_updated_is_written_anew(
    graph: Graph, tmp_path: Path, damage: str
) -> None:
    kept_folder, served = _served(graph, tmp_path)
    if damage == "missing":
        served.unlink()
    elif damage == "not SQLite":
        served.write_bytes(b"not a database")
    elif damage == "cut short":
        served.write_bytes(served.read_bytes()[: served.stat().st_size // 3])
    elif damage == "made by other code":  # another version, or other facets
        with sqlite3.connect(served) as db:
            db.execute("UPDATE search_made SET value = 'other' WHERE name = 'items'")
    elif damage == "its arrays damaged":  # a byte that is no array of 32-bit numbers
        with sqlite3.connect(served) as db:
            db.execute("UPDATE search_arrays SET data = x'00' WHERE name = 'items'")
    else:  # as an earlier version wrote it
        with sqlite3.connect(served) as db:
            db.execute("DROP TABLE search_made")
    store, digests = _changed(graph, "a project's title")
    made = index_graph(store, tmp_path / "made.sqlite", KeptFacts(kept_folder, digests, served))
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    assert not made["patched"]
    assert made["items_kept"][0] > 0  # type: ignore[index]  # from the kept items instead
    _same(made, tmp_path / "made.sqlite", anew, tmp_path / "anew.sqlite")


def test_an_index_served_with_a_key_for_two_values_is_written_anew(
    graph: Graph, tmp_path: Path
) -> None:
    # Written anew, a facet key that stands for two values (two roles with one code) names
    # the last item's. Here the last project's partners get roles elsewhere with the codes of
    # theirs, then another role: updated, the index would keep naming the key by a role no
    # item has any more; it is written anew instead.
    kept_folder, _ = _served(graph, tmp_path)
    store = _store(graph.triples)
    last = _one(store, "SELECT ?p WHERE { ?p a eurio:Project } ORDER BY DESC(?p) LIMIT 1")["p"]
    store.update(
        PREFIXES + "DELETE { ?m org:role ?r } INSERT { ?m org:role ?other }"
        f" WHERE {{ ?m org:organization <{last}> ; org:role ?r"
        " BIND(IRI(CONCAT('http://example.org/elsewhere/', REPLACE(STR(?r), '^.*/', '')))"
        " AS ?other) }"
    )
    served = tmp_path / "shared.sqlite"
    first = index_graph(store, served, KeptFacts(kept_folder, _digests(store)))
    assert not first["patched"]
    with sqlite3.connect(served) as db:
        made = dict(db.execute("SELECT name, value FROM search_made").fetchall())
        named = {i for (i,) in db.execute("SELECT iri FROM search_values WHERE iri IS NOT NULL")}
    assert made["keys"] == "shared"
    assert any(i.startswith("http://example.org/elsewhere/") for i in named)
    store.update(
        PREFIXES + "DELETE { ?m org:role ?r } INSERT { ?m org:role <http://example.org/other/x> }"
        f" WHERE {{ ?m org:organization <{last}> ; org:role ?r }}"
    )
    kept = KeptFacts(kept_folder, _digests(store), served)
    made_now = index_graph(store, tmp_path / "made.sqlite", kept)
    anew = index_graph(store, tmp_path / "anew.sqlite", None)
    assert not made_now["patched"]
    _same(made_now, tmp_path / "made.sqlite", anew, tmp_path / "anew.sqlite")
