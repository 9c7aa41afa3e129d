"""The schema.org JSON-LD of every kind of page, checked against the schema.org vocabulary
itself (release 30.0, vendored in tests/data/schema-org): every type and property is a schema.org
term, each property is used on a type within its ``schema:domainIncludes`` (or a subtype), and a
node given as a value has a type within the property's ``schema:rangeIncludes``. The Role
pattern is schema.org's own: a Role node stands between a property and its value and carries
the property again. Events and the Dataset also carry what Google's guidance asks of them."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS

from tests.test_jsonld_embedding import PAGES as EMBEDDED_PAGES

SCHEMA = rdflib.Namespace("https://schema.org/")
VOCABULARY = Path(__file__).parent / "data" / "schema-org" / "schemaorg-current-https-30.0.ttl.gz"
KEYWORDS = {"@context", "@type", "@id"}
# Every page type the embedding tests read, and a participation and an embed besides.
PAGES = [
    *EMBEDDED_PAGES,
    "/page/participation/clusters3-tecnalia-research-innovation-foundation",
    "/embed/project/clusters3.jsonld",
]


class Vocabulary:
    """schema.org's classes, properties, domains and ranges."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self.classes = set(graph.subjects(RDF.type, RDFS.Class))
        self.properties = set(graph.subjects(RDF.type, RDF.Property))

    def supertypes(self, kind: rdflib.URIRef) -> set[rdflib.URIRef]:
        """``kind`` and every class above it (DataType members are classes too)."""
        return set(self.graph.transitive_objects(kind, RDFS.subClassOf))  # type: ignore[arg-type]

    def domains(self, prop: rdflib.URIRef) -> set[rdflib.URIRef]:
        return {d for d in self.graph.objects(prop, SCHEMA.domainIncludes)}  # type: ignore[misc]

    def ranges(self, prop: rdflib.URIRef) -> set[rdflib.URIRef]:
        return {r for r in self.graph.objects(prop, SCHEMA.rangeIncludes)}  # type: ignore[misc]


@cache
def vocabulary() -> Vocabulary:
    graph = rdflib.Graph()
    graph.parse(data=gzip.decompress(VOCABULARY.read_bytes()).decode(), format="turtle")
    return Vocabulary(graph)


def documents(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    """The schema.org JSON-LD of a page (its script blocks), or of an /embed/ document."""
    response = http.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    if path.startswith("/embed/"):
        return [response.json()]
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.text, re.S)
    return [json.loads(s) for s in scripts]


def nodes(node: Any, via: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every node of a document with the property it is the value of."""
    if isinstance(node, list):
        for item in node:
            yield from nodes(item, via)
    elif isinstance(node, dict):
        yield node, via
        for key, value in node.items():
            if key not in KEYWORDS:
                yield from nodes(value, key)


def problems(document: dict[str, Any]) -> list[str]:
    """What in a document is not schema.org, or outside a property's domain or range."""
    assert document.get("@context") == "https://schema.org", document.get("@context")
    vocab = vocabulary()
    found = []
    for node, via in nodes(document):
        kinds = node.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        types = [SCHEMA[k] for k in kinds if k]
        if not types:
            found.append(f"a node without @type: {node.get('@id') or node.get('name')}")
            continue
        for kind in types:
            if kind not in vocab.classes:
                found.append(f"{kind} is not a schema.org type")
        above = set().union(*(vocab.supertypes(t) for t in types))
        is_role = SCHEMA.Role in above
        for key, value in node.items():
            if key in KEYWORDS:
                continue
            prop = SCHEMA[key]
            if prop not in vocab.properties:
                found.append(f"{key} is not a schema.org property")
                continue
            if not (vocab.domains(prop) & above) and not (is_role and key == via):
                found.append(f"{key} is not in the domain of {', '.join(kinds)}")
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, dict):
                    continue
                item_kinds = item.get("@type")
                item_kinds = item_kinds if isinstance(item_kinds, list) else [item_kinds]
                item_above = set().union(*(vocab.supertypes(SCHEMA[k]) for k in item_kinds if k))
                if SCHEMA.Role in item_above:
                    continue  # the Role pattern: checked on the node the role leads to
                if not (vocab.ranges(prop) & item_above):
                    found.append(f"{key} of {', '.join(kinds)} has a {item_kinds} value")
    return found


@pytest.mark.parametrize("path", PAGES)
def test_every_schema_org_term_is_in_the_vocabulary_and_its_domain(
    http: httpx.Client, path: str
) -> None:
    found = [p for document in documents(http, path) for p in problems(document)]
    assert not found, sorted(set(found))


def test_the_checker_finds_what_is_wrong() -> None:
    """The check itself: an unknown term, a property off its domain, a value off its range."""
    document = {
        "@context": "https://schema.org",
        "@type": "Project",
        "name": "x",
        "startDate": "2020-01-01",  # Organization has no startDate
        "colour": "red",  # not a term
        "funder": {"@type": "Place", "name": "y"},  # a funder is an Organization or Person
        "member": {
            "@type": "OrganizationRole",
            "roleName": "Partner",
            "member": {"@type": "Organization", "name": "z"},
        },
    }
    assert sorted(problems(document)) == [
        "colour is not a schema.org property",
        "funder of Project has a ['Place'] value",
        "startDate is not in the domain of Project",
    ]


def test_an_event_page_has_what_google_asks_of_an_event(http: httpx.Client) -> None:
    """Google's Event guidance: a name, a location (a Place) and a startDate. The seed's
    seminars state where they were held, not when: the date is left out, never made up."""
    [event] = documents(http, "/page/event/clusters3-seminar-itc1")
    assert event["@type"] == "Event"
    assert event["name"] == "CLUSTERS3 interregional learning seminar in Piemonte"
    assert event["location"]["@type"] == "AdministrativeArea"
    assert event["location"]["@id"] == "http://data.europa.eu/nuts/code/ITC1"
    assert event["location"]["name"]
    assert "startDate" not in event
    [organizer] = event["organizer"]
    assert organizer["@id"] == "https://w3id.org/projectgraph/id/project/clusters3"
