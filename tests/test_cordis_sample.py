"""The committed CORDIS sample (tests/data/import/cordis/) is what projectgraph.synth.cordis
writes, has every quirk of the real export an importer must cope with, and the generator streams.

The checks read the files with the csv module, as an importer would, and state the quirks
one by one, so a change of the generator that loses one fails here by name.
"""

from __future__ import annotations

import csv
import re
import tracemalloc
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from projectgraph.synth.cordis import ORGANIZATION_COLUMNS, PROJECT_COLUMNS, write_export
from tests.conftest import REPO

SAMPLE = REPO / "tests" / "data" / "import" / "cordis"
FILES = ("project.csv", "organization.csv")
SAMPLE_PROJECTS, SAMPLE_SEED = 220, 1
BOM = b"\xef\xbb\xbf"
ROLES = {"coordinator", "participant", "partner", "thirdParty", "associatedPartner"}
# The EU's codes, as the export has them (EL for Greece, UK for the United Kingdom).
# fmt: off
COUNTRIES = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "EL", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "UK", "NO", "CH", "IS", "LI",
}
# fmt: on
AMOUNT = re.compile(r"\d+(,\d{1,2})?")  # a decimal comma, no thousands separator
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def read(name: str) -> list[dict[str, str]]:
    with (SAMPLE / name).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f, delimiter=";")
        return list(reader)


def header(name: str) -> list[str]:
    with (SAMPLE / name).open(encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f, delimiter=";"))


def euros(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@pytest.fixture(scope="module")
def projects() -> list[dict[str, str]]:
    return read("project.csv")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return read("organization.csv")


# --- (a) the committed files are the generator's ----------------------------------------------


def test_regenerating_gives_the_committed_bytes(tmp_path: Path) -> None:
    stats = write_export(tmp_path, projects=SAMPLE_PROJECTS, seed=SAMPLE_SEED)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), (
            f"{name} is out of date: python -m bench.cordis_export --projects "
            f"{SAMPLE_PROJECTS} --seed {SAMPLE_SEED} --out tests/data/import/cordis"
        )
    assert stats.projects == SAMPLE_PROJECTS
    assert stats.project_bytes == (SAMPLE / "project.csv").stat().st_size
    assert stats.organization_bytes == (SAMPLE / "organization.csv").stat().st_size


def test_other_arguments_give_other_files(tmp_path: Path) -> None:
    write_export(tmp_path / "a", projects=20, seed=2)
    write_export(tmp_path / "b", projects=20, seed=2, programme="HORIZON")
    a = (tmp_path / "a" / "project.csv").read_bytes()
    assert a != (SAMPLE / "project.csv").read_bytes()[: len(a)]
    assert b'"HORIZON"' in (tmp_path / "b" / "project.csv").read_bytes()
    with pytest.raises(ValueError, match="programme"):
        write_export(tmp_path / "c", projects=1, programme="FP7")


# --- (b) the quirks ------------------------------------------------------------------------


def test_files_start_with_a_bom_and_the_exact_header() -> None:
    for name, columns in zip(FILES, (PROJECT_COLUMNS, ORGANIZATION_COLUMNS), strict=True):
        raw = (SAMPLE / name).read_bytes()
        assert raw.startswith(BOM + b'"'), name
        assert not raw[3:].startswith(BOM)
        assert header(name) == list(columns)
        first_line = raw[3:].split(b"\n", 1)[0].decode()
        assert first_line == ";".join(f'"{c}"' for c in columns)  # ';' and every field quoted
    assert PROJECT_COLUMNS[0] == "id" and PROJECT_COLUMNS[-1] == "grantDoi"
    assert ORGANIZATION_COLUMNS[0] == "projectID" and ORGANIZATION_COLUMNS[-1] == "active"


def test_every_record_has_all_columns(projects, rows) -> None:
    assert len(projects) == SAMPLE_PROJECTS
    for record in projects + rows:
        assert None not in record and None not in record.values()  # no short or long record


def test_objectives_span_lines_and_hold_semicolons_and_doubled_quotes(projects) -> None:
    objectives = [p["objective"] for p in projects]
    assert any("\n" in o for o in objectives)
    assert any("\n\n" in o for o in objectives)  # blank lines
    assert any(";" in o for o in objectives)
    quoted = [o for o in objectives if '"' in o]
    assert quoted
    raw = (SAMPLE / "project.csv").read_text(encoding="utf-8-sig")
    assert '"' + quoted[0].replace('"', '""') + '"' in raw  # written with the quotes doubled
    assert sum(len(o) for o in objectives) / len(objectives) > 1000


def test_amounts_have_a_decimal_comma_or_none(projects, rows) -> None:
    amounts = [p[c] for p in projects for c in ("totalCost", "ecMaxContribution")]
    amounts += [
        r[c] for r in rows for c in ("ecContribution", "netEcContribution", "totalCost") if r[c]
    ]
    assert all(AMOUNT.fullmatch(a) for a in amounts), [a for a in amounts if not AMOUNT.match(a)]
    assert any("," in a for a in amounts) and any("," not in a for a in amounts)
    assert any(re.fullmatch(r"\d+,\d", a) for a in amounts)  # "2154187,5": trailing zero dropped
    associated = [r for r in rows if r["role"] == "associatedPartner"]
    assert any(r["ecContribution"] == "" for r in associated)
    assert any(r["ecContribution"] == "0" for r in rows if r["role"] == "thirdParty")


def test_budgets(projects, rows) -> None:
    for p in projects:
        total, ec = euros(p["totalCost"]), euros(p["ecMaxContribution"])
        assert ec <= total, p["id"]
        assert Decimal("50000") <= total <= Decimal("20000000"), p["id"]
        assert ec >= total * Decimal("0.69"), p["id"]
    by_project: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["ecContribution"]:
            by_project[r["projectID"]] += euros(r["ecContribution"])
    assert all(by_project[p["id"]] == euros(p["ecMaxContribution"]) for p in projects)


def test_countries_are_the_eu_codes(rows) -> None:
    countries = Counter(r["country"] for r in rows)
    assert set(countries) <= COUNTRIES
    assert {"EL", "UK", "LI", "IS", "MT"} <= set(countries)  # Greece, UK; the rare ones too
    assert not {"GR", "GB"} & set(countries)
    big = {c for c, _ in countries.most_common(8)}
    assert {"DE", "ES", "IT"} <= big


def test_nuts_codes_are_empty_or_start_with_the_country(rows) -> None:
    empty = [r for r in rows if not r["nutsCode"]]
    assert 0.03 < len(empty) / len(rows) < 0.2
    for r in rows:
        if r["nutsCode"]:
            assert re.fullmatch(r"[A-Z]{2}[0-9A-Z]{3}", r["nutsCode"]), r["nutsCode"]
            assert r["nutsCode"].startswith(r["country"]), r
    assert any(r["nutsCode"].startswith("EL") for r in rows)
    assert any(r["nutsCode"].startswith("UK") for r in rows)


def test_roles_and_one_coordinator_first(projects, rows) -> None:
    assert {r["role"] for r in rows} == ROLES
    roles = Counter(r["role"] for r in rows)
    assert roles.most_common(1)[0][0] == "participant"
    by_project: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_project[r["projectID"]].append(r)
    assert set(by_project) == {p["id"] for p in projects}
    for project_id, members in by_project.items():
        assert [m["role"] for m in members].count("coordinator") == 1, project_id
        assert members[0]["role"] == "coordinator" and members[0]["order"] == "1"
        assert [int(m["order"]) for m in members] == list(range(1, len(members) + 1))
        assert len({m["organisationID"] for m in members}) == len(members)
    sizes = Counter(len(m) for m in by_project.values())
    assert 0.2 < sizes[1] / len(projects) < 0.45  # single-beneficiary grants
    assert max(sizes) >= 20  # and a large consortium


def test_every_participation_names_a_project(projects, rows) -> None:
    ids = {p["id"] for p in projects}
    assert {r["projectID"] for r in rows} <= ids
    acronyms = {p["id"]: p["acronym"] for p in projects}
    assert all(r["projectAcronym"] == acronyms[r["projectID"]] for r in rows)


def test_an_organisation_is_the_same_on_all_its_rows(rows) -> None:
    fields = ("name", "shortName", "country", "city", "activityType", "vatNumber", "SME")
    seen: dict[str, tuple[str, ...]] = {}
    for r in rows:
        values = tuple(r[f] for f in fields)
        assert seen.setdefault(r["organisationID"], values) == values, r["organisationID"]
        assert re.fullmatch(r"\d{9}", r["organisationID"])
    projects_per_org = Counter(r["organisationID"] for r in rows)
    assert len(projects_per_org) < 0.45 * len(rows)  # organisations are reused
    assert sum(1 for n in projects_per_org.values() if n >= 5) >= 10


def test_organisation_fields(rows) -> None:
    names = " ".join(r["name"] for r in rows)
    for letters in ("é", "ü", "ł", "ő", "Ł", "Π"):  # accents, Polish, Hungarian, Greek
        assert letters in names or letters in " ".join(r["city"] + r["street"] for r in rows)
    assert re.search("[\u0391-\u03a9]{4}", names)  # a Greek organisation written in Greek
    assert {r["SME"] for r in rows} == {"true", "false"}
    assert {r["activityType"] for r in rows} == {"PRC", "HES", "REC", "PUB", "OTH"}
    assert any(r["vatNumber"] == "" for r in rows) and any(r["vatNumber"] for r in rows)
    for r in rows:
        if r["geolocation"]:
            assert re.fullmatch(r"-?\d+\.\d{4},-?\d+\.\d{4}", r["geolocation"])
        assert r["organizationURL"] == "" or re.match(r"https?://", r["organizationURL"])
        assert r["contactForm"].startswith("https://")
        assert r["endOfParticipation"] in {"true", "false"} and r["active"] == "true"
        assert TIMESTAMP.fullmatch(r["contentUpdateDate"]) and r["rcn"].isdigit()
    assert any(r["organizationURL"] == "" for r in rows)
    assert any(r["organizationURL"].startswith("http://") for r in rows)
    assert any(r["organizationURL"].startswith("https://") for r in rows)
    assert Counter(r["endOfParticipation"] for r in rows).most_common(1)[0][0] == "false"


def test_project_fields(projects) -> None:
    assert len({p["id"] for p in projects}) == len(projects)
    assert len({p["acronym"].upper() for p in projects}) == len(projects)
    assert len({p["rcn"] for p in projects}) == len(projects)
    for p in projects:
        assert re.fullmatch(r"\d{6}", p["id"])
        assert re.fullmatch(r"[A-Za-z0-9-]+", p["acronym"]), p["acronym"]
        assert p["status"] in {"CLOSED", "SIGNED", "TERMINATED"}
        assert all(DATE.fullmatch(p[c]) for c in ("startDate", "endDate", "ecSignatureDate"))
        assert p["ecSignatureDate"] < p["startDate"] < p["endDate"]
        months = (
            (int(p["endDate"][:4]) - int(p["startDate"][:4])) * 12
            + int(p["endDate"][5:7])
            - int(p["startDate"][5:7])
        )
        assert 11 <= months <= 60, p
        assert TIMESTAMP.fullmatch(p["contentUpdateDate"]) and p["rcn"].isdigit()
        assert p["grantDoi"] == f"10.3030/{p['id']}"
        assert p["frameworkProgramme"] == "H2020"
        assert p["legalBasis"].startswith("H2020-EU.") and p["legalBasis"].endswith(".")
        assert p["masterCall"] and p["subCall"] and p["topics"]
    schemes = {p["fundingScheme"] for p in projects}
    assert {"RIA", "IA", "CSA", "MSCA-IF-EF-ST", "ERC-STG", "SME-1"} <= schemes
    assert Counter(p["nature"] for p in projects).most_common(1)[0][0] == ""
    assert {"CLOSED", "SIGNED"} <= {p["status"] for p in projects}  # TERMINATED: 1.5 %


# --- (c) it streams ------------------------------------------------------------------------


def test_memory_does_not_grow_with_the_export(tmp_path: Path) -> None:
    peaks = {}
    for projects in (1_000, 5_000):
        tracemalloc.start()
        try:
            stats = write_export(tmp_path / str(projects), projects=projects, seed=3)
            peaks[projects] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert stats.participations > 4 * projects
    assert peaks[5_000] < 2 * peaks[1_000], peaks
