"""Search and faceted lists over HTTP: ``/search`` (accents, case, prefixes, ranking, paging),
``/projects`` and ``/organisations`` with facets whose counts and downloads equal what SPARQL
gives for the same filters, the index after an incremental rebuild, the OpenAPI document, and
in Chromium: typing in the search box and following a hit, ticking two facets and downloading
the CSV. Hostile texts and parameters are cases of ``tests/hostile/search/``."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from projectgraph.pipeline.run import build
from projectgraph.publish.search_index import COLUMNS
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from projectgraph.web.search.index import SearchIndex
from projectgraph.web.search.query import match_expression
from tests.browser import Tab
from tests.server import REPO, Server, start_server

COUNTRY = "http://publications.europa.eu/resource/authority/country/"
NUTS = "http://data.europa.eu/nuts/code/"
PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


def hits(http: httpx.Client, q: str, **params: str) -> dict:
    response = http.get("/search", params={"q": q, "format": "json", **params})
    assert response.status_code == 200, response.text
    return response.json()


def found(http: httpx.Client, q: str) -> list[tuple[str, str]]:
    return [(h["type"], h["iri"]) for h in hits(http, q)["hits"]]


# ---- the seed, on both backends ----


@pytest.mark.parametrize("q", ["hajdu", "Hajdú", "HAJDU-BIHAR", "hajdú bihar", "hajd"])
def test_accents_case_and_prefixes_do_not_matter(http: httpx.Client, q: str) -> None:
    assert ("region", f"{NUTS}HU321") in found(http, q)


@pytest.mark.parametrize("q", ["piemonte", "Piedmont", "PIEMO"])
def test_a_region_is_found_by_its_names_in_every_language(http: httpx.Client, q: str) -> None:
    assert ("region", f"{NUTS}ITC1") in found(http, q)


def test_countries_by_native_name_and_code(http: httpx.Client) -> None:
    assert ("country", f"{COUNTRY}HUN") in found(http, "magyarország")
    assert ("country", f"{COUNTRY}HUN") in found(http, "HUN")


def test_a_project_by_acronym_title_and_abstract(http: httpx.Client) -> None:
    project = ("project", "https://w3id.org/projectgraph/id/project/clusters3")
    assert project in found(http, "clusters3")
    assert project in found(http, "leveraging cluster")
    assert project in found(http, "competitiveness")  # the background text only


def test_a_hit_has_type_label_snippet_and_page(http: httpx.Client, server: Server) -> None:
    body = hits(http, "hajdu")
    hit = next(h for h in body["hits"] if h["type"] == "organisation")
    assert hit["label"] == "Hajdú-Bihar County Council"
    assert "<mark>Hajdú</mark>" in hit["snippet_html"]
    assert hit["page"] == f"{server.url}/page/organisation/hajdu-bihar-county-council"
    assert http.get(hit["page"]).status_code == 200
    assert body["counts"]["organisation"] == 1 and body["total"] == sum(body["counts"].values())


def test_hits_are_ranked_and_paged(http: httpx.Client) -> None:
    first = hits(http, "sa")  # some 60 regions and 20 countries
    assert first["total"] > 40 and len(first["hits"]) == 20 and first["next"]
    second = http.get(first["next"], headers={"Accept": "application/json"}).json()
    assert not {h["iri"] for h in first["hits"]} & {h["iri"] for h in second["hits"]}
    countries = hits(http, "sa", type="country")
    assert countries["total"] == first["counts"]["country"] == len(countries["hits"])
    assert {h["type"] for h in countries["hits"]} == {"country"}
    cluster = hits(http, "cluster")["hits"]
    assert cluster[0]["type"] == "topic"  # a short label all about it comes first


def test_the_results_page_is_html_with_marks(http: httpx.Client) -> None:
    response = http.get("/search", params={"q": "hajdu"})
    assert response.headers["content-type"].startswith("text/html")
    assert "<mark>Hajdú</mark>-Bihar" in response.text
    assert 'href="' in response.text and "Hajdú-Bihar County Council" in response.text


def test_every_page_has_the_search_box(http: httpx.Client) -> None:
    for path in ("/", "/page/project/clusters3", "/projects", "/sparql"):
        html = http.get(path, headers={"Accept": "text/html"}).text
        assert 'role="search"' in html and 'name="q"' in html, path


def test_openapi_describes_search_and_the_filters(http: httpx.Client) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    names = {p["name"] for p in paths["/search"]["get"]["parameters"]}
    assert {"q", "type", "page"} <= names
    for path in ("/projects", "/projects.csv", "/projects.json"):
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"q", "programme", "country", "region", "topic", "year", "role", "cluster"} <= names
    assert {"country", "region", "projects"} <= {
        p["name"] for p in paths["/organisations.json"]["get"]["parameters"]
    }


def test_texts_become_quoted_words() -> None:
    assert match_expression('NEAR("a" b) -c* OR') == '"NEAR" "a" "b" "c" "OR"*'
    assert match_expression("  ") is None
    assert match_expression("hajdú_bihar") == '"hajdú" "bihar"*'


# ---- a synthetic build: facets, downloads, SPARQL ----


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build of 300 synthetic projects."""
    root = tmp_path_factory.mktemp("search")
    synthesize(root / "records", 300, 3, load_settings(REPO), workers=1)
    settings = load_settings(REPO, {"project_dirs": (root / "records",), "dist_dir": root / "dist"})
    build(settings, quiet=True)
    return root


@pytest.fixture(scope="module")
def site(synthetic: Path) -> Iterator[Server]:
    running = start_server(synthetic, "--no-build")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def web(site: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        yield client


def sparql(web: httpx.Client, query: str) -> list[dict[str, str]]:
    response = web.get(
        "/sparql",
        params={"query": PREFIXES + query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def csv_rows(web: httpx.Client, path: str, params: list[tuple[str, str]]) -> list[dict[str, str]]:
    response = web.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def facet_values(web: httpx.Client, path: str, params: list[tuple[str, str]]) -> dict:
    response = web.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def projects_where(country: str, year: str | None = None, region: str | None = None) -> str:
    """The SPARQL for projects with a partner in ``country`` (from its site, or its region's
    country) that started in ``year`` / have a partner in ``region`` or below."""
    where = [
        "?project a eurio:Project .",
        "?m org:organization ?project ; org:member ?o .",
        f"{{ ?o eurio:hasSite/pg:country <{COUNTRY}{country}> }} UNION "
        f"{{ ?o eurio:hasSite/pg:region/pg:inCountry <{COUNTRY}{country}> }}",
    ]
    if year:
        where.append(f"?project eurio:startDate ?start . FILTER (YEAR(?start) = {year})")
    if region:
        where.append(
            "?m2 org:organization ?project ; org:member ?o2 . "
            f"?o2 eurio:hasSite/pg:region/skos:broader* <{NUTS}{region}> ."
        )
    return f"SELECT DISTINCT ?project WHERE {{ {' '.join(where)} }}"


def test_two_facets_equal_sparql_and_their_counts_hold(web: httpx.Client) -> None:
    whole = facet_values(web, "/projects.json", [])
    assert whole["total"] == 300 == len(whole["items"])
    country = whole["facets"]["country"][0]["value"]  # the commonest partner country
    with_country = facet_values(web, "/projects.json", [("country", country)])
    year = with_country["facets"]["year"][len(with_country["facets"]["year"]) // 2]
    chosen = [("country", country), ("year", year["value"])]
    rows = csv_rows(web, "/projects.csv", chosen)
    expected = {b["project"] for b in sparql(web, projects_where(country, year["value"]))}
    assert {r["project"] for r in rows} == expected
    assert len(rows) == year["count"]  # the count shown beside the value is what ticking gives
    # Every count shown beside a value of the selection is what adding that value gives.
    both = facet_values(web, "/projects.json", chosen)
    for value in both["facets"]["region"][:5]:
        narrowed = csv_rows(web, "/projects.csv", [*chosen, ("region", value["value"])])
        assert len(narrowed) == value["count"]
        query = projects_where(country, year["value"], value["value"])
        assert {r["project"] for r in narrowed} == {b["project"] for b in sparql(web, query)}


def test_organisations_by_region_at_any_level(web: httpx.Client) -> None:
    whole = facet_values(web, "/organisations.json", [])
    level1 = next(v for v in whole["facets"]["region"] if len(v["value"]) == 3)
    rows = csv_rows(web, "/organisations.csv", [("region", level1["value"])])
    query = (
        "SELECT DISTINCT ?o WHERE { ?o a eurio:Organisation ; "
        f"eurio:hasSite/pg:region/skos:broader* <{NUTS}{level1['value']}> }}"
    )
    assert {r["organisation"] for r in rows} == {b["o"] for b in sparql(web, query)}
    assert len(rows) == level1["count"]
    projects = {
        b["o"]: int(b["n"])
        for b in sparql(
            web,
            "SELECT ?o (COUNT(DISTINCT ?p) AS ?n) WHERE { ?o a eurio:Organisation . "
            "?m org:member ?o ; org:organization ?p } GROUP BY ?o",
        )
    }
    assert {r["organisation"]: int(r["projects"]) for r in rows} == {
        r["organisation"]: projects.get(r["organisation"], 0) for r in rows
    }


def test_downloads_are_whole_sorted_and_agree(web: httpx.Client) -> None:
    rows = csv_rows(web, "/projects.csv", [("sort", "-budget")])
    assert list(rows[0]) == list(COLUMNS["project"]) and len(rows) == 300
    budgets = [float(r["total_cost"]) for r in rows if r["total_cost"]]
    assert budgets == sorted(budgets, reverse=True)
    as_json = facet_values(web, "/projects.json", [("sort", "-budget")])["items"]
    assert [i["project"] for i in as_json] == [r["project"] for r in rows]
    starts = [r["start_date"] for r in csv_rows(web, "/projects.csv", [("sort", "start")])]
    assert starts == sorted(starts)


def test_a_list_page_links_its_facets_sorts_pages_and_downloads(web: httpx.Client) -> None:
    page = web.get("/projects", params={"sort": "acronym"}).text
    assert "1–50 of 300" in page
    assert 'rel="next"' in page and "page=2" in page
    assert "/projects.csv" in page and "/projects.json" in page
    second = web.get("/projects", params={"page": "2"})
    assert "51–100 of 300" in second.text
    assert web.get("/projects", params={"page": "7"}).status_code == 200  # past the end: empty


def test_text_and_facets_combine(web: httpx.Client) -> None:
    whole = facet_values(web, "/organisations.json", [])
    name = whole["items"][0]["name"]
    word = name.split()[0]
    rows = csv_rows(web, "/organisations.csv", [("q", word)])
    assert rows and all(word.lower() in r["name"].lower() for r in rows)


# ---- the index follows the graph through an incremental rebuild ----


def test_a_renamed_organisation_is_found_by_its_new_name_only(built_project_copy: Path) -> None:
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    settings = load_settings(project_copy, {"dist_dir": project_copy / "dist"})
    build(settings, quiet=True)
    record = project_copy / "data" / "projects" / "clusters3.ttl"
    text = record.read_text(encoding="utf-8")
    old, new = '"Tecnalia Research & Innovation Foundation"', '"Quarzwerk Forschungsstiftung"'
    record.write_text(text.replace(f"skos:prefLabel {old}", f"skos:prefLabel {new}"), "utf-8")
    result = build(settings, quiet=True)
    assert result.reused["read + entail"][0] > 0  # incremental: the other sources reused
    index = SearchIndex.open(result.published.folder)
    assert index is not None

    def organisations(text: str) -> list[str]:
        match = match_expression(text)
        assert match is not None
        return [h.label for h in index.search(match, "organisation", 0, 10)[1]]

    assert organisations("quarzwerk") == ["Quarzwerk Forschungsstiftung"]
    assert organisations("tecnalia") == []


def test_a_build_without_an_index_answers_503(synthetic: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(synthetic / "dist", folder / "dist", symlinks=False)
    with sqlite3.connect(folder / "dist" / "search.sqlite") as db:
        db.execute("DROP TABLE search_layout")
    manifest = json.loads((folder / "dist" / "build.json").read_text())
    assert manifest["answers"]["search"]["indexed"] is True
    running = start_server(folder, "--no-build")
    try:
        response = httpx.get(f"{running.url}/search?q=a", headers={"Accept": "application/json"})
        assert response.status_code == 503
        assert "no search index" in response.json()["message"]
        assert httpx.get(f"{running.url}/projects.csv").status_code == 503
    finally:
        running.stop()


# ---- in Chromium ----


def test_typing_in_the_search_box_and_following_a_hit(server: Server, tab: Tab) -> None:
    page = tab.page
    page.goto(f"{server.url}/page/project/clusters3")
    box = page.locator("header input[data-suggest]")
    box.press_sequentially("hajd", delay=30)
    suggestion = page.locator("ul.suggestions a", has_text="Hajdú-Bihar County Council")
    suggestion.click()
    page.wait_for_url("**/page/organisation/hajdu-bihar-county-council")
    assert "Hajdú-Bihar County Council" in page.locator("h1").inner_text()
    # Without the suggestions: the form submits to the results page.
    page.goto(f"{server.url}/")
    page.locator("header input[name=q]").fill("piemonte")
    page.locator("header input[name=q]").press("Enter")
    page.wait_for_url("**/search?q=piemonte")
    assert page.locator("ol.hits a", has_text="Piemonte").count() == 1


def test_ticking_two_facets_and_downloading_the_csv(
    site: Server, web: httpx.Client, tab: Tab
) -> None:
    page = tab.page
    page.goto(f"{site.url}/projects")
    page.locator("section.facet", has_text="Partner country").locator("li a").first.click()
    page.wait_for_url("**/projects?country=*")
    page.locator("section.facet", has_text="Start year").locator("li a").nth(1).click()
    page.wait_for_url("**year=*")
    assert page.locator("p.chosen a.chip").count() == 2
    shown = page.locator("p.summary").first.inner_text()
    href = page.locator("a.download", has_text="CSV").get_attribute("href")
    assert href is not None
    download = page.request.get(href)
    assert download.ok and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text())))
    params = httpx.URL(href).params
    expected = sparql(web, projects_where(params["country"], params["year"]))
    assert {r["project"] for r in rows} == {b["project"] for b in expected}
    assert f"of {len(rows)}" in shown or (not rows and "None" in shown)
