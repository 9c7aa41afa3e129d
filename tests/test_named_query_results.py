"""Every named query returns, over HTTP and from the CLI, the rows this test computes itself.

The expectations are derived from the partnership table, regions and topics as typed in from
the profile page (tests/test_seed_facts.py), not from the records or the graph: a query that
joins the wrong way, drops an OPTIONAL or counts twice fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from projectgraph.cli import app
from projectgraph.sparql.named import load_queries
from tests.conftest import REPO
from tests.test_seed_facts import HOME_REGIONS, PARTNERS, SEMINAR_PLACES, TOPICS

BASE = "https://w3id.org/projectgraph/"
SCHEMA = "https://schema.org/"
PROJECT = f"{BASE}id/project/clusters3"
PROGRAMME = f"{BASE}id/programme/interreg-europe"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
NUTS = "http://data.europa.eu/nuts/code/"
TITLE = "Leveraging Cluster Policies for successful implementation of RIS3"
TOTAL, EU = 1_832_645, 1_544_244  # "Total budget: €1.832.645", ERDF "€1.544.244"
RATE = round(EU / TOTAL, 4)
# English names of the countries and the NUTS 2016 names of the regions the page names.
COUNTRY_NAMES = {
    "ESP": "Spain",
    "POL": "Poland",
    "ITA": "Italy",
    "LVA": "Latvia",
    "HUN": "Hungary",
    "GBR": "United Kingdom",
}
REGION_NAMES = {
    "ES21": "País Vasco",
    "PL81": "Lubelskie",
    "ITC1": "Piemonte",
    "LV00": "Latvija",
    "HU321": "Hajdú-Bihar",
    "UKM6": "Highlands and Islands",
    "UKN0": "Northern Ireland",
}

# The official names of the NUTS 2 regions the partners are in, and their countries.
NUTS2_NAMES = {**REGION_NAMES, "HU32": "Észak-Alföld"}
NUTS2_COUNTRIES = {"ES": "ESP", "PL": "POL", "IT": "ITA", "LV": "LVA", "HU": "HUN", "UK": "GBR"}


def _partner(name: str, role: str, country: str | None, cluster: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"acronym": "CLUSTERS3", "name": name, "role": role}
    if country:
        row["country"] = COUNTRY_NAMES[country]
    if name in HOME_REGIONS:
        row["region"] = REGION_NAMES[HOME_REGIONS[name]]
    row["cluster"] = cluster
    return row


def _name_key(row: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(row.get(k) for k in keys)


def expected() -> dict[str, list[dict[str, Any]] | None]:
    """Rows each query must return with its defaults (None: checked separately, a graph)."""
    countries = Counter(c for _, _, c, _ in PARTNERS if c)
    regions = sorted(set(HOME_REGIONS.values()))
    return {
        "projects": [
            {
                "project": PROJECT,
                "acronym": "CLUSTERS3",
                "title": TITLE,
                "programme": "Interreg Europe",
                "start": "2016-04-01",
                "end": "2020-03-31",
                "total_budget": TOTAL,
                "eu_contribution": EU,
            }
        ],
        "project-partners": sorted(
            (_partner(*p) for p in PARTNERS),
            key=lambda r: _name_key(r, "role", "name"),
        ),
        "projects-by-country": [  # default: GBR
            {"project": PROJECT, "acronym": "CLUSTERS3", "partners": countries["GBR"]}
        ],
        "projects-by-region": [  # default: ES21, a partner's region and a seminar place
            {"project": PROJECT, "acronym": "CLUSTERS3", "how": how, "region": NUTS + code}
            for how, code in sorted(
                [("partner based there", c) for c in set(HOME_REGIONS.values())]
                + [("event held there", c) for c in SEMINAR_PLACES]
            )
            if code.startswith("ES21")
        ],
        # Partners' regions counted in their NUTS 2 region (HU321 in HU32, Észak-Alföld).
        "projects-by-nuts2-region": [
            {
                "region": NUTS + code,
                "code": code,
                "name": NUTS2_NAMES[code],
                "country": COUNTRY + NUTS2_COUNTRIES[code[:2]],
                "projects": 1,
            }
            for code in sorted({c[:4] for c in HOME_REGIONS.values()})
        ],
        "projects-by-start-year": [
            {"year": 2016, "projects": 1, "total_budget": TOTAL, "eu_contribution": EU}
        ],
        "country-projects-by-year": [{"year": 2016, "projects": 1}],  # default: ESP
        "programme-projects-by-year": [
            {"year": 2016, "projects": 1, "total_budget": TOTAL, "eu_contribution": EU}
        ],
        "partners-by-country-group": sorted(  # default: the EEA, which GBR is not in
            (
                {
                    "name": name,
                    "country": COUNTRY + c,
                    "country_name": COUNTRY_NAMES[c],
                    "projects": 1,
                }
                for name, _, c, _ in PARTNERS
                if c and c != "GBR"
            ),
            key=lambda r: r["name"],
        ),
        "projects-by-programme": [
            {"project": PROJECT, "acronym": "CLUSTERS3", "start": "2016-04-01", "end": "2020-03-31"}
        ],
        "projects-by-topic": [{"project": PROJECT, "acronym": "CLUSTERS3", "title": TITLE}],
        "cluster-organisations": sorted(
            (
                {
                    "name": name,
                    **({"country": COUNTRY_NAMES[c]} if c else {}),
                    **(
                        {"region": REGION_NAMES[HOME_REGIONS[name]]} if name in HOME_REGIONS else {}
                    ),
                    "projects": 1,
                }
                for name, _, c, cluster in PARTNERS
                if cluster
            ),
            key=lambda r: r["name"],
        ),
        "funding-by-programme": [
            {
                "programme": PROGRAMME,
                "name": "Interreg Europe",
                "projects": 1,
                "total_budget": TOTAL,
                "eu_contribution": EU,
                "cofinancing_rate": RATE,
            }
        ],
        "funding-by-country": sorted(
            (
                {
                    "country": COUNTRY + code,
                    "name": COUNTRY_NAMES[code],
                    "projects": 1,
                    "total_budget": TOTAL,
                    "eu_contribution": EU,
                    "cofinancing_rate": RATE,
                }
                for code in countries
            ),
            key=lambda r: r["name"],
        ),
        "organisations-by-projects": sorted(
            ({"name": name, "projects": 1} for name, *_ in PARTNERS), key=lambda r: r["name"]
        ),
        "organisations-by-name": [  # default: "invest"
            {"name": name, "project": PROJECT, "acronym": "CLUSTERS3"}
            for name, *_ in sorted(PARTNERS)
            if "invest" in name.lower()
        ],
        "region-network": sorted(
            (
                {
                    "region_a": NUTS + a,
                    "name_a": REGION_NAMES[a],
                    "region_b": NUTS + b,
                    "name_b": REGION_NAMES[b],
                    "projects": 1,
                }
                for a, b in combinations(regions, 2)
            ),
            key=lambda r: (r["name_a"], r["name_b"]),
        ),
        "topic-coverage": sorted(
            ({"label": t, "projects": 1} for t in TOPICS), key=lambda r: r["label"]
        ),
        "data-quality": [
            {"label": name, "issue": "organisation without a country"}
            for name, _, country, _ in PARTNERS
            if country is None
        ],
        "project-summary": None,
    }


EXPECTED = expected()
# Columns holding minted IRIs that the expectation leaves out (their slugs are not on the page).
MINTED = {"organisation", "topic", "resource"}


def comparable(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the minted-IRI columns, in the order the expectation uses."""
    trimmed = [{k: v for k, v in row.items() if k not in MINTED} for row in rows]
    if name == "project-partners":
        return trimmed  # ordered by the query itself: role, name
    if name in ("cluster-organisations", "organisations-by-projects", "funding-by-country"):
        return sorted(trimmed, key=lambda r: r["name"])
    if name == "topic-coverage":
        return sorted(trimmed, key=lambda r: r["label"])
    return trimmed


def test_every_query_file_has_an_expectation() -> None:
    names = {q.name for q in load_queries(REPO / "queries")}
    assert names == set(EXPECTED), "add the new query's expected rows to this test"
    assert len(names) >= 10


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if v is not None))
def test_http_rows_match(http: httpx.Client, name: str) -> None:
    response = http.get(f"/api/queries/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    rows = response.json()
    assert rows, f"{name} returns no rows on the shipped data"
    assert comparable(name, rows) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if v is not None))
def test_cli_rows_match(name: str, cli_args: list[str]) -> None:
    result = CliRunner().invoke(app, ["query", name, "--format", "json", *cli_args])
    assert result.exit_code == 0, result.output
    assert comparable(name, json.loads(result.stdout)) == EXPECTED[name]


def test_typed_values_in_plain_json(http: httpx.Client) -> None:
    """Numbers are numbers, flags are booleans: no lexical forms to parse on the client."""
    project = http.get("/api/queries/projects").json()[0]
    assert isinstance(project["total_budget"], int | float)
    assert project["total_budget"] == TOTAL
    partners = http.get("/api/queries/project-partners").json()
    assert {type(row["cluster"]) for row in partners} == {bool}
    counts = http.get("/api/queries/topic-coverage").json()
    assert {type(row["projects"]) for row in counts} == {int}


def test_summary_graph_over_http_and_cli(http: httpx.Client, cli_args: list[str]) -> None:
    """The CONSTRUCT query: the project's name, dates, topics and one member per partner,
    read back as RDF from the compacted JSON-LD (HTTP and CLI) and from Turtle."""
    result = CliRunner().invoke(app, ["query", "project-summary", "-f", "json", *cli_args])
    assert result.exit_code == 0, result.output
    documents = [
        (http.get("/api/queries/project-summary").content, ox.RdfFormat.JSON_LD),
        (result.stdout_bytes, ox.RdfFormat.JSON_LD),
        (
            http.get("/api/queries/project-summary", headers={"Accept": "text/turtle"}).content,
            ox.RdfFormat.TURTLE,
        ),
    ]
    for body, fmt in documents:
        graph = [q.triple for q in ox.parse(body, format=fmt)]

        def objects(subject: str, predicate: str, graph: list[ox.Triple] = graph) -> list[str]:
            return [
                t.object.value
                for t in graph
                if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(predicate)
            ]

        assert objects(PROJECT, SCHEMA + "name") == [TITLE]
        # schema.org's Project is an Organization: its dates are founding and dissolution
        assert objects(PROJECT, SCHEMA + "foundingDate") == ["2016-04-01"]
        assert objects(PROJECT, SCHEMA + "dissolutionDate") == ["2020-03-31"]
        [programme] = objects(PROJECT, SCHEMA + "funder")
        assert objects(programme, SCHEMA + "name") == ["Interreg Europe"]
        topics = objects(PROJECT, SCHEMA + "keywords")
        assert sorted(n for t in topics for n in objects(t, SCHEMA + "name")) == sorted(TOPICS)
        members = objects(PROJECT, SCHEMA + "member")
        roles = Counter(r for m in members for r in objects(m, SCHEMA + "roleName"))
        assert roles == Counter(role for _, role, _, _ in PARTNERS)
        names = sorted(
            n
            for m in members
            for o in objects(m, SCHEMA + "member")
            for n in objects(o, SCHEMA + "name")
        )
        assert names == sorted(name for name, *_ in PARTNERS)


@pytest.fixture(scope="module")
def cli_args(dist: Path) -> list[str]:
    """The CLI pointed at the session build, as it is (tests/test_query_cli.py covers the
    staleness check and the build before a query)."""
    return ["--root", str(REPO), "--dist", str(dist), "--no-build"]
