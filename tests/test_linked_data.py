"""Every minted IRI dereferences (303 by Accept), and its documents describe it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest

from tests.server import Server

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
    store.load(path=dist / "projectgraph.nq", format=ox.RdfFormat.N_QUADS)
    return store, [q.triple for q in ox.parse(path=dist / "void.ttl")]


def public(server: Server, iri: str) -> str:
    """The IRI as the server writes it: minted IRIs on its base, vocabulary unchanged."""
    if iri.startswith(CANONICAL + "ontology"):
        return iri
    return iri.replace(CANONICAL, server.url + "/")


def own_triples(
    source: tuple[ox.Store, list[ox.Triple]], server: Server, iri: str
) -> set[ox.Triple]:
    """The resource's triples in the build, with the server's public IRIs."""
    store, metadata = source
    subject = ox.NamedNode(iri)
    stated = [q.triple for q in store.quads_for_pattern(subject, None, None)]
    stated += [t for t in metadata if t.subject == subject]
    found = set()
    for t in stated:
        obj = (
            ox.NamedNode(public(server, t.object.value))
            if isinstance(t.object, ox.NamedNode)
            else t.object
        )
        found.add(ox.Triple(ox.NamedNode(public(server, iri)), t.predicate, obj))
    return found


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
    triples = {q.triple for q in ox.parse(target.content, format=fmt[1])}
    expected = own_triples(canonical_store, server, iri)
    assert expected and expected <= triples


def test_description_carries_parts_inbound_links_and_labels(
    server: Server, http: httpx.Client
) -> None:
    response = http.get("/data/project/clusters3.nt")
    triples = {q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)}
    subjects = {t.subject.value for t in triples}
    project = f"{server.url}/id/project/clusters3"
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
    topic = ox.NamedNode(f"{server.url}/id/topic/cluster-policy-design")
    assert (
        ox.Triple(
            topic, label, ox.Literal("Design and deployment of Cluster Policies", language="en")
        )
        in triples
    )


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


# --- base rewriting --------------------------------------------------------------------------


def test_a_proxy_gives_public_iris(http: httpx.Client) -> None:
    headers = {
        "X-Forwarded-Host": "data.example.eu",
        "X-Forwarded-Proto": "https",
        "Accept": "text/turtle",
    }
    response = http.get("/id/project/clusters3", headers=headers)
    assert response.headers["location"] == "https://data.example.eu/data/project/clusters3.ttl"
    document = http.get("/data/project/clusters3.ttl", headers=headers)
    subjects = {q.subject.value for q in ox.parse(document.content, format=ox.RdfFormat.TURTLE)}
    assert "https://data.example.eu/id/project/clusters3" in subjects
    assert not any(s.startswith(CANONICAL) or s.startswith("http://127.0.0.1") for s in subjects)


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
    assert "Poland" in countries and "Norway" not in countries  # only countries the data uses
    assert http.get("/browse/nothing").status_code == 404


def test_pages_are_cacheable(http: httpx.Client) -> None:
    first = http.get("/page/project/clusters3")
    tag = first.headers["etag"]
    again = http.get("/page/project/clusters3", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
