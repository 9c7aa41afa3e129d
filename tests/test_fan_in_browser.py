"""A resource with a large fan-in in real headless Chromium: a country's page shows its
organisations a page at a time, and clicking "Next" to the end shows each of them once.

The synthetic set is small enough to build in a test (800 projects: about 95 organisations in
its largest country, as the synth draws countries by their H2020 shares); the server lists 20
links a page (the ``page_size`` setting), so they take several pages, as a country's thousands
do at the default of 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import Tab
from tests.server import REPO, Server, projectgraph, start_server

PROJECTS = 800
PAGE_SIZE = 20
EURIO = "http://data.europa.eu/s66#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over a synthetic build of :data:`PROJECTS` projects, :data:`PAGE_SIZE` a page."""
    folder = tmp_path_factory.mktemp("fan-in")
    records = folder / "records"
    made = projectgraph(
        "synth", "--root", str(REPO), "--projects", str(PROJECTS), "--seed", "2",
        "--out", str(records), "-q",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    built = projectgraph(
        "build", "--root", str(REPO), "--project", str(records), "--dist", str(folder / "dist"),
        "-q",
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    server = start_server(folder, "--no-build", env={"PROJECTGRAPH_PAGE_SIZE": str(PAGE_SIZE)})
    yield server
    server.stop()


def largest_country(server: Server) -> tuple[str, int]:
    """The country code with the most organisations, and how many, by SPARQL over /sparql."""
    query = f"""SELECT ?country (COUNT(DISTINCT ?o) AS ?n) WHERE {{
        ?o a <{EURIO}Organisation> ; <{EURIO}hasEUCountryCode> ?country
    }} GROUP BY ?country ORDER BY DESC(?n) LIMIT 1"""
    answer = httpx.post(
        server.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["results"]["bindings"]
    return row["country"]["value"].removeprefix(COUNTRY), int(row["n"]["value"])


def test_paging_through_a_countrys_organisations(synthetic: Server, tab: Tab) -> None:
    code, count = largest_country(synthetic)
    assert count > 3 * PAGE_SIZE  # several pages: the point of the test
    page = tab.page
    page.goto(f"{synthetic.url}/page/country/{code}")
    heading = page.locator("h1").inner_text()
    listed = page.locator(
        'section:has(h2:has-text("Organisations and regions here")) li a[href*="/page/organisation/"]'
    )
    seen: list[str] = []
    number = 1
    while True:
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("nav.pages")).to_contain_text(f"Page {number}")
        found = [str(a.get_attribute("href")) for a in listed.all()]
        assert 0 < len(found) <= PAGE_SIZE
        seen += found
        following = page.get_by_role("link", name="Next", exact=True)
        if not following.count():
            expect(page.locator("nav.pages")).to_contain_text("the last")
            break
        assert page.get_by_role("link", name="Previous", exact=True).count() == (number > 1)
        following.click()
        number += 1
        page.wait_for_url(re.compile(rf"/page/country/{code}\?page={number}$"))
    assert len(seen) == len(set(seen)) == count
    assert number == -(-count // PAGE_SIZE)  # every link to the country is an organisation's
    assert all(href.startswith(f"{synthetic.url}/page/organisation/") for href in seen)


def test_a_countrys_data_document_pages_by_hydra(synthetic: Server) -> None:
    code, count = largest_country(synthetic)
    url: str | None = f"{synthetic.url}/data/country/{code}.nt"
    organisations: set[str] = set()
    pages = 0
    while url:
        pages += 1
        response = httpx.get(url, timeout=60)
        assert response.status_code == 200
        lines = response.text.splitlines()
        organisations |= {
            line.split(" ", 1)[0]
            for line in lines
            if f"<{EURIO}hasEUCountryCode> <{COUNTRY}{code}>" in line
            and "/id/organisation/" in line
        }
        following = re.findall(r"<http://www.w3.org/ns/hydra/core#next> <([^>]+)>", response.text)
        assert following == re.findall(r'<([^>]+)>; rel="next"', response.headers["link"])
        url = following[0] if following else None
    assert len(organisations) == count and pages == -(-count // PAGE_SIZE)
