"""The ontology documents every term it mints and every term the data uses."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS

from projectgraph.build.assemble import assemble
from projectgraph.rdf.vocab import ONTOLOGY_IRI, PG
from projectgraph.settings import Settings

DCT = rdflib.Namespace("http://purl.org/dc/terms/")
META = (str(RDF), str(RDFS), str(OWL), "http://purl.org/vocab/vann/")


@pytest.fixture(scope="module")
def ontology(repo_settings: Settings) -> rdflib.Graph:
    return rdflib.Graph().parse(repo_settings.ontology, format="turtle")


def english(graph: rdflib.Graph, subject: rdflib.URIRef, prop: rdflib.URIRef) -> list[str]:
    return [str(o) for o in graph.objects(subject, prop) if getattr(o, "language", None) == "en"]


def test_ontology_metadata(ontology: rdflib.Graph) -> None:
    onto = rdflib.URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert str(ontology.value(onto, OWL.versionIRI)).startswith(ONTOLOGY_IRI + "/")
    assert ontology.value(onto, DCT.license) is not None
    assert english(ontology, onto, RDFS.label) and english(ontology, onto, RDFS.comment)


def own_terms(ontology: rdflib.Graph) -> list[rdflib.URIRef]:
    return sorted(s for s in set(ontology.subjects(RDF.type, None)) if str(s).startswith(str(PG)))


def test_own_terms_are_documented_typed_and_aligned(ontology: rdflib.Graph) -> None:
    terms = own_terms(ontology)
    assert len(terms) >= 10
    for term in terms:
        assert english(ontology, term, RDFS.label), term
        assert english(ontology, term, RDFS.comment), term
        assert (term, RDFS.isDefinedBy, rdflib.URIRef(ONTOLOGY_IRI)) in ontology, term
        kinds = set(ontology.objects(term, RDF.type))
        if kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}:
            assert ontology.value(term, RDFS.domain) is not None, f"{term} has no domain"
            assert ontology.value(term, RDFS.range) is not None, f"{term} has no range"
        alignment = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, RDFS.seeAlso)
        assert any(ontology.value(term, a) is not None for a in alignment), f"{term} is not aligned"


def test_every_term_the_data_uses_is_declared_with_an_english_label(
    ontology: rdflib.Graph, repo_settings: Settings
) -> None:
    assembled = assemble(repo_settings)
    data = [q for q in assembled.quads if q.graph_name.value != assembled.sources[0].graph]
    used = {q.predicate.value for q in data}
    used |= {q.object.value for q in data if q.predicate.value == str(RDF.type)}
    undeclared = sorted(
        t
        for t in used
        if not t.startswith(META) and not english(ontology, rdflib.URIRef(t), RDFS.label)
    )
    assert undeclared == []


def test_entailment_publishes_standard_terms_for_our_own(repo_settings: Settings) -> None:
    assembled = assemble(repo_settings)
    triples = {(q.subject.value, q.predicate.value, q.object.value) for q in assembled.quads}
    seminar = "https://w3id.org/projectgraph/id/event/clusters3-seminar-es21"
    assert (seminar, str(RDF.type), "https://schema.org/Event") in triples
    project = "https://w3id.org/projectgraph/id/project/clusters3"
    descriptions = {o for s, p, o in triples if s == project and p == str(DCT.description)}
    backgrounds = {o for s, p, o in triples if s == project and p == str(PG.background)}
    assert backgrounds and backgrounds <= descriptions
    # nothing is entailed for other vocabularies' terms (eurio:Project has no stated super-class)
    assert not any(
        s == project and p == str(RDF.type) and o == str(OWL.Thing) for s, p, o in triples
    )
    # Counted by hand from the record: 6 seminars -> schema:Event; 2 publications -> 3 types
    # each; 1 newsletter -> schema:Periodical; 2 phases -> prov:Activity; 4 description texts
    # -> dct:description; 2 pg:hasPhase -> dct:hasPart; 7 pg:hasEvent -> schema:event;
    # 1 pg:hasNewsletter -> schema:subjectOf; 9 pg:country and 7 pg:region on the partners'
    # sites -> eurio:hasGeographicalLocation.
    assert assembled.entailed == 6 + 2 * 3 + 1 + 2 + 4 + 2 + 7 + 1 + 9 + 7
