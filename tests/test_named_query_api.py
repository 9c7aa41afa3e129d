"""The named-query API over HTTP: listing, typed parameters and 422s, injection attempts,
formats, ETags and the cache, pagination, and the OpenAPI document (validated, and fuzzed by
schemathesis)."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from projectgraph.sparql.named import load_queries
from tests.conftest import REPO, SERVER_MAX_ROWS
from tests.server import Server, schemathesis, start_server

QUERY_NAMES = sorted(q.name for q in load_queries(REPO / "queries"))
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def count_triples(http: httpx.Client) -> int:
    response = http.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_listing_names_every_query_with_its_parameters(http: httpx.Client, server: Server) -> None:
    response = http.get("/api/queries")
    assert response.status_code == 200
    listing = {q["name"]: q for q in response.json()}
    assert sorted(listing) == QUERY_NAMES
    partners = listing["project-partners"]
    assert partners["url"] == f"{server.url}/api/queries/project-partners"
    assert partners["returns"] == "rows"
    assert partners["parameters"] == [
        {
            "name": "project",
            "type": "iri",
            "required": False,
            "description": "The project's IRI.",
            "default": "id/project/clusters3",
            "example": "id/project/clusters3",
        }
    ]
    assert "SELECT" in partners["sparql"]
    assert listing["project-summary"]["returns"] == "graph"
    assert listing["projects"]["pagination"] == 50


@pytest.mark.parametrize(
    ("name", "params", "parameter", "reason"),
    [
        ("organisations-by-projects", {"min_projects": "abc"}, "min_projects", "an integer"),
        ("organisations-by-projects", {"min_projects": "0"}, "min_projects", "at least 1"),
        ("organisations-by-projects", {"min_projects": "1.5"}, "min_projects", "an integer"),
        ("organisations-by-projects", {"min_projects": "NaN"}, "min_projects", "an integer"),
        ("organisations-by-projects", {"min_projects": "1_0"}, "min_projects", "an integer"),
        ("project-partners", {"project": ""}, "project", "is empty"),
        ("project-partners", {"project": "ftp://example.org/x"}, "project", "http(s) or urn"),
        ("project-partners", {"project": "//elsewhere.example/x"}, "project", "under the base"),
        ("project-partners", {"project": "https://a.example/b c"}, "project", "not a valid IRI"),
        (
            "projects-by-country",
            {"country": "http://publications.europa.eu/resource/authority/country/gbr"},
            "country",
            "must match",
        ),
        ("projects", {"colour": "red"}, "colour", "is not a parameter of projects"),
        ("projects", {"page": "0"}, "page", "between 1 and"),
        ("projects", {"page": "two"}, "page", "whole number"),
        ("projects", {"page": "２"}, "page", "whole number"),
        ("project-partners", {"page": "2"}, "page", "all its results at once"),
        ("projects", {"format": "pdf"}, "format", "must be one of json, srj"),
        ("organisations-by-name", {"text": "x" * 1001}, "text", "longer than 1000"),
    ],
)
def test_invalid_values_get_422_naming_the_parameter(
    http: httpx.Client, name: str, params: dict[str, str], parameter: str, reason: str
) -> None:
    response = http.get(f"/api/queries/{name}", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["parameter"] == parameter
    assert reason in body["reason"]
    assert body["message"].startswith(f"parameter {parameter}: ")


def test_a_parameter_given_twice_is_refused(http: httpx.Client) -> None:
    response = http.get("/api/queries/organisations-by-name?text=a&text=b")
    assert response.status_code == 422
    assert response.json()["reason"] == "is given more than once"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.5)
    yield sock
    sock.close()


def _connected(sock: socket.socket) -> bool:
    try:
        connection, _ = sock.accept()
    except TimeoutError:
        return False
    connection.close()
    return True


def test_injection_through_a_string_is_inert(http: httpx.Client, listener: socket.socket) -> None:
    """The text is one literal: nothing matches it, nothing is dropped, nothing is called."""
    port = listener.getsockname()[1]
    before = count_triples(http)
    attempts = [
        '"} ; DROP ALL ; #',
        f'") }} SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} #',
        "') } } UNION { ?organisation ?p ?name } #",
    ]
    for text in attempts:
        response = http.get("/api/queries/organisations-by-name", params={"text": text})
        assert response.status_code == 200, response.text
        assert response.json() == []
    assert count_triples(http) == before
    assert not _connected(listener)
    # The same query still finds what it should: the payloads changed nothing.
    found = http.get("/api/queries/organisations-by-name", params={"text": "REGION"}).json()
    assert [row["name"] for row in found] == ["Piedmont Region"]


def test_injection_through_an_iri_is_rejected(http: httpx.Client, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for value in (
        f"> }} SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} #",
        'id/project/clusters3> . } #"',
    ):
        response = http.get("/api/queries/project-partners", params={"project": value})
        assert response.status_code == 422
        assert response.json()["parameter"] == "project"
    assert not _connected(listener)


def test_iri_parameters_take_relative_public_and_canonical_forms(
    http: httpx.Client, server: Server
) -> None:
    """A link copied from this server (its public URL) names the same project."""
    forms = [
        "id/project/clusters3",
        "https://w3id.org/projectgraph/id/project/clusters3",
        f"{server.url}/id/project/clusters3",
    ]
    results = [
        http.get("/api/queries/project-partners", params={"project": f}).json() for f in forms
    ]
    assert len(results[0]) == 10
    assert results[0] == results[1] == results[2]
    unknown = http.get("/api/queries/project-partners", params={"project": "id/project/none"})
    assert unknown.status_code == 200 and unknown.json() == []


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type", "starts"),
    [
        ("text/csv", None, "text/csv", b"acronym,organisation,name,role"),
        (None, "csv", "text/csv", b"acronym,organisation,name,role"),
        ("text/tab-separated-values", None, "text/tab-separated-values", b"?acronym\t"),
        ("application/sparql-results+json", None, "application/sparql-results+json", b"{"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml", b"<?xml"),
        ("*/*", None, "application/json", b"[{"),
        ("text/html,application/json;q=0.9", None, "application/json", b"[{"),
        (BROWSER, None, "application/json", b"[{"),
        ("text/plain, application/json;q=0.5", None, "application/json", b"[{"),
    ],
)
def test_formats_by_accept_or_format(
    http: httpx.Client, accept: str | None, fmt: str | None, media_type: str, starts: bytes
) -> None:
    headers = {"Accept": accept} if accept else {}
    params = {"format": fmt} if fmt else {}
    response = http.get("/api/queries/project-partners", headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.content.startswith(starts)


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (BROWSER, "application/json"),
        ("application/ld+json", "application/ld+json"),
        ("text/turtle", "text/turtle"),
        ("text/plain", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_graph_formats_by_accept(http: httpx.Client, accept: str, media_type: str) -> None:
    response = http.get("/api/queries/project-summary", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_sparql_json_and_plain_json_hold_the_same_rows(http: httpx.Client) -> None:
    plain = http.get("/api/queries/project-partners").json()
    srj = http.get("/api/queries/project-partners", params={"format": "srj"}).json()
    bindings = srj["results"]["bindings"]
    assert len(bindings) == len(plain)
    assert [b["name"]["value"] for b in bindings] == [row["name"] for row in plain]
    assert bindings[0]["cluster"]["datatype"].endswith("#boolean")


def test_no_acceptable_format_is_406(http: httpx.Client) -> None:
    # Plain XML is not offered: a browser's application/xml;q=0.9 would pick it over JSON.
    for accept in ("image/png", "application/xml"):
        response = http.get("/api/queries/projects", headers={"Accept": accept})
        assert response.status_code == 406
        assert "application/sparql-results+xml" in response.text


def test_unknown_query_is_404_with_the_known_names(http: httpx.Client) -> None:
    response = http.get("/api/queries/no-such-query")
    assert response.status_code == 404
    assert "project-partners" in response.json()["message"]


def test_etag_304_and_cache(http: httpx.Client, server: Server) -> None:
    params = {"text": "economy"}
    first = http.get("/api/queries/organisations-by-name", params=params)
    second = http.get("/api/queries/organisations-by-name", params=params)
    assert first.status_code == second.status_code == 200
    tag = first.headers["etag"]
    assert second.headers["etag"] == tag
    build_id = http.get("/health").json()["build_id"]
    assert tag.startswith(f'W/"{build_id}-')  # weak: the same for the gzipped body
    # Read from the build's answers, then from the cache.
    assert first.headers["x-cache"] == "materialized" and second.headers["x-cache"] == "hit"
    assert second.content == first.content
    revalidated = http.get(
        "/api/queries/organisations-by-name", params=params, headers={"If-None-Match": tag}
    )
    assert revalidated.status_code == 304 and revalidated.content == b""
    other = http.get("/api/queries/organisations-by-name", params={"text": "invest"})
    csv = http.get("/api/queries/organisations-by-name", params={**params, "format": "csv"})
    assert len({tag, other.headers["etag"], csv.headers["etag"]}) == 3
    assert "max-age" in first.headers["cache-control"]
    stats = http.get("/health").json()["query_cache"]
    assert stats["entries"] >= 1 and stats["hits"] >= 1
    assert stats["max_entries"] == 512 and stats["max_bytes"] == 64 * 1024 * 1024


def test_head_answers_like_get(http: httpx.Client) -> None:
    for path in ("/api/queries/projects", "/api/queries", "/docs", "/openapi.json"):
        get = http.get(path, headers={"Accept-Encoding": "identity"})
        head = http.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200, path
        for name in ("etag", "content-type", "content-length"):
            assert head.headers.get(name) == get.headers.get(name), (path, name)


def test_gzip_and_revalidation(http: httpx.Client) -> None:
    plain = http.get("/api/queries/region-network", headers={"Accept-Encoding": "identity"})
    packed = http.get("/api/queries/region-network", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.content == plain.content  # httpx decompresses
    assert packed.headers["etag"] == plain.headers["etag"]
    assert packed.headers["etag"].startswith("W/")  # one tag for two encodings must be weak
    again = http.get(
        "/api/queries/region-network",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]},
    )
    assert again.status_code == 304


def test_pagination_links(http: httpx.Client, server: Server) -> None:
    first = http.get("/api/queries/projects")
    assert first.headers["link"] == (
        f'<{server.url}/api/queries/projects?page=1>; rel="first"'
    )  # one project: no next page
    second = http.get("/api/queries/projects", params={"page": "2", "format": "csv"})
    assert second.status_code == 200
    assert second.text.strip().count("\n") == 0  # the header line only
    assert 'rel="prev"' in second.headers["link"]
    assert "format=csv&page=1" in second.headers["link"]


# ---- more servers: the same build with more queries, and a build of edited data ----

PAGED = """#+ summary: Partners, three per page
#+ tags: [partners]
#+ pagination: 3
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name WHERE { ?m org:member ?o . ?o skos:prefLabel ?name }
ORDER BY ?name
"""
TYPED = """#+ summary: The values given, as typed terms
#+ tags: [test]
#+ params:
#+   amount: {description: a decimal, default: 1.5}
#+   day: {description: a date, default: 2020-01-01}
#+   flag: {description: a flag, default: true}
#+   count: {description: at most 10, default: 3, maximum: 10}
SELECT ?amount ?day ?flag ?count WHERE {
  BIND (?_amount_decimal AS ?amount) BIND (?_day_date AS ?day)
  BIND (?_flag_boolean AS ?flag) BIND (?_count_integer AS ?count)
}
"""
SLOW = """#+ summary: Pairs of values longer than a text (slow on purpose)
#+ tags: [test]
#+ params:
#+   text: {description: any text, default: x}
SELECT (COUNT(*) AS ?pairs) WHERE {
  GRAPH <https://w3id.org/projectgraph/graph/data/reference/countries> { ?a ?b ?c . ?d ?e ?f }
  FILTER (STRLEN(STR(?c)) + STRLEN(STR(?f)) > STRLEN(?_text))
}
"""


def copy_project(built: Path, root: Path, edit_title: bool = False) -> Path:
    """The project's sources and queries under ``root`` (with an edited title if asked), with
    the build of the unedited project (``built_project``) in ``dist``: stale once edited, so
    the server builds it again, from that build's cache (a second, not five)."""
    shutil.copytree(built, root, symlinks=True, dirs_exist_ok=True)
    if edit_title:
        record = root / "data" / "projects" / "clusters3.ttl"
        text = record.read_text(encoding="utf-8")
        assert TITLE in text
        record.write_text(text.replace(TITLE, "Leveraging Cluster Policies (edited)"))
    return root


TITLE = "Leveraging Cluster Policies for successful implementation of RIS3"


@pytest.fixture(scope="module")
def same_build(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> Iterator[Server]:
    """The shipped data and the session server's row cap (so the same build and the same
    answers), three more queries, and a cache of two entries."""
    root = copy_project(built_project, tmp_path_factory.mktemp("same-build"))
    for name, text in (("partners-paged", PAGED), ("typed", TYPED), ("slow", SLOW)):
        (root / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    running = start_server(
        root,
        "--max-rows",
        str(SERVER_MAX_ROWS),
        root=root,
        env={"PROJECTGRAPH_CACHE_ENTRIES": "2"},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def restarted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Another server process on the shipped build, with the session server's row cap."""
    running = start_server(tmp_path_factory.mktemp("restarted"), "--max-rows", str(SERVER_MAX_ROWS))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory, built_project: Path) -> Iterator[Server]:
    """A build of the project with an edited title."""
    root = copy_project(built_project, tmp_path_factory.mktemp("edited"), edit_title=True)
    running = start_server(root, "--max-rows", str(SERVER_MAX_ROWS), root=root)
    yield running
    running.stop()


def test_tags_survive_a_restart_but_not_a_change_of_queries(
    http: httpx.Client, restarted: Server, same_build: Server
) -> None:
    """Same build, same settings: a client's ETag stays valid on another server process.
    Other query files: another build (its answers hold theirs), so other tags."""
    with httpx.Client(base_url=restarted.url, timeout=30) as again:
        assert again.get("/health").json()["build_id"] == http.get("/health").json()["build_id"]
        mine = http.get("/api/queries/projects")
        theirs = again.get("/api/queries/projects", headers={"If-None-Match": mine.headers["etag"]})
        assert theirs.status_code == 304
    with httpx.Client(base_url=same_build.url, timeout=30) as other:
        assert other.get("/health").json()["build_id"] != http.get("/health").json()["build_id"]
        listing = http.get("/api/queries")
        other_listing = other.get(
            "/api/queries", headers={"If-None-Match": listing.headers["etag"]}
        )
        assert other_listing.status_code == 200
        assert len(other_listing.json()) == len(listing.json()) + 3


def test_a_new_build_changes_the_etag_and_the_answer(http: httpx.Client, edited: Server) -> None:
    old = http.get("/api/queries/projects")
    with httpx.Client(base_url=edited.url, timeout=30) as client:
        build_id = client.get("/health").json()["build_id"]
        assert build_id != http.get("/health").json()["build_id"]
        new = client.get("/api/queries/projects", headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200
    assert new.headers["etag"].startswith(f'W/"{build_id}-')
    assert new.json()[0]["title"] == "Leveraging Cluster Policies (edited)"


def test_next_links_while_pages_are_full(same_build: Server) -> None:
    with httpx.Client(base_url=same_build.url, timeout=30) as client:
        names: list[str] = []
        url: str | None = "/api/queries/partners-paged"
        pages = 0
        while url:
            response = client.get(url)
            assert response.status_code == 200
            names += [row["name"] for row in response.json()]
            pages += 1
            url = response.links.get("next", {}).get("url")
        assert pages == 4  # 10 partners, 3 per page: 3 + 3 + 3 + 1
        assert len(names) == 10 and names == sorted(names)


def test_typed_parameters_over_http(same_build: Server) -> None:
    with httpx.Client(base_url=same_build.url, timeout=30) as client:
        defaults = client.get("/api/queries/typed").json()
        assert defaults == [{"amount": 1.5, "day": "2020-01-01", "flag": True, "count": 3}]
        given = client.get(
            "/api/queries/typed",
            params={"amount": "12345678901234.123456789", "day": "2020-02-29", "flag": "false"},
        )
        assert '"amount": 12345678901234.123456789' in given.text  # every digit kept
        assert given.json()[0]["day"] == "2020-02-29" and given.json()[0]["flag"] is False
        for params, reason in (
            ({"count": "11"}, "at most 10"),
            ({"day": "2021-02-29"}, "not a day of the calendar"),
            ({"flag": "yes"}, "true or false"),
            ({"amount": "1e-400000000"}, "must be a number"),
        ):
            started = time.monotonic()
            refused = client.get("/api/queries/typed", params=params)
            assert refused.status_code == 422 and reason in refused.json()["reason"]
            # A hang detector, not a speed bet: expanding 1e-400000000 would take minutes.
            assert time.monotonic() - started < 20


def test_identical_requests_share_one_run(same_build: Server) -> None:
    """Requests for the same answer that arrive together wait for one run of the query."""

    def fetch(_: int) -> str:
        with httpx.Client(base_url=same_build.url, timeout=60) as client:
            response = client.get("/api/queries/slow", params={"text": "shared"})
            assert response.status_code == 200
            return response.headers["x-cache"]

    with ThreadPoolExecutor(6) as pool:
        kinds = sorted(pool.map(fetch, range(6)))
    assert kinds.count("miss") == 1, kinds
    assert set(kinds) <= {"miss", "shared", "hit"}
    assert httpx.get(f"{same_build.url}/health").json()["engine"]["worker_restarts"] == 0


def test_the_cache_stays_within_its_bound(same_build: Server) -> None:
    with httpx.Client(base_url=same_build.url, timeout=30) as client:
        for text in ("a", "b", "c", "d"):
            assert client.get(
                "/api/queries/organisations-by-name", params={"text": text}
            ).is_success
        stats = client.get("/health").json()["query_cache"]
        assert stats["max_entries"] == 2 and stats["entries"] == 2
        again = client.get("/api/queries/organisations-by-name", params={"text": "a"})
        assert again.headers["x-cache"] == "materialized"  # evicted: least recently used
        assert (
            client.get("/api/queries/organisations-by-name", params={"text": "a"}).headers[
                "x-cache"
            ]
            == "hit"
        )


# ---- the OpenAPI document ----


def openapi_with_examples(http: httpx.Client) -> dict[str, Any]:
    """The document once the start-up run of the defaults has filled in the examples."""
    deadline = time.monotonic() + 30
    while True:
        document = http.get("/openapi.json").json()
        operation = document["paths"]["/api/queries/projects"]["get"]
        if "example" in operation["responses"]["200"]["content"]["application/json"]:
            return document
        assert time.monotonic() < deadline, "the examples never arrived"
        time.sleep(0.2)


def test_openapi_document_is_valid_and_complete(http: httpx.Client) -> None:
    document = openapi_with_examples(http)
    validate(document)
    paths = document["paths"]
    for name in QUERY_NAMES:
        operation = paths[f"/api/queries/{name}"]["get"]
        assert operation["summary"]
        assert "```sparql" in operation["description"]
        content = operation["responses"]["200"]["content"]
        assert "application/json" in content and "example" in content["application/json"]
        assert "422" in operation["responses"]
    country = paths["/api/queries/projects-by-country"]["get"]["parameters"][0]
    assert country["name"] == "country" and country["in"] == "query"
    assert country["schema"]["default"].endswith("/country/GBR")
    assert "pattern" in country["schema"]
    minimum = paths["/api/queries/organisations-by-projects"]["get"]["parameters"][0]
    assert minimum["schema"]["type"] == "integer" and minimum["schema"]["minimum"] == 1
    assert minimum["schema"]["default"] == 1 and minimum["example"] == 2
    page = paths["/api/queries/projects"]["get"]["parameters"][0]
    assert page["name"] == "page" and page["schema"]["type"] == "integer"


def test_openapi_names_the_server_as_the_client_sees_it(http: httpx.Client, server: Server) -> None:
    """So "Try it out" calls this server, also behind a proxy that adds a path prefix."""
    assert http.get("/openapi.json").json()["servers"] == [{"url": server.url}]
    proxied = http.get(
        "/openapi.json",
        headers={
            "X-Forwarded-Host": "data.example.org",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Prefix": "/pg",
        },
    ).json()
    assert proxied["servers"] == [{"url": "https://data.example.org/pg"}]
    description = proxied["paths"]["/api/queries/projects-by-country"]["get"]["description"]
    assert "```sparql\nPREFIX eurio:" in description and "#+" not in description


def test_openapi_examples_are_real_responses(http: httpx.Client) -> None:
    document = openapi_with_examples(http)
    for name in QUERY_NAMES:
        operation = document["paths"][f"/api/queries/{name}"]["get"]
        example = operation["responses"]["200"]["content"]["application/json"]["example"]
        real = http.get(f"/api/queries/{name}").json()
        assert example == (real if isinstance(real, dict) else real[:3]), name
    rows = document["paths"]["/api/queries/funding-by-programme"]["get"]["responses"]["200"]
    properties = rows["content"]["application/json"]["schema"]["items"]["properties"]
    assert properties["projects"] == {"type": "integer"}
    assert properties["cofinancing_rate"] == {"type": "number"}


def test_schemathesis_finds_no_server_errors(server: Server, tmp_path: Path) -> None:
    """Property-based requests from the OpenAPI document: every check schemathesis has
    (no 5xx, status codes, content types, headers and bodies as documented)."""
    result = schemathesis(
        f"{server.url}/openapi.json",
        tmp_path,
        "--include-path-regex",
        "^/api/queries",
        "--checks",
        "all",
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    report = next(tmp_path.glob("*.xml")).read_text()
    assert report.count("<testcase") >= len(QUERY_NAMES)
    tested = json.dumps(report)
    assert "/api/queries/project-partners" in tested
