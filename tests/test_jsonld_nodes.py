"""The one JSON-LD writer: its node objects read back as the same graph (rdflib, pyoxigraph, and
PyLD's expansion read by rdflib), equal what PyLD's JSON-LD 1.1 compaction writes, keep every
lexical form, never write a prefix-only compact IRI, are byte-stable whatever the order of the
triples, and are the same whether a graph is written whole (a data document, a query answer)
or streamed (the dump)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld

from projectgraph.build.assemble import assemble
from projectgraph.publish.manifest import load_context
from projectgraph.rdf.jsonld import (
    NodeCompactor,
    document_chunks,
    node_json,
    subject_key,
)
from projectgraph.rdf.serialize import jsonld as small_graph_jsonld
from projectgraph.rdf.terms import rdflib_graph
from projectgraph.settings import load_settings
from tests.conftest import REPO
from tests.graphs import isomorphic

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EURIO = "http://data.europa.eu/s66#"
PG = "https://w3id.org/projectgraph/ontology#"
SCHEMA = "https://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
ID = "https://w3id.org/projectgraph/id/"
OTHER = "https://other.example/"  # no prefix of the context covers it


# --- helpers --------------------------------------------------------------------------------


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def lit(value: str, datatype: str | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=iri(datatype))
    return ox.Literal(value)


def text_of(context: dict[str, Any], nodes: Iterable[dict[str, Any]]) -> str:
    """The whole streamed document."""
    return "".join(document_chunks(context, (node_json(n) for n in nodes)))


def document(context: dict[str, Any], triples: Iterable[ox.Triple]) -> dict[str, Any]:
    return {"@context": context, "@graph": list(NodeCompactor(context).nodes(triples))}


def by_rdflib(text: str, monkeypatch: pytest.MonkeyPatch | None = None) -> rdflib.Graph:
    """rdflib's reading of a JSON-LD text. With ``monkeypatch``, rdflib keeps lexical forms
    as written (it normalises "007"^^xsd:integer to "7" otherwise)."""
    if monkeypatch is not None:
        monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    return rdflib.Graph().parse(data=text, format="json-ld")


def by_oxigraph(text: str) -> rdflib.Graph:
    """pyoxigraph's reading of a JSON-LD text (lexical forms kept), as an rdflib graph."""
    return rdflib_graph(ox.parse(text.encode(), format=ox.RdfFormat.JSON_LD))


def by_pyld(text: str, monkeypatch: pytest.MonkeyPatch) -> rdflib.Graph:
    """PyLD's expansion of a JSON-LD text, turned into N-Quads by PyLD and read by rdflib
    (lexical forms kept) as N-Triples: a named graph would be an error."""
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    expanded = pyld.expand(json.loads(text))
    nquads = pyld.to_rdf(expanded, {"format": "application/n-quads"})
    return rdflib.Graph().parse(data=nquads, format="nt")


def assert_round_trip(
    context: dict[str, Any], triples: list[ox.Triple], monkeypatch: pytest.MonkeyPatch
) -> str:
    """The small-graph writer's document is the streamed one, and rdflib, pyoxigraph and PyLD
    (expanded, then read by rdflib) read it back as exactly ``triples``; returns its text."""
    text = small_graph_jsonld(triples, context).decode()
    assert text == text_of(context, NodeCompactor(context).nodes(triples))
    expected = rdflib_graph(triples)
    assert isomorphic(by_rdflib(text, monkeypatch), expected), "rdflib reads another graph"
    assert isomorphic(by_oxigraph(text), expected), "pyoxigraph reads another graph"
    assert isomorphic(by_pyld(text, monkeypatch), expected), "PyLD expands another graph"
    return text


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def as_set(node: dict[str, Any]) -> dict[str, Any]:
    """PyLD's node with each array in our order: an array of values is a set in JSON-LD (no
    @list here), and PyLD keeps the order in which it met the values."""
    return {k: sorted(v, key=canonical) if isinstance(v, list) else v for k, v in node.items()}


def pyld_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    """A term as PyLD's RDF dataset holds it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    found = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if term.language:
        found["language"] = term.language
    return found


def pyld_nodes(context: dict[str, Any], triples: list[ox.Triple]) -> dict[str, dict[str, Any]]:
    """PyLD's JSON-LD 1.1 compaction (fromRdf, then compact) of ``triples``, by @id."""
    dataset = {
        "@default": [
            {k: pyld_term(getattr(t, k)) for k in ("subject", "predicate", "object")}
            for t in triples
        ]
    }
    expanded = pyld.from_rdf(dataset)
    compacted = pyld.compact(expanded, {"@context": context})
    compacted.pop("@context")
    graph = compacted.get("@graph", [compacted])
    return {n["@id"]: as_set(n) for n in graph}


def scalars(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from scalars(v)
    else:
        yield value


# --- the real build -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    return load_context(load_settings(REPO))


@pytest.fixture(scope="module")
def triples() -> list[ox.Triple]:
    return assemble(load_settings(Path(REPO))).triples


@pytest.fixture(scope="module")
def nodes(context: dict[str, Any], triples: list[ox.Triple]) -> list[dict[str, Any]]:
    return list(NodeCompactor(context).nodes(triples))


def test_real_build_reads_back_as_the_same_graph(
    context: dict[str, Any], triples: list[ox.Triple], nodes: list[dict[str, Any]]
) -> None:
    doc = {"@context": context, "@graph": nodes}
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert len(graph) == len(triples)
    assert isomorphic(graph, rdflib_graph(triples))
    assert isomorphic(by_oxigraph(text_of(context, nodes)), rdflib_graph(triples))


def test_real_build_round_trips_through_pyld_and_rdflib(
    context: dict[str, Any],
    triples: list[ox.Triple],
    nodes: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = by_pyld(text_of(context, nodes), monkeypatch)
    assert len(graph) == len(triples)
    assert isomorphic(graph, rdflib_graph(triples))


def test_real_build_small_graph_writer_is_the_streamed_writer(
    context: dict[str, Any], triples: list[ox.Triple], nodes: list[dict[str, Any]]
) -> None:
    """The whole graph written at once is, byte for byte, the document streamed node by node;
    so is each subject written alone."""
    assert small_graph_jsonld(triples, context).decode() == text_of(context, nodes)
    by_subject: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    alone = [json.loads(small_graph_jsonld(ts, context))["@graph"] for ts in by_subject.values()]
    assert {n["@id"]: n for [n] in alone} == {n["@id"]: n for n in nodes}


def test_real_build_writes_namespace_iris_in_full(
    context: dict[str, Any], nodes: list[dict[str, Any]]
) -> None:
    """The IRI of a prefix is never written "prefix:" (JSON-LD 1.1 IRI compaction refuses an
    empty suffix, and a JSON-LD 1.0 processor can read "dct:" as an absolute IRI of scheme
    "dct"): the vocabulary descriptions' rdfs:isDefinedBy holds the full IRI."""
    bare = {f"{k}:" for k, v in context.items() if isinstance(v, str) and v[-1] in "/#"}
    assert not bare & set(scalars(nodes))
    by_id = {n["@id"]: n for n in nodes}
    assert by_id["dct:BibliographicResource"]["rdfs:isDefinedBy"] == {"@id": DCT}
    assert by_id["eurio:abstract"]["rdfs:isDefinedBy"] == {"@id": EURIO}


def test_real_build_nodes_are_pyld_json_ld_11_compaction(
    context: dict[str, Any], triples: list[ox.Triple], nodes: list[dict[str, Any]]
) -> None:
    assert {n["@id"]: n for n in nodes} == pyld_nodes(context, triples)


def test_real_build_keys_and_values(nodes: list[dict[str, Any]]) -> None:
    by_id = {n["@id"]: n for n in nodes}
    project = by_id["https://w3id.org/projectgraph/id/project/clusters3"]
    assert project["@type"] == ["eurio:Project", "org:OrganizationalCollaboration"]
    assert project["startDate"] == "2016-04-01"  # xsd:date is the term's coercion
    assert project["duration"] == "48"  # xsd:nonNegativeInteger, still a string
    # eurio:title is a plain string (EURIO's range on a project): the term holds it as is
    assert project["title"] == "Leveraging Cluster Policies for successful implementation of RIS3"
    assert all(isinstance(v, str) for n in nodes for v in scalars(n)), "a JSON number or boolean"


def test_streamed_text_is_json_dumps_of_the_document(
    context: dict[str, Any], nodes: list[dict[str, Any]]
) -> None:
    doc = {"@context": context, "@graph": nodes}
    expected = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text_of(context, nodes) == expected
    empty = json.dumps({"@context": context, "@graph": []}, indent=2, sort_keys=True) + "\n"
    assert text_of(context, []) == empty
    for node in nodes:
        plain = json.dumps(node, indent=2, sort_keys=True, ensure_ascii=False)
        assert node_json(node) == "    " + plain.replace("\n", "\n    ")


def test_real_build_text_does_not_depend_on_triple_order(
    context: dict[str, Any], triples: list[ox.Triple], nodes: list[dict[str, Any]]
) -> None:
    expected = text_of(context, nodes)
    for seed in range(3):
        shuffled = random.Random(seed).sample(triples, len(triples))
        assert text_of(context, NodeCompactor(context).nodes(shuffled)) == expected
    # a triple given twice (as by two source files) changes nothing
    assert text_of(context, NodeCompactor(context).nodes(triples + triples[:50])) == expected


def test_nodes_come_in_subject_order(
    context: dict[str, Any], nodes: list[dict[str, Any]], triples: list[ox.Triple]
) -> None:
    compactor = NodeCompactor(context)
    subjects = sorted({t.subject for t in triples}, key=subject_key)
    assert [n["@id"] for n in nodes] == [compactor.node(s, [])["@id"] for s in subjects]


def test_a_changed_lexical_form_is_caught(
    context: dict[str, Any], triples: list[ox.Triple], nodes: list[dict[str, Any]]
) -> None:
    """The round-trip check can fail: one altered value makes the graphs differ."""
    broken = json.loads(json.dumps(nodes))
    project = next(n for n in broken if n["@id"].endswith("/project/clusters3"))
    project["startDate"] = "2016-04-02"
    doc = {"@context": context, "@graph": broken}
    graph = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert not isomorphic(graph, rdflib_graph(triples))


# --- targeted cases -------------------------------------------------------------------------

S = iri(ID + "project/p1")
B1, B2 = ox.BlankNode("b1"), ox.BlankNode("b2")


def case_triples() -> list[ox.Triple]:
    """Every kind of term and value the compaction rules distinguish."""
    t = ox.Triple
    return [
        # strings: untyped, xsd:string written out, English, a language no term declares
        t(S, iri(EURIO + "title"), lit("Plain title")),
        t(S, iri(EURIO + "title"), lit("Titre", language="fr")),
        t(S, iri(RDFS + "label"), lit("Same either way", XSD + "string")),
        t(S, iri(RDFS + "comment"), lit("A comment", language="en")),
        t(S, iri(RDFS + "comment"), lit("Ein Kommentar", language="de")),
        # a term's datatype, and the same predicate with another datatype
        t(S, iri(EURIO + "startDate"), lit("2024-02-29", XSD + "date")),
        t(S, iri(EURIO + "startDate"), lit("2024-02-29T10:00:00Z", XSD + "dateTime")),
        # lexical forms that a number or a normalisation would change
        t(S, iri(EURIO + "value"), lit("1.50", XSD + "decimal")),
        t(S, iri(EURIO + "value"), lit("007", XSD + "integer")),
        t(S, iri(EURIO + "duration"), lit("007", XSD + "nonNegativeInteger")),
        t(S, iri(PG + "isClusterOrganisation"), lit("1", XSD + "boolean")),
        t(S, iri(PG + "flag"), lit("0", XSD + "boolean")),
        t(S, iri(PG + "count"), lit("+10", XSD + "integer")),
        t(S, iri(PG + "ratio"), lit("1.0E0", XSD + "double")),
        t(S, iri(OTHER + "custom"), lit("x", OTHER + "Datatype")),
        # IRIs: a term with @id coercion, no prefix at all, a prefix's own namespace, "//"
        t(S, iri(DCT + "subject"), iri(ID + "topic/t2")),
        t(S, iri(DCT + "subject"), iri(ID + "topic/t1")),
        t(S, iri(DCT + "subject"), iri(OTHER + "topic/t3")),
        t(S, iri(SCHEMA + "url"), iri(SCHEMA)),
        t(S, iri(RDFS + "seeAlso"), iri(SCHEMA)),
        t(S, iri(RDFS + "seeAlso"), iri(SCHEMA + "//double")),
        t(S, iri(OTHER + "p"), iri(OTHER + "o")),
        t(S, iri(EURIO + "title"), iri(OTHER + "an-iri-as-a-title")),
        t(S, iri(SCHEMA), lit("predicate is a namespace")),
        # types: compact IRIs, a term, no prefix, a namespace, a blank node, a literal
        t(S, iri(RDF + "type"), iri(EURIO + "Project")),
        t(S, iri(RDF + "type"), iri(PG + "country")),
        t(S, iri(RDF + "type"), iri(OTHER + "Class")),
        t(S, iri(RDF + "type"), iri(SCHEMA)),
        t(S, iri(RDF + "type"), B2),
        t(S, iri(RDF + "type"), lit("not a class")),
        # blank nodes as objects (a coerced term, a plain term, no term) and as subjects
        t(S, iri(ORG + "member"), B1),
        t(S, iri(RDFS + "label"), B1),
        t(S, iri(OTHER + "q"), B2),
        t(B1, iri(SCHEMA + "name"), lit("Blank one")),
        t(B1, iri(RDF + "type"), iri(ORG + "Membership")),
        t(B1, iri(ORG + "organization"), B2),
        t(B2, iri(ORG + "role"), iri(ID + "role/lead")),
        # text JSON must escape, and text it must not
        t(iri(ID + "text"), iri(DCT + "description"), lit('</script><script>alert("x")')),
        t(iri(ID + "text"), iri(DCT + "description"), lit('quote " backslash \\ end')),
        t(iri(ID + "text"), iri(DCT + "description"), lit("line one\nline two\r\n\ttab")),
        t(iri(ID + "text"), iri(DCT + "description"), lit("Čeština, Ελληνικά, 中文, 🇪🇺")),
        t(iri(ID + "text"), iri(DCT + "description"), lit("separators \u2028 \u2029 \x00")),
        t(iri(ID + "text"), iri(SCHEMA + "name"), lit("Zürich", language="de-CH")),
        # subjects without a prefix, and a prefix's namespace as a subject
        t(iri(OTHER + "thing"), iri(RDFS + "label"), lit("Other")),
        t(iri(SCHEMA), iri(RDFS + "label"), lit("schema.org")),
    ]


@pytest.fixture(scope="module")
def case_nodes(context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["@id"]: n for n in NodeCompactor(context).nodes(case_triples())}


def test_targeted_cases_read_back_exactly(
    context: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_round_trip(context, case_triples(), monkeypatch)


def test_targeted_cases_are_pyld_json_ld_11_compaction(
    context: dict[str, Any], case_nodes: dict[str, dict[str, Any]]
) -> None:
    """PyLD agrees on every node, except that it writes "schema://double" for the IRI
    https://schema.org///double, which reads back as another IRI (a suffix starting with "//"
    makes an absolute IRI), where ours keeps the IRI as it is."""
    expected = pyld_nodes(context, case_triples())
    see_also = expected[S.value]["rdfs:seeAlso"]
    assert {"@id": "schema://double"} in see_also
    see_also[see_also.index({"@id": "schema://double"})] = {"@id": SCHEMA + "//double"}
    expected[S.value]["rdfs:seeAlso"] = sorted(see_also, key=canonical)
    assert case_nodes == expected


def test_strings_and_languages(case_nodes: dict[str, dict[str, Any]]) -> None:
    node = case_nodes[S.value]
    # a term without coercion holds a plain string as a string, and any other value expanded
    assert node["title"] == sorted(
        [
            "Plain title",
            {"@language": "fr", "@value": "Titre"},
            {"@id": OTHER + "an-iri-as-a-title"},
        ],
        key=canonical,
    )
    assert node["label"] == sorted(["Same either way", {"@id": "_:b1"}], key=canonical)
    # no term for rdfs:comment: compact IRI, language strings expanded
    assert node["rdfs:comment"] == [
        {"@language": "de", "@value": "Ein Kommentar"},
        {"@language": "en", "@value": "A comment"},
    ]
    assert case_nodes[ID + "text"]["name"] == {"@language": "de-ch", "@value": "Zürich"}


def test_a_language_term(monkeypatch: pytest.MonkeyPatch) -> None:
    """A term declaring a language takes the strings in that language; the other strings
    of the predicate go to a term without language, or to the compact IRI."""
    context = {
        "rdfs": RDFS,
        "lbl": "rdfs:label",
        "labelEn": {"@id": "rdfs:label", "@language": "en"},
        "labelFr": {"@id": "rdfs:label", "@language": "fr"},
        "labelNone": {"@id": "rdfs:label", "@language": None},
        "comment": {"@id": "rdfs:comment", "@language": "en"},
        "@language": "fr",
        "seeAlso": "rdfs:seeAlso",
    }
    triples = [
        ox.Triple(S, iri(RDFS + "label"), lit("Label", language="en")),
        ox.Triple(S, iri(RDFS + "label"), lit("Libellé", language="fr")),
        ox.Triple(S, iri(RDFS + "label"), lit("no language")),
        ox.Triple(S, iri(RDFS + "comment"), lit("Comment", language="en")),
        ox.Triple(S, iri(RDFS + "comment"), lit("Commentaire", language="fr")),
        ox.Triple(S, iri(RDFS + "comment"), lit("Kommentar", language="de")),
        ox.Triple(S, iri(RDFS + "seeAlso"), lit("en français", language="fr")),
        ox.Triple(S, iri(RDFS + "seeAlso"), lit("no language")),
    ]
    (node,) = NodeCompactor(context).nodes(triples)
    assert node["labelEn"] == "Label"
    assert node["labelNone"] == "no language"
    # a term without language also stands for the default language, and it is shorter
    assert node["lbl"] == "Libellé"
    assert "labelFr" not in node
    assert node["comment"] == "Comment"
    assert node["rdfs:comment"] == ["Commentaire", {"@language": "de", "@value": "Kommentar"}]
    assert node["seeAlso"] == sorted(["en français", {"@value": "no language"}], key=canonical)
    assert node == pyld_nodes(context, triples)[S.value]
    assert_round_trip(context, triples, monkeypatch)


def test_coerced_datatypes_keep_their_lexical_form(case_nodes: dict[str, dict[str, Any]]) -> None:
    node = case_nodes[S.value]
    assert node["startDate"] == "2024-02-29"
    assert node["eurio:startDate"] == {"@type": "xsd:dateTime", "@value": "2024-02-29T10:00:00Z"}
    assert node["value"] == "1.50"
    assert node["eurio:value"] == {"@type": "xsd:integer", "@value": "007"}
    assert node["duration"] == "007"
    assert node["isClusterOrganisation"] == "1"
    assert node["pg:flag"] == {"@type": "xsd:boolean", "@value": "0"}
    assert node["pg:count"] == {"@type": "xsd:integer", "@value": "+10"}
    assert node[OTHER + "custom"] == {"@type": OTHER + "Datatype", "@value": "x"}
    assert all(isinstance(v, str) for n in case_nodes.values() for v in scalars(n))


def test_iris(case_nodes: dict[str, dict[str, Any]]) -> None:
    node = case_nodes[S.value]
    # no prefix covers the project's IRIs
    assert node["topic"] == [OTHER + "topic/t3", ID + "topic/t1", ID + "topic/t2"]
    assert node["url"] == SCHEMA  # never "schema:"
    assert node["rdfs:seeAlso"] == [{"@id": SCHEMA}, {"@id": SCHEMA + "//double"}]
    assert node[OTHER + "p"] == {"@id": OTHER + "o"}
    assert node["schema"] == "predicate is a namespace"  # the prefix is a term of its IRI
    assert SCHEMA in case_nodes and OTHER + "thing" in case_nodes


def test_types(case_nodes: dict[str, dict[str, Any]]) -> None:
    node = case_nodes[S.value]
    assert node["@type"] == sorted(
        ["_:b2", "country", "eurio:Project", OTHER + "Class", "schema"], key=canonical
    )
    assert node["rdf:type"] == "not a class"
    assert case_nodes["_:b1"]["@type"] == "org:Membership"


def test_blank_nodes(case_nodes: dict[str, dict[str, Any]]) -> None:
    node = case_nodes[S.value]
    assert node["member"] == "_:b1"
    assert node[OTHER + "q"] == {"@id": "_:b2"}
    assert case_nodes["_:b1"]["organization"] == "_:b2"
    assert case_nodes["_:b2"] == {"@id": "_:b2", "role": ID + "role/lead"}


def test_text_is_escaped_as_json_and_nothing_more(
    context: dict[str, Any], case_nodes: dict[str, dict[str, Any]]
) -> None:
    text = node_json(case_nodes[ID + "text"])
    assert '</script><script>alert(\\"x\\")' in text
    assert "line one\\nline two\\r\\n\\ttab" in text
    assert "Čeština, Ελληνικά, 中文, 🇪🇺" in text
    assert "\\u0000" in text and "\u2028" in text
    assert "\n" not in text.replace("\n" + " " * 4, "")  # newlines only between lines
    assert json.loads(text) == case_nodes[ID + "text"]


def test_targeted_text_does_not_depend_on_triple_order(context: dict[str, Any]) -> None:
    triples = case_triples()
    expected = text_of(context, NodeCompactor(context).nodes(triples))
    for seed in range(5):
        shuffled = random.Random(seed).sample(triples, len(triples))
        assert text_of(context, NodeCompactor(context).nodes(shuffled)) == expected


def test_node_takes_one_subject(context: dict[str, Any]) -> None:
    compactor = NodeCompactor(context)
    triples = [t for t in case_triples() if t.subject == B2]
    assert compactor.node(B2, triples) == {"@id": "_:b2", "role": ID + "role/lead"}
    with pytest.raises(ValueError, match="is not about"):
        compactor.node(B1, triples)


# --- contexts -------------------------------------------------------------------------------


def test_set_container_always_writes_an_array(monkeypatch: pytest.MonkeyPatch) -> None:
    context = {
        "ex": "http://example.org/",
        "tags": {"@id": "ex:tag", "@container": "@set"},
        "tag": "ex:tag",
        "links": {"@id": "ex:link", "@type": "@id", "@container": "@set"},
    }
    triples = [
        ox.Triple(iri("http://example.org/a"), iri("http://example.org/tag"), lit("one")),
        ox.Triple(iri("http://example.org/a"), iri("http://example.org/link"), B1),
    ]
    (node,) = NodeCompactor(context).nodes(triples)
    assert node == {"@id": "ex:a", "tags": ["one"], "links": ["_:b1"]}
    assert node == pyld_nodes(context, triples)["ex:a"]
    assert_round_trip(context, triples, monkeypatch)


def test_vocab_terms_take_iris_that_are_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    context = {
        "ex": "http://example.org/",
        "Big": "ex:Big",
        "kind": {"@id": "ex:kind", "@type": "@vocab"},
        "kindIri": {"@id": "ex:kind", "@type": "@id"},
    }
    a = iri("http://example.org/a")
    triples = [
        ox.Triple(a, iri("http://example.org/kind"), iri("http://example.org/Big")),
        ox.Triple(a, iri("http://example.org/kind"), iri("http://example.org/Small")),
        ox.Triple(a, iri("http://example.org/kind"), B1),
    ]
    (node,) = NodeCompactor(context).nodes(triples)
    assert node == {"@id": "ex:a", "kind": "Big", "kindIri": ["_:b1", "ex:Small"]}
    assert node == pyld_nodes(context, triples)["ex:a"]
    assert_round_trip(context, triples, monkeypatch)


def test_compact_iris_prefer_the_shortest_and_avoid_terms() -> None:
    context = {
        "ex": "http://example.org/",
        "exa": "http://example.org/a/",
        "ex:a/b": {"@id": "http://example.org/a/b", "@type": "@id"},
        "exa:c": {"@id": "http://example.org/a/c", "@type": "@id"},
    }
    compactor = NodeCompactor(context)
    a_b, a_c = iri("http://example.org/a/b"), iri("http://example.org/a/c")
    node = compactor.node(a_b, [ox.Triple(a_b, a_b, lit("x")), ox.Triple(a_b, a_b, a_b)])
    # "ex:a/b" is a term (coerced to @id): only the IRI value may use it
    assert node == {"@id": "exa:b", "exa:b": "x", "ex:a/b": "exa:b"}
    node = compactor.node(a_c, [ox.Triple(a_c, a_c, lit("x")), ox.Triple(a_c, a_c, a_c)])
    # the shortest compact IRI, "exa:c", is a term that would coerce "x" to an IRI
    assert node == {"@id": "exa:c", "ex:a/c": "x", "exa:c": "exa:c"}
    expected = pyld_nodes(context, [ox.Triple(a_c, a_c, lit("x")), ox.Triple(a_c, a_c, a_c)])
    assert expected == {"exa:c": node}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"@vocab": "http://example.org/"}, "@vocab"),
        ({"@base": "http://example.org/"}, "@base"),
        ({"id": "@id"}, "alias"),
        ({"ex": "http://example.org/", "p": {"@reverse": "ex:p"}}, "@reverse"),
        (
            {"ex": "http://example.org/", "p": {"@id": "ex:p", "@container": "@language"}},
            "@container",
        ),
        ({"ex": "http://example.org/", "p": {"@id": "ex:p", "@context": {}}}, "@context"),
        ({"ex": "http://example.org/", "p": {"@id": "ex:p", "@type": "@json"}}, "@json"),
        ({"p": "relative"}, "not an IRI"),
        ({"t": "http://example.org/t", "x": "t:y"}, "not a prefix"),
        ({"ex": "http://example.org/", "ex:a": "http://example.org/b"}, "must map"),
    ],
)
def test_unsupported_contexts_are_refused(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NodeCompactor(context)


def test_an_iri_read_as_a_compact_iri_is_written_in_full() -> None:
    """An IRI whose scheme is a prefix ("ex:thing" beside "ex") has no compact form: its node
    resets the context and writes every IRI in full, and reads back as the same triples."""
    context = {"ex": "http://example.org/", "name": "http://example.org/name"}
    compactor = NodeCompactor(context)
    thing = iri("ex:thing")
    triples = [
        ox.Triple(thing, iri("http://example.org/name"), lit("v")),
        ox.Triple(iri("http://example.org/s"), iri("http://example.org/p"), thing),
    ]
    nodes = list(compactor.nodes(triples))
    assert nodes[0] == {"@context": None, "@id": "ex:thing", "http://example.org/name": "v"}
    assert nodes[1] == {
        "@context": None,
        "@id": "http://example.org/s",
        "http://example.org/p": {"@id": "ex:thing"},
    }
    document = json.dumps({"@context": context, "@graph": nodes})
    read = ox.parse(document.encode(), format=ox.RdfFormat.JSON_LD)
    assert {q.triple for q in read} == set(triples)
    subject = iri("http://example.org/s")
    assert compactor.node(subject, [ox.Triple(subject, iri("ex://x"), lit("v"))]) == {
        "@id": "ex:s",
        "ex://x": "v",
    }


def test_triples_of_a_document_in_any_form(context: dict[str, Any]) -> None:
    """node() and nodes() agree, and nodes() needs no sorting of its input."""
    triples = case_triples()
    compactor = NodeCompactor(context)
    grouped: dict[Any, list[ox.Triple]] = {}
    for t in reversed(triples):
        grouped.setdefault(t.subject, []).append(t)
    by_node = [compactor.node(s, grouped[s]) for s in sorted(grouped, key=subject_key)]
    assert by_node == list(compactor.nodes(reversed(triples)))
    assert document(context, triples)["@graph"] == by_node


def test_terms_json_ld_cannot_hold_here_are_refused() -> None:
    compactor = NodeCompactor({})
    s, p = iri("http://example.org/s"), iri("http://example.org/p")
    with pytest.raises(TypeError, match="cannot write"):
        compactor.node(s, [ox.Triple(s, p, ox.Triple(s, p, s))])
    rtl = ox.Literal("x", language="ar", direction=ox.BaseDirection.RTL)
    with pytest.raises(ValueError, match="directional"):
        compactor.node(s, [ox.Triple(s, p, rtl)])
