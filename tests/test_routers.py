"""Each router of the web app, mounted alone on a bare FastAPI app and driven in-process
(httpx over ASGI) against the embedded Oxigraph store of the session build."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.rdf.vocab import ONTOLOGY_IRI
from projectgraph.settings import load_settings
from projectgraph.store.base import QueryEngine, QueryError, QueryOutcome, QueryRequest
from projectgraph.web.api.routes import api_router
from projectgraph.web.app import create_app
from projectgraph.web.harvest.dataset import COUNTED
from projectgraph.web.harvest.routes import harvest_router, home_router
from projectgraph.web.health import health_router
from projectgraph.web.linked_data.routes import linked_data_router
from projectgraph.web.sparql.routes import sparql_router
from projectgraph.web.terms import object_of, subject_of
from tests.asgi import BASE_URL, Client, Served, bare

REPO = Path(__file__).resolve().parents[1]
MAX_ROWS = 500
MAX_QUERY = 20_000
PROJECT = f"{BASE_URL}/id/project/clusters3"  # the IRI at this base: where links go
CANONICAL_PROJECT = "https://w3id.org/projectgraph/id/project/clusters3"  # what RDF names
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
JSON = {"accept": "application/json"}
RESULTS = {"accept": "application/sparql-results+json"}
HTML = {"accept": "text/html"}
TURTLE = {"accept": "text/turtle"}


@pytest.fixture(scope="module")
def served(dist: Path) -> Iterator[Served]:
    """The session build, served by one query worker in this process."""
    settings = load_settings(
        REPO,
        {
            "dist_dir": dist,
            "max_rows": MAX_ROWS,
            "max_query_length": MAX_QUERY,
            "query_timeout": 10.0,
            "access_log": False,
        },
    )
    running = Served(settings, dist)
    yield running
    running.close()


@pytest.fixture(scope="module")
def sparql(served: Served) -> Client:
    router = sparql_router(
        served.settings, served.engine, served.build, served.site(), served.queries, served.metrics
    )
    return Client(served, bare(router))


@pytest.fixture(scope="module")
def linked(served: Served) -> Client:
    return Client(served, bare(linked_data_router(served.site())))


@pytest.fixture(scope="module")
def harvest(served: Served) -> Client:
    harvest = served.harvest()
    return Client(served, bare(home_router(harvest), harvest_router(harvest)))


def turtle(response: httpx.Response) -> list[ox.Triple]:
    assert response.status_code == 200, response.text
    return [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)]


def error(response: httpx.Response, status: int) -> str:
    """The message of an error of ``status``, checking the site's error shape (JSON, or
    ``status phrase: message`` as text to a client that reads no JSON)."""
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("text/plain"):
        found = re.match(rf"{status} [A-Za-z ]+: (.*)", response.text)
        assert found, response.text
        return found.group(1)
    body = response.json()
    assert body["status"] == status and body["error"] and isinstance(body["message"], str)
    return str(body["message"])


class Failing:
    """An engine whose every query fails with ``status`` (busy, timed out, a store error)."""

    def __init__(self, status: int, store_error: str | None = None) -> None:
        self.status = status
        self.store_error = store_error

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def execute(self, request: QueryRequest) -> QueryOutcome:
        return QueryError(self.status, f"the engine failed with {self.status}")

    async def probe(self) -> str | None:
        return self.store_error

    def health(self) -> dict[str, object]:
        return {"workers": 2, "workers_alive": 0}


# --- the SPARQL router ---------------------------------------------------------------------


def test_sparql_select_by_get_and_both_posts(sparql: Client) -> None:
    query = "SELECT ?p WHERE { ?p a <http://data.europa.eu/s66#Organisation> } ORDER BY ?p LIMIT 3"
    by_get = sparql.get(f"/sparql?query={quote(query)}", headers=RESULTS)
    assert by_get.status_code == 200
    assert by_get.headers["content-type"].startswith("application/sparql-results+json")
    assert by_get.headers["vary"] == "Accept"
    rows = by_get.json()["results"]["bindings"]
    assert len(rows) == 3 and all(r["p"]["type"] == "uri" for r in rows)
    form = sparql.post("/sparql", data={"query": query}, headers=RESULTS)
    direct = sparql.post(
        "/sparql/", content=query, headers={**RESULTS, "content-type": "application/sparql-query"}
    )
    assert form.json() == direct.json() == by_get.json()


def test_sparql_construct_negotiates_turtle_and_caps_rows(sparql: Client) -> None:
    graph = turtle(
        sparql.get(
            "/sparql?query=" + quote(f"CONSTRUCT WHERE {{ <{PROJECT}> ?p ?o }}"), headers=TURTLE
        )
    )
    assert graph == []  # the endpoint speaks canonical IRIs: the public one names nothing
    canonical = "https://w3id.org/projectgraph/id/project/clusters3"
    graph = turtle(
        sparql.get(
            "/sparql?query=" + quote(f"CONSTRUCT WHERE {{ <{canonical}> ?p ?o }}"), headers=TURTLE
        )
    )
    assert {subject_of(t).value for t in graph} == {canonical} and len(graph) > 5
    capped = sparql.get("/sparql?query=" + quote("SELECT * { ?s ?p ?o }"), headers=JSON)
    assert capped.headers["x-sparql-maxrows"] == str(MAX_ROWS)
    assert len(capped.json()["results"]["bindings"]) == MAX_ROWS


def test_sparql_service_description_and_page(served: Served, sparql: Client) -> None:
    description = turtle(sparql.get("/sparql", headers=TURTLE))
    endpoint = ox.NamedNode(f"{BASE_URL}/sparql")
    assert ox.Triple(endpoint, ox.NamedNode(SD + "endpoint"), endpoint) in description
    sizes = {object_of(t).value for t in description if t.predicate.value == VOID + "triples"}
    assert str(served.build.manifest["triples"]) in sizes
    page = sparql.get("/sparql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f"{BASE_URL}/sparql" in page.text
    assert all(q.name in page.text for q in served.queries)  # the examples to pick from


def test_sparql_errors(served: Served, sparql: Client) -> None:
    def forbidden() -> float:
        found = re.search(
            r'projectgraph_queries_rejected_total\{reason="forbidden"\} (\S+)',
            served.metrics.exposition().decode(),
        )
        return float(found.group(1)) if found else 0.0

    before = forbidden()
    message = error(sparql.get("/sparql?query=SELECT%20*%20WHERE%20%7B", headers=JSON), 400)
    assert message.startswith("malformed query") and "line 1" in message
    assert "read-only" in error(
        sparql.get("/sparql?query=" + quote("INSERT DATA {}"), headers=JSON), 403
    )
    update = {**JSON, "content-type": "application/sparql-update"}
    assert "read-only" in error(sparql.post("/sparql", content="CLEAR ALL", headers=update), 403)
    assert forbidden() == before + 2  # refusals are counted in the metrics given
    error(sparql.post("/sparql", content="x", headers={**JSON, "content-type": "text/plain"}), 415)
    assert "'png'" in error(sparql.get("/sparql?query=ASK%7B%7D&format=png", headers=JSON), 406)
    error(sparql.get("/sparql?query=" + "%23" * (MAX_QUERY + 1), headers=JSON), 414)
    options = sparql.request("OPTIONS", "/sparql")
    assert options.status_code == 204 and options.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert sparql.request("DELETE", "/sparql").status_code == 405
    assert sparql.get("/api/queries").status_code == 404  # a router alone serves only its own


# --- the linked-data router ----------------------------------------------------------------


def test_dereference_is_a_303_by_accept(linked: Client) -> None:
    page = linked.get("/id/project/clusters3", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == f"{BASE_URL}/page/project/clusters3"
    assert page.headers["vary"] == "Accept"
    assert f'<{BASE_URL}/data/project/clusters3.ttl>; rel="alternate"' in page.headers["link"]
    data = linked.get("/id/project/clusters3", headers={"accept": "application/ld+json"})
    assert data.status_code == 303
    assert data.headers["location"] == f"{BASE_URL}/data/project/clusters3.jsonld"


def test_data_documents_are_public_and_cached(served: Served, linked: Client) -> None:
    document = linked.get("/data/project/clusters3.ttl")
    triples = turtle(document)
    assert ox.NamedNode(CANONICAL_PROJECT) in {t.subject for t in triples}  # RDF: canonical
    assert document.headers["content-location"] == f"{BASE_URL}/data/project/clusters3.ttl"
    tag = document.headers["etag"]
    assert tag.startswith(f'W/"{served.build.build_id}-')
    again = linked.get("/data/project/clusters3.ttl", headers={"if-none-match": tag})
    assert again.status_code == 304 and again.content == b""
    as_jsonld = linked.get("/data/project/clusters3.jsonld").json()
    assert "@context" in as_jsonld
    assert CANONICAL_PROJECT in {node.get("@id") for node in as_jsonld.get("@graph", [as_jsonld])}
    as_nt = linked.get("/data/project/clusters3.nt")
    parsed = ox.parse(as_nt.content, format=ox.RdfFormat.N_TRIPLES)
    assert {q.triple for q in parsed} == set(triples)
    assert as_nt.headers["etag"] != tag  # one tag per representation


def test_pages_embeds_and_browse_lists(linked: Client) -> None:
    page = linked.get("/page/project/clusters3")
    assert page.status_code == 200 and "CLUSTERS3" in page.text
    assert '<script type="application/ld+json">' in page.text
    embed = linked.get("/embed/project/clusters3.jsonld")
    assert embed.headers["content-type"] == "application/ld+json; charset=utf-8"
    assert embed.json()["@id"] == CANONICAL_PROJECT
    listing = linked.get("/browse/project")
    assert listing.status_code == 200
    assert f"{BASE_URL}/page/project/clusters3" in listing.text
    assert (
        linked.get(
            "/browse/project", headers={"if-none-match": listing.headers["etag"]}
        ).status_code
        == 304
    )


def test_the_ontology_by_accept_and_extension(linked: Client) -> None:
    ontology = turtle(linked.get("/ontology", headers=TURTLE))
    owl_ontology = "http://www.w3.org/2002/07/owl#Ontology"
    assert ox.Triple(ox.NamedNode(ONTOLOGY_IRI), RDF_TYPE, ox.NamedNode(owl_ontology)) in ontology
    by_extension = linked.get("/ontology.ttl")
    assert by_extension.headers["content-location"] == f"{BASE_URL}/ontology.ttl"
    assert set(turtle(by_extension)) == set(ontology)
    assert linked.get("/ontology", headers=HTML).headers["content-type"].startswith("text/html")
    error(linked.get("/ontology.docx", headers=JSON), 404)


def test_linked_data_errors(served: Served, linked: Client) -> None:
    assert "/id/project/no-such-project" in error(
        linked.get("/id/project/no-such-project", headers=JSON), 404
    )
    not_found = linked.get("/id/project/no-such-project", headers=HTML)
    assert not_found.status_code == 404 and "/browse/project" in not_found.text
    assert "is available as" in error(
        linked.get("/id/project/clusters3", headers={"accept": "image/png"}), 406
    )
    error(linked.get("/data/project/clusters3.docx", headers=JSON), 404)
    error(linked.get("/embed/project/clusters3.ttl", headers=JSON), 404)
    bad_host = linked.get("/page/project/clusters3", headers={**JSON, "host": "a b"})
    assert "not a host name" in error(bad_host, 400)
    assert linked.post("/page/project/clusters3").status_code == 405
    # An engine that cannot answer: its 5xx is kept, anything else is "try again" (503).
    for status, answered in ((504, 504), (400, 503)):
        down = Client(served, bare(linked_data_router(served.site(Failing(status)))))
        assert "failed with" in error(down.get("/page/project/clusters3", headers=JSON), answered)


class Counting:
    """An engine that counts the queries it passes on to ``engine``."""

    def __init__(self, engine: QueryEngine) -> None:
        self.engine = engine
        self.queries = 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def execute(self, request: QueryRequest) -> QueryOutcome:
        self.queries += 1
        return await self.engine.execute(request)

    async def probe(self) -> str | None:
        return await self.engine.probe()

    def health(self) -> dict[str, object]:
        return self.engine.health()


def test_a_repeated_document_costs_no_query(served: Served) -> None:
    """Pages, data documents, embeds, browse lists and the ontology are rendered once per
    public base and page; the next request is answered from the kept bytes, the same ones."""
    engine = Counting(served.engine)
    site = served.site(engine)
    client = Client(served, bare(linked_data_router(site)))
    paths = (
        "/page/project/clusters3",
        "/data/project/clusters3.ttl",
        "/data/project/clusters3.jsonld",
        "/embed/project/clusters3.jsonld",
        "/page/country/GBR",
        "/browse/organisation",
        "/ontology.ttl",
    )
    first = {path: client.get(path) for path in paths}
    assert all(r.status_code == 200 for r in first.values())
    asked = engine.queries
    assert asked >= len(paths)
    again = {path: client.get(path) for path in paths}
    assert engine.queries == asked
    for path in paths:
        assert again[path].content == first[path].content
        assert again[path].headers["etag"] == first[path].headers["etag"]
        assert again[path].headers["content-type"] == first[path].headers["content-type"]
    tag = first["/page/project/clusters3"].headers["etag"]
    not_modified = client.get("/page/project/clusters3", headers={"if-none-match": tag})
    assert not_modified.status_code == 304 and engine.queries == asked
    # Another public base is another document (its Link header points elsewhere), though
    # its RDF names the same canonical IRIs.
    proxied = client.get("/data/project/clusters3.nt", headers={"host": "data.example.org"})
    assert "<http://data.example.org/page/project/clusters3>" in proxied.headers["link"]
    assert CANONICAL_PROJECT.encode() in proxied.content
    assert engine.queries > asked
    # Errors are not kept: a missing resource is asked about each time.
    for _ in range(2):
        before = engine.queries
        error(client.get("/data/project/no-such-project.ttl", headers=JSON), 404)
        assert engine.queries > before
    assert len(site.rendered) == len(paths) + 1


# --- the harvest router --------------------------------------------------------------------


def test_home_void_and_catalogue(served: Served, harvest: Client) -> None:
    home = harvest.get("/")
    assert home.status_code == 200 and "CLUSTERS3" in home.text
    assert f'href="{BASE_URL}/browse/project"' in home.text
    assert harvest.request("HEAD", "/").status_code == 200
    void = turtle(harvest.get("/.well-known/void"))
    endpoint = [object_of(t).value for t in void if t.predicate.value == VOID + "sparqlEndpoint"]
    assert endpoint == ["https://w3id.org/projectgraph/sparql"]  # canonical, whatever the host
    assert set(turtle(harvest.get("/catalog", headers=TURTLE))) == set(void)
    catalogue = harvest.get("/catalog", headers=HTML)
    assert catalogue.status_code == 200 and "projectgraph.ttl" in catalogue.text


def test_home_counts_are_the_graphs(served: Served) -> None:
    """The home page's counts, read from the build's VoID, are what the graph holds."""
    harvest = served.harvest()
    assert harvest.partition_counts(), "the build's VoID has class partitions"
    counts = served.run(harvest.counts())
    for label, cls in COUNTED.items():
        rows = served.run(
            harvest.site.describer.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?s a <{cls}> }}")
        )
        assert counts[label] == int(rows[0]["n"].value), label
    assert counts["projects"] == 1 and counts["organisations"] > 5
    # Without VoID's partitions (an older build), the graph is counted by a query.
    bare_harvest = served.harvest()
    bare_harvest.site.metadata = [
        t for t in bare_harvest.site.metadata if "#class-" not in subject_of(t).value
    ]
    assert bare_harvest.partition_counts() == {}
    assert served.run(bare_harvest.counts()) == counts


def test_dumps_and_context(served: Served, harvest: Client) -> None:
    files = served.build.manifest["files"]
    assert isinstance(files, dict)
    dump = harvest.get("/dumps/projectgraph.ttl")
    assert dump.status_code == 200
    assert dump.content == (served.build.folder / "projectgraph.ttl").read_bytes()
    assert dump.headers["etag"] == f'"{files["projectgraph.ttl"]["sha256"]}"'
    assert dump.headers["content-type"] == "text/turtle; charset=utf-8"
    again = harvest.get("/dumps/projectgraph.ttl", headers={"if-none-match": dump.headers["etag"]})
    assert again.status_code == 304
    # In the build folder, but not a published file: not served.
    assert "see /catalog" in error(harvest.get("/dumps/build.json", headers=JSON), 404)
    context = harvest.get("/context.jsonld")
    assert context.json()["@context"] == served.context


def test_sitemap_and_robots(harvest: Client) -> None:
    sitemap = harvest.get("/sitemap.xml")
    assert sitemap.headers["content-type"].startswith("application/xml")
    assert f"<loc>{BASE_URL}/page/project/clusters3</loc>" in sitemap.text
    assert harvest.get("/sitemap-1.xml").text == sitemap.text  # one file: it is the first
    error(harvest.get("/sitemap-2.xml", headers=JSON), 404)
    assert harvest.get("/sitemap-x.xml").status_code == 404  # not a number: no route
    robots = harvest.get("/robots.txt").text
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in robots and "Disallow: /sparql" in robots


# --- the named-query API router ------------------------------------------------------------


def test_api_listing_and_a_query(served: Served) -> None:
    api = served.api()
    client = Client(served, bare(api_router(api)))
    listing = client.get("/api/queries")
    assert [q["name"] for q in listing.json()] == [q.name for q in served.queries]
    projects = next(q for q in listing.json() if q["name"] == "projects")
    assert projects["url"] == f"{BASE_URL}/api/queries/projects" and projects["pagination"] == 50
    assert (
        client.get("/api/queries", headers={"if-none-match": listing.headers["etag"]}).status_code
        == 304
    )
    first = client.get("/api/queries/projects")
    rows = first.json()
    assert first.headers["x-cache"] == "materialized" and 0 < len(rows) <= 50
    assert {"project", "acronym", "title"} <= set(rows[0])
    assert 'rel="first"' in first.headers["link"]
    second = client.get("/api/queries/projects")
    assert second.headers["x-cache"] == "hit" and second.json() == rows
    assert second.headers["etag"] == first.headers["etag"]
    as_csv = client.get("/api/queries/projects?format=csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].split(",")[:3] == ["project", "acronym", "title"]


def test_api_errors(served: Served) -> None:
    client = Client(served, bare(api_router(served.api())))
    message = error(client.get("/api/queries/no-such-query"), 404)
    assert "no named query 'no-such-query'" in message and "projects" in message
    twice = client.get("/api/queries/projects?format=json&format=json")
    assert "more than once" in error(twice, 422)
    assert twice.json()["parameter"] == "format"
    assert error(client.get("/api/queries/projects?page=0x1"), 422).startswith("parameter page")
    error(client.get("/api/queries/projects", headers={"accept": "image/png"}), 406)
    assert client.post("/api/queries/projects").status_code == 405


def test_api_reference_documents_the_app_it_is_in(served: Served) -> None:
    api = served.api()
    client = Client(served, bare(api_router(api)))
    served.run(api.warm())
    document = client.get("/openapi.json").json()
    assert document["servers"] == [{"url": BASE_URL}]
    paths = set(document["paths"])
    assert paths == {"/api/queries"} | {f"/api/queries/{q.name}" for q in served.queries}
    run = document["paths"]["/api/queries/projects"]["get"]
    example = run["responses"]["200"]["content"]["application/json"]["example"]
    assert example == client.get("/api/queries/projects").json()[:3]  # the warm-up run's
    docs = client.get("/docs")
    assert docs.status_code == 200 and "FastAPI: API reference" in docs.text  # the bare app's title


# --- the health router ---------------------------------------------------------------------


def test_health_and_metrics(served: Served) -> None:
    api = served.api()
    client = Client(served, bare(health_router(served.engine, served.build, api, served.metrics)))
    health = client.get("/health")
    body = health.json()
    assert health.status_code == 200 and body["status"] == "ok"
    assert body["build_id"] == served.build.build_id
    assert body["triples"] == served.build.manifest["triples"]
    assert body["store"] == {"reachable": True, "holds_build": True, "error": None}
    assert body["named_queries"] == {"count": len(served.queries), "examples_ready": False}
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert f'projectgraph_build_info{{build_id="{served.build.build_id}"' in metrics.text
    assert "projectgraph_workers_alive 1.0" in metrics.text


def test_health_says_down_when_nothing_answers(served: Served) -> None:
    engine = Failing(503, store_error="connection refused")
    client = Client(served, bare(health_router(engine, served.build, served.api(), served.metrics)))
    down = client.get("/health")
    assert down.status_code == 503
    assert down.json()["status"] == "down"
    assert down.json()["store"] == {
        "reachable": False,
        "holds_build": True,
        "error": "connection refused",
    }


# --- composed ------------------------------------------------------------------------------


def test_create_app_composes_every_router_and_the_middleware(served: Served) -> None:
    app = create_app(served.settings, served.engine, served.build, served.metrics)
    client = Client(served, app)  # no lifespan: the engine is already running
    document = client.get("/openapi.json").json()
    # Every router's documented paths, in the order they are composed.
    expected = [
        "/sparql",
        "/api/queries",
        *(f"/api/queries/{q.name}" for q in served.queries),
        "/",
        "/id/{kind}/{slug}",
        "/page/{kind}/{slug}",
        "/data/{kind}/{file}",
        "/embed/{kind}/{file}",
        "/browse/{kind}",
        "/ontology",
        "/graph/{key}",
        "/search",
        *(
            f"/{name}{ext}"
            for name in ("projects", "organisations")
            for ext in ("", ".csv", ".json")
        ),
        "/.well-known/void",
        "/catalog",
        "/dumps/",
        "/dumps/{name}",
        "/context.jsonld",
        "/changes.atom",
        "/changes.json",
        "/dumps/changes/{number}.rdfp.gz",
        "/history/{kind}/{slug}",
        "/timegate/{kind}/{slug}",
        "/timemap/{kind}/{slug}",
        "/memento/{number}/{kind}/{slug}",
        "/sitemap.xml",
        "/robots.txt",
        "/health",
        "/metrics",
    ]
    assert list(document["paths"]) == expected
    assert document["info"]["title"] == "projectgraph"
    page = client.get("/page/project/clusters3", headers={"accept-encoding": "gzip"})
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-encoding"] == "gzip"
    dump = client.get("/dumps/projectgraph.ttl", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in dump.headers  # dumps go out as they are
    missing = client.get("/id/project/no-such-project", headers=JSON)
    assert missing.headers["cache-control"] == "no-store"
    preflight = client.request(
        "OPTIONS",
        "/sparql",
        headers={"origin": "https://example.org", "access-control-request-method": "POST"},
    )
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert client.get("/static/docs-page.js").status_code == 200
