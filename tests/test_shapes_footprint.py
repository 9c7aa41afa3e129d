"""The shapes' footprint: the predicates whose triples validation gives the SHACL engine (the
others cannot change a result; tests/test_validator_parity.py holds the results equal)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from projectgraph.pipeline.run import validate_sources
from projectgraph.settings.load import load_settings
from projectgraph.validate.shacl import load_shapes, shapes_footprint

TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix e: <http://e/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
e:prefixes sh:declare [ sh:prefix "e" ; sh:namespace "http://e/"^^xsd:anyURI ] .
"""


def shapes(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def test_paths_targets_classes_and_sparql_queries_are_read() -> None:
    found = shapes_footprint(
        shapes(
            """
            e:S a sh:NodeShape ; sh:targetSubjectsOf e:target ;
              sh:property [ sh:path ( e:a [ sh:inversePath e:b ] ) ; sh:class e:C ] ;
              sh:property [ sh:path [ sh:alternativePath ( e:c e:d ) ] ; sh:lessThan e:l ] ;
              sh:sparql [ sh:prefixes e:prefixes ;
                sh:select "SELECT $this WHERE { $this e:x/e:y ?v FILTER NOT EXISTS { ?v e:z 1 } }" ] .
            """
        )
    )
    assert found is not None
    for name in ("target", "a", "b", "c", "d", "l", "x", "y", "z"):
        assert f"http://e/{name}" in found, name
    # rdf:type only of the classes named (the shape's too: it could be a class)
    assert f"{TYPE} http://e/C" in found
    assert f"{TYPE} http://e/S" in found
    assert TYPE not in found
    assert "http://www.w3.org/2000/01/rdf-schema#subClassOf" in found
    assert "http://e/unread" not in found


def test_an_iri_only_a_predicate_of_the_shapes_is_not_read() -> None:
    """An annotation of a shape (its label) is no predicate a shape reads in the data."""
    found = shapes_footprint(
        shapes(
            """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
            e:S a sh:NodeShape ; rdfs:label "S" ; e:note "n" ; sh:targetClass e:C ;
              sh:property [ sh:path e:a ; sh:minCount 1 ] ."""
        )
    )
    assert found is not None
    assert "http://e/a" in found
    assert "http://www.w3.org/2000/01/rdf-schema#label" not in found
    assert "http://e/note" not in found


def test_types_read_otherwise_than_by_a_named_class_are_all_read() -> None:
    """A path over rdf:type, or a query matching it with a variable class, reads every type."""
    path = "e:S a sh:NodeShape ; sh:targetClass e:C ; sh:property [ sh:path rdf:type ; sh:maxCount 2 ] ."
    query = """e:S a sh:NodeShape ; sh:targetClass e:C ;
        sh:sparql [ sh:prefixes e:prefixes ; sh:select "SELECT $this WHERE { $this a ?c . ?c e:x 1 }" ] ."""
    named = """e:S a sh:NodeShape ; sh:targetClass e:C ;
        sh:sparql [ sh:prefixes e:prefixes ; sh:select "SELECT $this WHERE { $this a e:D }" ] ."""
    prefixes = "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
    for text in (path, query):
        found = shapes_footprint(shapes(prefixes + text))
        assert found is not None and TYPE in found, text
    found = shapes_footprint(shapes(named))
    assert found is not None and TYPE not in found
    assert {f"{TYPE} http://e/C", f"{TYPE} http://e/D", "http://e/x"} - found == {"http://e/x"}


def test_a_shape_that_may_read_anything_reads_everything() -> None:
    variable = """e:S a sh:NodeShape ; sh:targetClass e:C ;
        sh:sparql [ sh:prefixes e:prefixes ; sh:select "SELECT $this WHERE { $this ?p ?o }" ] ."""
    closed = "e:S a sh:NodeShape ; sh:targetClass e:C ; sh:closed true ."
    broken = """e:S a sh:NodeShape ; sh:targetClass e:C ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this undeclared:p ?o }" ] ."""
    for text in (variable, closed, broken):
        assert shapes_footprint(shapes(text)) is None, text


def test_the_shipped_shapes_leave_out_what_no_shape_reads(repo_settings) -> None:  # type: ignore[no-untyped-def]
    found = shapes_footprint(load_shapes(repo_settings))
    assert found is not None
    assert "http://data.europa.eu/s66#title" in found
    assert "http://data.europa.eu/s66#hasFundingAmount" in found
    assert "http://www.opengis.net/ont/geosparql#asWKT" not in found  # region geometries


def test_a_triple_only_a_sparql_constraint_reads_reaches_the_engine(project_copy: Path) -> None:
    """The build's unit validation gives the engine only the footprint's triples: a predicate
    that only a SPARQL constraint names must be among them."""
    (project_copy / "shapes" / "secret.ttl").write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix eurio: <http://data.europa.eu/s66#> .
        <https://w3id.org/projectgraph/shapes#NoSecret> a sh:NodeShape ;
          sh:targetClass eurio:Project ;
          sh:sparql [ sh:message "a secret" ;
            sh:select "SELECT $this ?value WHERE { $this <http://example.org/secret> ?value }" ] .
        """
    )
    record = project_copy / "data" / "projects" / "clusters3.ttl"
    text = record.read_text()
    marker = "    a eurio:Project, org:OrganizationalCollaboration ;\n"
    assert marker in text
    record.write_text(text.replace(marker, marker + '    <http://example.org/secret> "x" ;\n'))
    settings = load_settings(project_copy, {"dist_dir": project_copy / "dist"})
    report = validate_sources(settings, workers=1)
    assert [r.message for r in report.results if r.severity == "Violation"] == ["a secret"]
