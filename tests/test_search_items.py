"""The search index's items kept between builds: an index made with the items and facts the
last one kept, after a change, is byte for byte the index made anew from every fact, whether
it kept the items no change reaches or (for changes that reach many) made them all anew."""

from __future__ import annotations

import gzip
import hashlib
import marshal
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.publish import search_index
from projectgraph.publish.search_index import KeptFacts, index_footprint, index_graph
from tests.conftest import built_records

PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@dataclass(frozen=True)
class Graph:
    """The merged graph of a small synthetic build, with the kept facts and items of its index."""

    triples: bytes  # N-Triples
    kept: Path  # the facts folder after indexing the graph as it is
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
    return Graph(triples, kept, names)


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
    assert (tmp_path / "kept.sqlite").read_bytes() == (tmp_path / "anew.sqlite").read_bytes()
    assert made["items"] == anew["items"]
    reused, items = made["items_kept"]  # type: ignore[misc]
    people = made["items"]["project"] + made["items"]["organisation"]  # type: ignore[index]
    if keeps:
        assert 0 < reused < people, "the items the change reaches made anew, the others kept"
    else:
        assert reused == 0
    # The items kept now are this index's: the next change builds on them.
    again = index_graph(store, tmp_path / "again.sqlite", KeptFacts(kept_folder, digests))
    assert again["items_kept"] == [people, items]
    assert (tmp_path / "again.sqlite").read_bytes() == (tmp_path / "anew.sqlite").read_bytes()


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
    index_graph(store, tmp_path / "anew.sqlite", None)
    assert (tmp_path / "kept.sqlite").read_bytes() == (tmp_path / "anew.sqlite").read_bytes()
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
    index_graph(store, tmp_path / "anew.sqlite", None)
    assert made["items_kept"][0] == 0  # type: ignore[index]
    assert (tmp_path / "kept.sqlite").read_bytes() == (tmp_path / "anew.sqlite").read_bytes()


@pytest.mark.parametrize("damage", ["cut short", "another layout"])
def test_damaged_kept_items_are_made_anew(graph: Graph, tmp_path: Path, damage: str) -> None:
    kept_folder = tmp_path / "kept"
    shutil.copytree(graph.kept, kept_folder)
    items = kept_folder / "items"
    if damage == "cut short":
        items.write_bytes(items.read_bytes()[:-7])
    else:
        with items.open("rb") as f:
            layout, keys = marshal.load(f)  # the header; the rows follow, a batch at a time
            rest = f.read()
        assert layout[0] == search_index.ITEMS_LAYOUT
        items.write_bytes(marshal.dumps(((layout[0] + 1, layout[1]), keys)) + rest)
    store = _store(graph.triples)
    made = index_graph(store, tmp_path / "kept.sqlite", KeptFacts(kept_folder, _digests(store)))
    index_graph(store, tmp_path / "anew.sqlite", None)
    # Here the rows are one batch: cut short, none of them is read.
    assert made["items_kept"][0] == 0  # type: ignore[index]
    assert (tmp_path / "kept.sqlite").read_bytes() == (tmp_path / "anew.sqlite").read_bytes()
