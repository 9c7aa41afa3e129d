"""Every minted IRI dereferences (303 by Accept), and its documents describe it."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.rdf.vocab import LABEL_PROPERTIES, SKOS
from tests.conftest import dataset_nquads
from tests.graphs import canonical
from tests.server import Server, start_server

CANONICAL = "https://w3id.org/projectgraph/"
RESOURCES = [  # one of every kind the data mints
    "project/clusters3",
    "organisation/spri-basque-country-business-development-agency",
    "participation/clusters3-lubelskie-voivodeship",
    "programme/interreg-europe",
    "role/communication",
    "topic/cluster-policy-design",
    "phase/clusters3-1",
    "event/clusters3-seminar-es21",
    "publication/clusters3-regional-swot-analysis",
    "account/clusters3-twitter",
    "newsletter/clusters3",
    "source/clusters3-eu-project-profile-txt",
    "agent/projectgraph-import-0-1-0",
    "scheme/role",
    "dataset/projectgraph",
    "catalog/projectgraph",
    "distribution/turtle",
]
ACCEPT = [
    ("text/html", "page", None),
    ("text/turtle", "data", ("ttl", ox.RdfFormat.TURTLE)),
    ("application/ld+json", "data", ("jsonld", ox.RdfFormat.JSON_LD)),
    ("application/n-triples", "data", ("nt", ox.RdfFormat.N_TRIPLES)),
    ("application/rdf+xml", "data", ("rdf", ox.RdfFormat.RDF_XML)),
    ("*/*", "page", None),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "page", None),
]


@pytest.fixture(scope="module")
def canonical_store(dist) -> tuple[ox.Store, list[ox.Triple]]:  # type: ignore[no-untyped-def]
    """What the server answers from: the dataset in a store (literals canonicalised the way
    the store does it), and the build's VoID/DCAT description as the file says it (the server
    describes the dataset, catalogue and distributions straight from that file)."""
    store = ox.Store()
    store.load(dataset_nquads(dist), format=ox.RdfFormat.N_QUADS)
    return store, [q.triple for q in ox.parse(path=dist / "void.ttl")]


@pytest.fixture(scope="module")
def merged_store(dist: Path) -> ox.Store:
    """The graph the server describes from: the build's merged graph, as its default graph."""
    store = ox.Store()
    store.load(gzip.decompress((dist / "projectgraph.nt.gz").read_bytes()), ox.RdfFormat.N_TRIPLES)
    return store


def by_value(triples: set[ox.Triple]) -> set[ox.Triple]:
    """The triples with each xsd:nonNegativeInteger as the xsd:integer of the same number, as
    Oxigraph's store keeps it (the expected triples come from one; Virtuoso keeps the type)."""
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

    def value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(term, ox.Literal) and term.datatype.value.endswith("#nonNegativeInteger"):
            return ox.Literal(term.value, datatype=integer)
        return term

    return {ox.Triple(t.subject, t.predicate, value(t.object)) for t in triples}  # type: ignore[arg-type]


def own_triples(source: tuple[ox.Store, list[ox.Triple]], iri: str) -> set[ox.Triple]:
    """The resource's triples in the build: canonical IRIs, as a data document names them
    whatever host served it."""
    store, metadata = source
    subject = ox.NamedNode(iri)
    found = {q.triple for q in store.quads_for_pattern(subject, None, None)}
    return found | {t for t in metadata if t.subject == subject}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("accept", "document", "fmt"), ACCEPT, ids=[a[0][:24] for a in ACCEPT])
def test_dereference(
    server: Server,
    http: httpx.Client,
    canonical_store: tuple[ox.Store, list[ox.Triple]],
    resource: str,
    accept: str,
    document: str,
    fmt: tuple[str, ox.RdfFormat] | None,
) -> None:
    response = http.get(f"/id/{resource}", headers={"Accept": accept})
    assert response.status_code == 303, response.text
    assert "Accept" in response.headers["vary"]
    location = response.headers["location"]
    if fmt:
        assert location == f"{server.url}/data/{resource}.{fmt[0]}"
    else:
        assert location == f"{server.url}/page/{resource}"
    links = response.headers["link"]
    assert f'<{server.url}/page/{resource}>; rel="alternate"; type="text/html"' in links
    assert f'<{server.url}/data/{resource}.ttl>; rel="alternate"; type="text/turtle"' in links

    target = http.get(location)
    assert target.status_code == 200
    iri = CANONICAL + "id/" + resource
    if fmt is None:
        assert target.headers["content-type"].startswith("text/html")
        return
    assert target.headers["content-location"] == location
    triples = by_value({q.triple for q in ox.parse(target.content, format=fmt[1])})
    expected = by_value(own_triples(canonical_store, iri))
    assert expected and expected <= triples


def test_description_carries_parts_inbound_links_and_labels(
    server: Server, http: httpx.Client
) -> None:
    response = http.get("/data/project/clusters3.nt")
    triples = {q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}
    subjects = {t.subject.value for t in triples}
    project = CANONICAL + "id/project/clusters3"
    assert {
        project + "#total-cost",
        project + "#grant",
        project + "#eu-contribution",
        project + "#acronym",
    } <= subjects
    # inbound: the participations point at the project
    assert any(
        t.object == ox.NamedNode(project) and t.predicate.value.endswith("org#organization")
        for t in triples
    )
    # labels of what it links to, so a client needs no second request
    label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    topic = ox.NamedNode(CANONICAL + "id/topic/cluster-policy-design")
    assert (
        ox.Triple(
            topic, label, ox.Literal("Design and deployment of Cluster Policies", language="en")
        )
        in triples
    )


def test_every_iri_the_void_publishes_dereferences(server: Server, http: httpx.Client) -> None:
    """Each IRI under our base that the served VoID names (dataset, catalogue, distributions,
    named graphs, dumps, endpoint, publisher), and the ontology's version IRI, answers on this
    server: RDF by Accept (200, or 303 to a 200), and a page for a browser."""
    void = http.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    ontology = http.get("/ontology", headers={"Accept": "application/n-triples"})
    versions = [
        q.object.value
        for q in ox.parse(ontology.content, format=ox.RdfFormat.N_TRIPLES)
        if q.predicate.value == "http://www.w3.org/2002/07/owl#versionIRI"
    ]
    iris = {
        i.split("#")[0]
        for i in rdf_iris(void.content, ox.RdfFormat.N_TRIPLES) | set(versions)
        if i.startswith(CANONICAL.rstrip("/"))
    }
    assert {CANONICAL + "graph/data/projects/clusters3", CANONICAL + "ontology/0.1.0"} <= iris
    failed = []
    for iri in sorted(iris):
        url = server.url + iri[len(CANONICAL.rstrip("/")) :]
        for accept in ("text/turtle", "text/html"):
            response = http.get(url, headers={"Accept": accept})
            if response.status_code == 303:
                response = http.get(response.headers["location"], headers={"Accept": accept})
            if response.status_code != 200:
                failed.append((iri, accept, response.status_code))
    assert not failed


def test_a_named_graph_is_its_triples(server: Server, http: httpx.Client, dist: Path) -> None:
    """``/graph/...`` answers the graph's triples (what FROM <graph> reads), by Accept or
    extension, and a page; a graph the build does not have is 404. A remote store holds the
    merged graph only: there the RDF is what the VoID says of the graph."""
    iri = CANONICAL + "graph/data/projects/clusters3"
    store = ox.Store()
    if server.backend == "virtuoso":
        store.load(path=dist / "void.ttl", format=ox.RdfFormat.TURTLE)
        expected = {
            q.triple
            for q in store.quads_for_pattern(None, None, None)
            if q.subject.value.split("#")[0] == iri
        }
        assert len(expected) > 3
    else:
        store.load(dataset_nquads(dist), format=ox.RdfFormat.N_QUADS)
        found = store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
        expected = {q.triple for q in found}
        assert len(expected) > 100
    for path, accept, fmt in (
        ("/graph/data/projects/clusters3", "text/turtle", ox.RdfFormat.TURTLE),
        ("/graph/data/projects/clusters3", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("/graph/data/projects/clusters3.nt", "*/*", ox.RdfFormat.N_TRIPLES),
    ):
        response = http.get(path, headers={"Accept": accept})
        assert response.status_code == 200, path
        served = {q.triple for q in ox.parse(response.content, format=fmt)}
        if server.backend == "virtuoso":  # the description, with labels and links to it
            assert expected <= served, path
        else:
            assert served == expected, path
    page = http.get("/graph/data/projects/clusters3", headers={"Accept": "text/html"})
    assert page.status_code == 200 and f"<code>{iri}</code>" in page.text
    assert f'href="{server.url}/graph/data/projects/clusters3.ttl"' in page.text
    assert http.get("/graph/data/projects/nothing-here").status_code == 404
    assert http.get("/ontology/0.0.1", headers={"Accept": "text/turtle"}).status_code == 404


def test_regions_and_countries_have_pages_and_data(http: httpx.Client) -> None:
    for path in ("/page/region/ES21", "/page/country/ESP", "/page/region/HU321"):
        page = http.get(path)
        assert page.status_code == 200, path
    data = http.get("/data/region/ES21.ttl")
    triples = {q.triple for q in ox.parse(data.content, format=ox.RdfFormat.TURTLE)}
    nuts = ox.NamedNode("http://data.europa.eu/nuts/code/ES21")
    assert (
        ox.Triple(
            nuts, ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"), ox.Literal("ES21")
        )
        in triples
    )


@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/json"])
def test_unknown_iris_are_404(http: httpx.Client, accept: str) -> None:
    for path in (
        "/id/project/no-such-project",
        "/page/project/no-such-project",
        "/id/nonsense/x",
        "/data/project/no-such-project.ttl",
        "/page/region/ZZ99",
    ):
        response = http.get(path, headers={"Accept": accept})
        assert response.status_code == 404, path
        if accept == "text/html" and not path.startswith("/data/"):
            assert "Nothing here" in response.text and "/browse/project" in response.text
        elif accept == "application/json":
            assert response.json()["status"] == 404


def test_bad_data_documents(http: httpx.Client) -> None:
    assert http.get("/data/project/clusters3.xyz").status_code == 404
    assert http.get("/id/project/clusters3", headers={"Accept": "image/png"}).status_code == 406


def test_ontology_terms_dereference(server: Server, http: httpx.Client) -> None:
    # a hash IRI: the client asks for the document without the fragment
    turtle = http.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-location"].endswith(
        "/ontology.ttl"
    )
    triples = {q.triple for q in ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)}
    phase = ox.NamedNode("https://w3id.org/projectgraph/ontology#Phase")
    assert (
        ox.Triple(
            phase,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal("project phase", language="en"),
        )
        in triples
    )
    html = http.get("/ontology", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert 'id="Phase"' in html.text and 'id="isClusterOrganisation"' in html.text
    for ext in ("ttl", "jsonld", "nt", "rdf", "html"):
        assert http.get(f"/ontology.{ext}").status_code == 200


def test_reference_concepts_dereference(http: httpx.Client) -> None:
    response = http.get(
        "/id/role/coordinator", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert '"Coordinator"@en' in response.text


# --- canonical IRIs, local links ----------------------------------------------------------


def rdf_iris(document: bytes, fmt: ox.RdfFormat) -> set[str]:
    """Every IRI a document's triples name, in any position."""
    return {
        term.value
        for q in ox.parse(document, format=fmt)
        for term in (q.subject, q.predicate, q.object)
        if isinstance(term, ox.NamedNode)
    }


def embedded_ids(html: str) -> set[str]:
    """The ``@id`` and ``url`` values of a page's embedded JSON-LD."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            found.update(v for k, v in node.items() if k in ("@id", "url") and isinstance(v, str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for script in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        walk(json.loads(script))
    return found


def test_a_data_document_from_127_0_0_1_names_canonical_iris(
    server: Server, http: httpx.Client
) -> None:
    """What a data document names is what SPARQL knows: a triple pattern on the IRI read from
    the document finds the resource (it found nothing when documents named the local host)."""
    document = http.get("/data/project/clusters3.ttl")
    iris = rdf_iris(document.content, ox.RdfFormat.TURTLE)
    assert CANONICAL + "id/project/clusters3" in iris
    assert not any(i.startswith(server.url) for i in iris)
    query = f"SELECT (COUNT(*) AS ?n) {{ <{CANONICAL}id/project/clusters3> ?p ?o }}"
    answer = http.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert int(answer.text.split()[1]) > 10
    page = http.get("/page/project/clusters3")
    ids = embedded_ids(page.text)
    assert CANONICAL + "id/project/clusters3" in ids
    assert CANONICAL + "page/project/clusters3" in ids  # url: the page at the canonical base
    assert not any(i.startswith(server.url) for i in ids)
    assert f'href="{server.url}/page/organisation/' in page.text  # links stay local
    assert f"<code>{CANONICAL}id/project/clusters3</code>" in page.text  # the identifier shown


def test_behind_a_proxy_links_are_public_and_rdf_canonical(http: httpx.Client) -> None:
    headers = {
        "X-Forwarded-Host": "data.example.eu",
        "X-Forwarded-Proto": "https",
        "Accept": "text/turtle",
    }
    response = http.get("/id/project/clusters3", headers=headers)
    assert response.headers["location"] == "https://data.example.eu/data/project/clusters3.ttl"
    assert "<https://data.example.eu/page/project/clusters3>" in response.headers["link"]
    for path, fmt in (
        ("/data/project/clusters3.ttl", ox.RdfFormat.TURTLE),
        ("/data/project/clusters3.jsonld", ox.RdfFormat.JSON_LD),
        ("/data/project/clusters3.rdf", ox.RdfFormat.RDF_XML),
        ("/ontology.ttl", ox.RdfFormat.TURTLE),
    ):
        document = http.get(path, headers=headers)
        assert document.status_code == 200, path
        iris = rdf_iris(document.content, fmt)
        assert not any("data.example.eu" in i or "127.0.0.1" in i for i in iris), path
    assert CANONICAL + "id/project/clusters3" in rdf_iris(
        http.get("/data/project/clusters3.ttl", headers=headers).content, ox.RdfFormat.TURTLE
    )
    page = http.get("/page/project/clusters3", headers={**headers, "Accept": "text/html"})
    assert 'href="https://data.example.eu/page/organisation/' in page.text
    assert not any("data.example.eu" in i for i in embedded_ids(page.text))
    embed = http.get("/embed/project/clusters3.jsonld", headers=headers)
    assert embed.json()["@id"] == CANONICAL + "id/project/clusters3"


def test_at_the_canonical_base_iris_are_canonical(http: httpx.Client) -> None:
    headers = {
        "X-Forwarded-Host": "w3id.org",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/projectgraph",
    }
    document = http.get("/data/project/clusters3.nt", headers=headers)
    subjects = {q.subject.value for q in ox.parse(document.content, format=ox.RdfFormat.N_TRIPLES)}
    assert CANONICAL + "id/project/clusters3" in subjects
    page = http.get("/page/project/clusters3", headers=headers)
    assert 'href="https://w3id.org/projectgraph/page/organisation/' in page.text


@pytest.mark.parametrize("host", ["evil.example<script>", "a b", "x.org/path"])
def test_hostile_host_headers_are_refused(http: httpx.Client, host: str) -> None:
    response = http.get("/page/project/clusters3", headers={"X-Forwarded-Host": host})
    assert response.status_code == 400


# --- pages ----------------------------------------------------------------------------------


class _Text(HTMLParser):
    """The visible text of a page, minus <code>, <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_project_page(http: httpx.Client) -> None:
    page = http.get("/page/project/clusters3")
    assert page.status_code == 200
    text = visible_text(page.text)
    for expected in (
        "CLUSTERS3",
        "Leveraging Cluster Policies for successful implementation of RIS3",
        "Interreg Europe",
        "1 April 2016",
        "31 March 2020",
        "€1,832,645",
        "€1,544,244",
        "Partnership (10)",
        "not given",
        "Lubelskie Voivodeship Communication Poland Lubelskie Yes",
        "Tecnalia Research & Innovation Foundation Partner Spain No",
        "Phase 1 - Interregional Learning",
        "Regional SWOT Analysis",
        "CLUSTERS3 interregional learning seminar in Northern Ireland",
        "Design and deployment of Cluster Policies",
    ):
        assert expected in text, expected
    rows = re.findall(
        r"<tr>\s*<td>", page.text.split('class="partners"', 1)[1].split("</table>", 1)[0]
    )
    assert len(rows) == 10
    assert text.index("SPRI - Basque Country") < text.index(
        "Department for the Economy"
    )  # coordinator first


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/page/project/clusters3",
        "/page/organisation/lubelskie-voivodeship",
        "/page/region/PL81",
        "/page/country/GBR",
        "/page/topic/cluster-policy-design",
        "/page/event/clusters3-seminar-es21",
        "/browse/organisation",
        "/catalog",
        "/ontology",
    ],
)
def test_pages_show_labels_not_iris(http: httpx.Client, path: str) -> None:
    page = http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "/id/" not in text, re.findall(r"\S*/id/\S*", text)[:3]
    assert "https://w3id.org/projectgraph/ontology#" not in text


def test_every_related_resource_is_a_link(http: httpx.Client) -> None:
    page = http.get("/page/organisation/hajdu-bihar-county-council").text
    for target in (
        "/page/country/HUN",
        "/page/region/HU321",
        "/page/project/clusters3",
        "/page/role/partner",
    ):
        assert 'href="http://127.0.0.1:' in page and target in page, target


def test_browse_lists(http: httpx.Client) -> None:
    organisations = visible_text(http.get("/browse/organisation").text)
    assert (
        "Invest Northern Ireland" in organisations
        and "Ministry of Economics of the Republic of Latvia" in organisations
    )
    countries = visible_text(http.get("/browse/country").text)
    # Only countries the data uses: partners', NUTS regions', country groups'.
    assert "Poland" in countries and "Norway" in countries and "New Zealand" not in countries
    assert http.get("/browse/nothing").status_code == 404


def test_pages_are_cacheable(http: httpx.Client) -> None:
    first = http.get("/page/project/clusters3")
    tag = first.headers["etag"]
    again = http.get("/page/project/clusters3", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""


# --- descriptions, and the links to a resource page by page --------------------------------

HYDRA = "http://www.w3.org/ns/hydra/core#"
LABELS = [ox.NamedNode(str(p)) for p in (*LABEL_PROPERTIES, SKOS.notation)]
DESCRIBED = [r for r in RESOURCES if r.split("/")[0] not in ("dataset", "catalog", "distribution")]
# A country with regions has one link from each of them (pg:inCountry): more than a page.
DESCRIBED += ["role/partner", "scheme/topic", "region/ES21", "country/UKR"]
EXTERNAL = {
    "region": "http://data.europa.eu/nuts/code/",
    "country": "http://publications.europa.eu/resource/authority/country/",
}


def canonical_iri(resource: str) -> str:
    kind, slug = resource.split("/")
    return EXTERNAL[kind] + slug if kind in EXTERNAL else f"{CANONICAL}id/{resource}"


def expected_description(store: ox.Store, iri: str) -> set[ox.Triple]:
    """What a description holds, read from the graph pattern by pattern: the resource's
    triples, its parts' (hash IRIs and blank nodes, two steps deep), every link to it, and
    the labels of every IRI in them and of the resource of each part that links to it."""
    node = ox.NamedNode(iri)

    def triples(s: ox.NamedNode | ox.BlankNode | None, o: ox.NamedNode | None = None) -> list:
        return [q.triple for q in store.quads_for_pattern(s, None, o, ox.DefaultGraph())]

    def is_part(term: object) -> bool:
        return isinstance(term, ox.BlankNode) or (
            isinstance(term, ox.NamedNode) and term.value.startswith(iri + "#")
        )

    found = set(triples(node))
    for part in {t.object for t in triples(node) if is_part(t.object)}:
        found.update(triples(part))
        found.update(q for t in triples(part) if is_part(t.object) for q in triples(t.object))
    inbound = triples(None, node)
    found.update(inbound)
    named = {x for t in found for x in (t.subject, t.object) if isinstance(x, ox.NamedNode)}
    named |= {
        ox.NamedNode(t.subject.value.partition("#")[0])
        for t in inbound
        if isinstance(t.subject, ox.NamedNode) and "#" in t.subject.value
    }
    for term in named:
        for label in LABELS:
            found.update(
                q.triple for q in store.quads_for_pattern(term, label, None, ox.DefaultGraph())
            )
    return found


@pytest.mark.parametrize("resource", DESCRIBED)
def test_a_data_document_is_the_description_read_pattern_by_pattern(
    server: Server,
    http: httpx.Client,
    merged_store: ox.Store,
    resource: str,
    request: pytest.FixtureRequest,
) -> None:
    """The same triples as the descriptions had before the queries were rewritten: the seed's
    largest fan-in (22 links to clusters3, 53 to skos:Concept) fits one page."""
    if server.backend == "virtuoso" and resource.startswith("region/"):
        # Known gap: Virtuoso stores a geo:wktLiteral as its own geometry type and gives it
        # back as virtrdf:Geometry with float noise (POINT(-2.6210000514984 43.032001495361)).
        request.applymarker(pytest.mark.xfail(strict=True, reason="Virtuoso rewrites WKT"))
    response = http.get(f"/data/{resource}.nt")
    assert response.status_code == 200
    served = by_value({q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)})
    # The server's store and this one label blank nodes (a region's geometry) each their way.
    served = canonical(served)
    expected = canonical(expected_description(merged_store, canonical_iri(resource)))
    assert served == expected, (served - expected, expected - served)
    assert 'rel="next"' not in response.headers["link"]
    assert not any(t.predicate.value.startswith(HYDRA) for t in served)  # one page: no view


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "1e3", "01x", "9999999999"])
def test_a_bad_page_is_400(http: httpx.Client, value: str) -> None:
    for path in ("/page/project/clusters3", "/data/project/clusters3.ttl", "/browse/project"):
        response = http.get(path, params={"page": value}, headers={"Accept": "application/json"})
        assert response.status_code == 400, (path, value)
        assert "page must be a whole number" in response.json()["message"]


def test_a_page_past_the_last_is_404(http: httpx.Client) -> None:
    for path in (
        "/page/project/clusters3?page=2",
        "/data/project/clusters3.ttl?page=2",
        "/embed/project/clusters3.jsonld?page=2",
        "/browse/project?page=2",
        "/data/dataset/projectgraph.ttl?page=2",
    ):
        assert http.get(path, headers={"Accept": "application/json"}).status_code == 404, path
    assert http.get("/data/project/clusters3.ttl?page=1").status_code == 200


# clusters3 has 22 links to it from 11 participations (org:organization and eurio:isInvolvedIn
# each): pages of 5, 5 and 1 participations, each with both its links.
PAGE_SIZE = 5


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the shipped data with pages of :data:`PAGE_SIZE` links."""
    folder = tmp_path_factory.mktemp("small-pages")
    running = start_server(folder, env={"PROJECTGRAPH_PAGE_SIZE": str(PAGE_SIZE)})
    yield running
    running.stop()


def inbound_links(triples: set[ox.Triple], iri: str) -> list[tuple[str, str]]:
    return [(t.subject.value, t.predicate.value) for t in triples if t.object == ox.NamedNode(iri)]


@pytest.mark.parametrize(
    ("extension", "fmt"),
    [
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("ttl", ox.RdfFormat.TURTLE),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("rdf", ox.RdfFormat.RDF_XML),
    ],
)
def test_paging_through_the_links_to_a_resource(
    small_pages: Server, merged_store: ox.Store, extension: str, fmt: ox.RdfFormat
) -> None:
    """Following Link rel="next" from the first page gives every link to the resource once,
    a page at most PAGE_SIZE resources linking here with all their links, until a last page
    without a next; the body's Hydra view names
    the same pages at the canonical base (the header is what a client here follows)."""
    iri = CANONICAL + "id/project/clusters3"
    everything = expected_description(merged_store, iri)
    first = f"{small_pages.url}/data/project/clusters3.{extension}"
    canonical_first = f"{CANONICAL}data/project/clusters3.{extension}"

    def canonical(url: str) -> str:
        return url.replace(small_pages.url + "/", CANONICAL)

    url: str | None = first
    seen: list[tuple[str, str]] = []
    pages = 0
    while url:
        pages += 1
        response = httpx.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-location"] == url
        triples = {q.triple for q in ox.parse(response.content, format=fmt)}
        links = inbound_links(triples, iri)
        assert 0 < len({s for s, _ in links}) <= PAGE_SIZE
        seen += links
        view = ox.NamedNode(canonical(url))
        assert (
            ox.Triple(view, ox.NamedNode(HYDRA + "first"), ox.NamedNode(canonical_first)) in triples
        )
        assert (
            ox.Triple(
                view,
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ox.NamedNode(HYDRA + "PartialCollectionView"),
            )
            in triples
        )
        previous = [t.object.value for t in triples if t.predicate.value == HYDRA + "previous"]
        assert previous == (
            []
            if pages == 1
            else [canonical_first if pages == 2 else f"{canonical_first}?page={pages - 1}"]
        )
        following = re.findall(r'<([^>]+)>; rel="next"', response.headers["link"])
        hydra_next = [t.object.value for t in triples if t.predicate.value == HYDRA + "next"]
        assert hydra_next == [canonical(u) for u in following]
        # The rest of the description is on every page, whole.
        own = {t for t in everything if t.subject == ox.NamedNode(iri)}
        assert own <= triples
        url = following[0] if following else None
        assert url is None or url == f"{first}?page={pages + 1}"
    assert pages == 3
    assert Counter(seen) == Counter(inbound_links(everything, iri))  # each link exactly once
    assert httpx.get(f"{first}?page=4").status_code == 404


def test_paging_through_a_page_and_a_browse_list(
    small_pages: Server, merged_store: ox.Store
) -> None:
    """The HTML pages link to their neighbours (rel next/prev, and in the Link header): the
    participations in the partner role are shown once each across the role's pages; the
    browse list pages through every organisation once."""
    seen: list[str] = []
    url: str | None = f"{small_pages.url}/page/role/partner"
    number = 0
    while url:
        number += 1
        page = httpx.get(url)
        assert page.status_code == 200
        assert f"Page {number}" in visible_text(page.text)
        linked_from = page.text.split("<h2>Linked from", 1)[1].split("</section>", 1)[0]
        seen += re.findall(r'href="[^"]*/page/participation/([^"#]+)"', linked_from)
        following = re.findall(r'<a href="([^"]+)" rel="next">', page.text)
        assert following == re.findall(r'<([^>]+)>; rel="next"', page.headers["link"])
        assert ('rel="prev"' in page.text) == (number > 1)
        url = following[0] if following else None
    partners = [
        q.subject.value.rsplit("/", 1)[1]
        for q in merged_store.quads_for_pattern(
            None,
            ox.NamedNode("http://www.w3.org/ns/org#role"),
            ox.NamedNode(CANONICAL + "id/role/partner"),
            ox.DefaultGraph(),
        )
    ]
    links = sum(
        1
        for _ in merged_store.quads_for_pattern(
            None, None, ox.NamedNode(CANONICAL + "id/role/partner"), ox.DefaultGraph()
        )
    )
    assert number == -(-links // PAGE_SIZE) > 1
    assert sorted(seen) == sorted(partners)

    organisations: list[str] = []
    url = f"{small_pages.url}/browse/organisation"
    while url:
        listing = httpx.get(url)
        assert listing.status_code == 200
        found = re.findall(r'href="[^"]*/page/organisation/([^"#]+)"', listing.text)
        assert 0 < len(found) <= PAGE_SIZE
        organisations += found
        following = re.findall(r'<a href="([^"]+)" rel="next">', listing.text)
        url = following[0] if following else None
    total = {
        q.subject.value.rsplit("/", 1)[1]
        for q in merged_store.quads_for_pattern(
            None,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://data.europa.eu/s66#Organisation"),
            ox.DefaultGraph(),
        )
    }
    assert len(organisations) == len(set(organisations)) and set(organisations) == total
