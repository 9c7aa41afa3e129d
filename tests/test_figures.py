"""The maps and charts of the site: inline SVG with a title and a description, the numbers
beside them as a table and as CSV/JSON from the named-query API, the same numbers SPARQL gives;
and in headless Chromium they are drawn (screenshots go to test-artifacts/)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, Tab
from tests.server import Server

# The pages with figures, and the figure each must have.
PAGES = [
    ("/", "map"),
    ("/page/region/ES21", "region-map"),
    ("/page/region/HU321", "region-map"),
    ("/page/country/HUN", "country-map"),
    ("/page/project/clusters3", "project-map"),
    ("/page/programme/interreg-europe", "years"),
]
FIGURE = re.compile(r'<figure class="figure" id="([^"]+)">(.*?)</figure>', re.S)
SVG = re.compile(r"<svg .*?</svg>", re.S)
MAX_SVG = 200_000  # bytes: a map is a page's weight, not a download


def figures(html: str) -> dict[str, str]:
    return dict(FIGURE.findall(html))


def table_of(figure: str) -> list[list[str]]:
    body = figure.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.mark.parametrize(("path", "key"), PAGES)
def test_a_page_has_its_figure_as_accessible_svg(http: httpx.Client, path: str, key: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    found = figures(response.text)
    assert key in found, f"{path} has figures {sorted(found)}"
    for name, figure in found.items():
        svg = SVG.search(figure)
        assert svg, f"{path} #{name} has no SVG"
        assert 'role="img"' in svg.group() and "aria-labelledby" in svg.group()
        assert re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg.group())
        assert re.search(r"<desc id=\"[^\"]+\">[^<]+</desc>", svg.group())
        assert len(svg.group().encode()) < MAX_SVG, f"{path} #{name}: {len(svg.group())} bytes"
        assert "<figcaption>" in figure and "<table" in figure


def test_the_home_map_gives_the_numbers_sparql_gives(http: httpx.Client) -> None:
    figure = figures(http.get("/").text)["map"]
    table = {row[1]: int(row[2]) for row in table_of(figure)}
    answer = http.post(
        "/sparql",
        data={
            "query": """
            PREFIX eurio: <http://data.europa.eu/s66#>
            PREFIX org: <http://www.w3.org/ns/org#>
            PREFIX pg: <https://w3id.org/projectgraph/ontology#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT ?code (COUNT(DISTINCT ?project) AS ?n) WHERE {
              ?o eurio:hasSite/pg:region ?r . ?m org:member ?o ; org:organization ?project .
              { ?r skos:notation ?code ; pg:nutsLevel 2 }
              UNION
              { ?r skos:broader ?two . ?two skos:notation ?code ; pg:nutsLevel 2 }
            } GROUP BY ?code"""
        },
        headers={"Accept": "text/csv"},
    )
    assert answer.status_code == 200
    expected = {r["code"]: int(r["n"]) for r in csv.DictReader(io.StringIO(answer.text))}
    assert table == expected
    assert table["ES21"] >= 1 and table["HU32"] >= 1
    # Each region with projects is shaded and named with its number, or the map says it is
    # not on it (the map is of NUTS 2024: the United Kingdom's regions are not).
    desc = re.search(r"<desc [^>]*>([^<]*)</desc>", figure)
    assert desc
    off = [code for code in table if f"({code}):" not in figure]
    for code, n in table.items():
        if code not in off:
            assert f"({code}): {n} projects</title>" in figure
    assert all(code.startswith("UK") for code in off)
    if off:
        assert f"not on the map ({', '.join(sorted(off))})" in desc.group(1)


def test_the_numbers_of_a_figure_download_as_csv(http: httpx.Client) -> None:
    figure = figures(http.get("/").text)["map"]
    link = re.search(r'<a href="([^"]+)">CSV</a>', figure)
    assert link, "the map links its numbers as CSV"
    response = http.get(unescape(link.group(1)))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["code"]: int(r["projects"]) for r in rows} == {
        row[1]: int(row[2]) for row in table_of(figure)
    }


def test_the_project_map_marks_each_partner_region(http: httpx.Client) -> None:
    figure = figures(http.get("/page/project/clusters3").text)["project-map"]
    codes = [row[1] for row in table_of(figure)]
    assert "ES21" in codes and "HU321" in codes
    assert figure.count("<circle") == len(codes)


def test_a_region_map_links_to_region_pages(http: httpx.Client) -> None:
    figure = figures(http.get("/page/region/HU321").text)["region-map"]
    assert "Hajdú-Bihar (HU321)" in unescape(figure)
    links = re.findall(r'<a href="([^"]+)">', SVG.search(figure).group())  # type: ignore[union-attr]
    assert links and all("/page/region/" in link for link in links)
    assert http.get(unescape(links[0])).status_code == 200


@pytest.mark.parametrize(("path", "key"), PAGES)
def test_the_figures_are_drawn_in_chromium(server: Server, tab: Tab, path: str, key: str) -> None:
    page = tab.page
    page.goto(server.url + path)
    svg = page.locator(f"figure#{key} svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box and box["width"] >= 300 and box["height"] >= 200, box
    # Something is drawn: regions (paths), bars (rects) or marks (circles) of some size.
    drawn = svg.evaluate(
        "s => [...s.querySelectorAll('path, rect, circle')]"
        ".filter(p => p.getBBox().width > 0).length"
    )
    assert drawn > 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    page.locator(f"figure#{key}").screenshot(path=ARTIFACTS / f"figure-{name}.png")
