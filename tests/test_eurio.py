"""The published data read with EURIO 2.4 itself (vendored in tests/data/eurio): every
``eurio:`` class and property it uses is EURIO's, every ``eurio:`` statement is within the
property's ``rdfs:domain`` and ``rdfs:range`` (classes with their EURIO and our ontology's
super-classes, unions, datatypes, the enumeration of ``eurio:roleLabel``), and no two values
are given where EURIO allows one (functional properties, disjoint classes); and an OWL 2
reasoner (HermiT) finds EURIO, our ontology and the data consistent together."""

from __future__ import annotations

import gzip
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import owlready2
import rdflib
from rdflib import OWL, RDF, RDFS, XSD
from rdflib.collection import Collection
from rdflib.term import Node

from projectgraph.settings import Settings

EURIO = rdflib.Namespace("http://data.europa.eu/s66#")
ONTOLOGY = Path(__file__).parent / "data" / "eurio" / "EURIO-v2.4.ttl"


@cache
def eurio() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


def members(graph: rdflib.Graph, node: Node) -> list[Node]:
    """A class expression's named classes: itself, or the members of its owl:unionOf."""
    union = graph.value(node, OWL.unionOf)
    return list(Collection(graph, union)) if union is not None else [node]


class Reading:
    """The data with the EURIO and projectgraph ontologies: types, super-classes, checks."""

    def __init__(self, data: rdflib.Graph, ontology: rdflib.Graph) -> None:
        self.data = data
        self.schema = eurio() + ontology

    def supers(self, kind: Node) -> set[Node]:
        """``kind`` and every class above it."""
        return set(self.schema.transitive_objects(kind, RDFS.subClassOf))

    def classes_of(self, node: Node) -> set[Node]:
        return set().union(*(self.supers(k) for k in self.data.objects(node, RDF.type)))

    def in_class(self, node: Node, expression: Node) -> bool:
        if expression in (RDFS.Resource, OWL.Thing):
            return True
        return bool(set(members(self.schema, expression)) & self.classes_of(node))

    def in_range(self, value: Node, expression: Node) -> bool:
        one_of = self.schema.value(expression, OWL.oneOf)
        if one_of is not None:  # a data range that enumerates its literals
            return value in set(Collection(self.schema, one_of))
        if isinstance(value, rdflib.Literal):
            if expression == RDFS.Literal:
                return True
            datatype = value.datatype or (RDF.langString if value.language else XSD.string)
            return datatype in members(self.schema, expression)
        return self.in_class(value, expression)

    def problems(self) -> list[str]:
        vocabulary = set(eurio().subjects())
        found = []
        for s, p, o in self.data:
            if p == RDF.type and str(o).startswith(str(EURIO)) and o not in vocabulary:
                found.append(f"{o} is not a EURIO class")
            if not str(p).startswith(str(EURIO)):
                continue
            if p not in vocabulary:
                found.append(f"{p} is not a EURIO property")
                continue
            for domain in eurio().objects(p, RDFS.domain):
                if not self.in_class(s, domain):
                    found.append(f"{_short(p)} on {_short(s)}, outside its domain")
            for range_ in eurio().objects(p, RDFS.range):
                if not self.in_range(o, range_):
                    found.append(f"{_short(p)} {_short(o)} of {_short(s)}, outside its range")
        for p in eurio().subjects(RDF.type, OWL.FunctionalProperty):
            for s in set(self.data.subjects(p, None)):
                if len(set(self.data.objects(s, p))) > 1:
                    found.append(f"{_short(s)} has two values of functional {_short(p)}")
        for a, b in disjoint_pairs(eurio()):
            for s in set(self.data.subjects(RDF.type, a)) & set(self.data.subjects(RDF.type, b)):
                found.append(f"{_short(s)} is both {_short(a)} and {_short(b)}, disjoint")
        return found


def disjoint_pairs(graph: rdflib.Graph) -> Iterable[tuple[Node, Node]]:
    yield from graph.subject_objects(OWL.disjointWith)
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        listed = list(Collection(graph, graph.value(group, OWL.members)))
        yield from ((a, b) for i, a in enumerate(listed) for b in listed[i + 1 :])


def _short(term: Node) -> str:
    text = str(term)
    return text.rsplit("/", 2)[-1] if "#" not in text else text.rsplit("#", 1)[-1]


def published(dist: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=gzip.decompress((dist / "projectgraph.nt.gz").read_bytes()), format="nt")
    return graph


def test_the_published_data_is_within_eurios_domains_and_ranges(
    dist: Path, repo_settings: Settings
) -> None:
    ontology = rdflib.Graph().parse(repo_settings.ontology, format="turtle")
    found = Reading(published(dist), ontology).problems()
    assert not found, "\n".join(sorted(set(found)))


def test_the_check_finds_what_eurio_does_not_allow(repo_settings: Settings) -> None:
    """Each kind of statement the seed once had, on a tiny graph: all found."""
    data = rdflib.Graph().parse(
        format="turtle",
        data="""
        @prefix eurio: <http://data.europa.eu/s66#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix ex: <https://example.org/> .
        ex:p a eurio:Project ; eurio:hasFundingSchemeProgramme ex:f ; eurio:duration 48 ;
            eurio:identifier "a", "b" .
        ex:f a eurio:FundingScheme .
        ex:o a eurio:Organisation, eurio:SME, eurio:PublicBody ; eurio:hasNUTSCode ex:r .
        ex:r a eurio:AdministrativeArea, <http://www.w3.org/2004/02/skos/core#Concept> .
        ex:c a eurio:Country ; eurio:hasISOCountryCode "AT" .
        ex:m a eurio:OrganisationRole ; eurio:roleLabel "Partner" .
        ex:ok a eurio:OrganisationRole ; eurio:roleLabel "partner" .
        ex:x eurio:noSuchTerm 1 .
        """,
    )
    ontology = rdflib.Graph().parse(repo_settings.ontology, format="turtle")
    assert sorted(set(Reading(data, ontology).problems())) == [
        "duration 48 of p, outside its range",
        "hasFundingSchemeProgramme on p, outside its domain",
        "hasISOCountryCode AT of c, outside its range",
        "hasNUTSCode on o, outside its domain",
        "http://data.europa.eu/s66#noSuchTerm is not a EURIO property",
        "o is both PublicBody and SME, disjoint",
        "p has two values of functional identifier",
        "roleLabel Partner of m, outside its range",
    ]


def hermit(graph: rdflib.Graph, folder: Path) -> subprocess.CompletedProcess[str]:
    """HermiT (the OWL 2 DL reasoner owlready2 ships) asked whether ``graph`` is consistent.
    xsd:date is not in the OWL 2 datatype map: HermiT is told to ignore such datatypes (their
    values still count for cardinalities)."""
    path = folder / "checked.owl"
    graph.serialize(path, format="xml", encoding="utf-8")
    jars = Path(owlready2.__file__).parent / "hermit"
    command = ["java", "-Xmx1g", "-cp", f"{jars}:{jars}/HermiT.jar"]
    command += ["org.semanticweb.HermiT.cli.CommandLine", "--consistency"]
    command += ["--ignoreUnsupportedDatatypes", path.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_an_owl_reasoner_finds_eurio_our_ontology_and_the_data_consistent(
    dist: Path, repo_settings: Settings, tmp_path: Path
) -> None:
    """EURIO 2.4, the projectgraph ontology and the published data together, by HermiT; and
    the same with one statement EURIO forbids (a language-tagged project title, where EURIO
    says xsd:string) is found inconsistent, so the check can fail."""
    ontology = rdflib.Graph().parse(repo_settings.ontology, format="turtle")
    everything = eurio() + ontology + published(dist)
    checked = hermit(everything, tmp_path)
    assert checked.returncode == 0, checked.stderr[-2000:]
    project = rdflib.URIRef("https://w3id.org/projectgraph/id/project/clusters3")
    everything.add((project, EURIO.title, rdflib.Literal("A title", lang="en")))
    broken = hermit(everything, tmp_path)
    assert broken.returncode != 0 and "InconsistentOntologyException" in broken.stderr
