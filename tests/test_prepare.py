"""Preparing a source works on N-Triples lines, sorted by keys cut from their bytes: it must
give exactly what sorting quad objects by ``triple_key`` and writing them gives, on terms whose
bytes and code points could order differently (escapes, non-ASCII, IRIs that extend another
past a character below ``>``), and a summary that agrees with the N-Quads it describes."""

from __future__ import annotations

import dataclasses
import pickle
import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.build.assemble import triple_key
from projectgraph.build.entail import entail
from projectgraph.build.prepare import namespaces_of, prepare, shared, used_namespaces
from projectgraph.build.sources import Source, read
from projectgraph.rdf.vocab import all_prefixes

BASE = "https://w3id.org/projectgraph/"
GRAPH = f"{BASE}graph/data/projects/tricky"
PG = "https://w3id.org/projectgraph/ontology#"

TRICKY = """\
@prefix ex: <http://example.org/> .
@prefix pg: <https://w3id.org/projectgraph/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:a a ex:Thing, pg:Sub ;
    ex:p "plain", "quote \\" and backslash \\\\", "line\\nbreak\\ttab",
        "Hajdú-Bihar"@hu, "Piemonte"@it, "1.50"^^xsd:decimal, "x"^^ex:custom ;
    ex:p-q "dash sorts below >" ;
    ex:p.q "dot" ;
    <http://example.org/p/q> "slash" ;
    ex:pq "letter" ;
    pg:sub ex:b ;
    ex:back ex:c ;
    ex:geo [ ex:wkt "POINT(1 2)" ] .
ex:a-b ex:p "subject with a dash" .
ex:a.b ex:p "subject with a dot" .
<http://example.org/ä> ex:p "non-ASCII subject" ;
    ex:p <http://example.org/é> .
ex:b rdfs:label "b" .
"""

ALIGNMENTS = (
    {f"{PG}Sub": {f"{PG}Super", "http://example.org/Thing"}},
    {f"{PG}sub": {"http://example.org/super"}},
)


@pytest.fixture
def source(tmp_path: Path) -> Source:
    path = tmp_path / "tricky.ttl"
    path.write_text(TRICKY, encoding="utf-8")
    return Source(path=path, key="data/projects/tricky", kind="project", graph=GRAPH)


def test_prepared_nquads_are_the_sorted_quads_pyoxigraph_writes(source: Source) -> None:
    prepared = prepare(source, BASE, ALIGNMENTS, frozenset({"http://example.org/back"}), "fp")
    quads = read(source, BASE)
    added = entail(quads, *ALIGNMENTS)
    expected = ox.serialize(
        sorted(set(quads) | set(added), key=triple_key), format=ox.RdfFormat.N_QUADS
    )
    assert prepared.nquads == expected
    assert prepared.quads == len(set(quads) | set(added))
    assert prepared.entailed == len(added) == 2  # pg:Super and ex:super; ex:Thing was there


def test_the_summary_agrees_with_the_nquads(source: Source) -> None:
    prepared = prepare(source, BASE, ALIGNMENTS, frozenset({"http://example.org/back"}), "fp")
    data = prepared.nquads
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    subjects = list(dict.fromkeys(str(q.subject) for q in quads))
    assert [b.subject for b in prepared.blocks] == subjects
    assert prepared.blocks[-1].end == len(data)
    for block in prepared.blocks:  # each block is exactly its subject's lines
        lines = data[block.start : block.end].decode().splitlines()
        assert lines and all(line.startswith(block.subject + " ") for line in lines)
    nodes = {str(q.object) for q in quads if not isinstance(q.object, ox.Literal)}
    assert set(prepared.objects) == nodes - set(subjects)
    assert "<http://example.org/é>" in prepared.objects
    assert prepared.inverse_objects == ("<http://example.org/c>",)
    iris = {q.predicate.value for q in quads}
    iris |= {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    iris |= {q.object.datatype.value for q in quads if isinstance(q.object, ox.Literal)}
    used = used_namespaces(namespaces_of(iris), all_prefixes(BASE))
    assert prepared.namespaces == tuple(sorted(set(used.values())))
    assert "http://www.w3.org/2001/XMLSchema#" in prepared.namespaces  # a datatype's


def test_the_build_keeps_one_copy_of_what_preparations_share(
    source: Source, tmp_path: Path
) -> None:
    """Two preparations as they come from workers (unpickled: fresh copies of everything)
    hold, once kept, the same predicate and namespace tuples and the same object strings."""
    other_path = tmp_path / "other.ttl"
    other_path.write_text(TRICKY.replace('"plain"', '"other"'), encoding="utf-8")
    other = Source(path=other_path, key="data/projects/other", kind="project", graph=GRAPH + "2")
    inverse = frozenset({"http://example.org/back"})
    made = [
        pickle.loads(pickle.dumps(prepare(s, BASE, ALIGNMENTS, inverse, "fp")))
        for s in (source, other)
    ]
    a, b = made
    assert a.predicates is not b.predicates and a.objects[0] is not b.objects[0]
    kept_a, kept_b = shared(a), shared(b)
    assert kept_a.predicates is kept_b.predicates
    assert kept_a.namespaces is kept_b.namespaces
    assert all(x is y for x, y in zip(kept_a.objects, kept_b.objects, strict=True))
    # The same values, but the lines grouped by predicate: only the cache keeps those.
    assert a.grouped and a.group_ends and not kept_a.grouped and not kept_a.group_ends
    dropped = {"grouped": b"", "group_ends": b""}
    assert kept_a == dataclasses.replace(a, **dropped)
    assert kept_b == dataclasses.replace(b, **dropped)
    assert kept_a.blocks == a.blocks and [b.subject for b in a.blocks] == list(a.subjects)


def test_used_namespaces_are_those_that_shorten_some_iri() -> None:
    # Each namespace against every string: what the binary search must agree with.
    def by_scan(namespaces: set[str], prefixes: dict[str, str]) -> dict[str, str]:
        return {
            p: ns
            for p, ns in prefixes.items()
            if any(n.startswith(ns) and n != ns for n in namespaces)
        }

    rng = random.Random(5)
    for _ in range(2_000):
        namespaces = {
            "".join(rng.choice("ab/#") for _ in range(rng.randint(0, 5)))
            for _ in range(rng.randint(0, 8))
        }
        prefixes = {
            f"p{i}": "".join(rng.choice("ab/#") for _ in range(rng.randint(0, 4))) for i in range(5)
        }
        assert used_namespaces(namespaces, prefixes) == by_scan(namespaces, prefixes)
    iris = namespaces_of({"http://x.org/a/b", "http://x.org/c#d"})
    assert used_namespaces(
        iris, {"x": "http://x.org/", "a": "http://x.org/a/", "z": "http://z/"}
    ) == {
        "x": "http://x.org/",
        "a": "http://x.org/a/",
    }
