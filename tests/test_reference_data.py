"""The reference data (data/reference/) is what scripts/reference_data.py makes of its sources:
every NUTS code of every version present, in a tree per version, linked across recodings;
every ISO 3166-1 country; the country groups; and the lookups importers use find them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pyoxigraph as ox
import pytest

from projectgraph.importers.reference import Reference
from projectgraph.settings import Settings
from tests.conftest import REPO

DATA = REPO / "data" / "reference"
POINTS = DATA / "sources" / "nuts2json" / "pub" / "v2"
NUTS = "http://data.europa.eu/nuts/code/"
SCHEME = "http://data.europa.eu/nuts/scheme/"
# Features per version and level of the committed sources (data/reference/README.md).
COUNTS = {
    (2010, 0): 35, (2010, 1): 113, (2010, 2): 310, (2010, 3): 1441,
    (2013, 0): 35, (2013, 1): 114, (2013, 2): 314, (2013, 3): 1468,
    (2016, 0): 37, (2016, 1): 123, (2016, 2): 326, (2016, 3): 1510,
    (2021, 0): 37, (2021, 1): 123, (2021, 2): 328, (2021, 3): 1502,
    (2024, 0): 39, (2024, 1): 112, (2024, 2): 290, (2024, 3): 1334,
}  # fmt: skip
PREFIXES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
"""


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for name in ("nuts.ttl", "countries.ttl", "country-groups.ttl"):
        store.load(
            path=DATA / name, format=ox.RdfFormat.TURTLE, base_iri="https://w3id.org/projectgraph/"
        )
    return store


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def source_codes(year: int, level: int) -> list[str]:
    """The codes of one version and level as the committed source lists them."""
    raw = POINTS / str(year) / "4326" / f"nutspt_{level}.json"
    return [f["properties"]["id"] for f in json.loads(raw.read_text())["features"]]


def versions_and_levels() -> list[tuple[int, int]]:
    found = {
        (int(p.parent.parent.name), int(m.group(1)))
        for p in POINTS.glob("*/4326/nutspt_*")
        if (m := re.fullmatch(r"nutspt_(\d)\.json", p.name))
    }
    return sorted(found)


def test_the_generated_files_are_what_the_script_makes_of_the_sources() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "reference_data.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(("year", "level"), versions_and_levels())
def test_each_version_has_every_code_of_its_source(store: ox.Store, year: int, level: int) -> None:
    rows = select(
        store,
        f"""SELECT ?code WHERE {{
              ?c skos:inScheme <{SCHEME}{year}> ; pg:nutsLevel {level} ; skos:notation ?code }}""",
    )
    expected = source_codes(year, level)
    # Each code once, but for NUTS 2024's LV00C (Vidzeme), which the published file lists twice.
    assert [c for c in set(expected) if expected.count(c) > 1] in ([], ["LV00C"])
    assert sorted(r["code"] for r in rows) == sorted(set(expected))


def test_the_sources_hold_the_counts_the_readme_states() -> None:
    counts = {(y, lv): len(source_codes(y, lv)) for y, lv in versions_and_levels()}
    assert counts == COUNTS
    readme = (DATA / "README.md").read_text()
    for (year, level), n in counts.items():
        assert re.search(rf"\| `{year}/4326/nutspt_{level}\.json` \| {n} \|", readme), (
            f"data/reference/README.md does not give {n} features for {year} level {level}"
        )


@pytest.mark.parametrize("year", sorted({y for y, _ in versions_and_levels()}))
def test_every_region_below_a_country_has_one_parent_a_level_up_in_its_version(
    store: ox.Store, year: int
) -> None:
    orphans = select(
        store,
        f"""SELECT ?code WHERE {{
              ?c skos:inScheme <{SCHEME}{year}> ; pg:nutsLevel ?level ; skos:notation ?code .
              FILTER(?level > 0)
              FILTER NOT EXISTS {{
                ?c skos:broader ?p . ?p skos:inScheme <{SCHEME}{year}> ; pg:nutsLevel ?up .
                FILTER(?up = ?level - 1) }} }}""",
    )
    assert orphans == []
    tops = select(
        store,
        f"""SELECT ?code WHERE {{ ?c skos:topConceptOf <{SCHEME}{year}> ; skos:notation ?code }}""",
    )
    assert sorted(r["code"] for r in tops) == sorted(source_codes(year, 0))


def test_regions_the_seed_uses_keep_their_facts(store: ox.Store) -> None:
    rows = select(
        store,
        f"""SELECT ?label ?country ?level WHERE {{
              <{NUTS}ES21> skos:prefLabel ?label ; pg:inCountry ?country ; pg:nutsLevel ?level }}""",
    )
    assert rows and rows[0]["label"] == "País Vasco"
    assert rows[0]["country"].endswith("/country/ESP")
    assert rows[0]["level"] == "2"
    assert store.query(PREFIXES + f"ASK {{ <{NUTS}HU321> skos:broader <{NUTS}HU32> }}")


def test_a_recoded_region_points_to_its_successor(store: ox.Store) -> None:
    # The example: Lubelskie, PL31 in NUTS 2013, PL81 from 2016.
    assert store.query(
        PREFIXES + f"ASK {{ <{NUTS}PL31> dct:isReplacedBy <{NUTS}PL81> ; "
        f"skos:inScheme <{SCHEME}2013> . FILTER NOT EXISTS {{ <{NUTS}PL31> "
        f"skos:inScheme <{SCHEME}2016> }} }}"
    )
    assert store.query(
        PREFIXES + f"ASK {{ <{NUTS}NL31> dct:isReplacedBy <{NUTS}NL35> . "
        f"<{NUTS}NL35> dct:replaces <{NUTS}NL31> }}"
    )
    # A code in both versions is one concept in both schemes, not replaced by itself.
    assert store.query(
        PREFIXES + f"ASK {{ <{NUTS}ES21> skos:inScheme <{SCHEME}2016>, <{SCHEME}2024> }}"
    )
    assert not store.query(PREFIXES + "ASK { ?c dct:isReplacedBy ?c }")


def test_each_version_states_the_period_it_applies_to(store: ox.Store) -> None:
    rows = select(
        store,
        """PREFIX dcat: <http://www.w3.org/ns/dcat#>
           SELECT ?s ?start WHERE { ?s a skos:ConceptScheme ; dct:temporal/dcat:startDate ?start .
                                    FILTER(STRSTARTS(STR(?s), "http://data.europa.eu/nuts/")) }""",
    )
    assert {r["s"]: r["start"] for r in rows} == {
        f"{SCHEME}2010": "2012-01-01",
        f"{SCHEME}2013": "2015-01-01",
        f"{SCHEME}2016": "2018-01-01",
        f"{SCHEME}2021": "2021-01-01",
        f"{SCHEME}2024": "2024-01-01",
    }


def test_every_country_of_iso_3166_is_there_with_its_codes(store: ox.Store) -> None:
    rows = select(
        store,
        """PREFIX eurio: <http://data.europa.eu/s66#>
           SELECT ?c ?en ?code ?iso2 WHERE {
             ?c a eurio:Country ; skos:notation ?code ; pg:isoAlpha2 ?iso2 .
             OPTIONAL { ?c skos:prefLabel ?en FILTER(LANG(?en) = "en") } }""",
    )
    iso2 = {r["iso2"] for r in rows}
    assert len(rows) == len(iso2) >= 250
    assert {"DE", "GR", "GB", "NO", "XK", "UA"} <= iso2
    assert all(r.get("en") for r in rows)
    germany = next(r for r in rows if r["iso2"] == "DE")
    assert germany["code"] == "DEU" and germany["en"] == "Germany"


@pytest.mark.parametrize(("group", "size"), [("eu", 27), ("eea", 30), ("efta", 4)])
def test_the_country_groups_have_their_members(store: ox.Store, group: str, size: int) -> None:
    rows = select(
        store,
        f"""SELECT ?m WHERE {{ <https://w3id.org/projectgraph/id/group/{group}> skos:member ?m }}""",
    )
    assert len(rows) == size


@pytest.fixture(scope="module")
def reference(repo_settings: Settings) -> Reference:
    return Reference(repo_settings)


def test_the_version_in_force_follows_the_date(reference: Reference) -> None:
    assert reference.nuts_version(None) is None
    assert reference.nuts_version(date(2005, 1, 1)) == 2010  # before them all: the first
    assert reference.nuts_version(date(2016, 4, 1)) == 2013
    assert reference.nuts_version(date(2019, 6, 1)) == 2016
    assert reference.nuts_version(date(2022, 6, 1)) == 2021
    assert reference.nuts_version(date(2025, 6, 1)) == 2024


def test_a_region_is_found_by_code_of_any_version(reference: Reference) -> None:
    found = reference.region("nl31")
    assert found is not None and found.level == 2
    assert found.versions == frozenset({2010, 2013, 2016, 2021})  # NL35 from 2024
    assert reference.region("NL35") is not None
    assert reference.region("ZZ99") is None
    assert reference.region("Utrecht") is None  # a name is not a code


def test_a_name_finds_the_region_it_names_once(reference: Reference) -> None:
    found = reference.regions_named_in("Basque Country agency, Bilbao", date(2017, 3, 1))
    assert [c.notation for c in found] == ["ES21"]
    # Lubelskie when a project starts in 2016 is PL31 of NUTS 2013, given by its code from 2016.
    assert [c.notation for c in reference.regions_named_in("Lubelskie", date(2016, 4, 1))] == [
        "PL81"
    ]
    assert reference.regions_named_in("no region here at all") == []
    # Utrecht, NUTS 3, is NL310 to NUTS 2021 and NL350 in NUTS 2024: by its current code.
    for year in (2019, 2025):
        assert [c.notation for c in reference.regions_named_in("Utrecht", date(year, 1, 1))] == [
            "NL350"
        ]
