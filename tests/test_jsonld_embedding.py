"""The schema.org JSON-LD of every page, as a third-party extractor (extruct) and a JSON-LD
processor (PyLD) read it; and the JSON-LD data document of a resource, which is the dump's
writer's and reads back (PyLD, then rdflib) as the resource's triples."""

from __future__ import annotations

from typing import Any

import extruct
import httpx
import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld

from projectgraph.rdf.serialize import jsonld as small_graph_jsonld
from tests.graphs import isomorphic
from tests.server import Server

SCHEMA = "https://schema.org/"
PAGES = [
    "/",
    "/catalog",
    "/page/project/clusters3",
    "/page/organisation/invest-northern-ireland",
    "/page/region/UKN0",
    "/page/country/LVA",
    "/page/topic/cluster-internationalisation",
    "/page/event/clusters3-seminar-itc1",
    "/page/publication/clusters3-peer-reviews-report",
    "/page/programme/interreg-europe",
    "/page/role/coordinator",
]


def offline_loader(url: str, options: dict[str, object] | None = None) -> dict[str, object]:
    """Resolve the schema.org context without the network: its essence is @vocab."""
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": {"@context": {"@vocab": SCHEMA}},
        }
    raise jsonld.JsonLdError(f"no network here: {url}", "loading document failed")


jsonld.set_document_loader(offline_loader)


def extract(http: httpx.Client, path: str) -> list[dict[str, object]]:
    page = http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    return extruct.extract(page.text, base_url=str(page.url), syntaxes=["json-ld"], uniform=True)[
        "json-ld"
    ]


def first(node: dict[str, list[dict[str, object]]], prop: str) -> object:
    return node[SCHEMA + prop][0].get("@value", node[SCHEMA + prop][0].get("@id"))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_embeds_schema_org(http: httpx.Client, path: str) -> None:
    documents = extract(http, path)
    assert len(documents) == 1
    expanded = jsonld.expand(documents[0])
    assert expanded and all(
        str(t).startswith(SCHEMA) for node in expanded for t in node.get("@type", [])
    )
    assert SCHEMA + "name" in expanded[0]


def test_project_page_yields_a_project(http: httpx.Client, server: Server) -> None:
    [document] = extract(http, "/page/project/clusters3")
    [project] = jsonld.expand(document)
    assert project["@type"] == [SCHEMA + "Project"]
    assert project["@id"] == "https://w3id.org/projectgraph/id/project/clusters3"  # canonical
    assert first(project, "url") == "https://w3id.org/projectgraph/page/project/clusters3"
    assert (
        first(project, "name")
        == "Leveraging Cluster Policies for successful implementation of RIS3"
    )
    assert first(project, "alternateName") == "CLUSTERS3"
    assert first(project, "foundingDate") == "2016-04-01"
    assert first(project, "dissolutionDate") == "2020-03-31"
    members = project[SCHEMA + "member"]
    assert len(members) == 10
    organisations = {first(m[SCHEMA + "member"][0], "name") for m in members}
    assert "Hajdú-Bihar County Council" in organisations and len(organisations) == 10
    roles = {first(m, "roleName") for m in members}
    assert roles == {"Coordinator", "Partner", "Communication"}
    [grant] = project[SCHEMA + "funding"]
    assert grant["@type"] == [SCHEMA + "MonetaryGrant"]
    amount = grant[SCHEMA + "amount"][0]
    assert first(amount, "value") == 1544244 and first(amount, "currency") == "EUR"
    assert first(grant[SCHEMA + "funder"][0], "name") == "Interreg Europe"
    areas = {first(a, "name") for a in project[SCHEMA + "areaServed"]}
    assert {"País Vasco", "Northern Ireland", "Hajdú-Bihar"} <= areas
    assert len(project[SCHEMA + "keywords"]) == 6


def test_home_and_catalogue_describe_the_dataset(http: httpx.Client) -> None:
    for path in ("/", "/catalog"):
        [dataset] = jsonld.expand(extract(http, path)[0])
        assert dataset["@type"] == [SCHEMA + "Dataset"]
        downloads = dataset[SCHEMA + "distribution"]
        assert len(downloads) == 5
        dumps = "https://w3id.org/projectgraph/dumps/"  # RDF names canonical IRIs
        assert all(str(first(d, "contentUrl")).startswith(dumps) for d in downloads)
        assert first(dataset, "temporalCoverage") == "2016-04-01/2020-03-31"
        # Google's Dataset guidance: creator, identifier, version, includedInDataCatalog
        [creator] = dataset[SCHEMA + "creator"]
        assert creator["@id"] == "https://w3id.org/projectgraph/id/agent/publisher"
        assert first(creator, "name") == "projectgraph"
        assert (
            first(dataset, "identifier") == "https://w3id.org/projectgraph/id/dataset/projectgraph"
        )
        assert first(dataset, "version") == http.get("/health").json()["build_id"]
        [catalogue] = dataset[SCHEMA + "includedInDataCatalog"]
        assert catalogue["@id"] == "https://w3id.org/projectgraph/id/catalog/projectgraph"
        assert catalogue["@type"] == [SCHEMA + "DataCatalog"]


def test_embed_endpoint_serves_the_same_document_with_cors(http: httpx.Client) -> None:
    [embedded] = extract(http, "/page/project/clusters3")
    response = http.get(
        "/embed/project/clusters3.jsonld", headers={"Origin": "https://partner.example.org"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert jsonld.expand(response.json()) == jsonld.expand(embedded)
    assert http.get("/embed/project/clusters3.ttl").status_code == 404


def same_blank_nodes(triples: list[ox.Triple], like: list[ox.Triple]) -> list[ox.Triple]:
    """``triples`` with each blank node that is the object of one statement labelled as the
    blank node ``like`` has at the same subject and predicate."""
    theirs = {
        (t.subject, t.predicate): t.object for t in like if isinstance(t.object, ox.BlankNode)
    }
    names = {
        t.object: theirs[(t.subject, t.predicate)]
        for t in triples
        if isinstance(t.object, ox.BlankNode) and (t.subject, t.predicate) in theirs
    }

    def named(term: Any) -> Any:
        return names.get(term, term) if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(named(t.subject), t.predicate, named(t.object)) for t in triples]


@pytest.mark.parametrize(
    "resource", ["project/clusters3", "organisation/invest-northern-ireland", "region/UKN0"]
)
def test_data_document_is_the_one_writers_and_expands_to_its_triples(
    http: httpx.Client, resource: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ntriples = http.get(f"/data/{resource}.nt")
    document = http.get(f"/data/{resource}.jsonld")
    assert ntriples.status_code == document.status_code == 200
    triples = [q.triple for q in ox.parse(ntriples.content, format=ox.RdfFormat.N_TRIPLES)]
    context = http.get("/context.jsonld").json()["@context"]
    # Each query worker loads the dump with blank nodes of its own (Oxigraph renames them on
    # load), so two requests may label a geometry differently: take the document's labels.
    shown = [q.triple for q in ox.parse(document.content, format=ox.RdfFormat.JSON_LD)]
    triples = same_blank_nodes(triples, shown)
    assert document.content == small_graph_jsonld(triples, context)
    prefixes = {f"{k}:" for k, v in context.items() if isinstance(v, str) and v[-1] in "/#"}
    assert not any(f'"{p}"' in document.text for p in prefixes), "a prefix-only compact IRI"
    # PyLD's expansion, as N-Quads read by rdflib, holds the same triples, lexical forms kept.
    monkeypatch.setattr(rdflib, "NORMALIZE_LITERALS", False)
    nquads = jsonld.to_rdf(jsonld.expand(document.json()), {"format": "application/n-quads"})
    expanded = rdflib.Graph().parse(data=nquads, format="nt")
    expected = rdflib.Graph().parse(data=ntriples.text, format="nt")
    assert len(expanded) == len(expected) > 0
    assert isomorphic(expanded, expected)
