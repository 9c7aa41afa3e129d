"""The named-query API over HTTP: listing, typed parameters and 422s, injection attempts,
formats, ETags and the cache, pagination, and the OpenAPI document (validated, and fuzzed by
schemathesis)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from projectgraph.queries import load_queries
from tests.conftest import REPO
from tests.server import Server, start_server

QUERY_NAMES = sorted(q.name for q in load_queries(REPO / "queries"))


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
        ("organisations-by-projects", {"min_projects": "abc"}, "min_projects", "must be a number"),
        ("organisations-by-projects", {"min_projects": "0"}, "min_projects", "at least 1"),
        ("organisations-by-projects", {"min_projects": "1.5"}, "min_projects", "an integer"),
        ("organisations-by-projects", {"min_projects": "NaN"}, "min_projects", "an integer"),
        ("project-partners", {"project": ""}, "project", "is empty"),
        ("project-partners", {"project": "ftp://example.org/x"}, "project", "http(s) or urn"),
        ("project-partners", {"project": "a b"}, "project", "not a valid IRI"),
        (
            "projects-by-country",
            {"country": "http://publications.europa.eu/resource/authority/country/gbr"},
            "country",
            "must match",
        ),
        ("projects", {"colour": "red"}, "colour", "is not a parameter of projects"),
        ("projects", {"page": "0"}, "page", "between 1 and"),
        ("projects", {"page": "two"}, "page", "whole number"),
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
        ("text/xml", None, "application/sparql-results+xml", b"<?xml"),
        ("*/*", None, "application/json", b"[{"),
        ("text/html,application/json;q=0.9", None, "application/json", b"[{"),
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


def test_sparql_json_and_plain_json_hold_the_same_rows(http: httpx.Client) -> None:
    plain = http.get("/api/queries/project-partners").json()
    srj = http.get("/api/queries/project-partners", params={"format": "srj"}).json()
    bindings = srj["results"]["bindings"]
    assert len(bindings) == len(plain)
    assert [b["name"]["value"] for b in bindings] == [row["name"] for row in plain]
    assert bindings[0]["cluster"]["datatype"].endswith("#boolean")


def test_no_acceptable_format_is_406(http: httpx.Client) -> None:
    response = http.get("/api/queries/projects", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.text


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
    assert tag.startswith(f'"{build_id}-')
    assert first.headers["x-cache"] == "miss" and second.headers["x-cache"] == "hit"
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
    get = http.get("/api/queries/projects")
    head = http.head("/api/queries/projects")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


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


# ---- a second server: another build of edited data, a small cache, a paginated query ----

PAGED = """#+ summary: Partners, three per page
#+ tags: [partners]
#+ pagination: 3
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name WHERE { ?m org:member ?o . ?o skos:prefLabel ?name }
ORDER BY ?name
"""


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The project with an edited title and an extra query, served with a 2-entry cache."""
    root = tmp_path_factory.mktemp("edited")
    for name in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "projectgraph.toml", root / "projectgraph.toml")
    record = root / "data" / "projects" / "clusters3.ttl"
    text = record.read_text(encoding="utf-8")
    old = "Leveraging Cluster Policies for successful implementation of RIS3"
    assert old in text
    record.write_text(text.replace(old, "Leveraging Cluster Policies (edited)"), encoding="utf-8")
    (root / "queries" / "partners-paged.rq").write_text(PAGED, encoding="utf-8")
    running = start_server(root, root=root, env={"PROJECTGRAPH_CACHE_ENTRIES": "2"})
    yield running
    running.stop()


def test_a_new_build_changes_the_etag_and_the_answer(http: httpx.Client, edited: Server) -> None:
    old = http.get("/api/queries/projects")
    with httpx.Client(base_url=edited.url, timeout=30) as client:
        new = client.get("/api/queries/projects", headers={"If-None-Match": old.headers["etag"]})
    assert new.status_code == 200
    assert new.headers["etag"] != old.headers["etag"]
    assert new.json()[0]["title"] == "Leveraging Cluster Policies (edited)"


def test_next_links_while_pages_are_full(edited: Server) -> None:
    with httpx.Client(base_url=edited.url, timeout=30) as client:
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


def test_the_cache_stays_within_its_bound(edited: Server) -> None:
    with httpx.Client(base_url=edited.url, timeout=30) as client:
        for text in ("a", "b", "c", "d"):
            assert client.get(
                "/api/queries/organisations-by-name", params={"text": text}
            ).is_success
        stats = client.get("/health").json()["query_cache"]
        assert stats["max_entries"] == 2 and stats["entries"] == 2
        again = client.get("/api/queries/organisations-by-name", params={"text": "a"})
        assert again.headers["x-cache"] == "miss"  # evicted: least recently used
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
    script = Path(sys.executable).parent / "schemathesis"
    command = [
        str(script if script.exists() else shutil.which("schemathesis")),
        "run",
        f"{server.url}/openapi.json",
        "--include-path-regex",
        "^/api/queries",
        "--checks",
        "all",
        "--max-examples",
        "25",
        "--seed",
        "20261124",
        "--workers",
        "2",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    report = next(tmp_path.glob("*.xml")).read_text()
    assert report.count("<testcase") >= len(QUERY_NAMES)
    tested = json.dumps(report)
    assert "/api/queries/project-partners" in tested
