"""What harvesters read: VoID, the DCAT-AP catalogue, the dumps, the sitemap, robots.txt."""

from __future__ import annotations

import gzip
import hashlib
import re
from email.utils import formatdate
from urllib.robotparser import RobotFileParser

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from tests.server import Server

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def void(http: httpx.Client) -> rdflib.Graph:
    response = http.get("/.well-known/void")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/turtle"
    )
    return rdflib.Graph().parse(data=response.text, format="turtle")


CANONICAL = "https://w3id.org/projectgraph/"


def dataset(server: Server) -> rdflib.URIRef:
    """The dataset's IRI: canonical, whatever host served the VoID."""
    return rdflib.URIRef(CANONICAL + "id/dataset/projectgraph")


def local(server: Server, iri: object) -> str:
    """Where a canonical IRI is fetched from this test server."""
    return str(iri).replace(CANONICAL, server.url + "/")


def test_void_describes_the_dataset_as_served(
    void: rdflib.Graph, server: Server, http: httpx.Client
) -> None:
    ds = dataset(server)
    assert (ds, rdflib.RDF.type, VOID.Dataset) in void
    assert void.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef(CANONICAL + "sparql")
    assert (
        str(void.value(ds, VOID.uriSpace)) == "https://w3id.org/projectgraph/id/"
    )  # the canonical IRIs of the data
    example = void.value(ds, VOID.exampleResource)
    assert example == rdflib.URIRef(CANONICAL + "id/project/clusters3")
    assert str(example).startswith(str(void.value(ds, VOID.uriSpace)))
    assert not any(server.url in str(term) for triple in void for term in triple)
    triples = int(void.value(ds, VOID.triples))
    dump = http.get("/dumps/projectgraph.nt.gz")
    assert len(gzip.decompress(dump.content).splitlines()) == triples
    vocabularies = {str(v) for v in void.objects(ds, VOID.vocabulary)}
    assert {"http://data.europa.eu/s66#", "http://www.w3.org/ns/org#"} <= vocabularies
    for link in void.objects(ds, VOID.dataDump):
        assert http.head(local(server, link)).status_code == 200


def test_void_in_other_formats(http: httpx.Client) -> None:
    for accept, fmt in (
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ):
        response = http.get("/.well-known/void", headers={"Accept": accept})
        assert response.status_code == 200
        assert len(list(ox.parse(response.content, format=fmt))) > 50


def test_catalogue_distributions_match_the_files(
    void: rdflib.Graph, server: Server, http: httpx.Client
) -> None:
    catalog = http.get("/catalog", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=catalog.text, format="turtle")
    ds = dataset(server)
    catalogue = rdflib.URIRef(CANONICAL + "id/catalog/projectgraph")
    assert (catalogue, rdflib.RDF.type, DCAT.Catalog) in graph and (
        catalogue,
        DCAT.dataset,
        ds,
    ) in graph
    for required in (DCT.title, DCT.description, DCT.publisher):
        assert (
            graph.value(catalogue, required) is not None and graph.value(ds, required) is not None
        )
    distributions = list(graph.objects(ds, DCAT.distribution))
    assert len(distributions) == 5
    for distribution in distributions:
        url = str(graph.value(distribution, DCAT.downloadURL))
        assert graph.value(distribution, DCAT.accessURL) is not None
        assert (
            graph.value(distribution, DCAT.mediaType) is not None
            and graph.value(distribution, DCT.license) is not None
        )
        body = http.get(local(server, url)).content
        assert int(graph.value(distribution, DCAT.byteSize)) == len(body)
        checksum = graph.value(graph.value(distribution, SPDX.checksum), SPDX.checksumValue)
        assert str(checksum) == hashlib.sha256(body).hexdigest()
    page = http.get("/catalog", headers={"Accept": "text/html"})
    assert (
        page.headers["content-type"].startswith("text/html") and "projectgraph.nt.gz" in page.text
    )


def test_dumps_are_served_with_validators(http: httpx.Client, dist) -> None:  # type: ignore[no-untyped-def]
    response = http.get("/dumps/projectgraph.ttl", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    body = (dist / "projectgraph.ttl").read_bytes()
    assert response.content == body
    assert response.headers["content-length"] == str(len(body))
    assert response.headers["etag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert "last-modified" in response.headers
    assert (
        http.get(
            "/dumps/projectgraph.ttl", headers={"If-None-Match": response.headers["etag"]}
        ).status_code
        == 304
    )
    future = formatdate(usegmt=True)
    assert (
        http.get("/dumps/projectgraph.ttl", headers={"If-Modified-Since": future}).status_code
        == 304
    )
    assert (
        http.get("/dumps/projectgraph.ttl", headers={"If-None-Match": '"other"'}).status_code == 200
    )
    # As stored, even to a client that takes gzip: the strong ETag names these exact bytes.
    asked = http.get("/dumps/projectgraph.ttl", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in asked.headers and asked.content == body
    assert asked.headers["etag"] == response.headers["etag"]
    ranged = http.get("/dumps/projectgraph.ttl", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == body[:100]
    gz = http.get("/dumps/projectgraph.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in gz.headers  # already compressed: not again
    head = http.head("/dumps/projectgraph.jsonld")
    assert (
        head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    )
    assert http.get("/context.jsonld").json()["@context"]["title"] == "eurio:title"


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../build.json",
        "/dumps/..%2Fbuild.json",
        "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/dumps/nothing.ttl",
        "/dumps/.lock",
    ],
)
def test_dumps_cannot_be_escaped(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_sitemap_lists_every_page_and_each_answers(http: httpx.Client, server: Server) -> None:
    response = http.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/xml"
    )
    urls = re.findall(r"<loc>([^<]+)</loc>", response.text)
    assert len(urls) == len(set(urls)) > 50
    for kind in (
        "project",
        "organisation",
        "participation",
        "region",
        "country",
        "topic",
        "role",
        "event",
    ):
        assert any(f"/page/{kind}/" in u for u in urls), kind
    assert (
        server.url + "/page/project/clusters3" in urls and server.url + "/page/region/HU321" in urls
    )
    for url in urls:
        assert http.get(url, headers={"Accept": "text/html"}).status_code == 200, url


def test_robots_allows_what_the_sitemap_lists(http: httpx.Client, server: Server) -> None:
    """A crawler reading robots.txt (Python's parser) may fetch every page the sitemap lists,
    and no query, API answer or the endpoint's page (which the sitemap does not list)."""
    text = http.get("/robots.txt").text
    assert f"Sitemap: {server.url}/sitemap.xml" in text
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    listed: list[str] = []
    for url in re.findall(r"<loc>([^<]+)</loc>", http.get("/sitemap.xml").text):
        if re.search(r"/sitemap-\d+\.xml$", url):  # an index names its sitemaps
            listed += re.findall(r"<loc>([^<]+)</loc>", httpx.get(url).text)
        else:
            listed.append(url)
    assert f"{server.url}/catalog" in listed and f"{server.url}/sparql" not in listed
    assert [u for u in listed if not robots.can_fetch("*", u)] == []
    for refused in ("/sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D", "/api/queries/projects"):
        assert not robots.can_fetch("*", server.url + refused), refused


def test_the_dumps_folder_is_an_index(http: httpx.Client, dist) -> None:  # type: ignore[no-untyped-def]
    """``/dumps/`` lists every published file with its size and checksum (HTML), and is the
    catalogue's distributions as RDF by Accept."""
    page = http.get("/dumps/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in ("projectgraph.ttl", "projectgraph.nt.gz", "projectgraph.nq.zst"):
        body = (dist / name).read_bytes()
        assert f'dumps/{name}">{name}</a>' in page.text
        assert f"{len(body):,} bytes" in page.text
        assert hashlib.sha256(body).hexdigest() in page.text
    assert http.get("/dumps", headers={"Accept": "text/html"}).text == page.text
    rdf = http.get("/dumps/", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=rdf.text, format="turtle")
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert "https://w3id.org/projectgraph/dumps/projectgraph.nt.gz" in urls and len(urls) == 5
    sizes = {
        str(u): int(graph.value(d, DCAT.byteSize))
        for d, u in graph.subject_objects(DCAT.downloadURL)
    }
    assert sizes["https://w3id.org/projectgraph/dumps/projectgraph.ttl"] == len(
        (dist / "projectgraph.ttl").read_bytes()
    )
