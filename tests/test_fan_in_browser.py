"""A resource with a large fan-in in real headless Chromium: a country with thousands of
organisations shows them a page at a time, and clicking "Next" to the end shows each of them once.

The data come in by the real importer path: the test writes a CORDIS-style export (``project.csv``
and ``organization.csv``, ``;``-separated, quoted, byte-order mark, decimal commas) in which
:data:`ORGANISATIONS` organisations are in Luxembourg, :data:`PER_PROJECT` to a project, with a
coordinator elsewhere (Germany, France, Belgium); the first participant of each project after the
first also takes part in the one before (one organisation, two projects, one link), and every
:data:`UNKEYED`-th has no PIC (one organisation by name and country). ``projectgraph import csv
--mapping cordis`` turns it into records and ``projectgraph build --project`` builds them (about
46,000 triples: a few seconds, where a synthetic set with a country this large would take a
minute). The server keeps its default page size (the ``page_size`` setting, 100), so the country
takes :data:`ORGANISATIONS` / 100 pages.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from projectgraph.settings import SETTINGS
from tests.browser import Tab
from tests.server import REPO, Server, projectgraph, start_server

ORGANISATIONS = 2_500  # in Luxembourg
PER_PROJECT = 20  # Luxembourg's participants in each project
UNKEYED = 50  # every UNKEYED-th organisation has no PIC: keyed by its name and country
PAGE_SIZE = next(s.default for s in SETTINGS if s.name == "page_size")  # not set: the default
EURIO = "http://data.europa.eu/s66#"
PG = "https://w3id.org/projectgraph/ontology#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
PROJECT_COLUMNS = [
    "id", "acronym", "status", "title", "startDate", "endDate", "totalCost", "ecMaxContribution",
    "frameworkProgramme", "fundingScheme", "objective",
]  # fmt: skip
PARTNER_COLUMNS = [
    "projectID", "projectAcronym", "organisationID", "name", "shortName", "SME", "city",
    "country", "nutsCode", "organizationURL", "order", "role", "ecContribution",
]  # fmt: skip
COORDINATORS = [("DE", "FORSCHUNGSZENTRUM", "GMBH"), ("FR", "INSTITUT", "SAS"), ("BE", "CENTRUM", "NV")]  # fmt: skip


def luxembourg(number: int) -> tuple[str, str]:
    """The PIC (empty for every :data:`UNKEYED`-th) and name of Luxembourg's organisation
    ``number``."""
    pic = "" if number % UNKEYED == UNKEYED - 1 else str(700_000_000 + number)
    kind = ("SOCIÉTÉ D'ÉTUDES", "UNIVERSITÉ", "CENTRE DE RECHERCHE", "STARTUP")[number % 4]
    return pic, f"{kind} LUXEMBOURGEOISE N° {number:04d} S.À R.L."


def write_export(folder: Path) -> int:
    """Write ``project.csv`` and ``organization.csv`` in the layout of the CORDIS open-data
    export into ``folder``; return how many projects."""
    folder.mkdir(parents=True)
    projects = -(-ORGANISATIONS // PER_PROJECT)
    with (folder / "project.csv").open("w", encoding="utf-8-sig", newline="") as f:
        rows = csv.writer(f, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        rows.writerow(PROJECT_COLUMNS)
        for p in range(projects):
            rows.writerow([
                str(950_000 + p), f"LUXFAN{p:03d}", "SIGNED", f"Many partners, part {p}",
                "2021-01-01", "2024-12-31", f"{2_000_000 + p},50", f"{1_500_000 + p},25", "H2020",
                "CSA", f"Project {p} has {PER_PROJECT} partners in Luxembourg.\nA second line.",
            ])  # fmt: skip
    with (folder / "organization.csv").open("w", encoding="utf-8-sig", newline="") as f:
        rows = csv.writer(f, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n")
        rows.writerow(PARTNER_COLUMNS)
        for p in range(projects):
            key, acronym = str(950_000 + p), f"LUXFAN{p:03d}"
            code, kind, form = COORDINATORS[p % len(COORDINATORS)]
            rows.writerow([
                key, acronym, str(800_000_000 + p), f"{kind} {p:03d} {form}", "", "false", "",
                code, "", "", "1", "coordinator", "500000,00",
            ])  # fmt: skip
            members = range(p * PER_PROJECT, min(ORGANISATIONS, (p + 1) * PER_PROJECT))
            shared = [p * PER_PROJECT + PER_PROJECT] if p + 1 < projects else []
            for order, number in enumerate([*members, *shared], start=2):
                pic, name = luxembourg(number)
                rows.writerow([
                    key, acronym, pic, name, f"L{number:04d}", "true", "Luxembourg", "LU", "",
                    f"https://org{number}.example.lu", str(order), "participant", "50000,00",
                ])  # fmt: skip
    return projects


@pytest.fixture(scope="module")
def luxembourg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server, at the default page size, over a build of the imported export."""
    folder = tmp_path_factory.mktemp("fan-in")
    export, records = folder / "export", folder / "records"
    projects = write_export(export)
    imported = projectgraph(
        "import", "csv", "--mapping", "cordis", str(export / "project.csv"),
        str(export / "organization.csv"), "--out", str(records), "--strict", "-q",
        "--root", str(REPO),
    )  # fmt: skip
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert len(list(records.glob("*.ttl"))) == projects
    built = projectgraph(
        "build", "--root", str(REPO), "--project", str(records), "--dist", str(folder / "dist"),
        "-q",
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    server = start_server(folder, "--no-build")
    yield server
    server.stop()


def largest_country(server: Server) -> tuple[str, int]:
    """The country code with the most organisations, and how many, by SPARQL over /sparql."""
    query = f"""SELECT ?country (COUNT(DISTINCT ?o) AS ?n) WHERE {{
        ?o a <{EURIO}Organisation> ; <{EURIO}hasSite>/<{PG}country> ?country
    }} GROUP BY ?country ORDER BY DESC(?n) LIMIT 1"""
    [row] = bindings(server, query)
    return row["country"]["value"].removeprefix(COUNTRY), int(row["n"]["value"])


def bindings(server: Server, query: str) -> list[dict[str, Any]]:
    """The rows of a SELECT over the server's /sparql, as SPARQL JSON bindings."""
    answer = httpx.post(
        server.url + "/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["results"]["bindings"]
    return rows


def others_linking(server: Server, code: str) -> int:
    """How many NUTS regions link to the country (pg:inCountry): listed with its organisations.
    (The groups that have it as a member are not links to it in that list.)"""
    query = f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p <{COUNTRY}{code}> .
        FILTER (STRSTARTS(STR(?s), "http://data.europa.eu/nuts/code/")) }}"""
    return int(bindings(server, query)[0]["n"]["value"])


def test_paging_through_a_countrys_thousands_of_organisations(
    luxembourg_server: Server, tab: Tab
) -> None:
    code, count = largest_country(luxembourg_server)
    # The import made one organisation of each (a shared one once, an unkeyed one too).
    assert (code, count) == ("LUX", ORGANISATIONS)
    assert PAGE_SIZE == 100 and count >= 20 * PAGE_SIZE  # thousands, twenty pages or more
    page = tab.page
    page.goto(f"{luxembourg_server.url}/page/country/{code}")
    heading = page.locator("h1").inner_text()
    assert heading == "Luxembourg"
    listed = page.locator(
        'section:has(h2:has-text("Organisations and regions here")) li a[href*="/page/"]'
    )
    total = count + others_linking(luxembourg_server, code)
    seen: list[str] = []
    number = 1
    while True:
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("nav.pages")).to_contain_text(f"Page {number}")
        expect(page.locator("h2", has_text="Organisations and regions here")).to_contain_text(
            f"(page {number})"
        )
        found = [str(a.get_attribute("href")) for a in listed.all()]
        seen += found
        following = page.get_by_role("link", name="Next", exact=True)
        if not following.count():
            expect(page.locator("nav.pages")).to_contain_text("the last")
            assert 0 < len(found) <= PAGE_SIZE
            break
        assert len(found) == PAGE_SIZE, f"page {number}: {len(found)} resources"
        assert page.get_by_role("link", name="Previous", exact=True).count() == (number > 1)
        following.click()
        number += 1
        page.wait_for_url(re.compile(rf"/page/country/{code}\?page={number}$"))
    assert len(seen) == len(set(seen)) == total, (len(seen), len(set(seen)), total)
    assert number == -(-total // PAGE_SIZE)
    organisations = [h for h in seen if h.startswith(f"{luxembourg_server.url}/page/organisation/")]
    assert len(organisations) == count
    others = {h.removeprefix(luxembourg_server.url).split("/")[2] for h in seen} - {"organisation"}
    assert others == {"region"}
    # One past the last page is not found.
    after = httpx.get(f"{luxembourg_server.url}/page/country/{code}?page={number + 1}", timeout=60)
    assert after.status_code == 404


def test_a_countrys_data_document_pages_by_hydra(luxembourg_server: Server) -> None:
    code, count = largest_country(luxembourg_server)
    url: str | None = f"{luxembourg_server.url}/data/country/{code}.nt"
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
            if f"<{PG}country> <{COUNTRY}{code}>" in line and "/id/organisation/" in line
        }
        hydra = re.findall(r"<http://www.w3.org/ns/hydra/core#next> <([^>]+)>", response.text)
        following = re.findall(r'<([^>]+)>; rel="next"', response.headers["link"])
        # The body names the canonical document; the header is what a client here follows.
        local = f"{luxembourg_server.url}/"
        assert hydra == [u.replace(local, "https://w3id.org/projectgraph/") for u in following]
        url = following[0] if following else None
    total = count + others_linking(luxembourg_server, code)
    assert len(organisations) == count and pages == -(-total // PAGE_SIZE)
