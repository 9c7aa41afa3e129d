"""``projectgraph import csv``: the CORDIS-layout sample imports fully, validates, and a SPARQL
count over the records equals what the csv module counts in the files; broken exports are
rejected by file, line and column; the generic template imports."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from projectgraph.build.assemble import assemble
from projectgraph.cli import app
from projectgraph.settings import Settings
from projectgraph.validate.shacl import load_shapes, validate
from tests.conftest import REPO

SAMPLE = REPO / "tests/data/import/cordis"
TEMPLATES = REPO / "data/templates"
BASE = "https://w3id.org/projectgraph/"
# The EU's two-letter codes that are not ISO 3166-1 (typed in, not taken from the importer).
EU_TO_ISO = {"EL": "GR", "UK": "GB"}


def run_import(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", "csv", *args, "--root", str(REPO), "-q"])
    return result.exit_code, " ".join(result.output.split())


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def store_of(folder: Path) -> ox.Store:
    store = ox.Store()
    for path in sorted(folder.glob("*.ttl")):
        store.load(path=path, format=ox.RdfFormat.TURTLE, base_iri=BASE)
    store.load(path=REPO / "data/reference/countries.ttl", format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cordis")
    code, output = run_import(
        "--mapping", "cordis", str(SAMPLE / "project.csv"), str(SAMPLE / "organization.csv"),
        "--out", str(out), "--strict",
    )  # fmt: skip
    assert code == 0, output
    return out


def test_the_sample_has_the_size_the_issue_asks_for() -> None:
    assert len(rows(SAMPLE / "project.csv")) >= 200


def test_every_project_is_imported(imported: Path) -> None:
    assert len(list(imported.glob("*.ttl"))) == len(rows(SAMPLE / "project.csv"))


def test_the_records_validate_without_violations_or_warnings(
    imported: Path, repo_settings: Settings
) -> None:
    report = validate(
        assemble(repo_settings, [imported]), repo_settings, load_shapes(repo_settings)
    )
    assert report.conforms
    # every organisation of the sample has a country, so not even the missing-country warning
    assert report.results == []


def test_sparql_counts_equal_the_csv_module_counts(imported: Path) -> None:
    projects, partners = rows(SAMPLE / "project.csv"), rows(SAMPLE / "organization.csv")
    store = store_of(imported)

    def one(query: str) -> int:
        return int(next(iter(store.query(query)))["n"].value)

    prefixes = """PREFIX eurio: <http://data.europa.eu/s66#> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX dct: <http://purl.org/dc/terms/> PREFIX pg: <https://w3id.org/projectgraph/ontology#>"""
    assert one(f"{prefixes} SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a eurio:Project }}") == len(
        projects
    )
    assert one(f"{prefixes} SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?m org:member ?o }}") == len(
        {r["organisationID"] for r in partners}
    )
    assert one(f"{prefixes} SELECT (COUNT(?m) AS ?n) WHERE {{ ?m a org:Membership }}") == len(
        partners
    )
    by_country = {
        row["code"].value: int(row["n"].value)
        for row in store.query(
            f"""{prefixes} SELECT ?code (COUNT(?m) AS ?n) WHERE {{
                ?m org:member/eurio:hasSite/pg:country/pg:isoAlpha2 ?code }}
            GROUP BY ?code"""
        )
    }
    expected = Counter(EU_TO_ISO.get(r["country"], r["country"]) for r in partners)
    assert by_country == dict(expected)
    assert {"GR", "GB"} <= set(by_country)
    # Every NUTS code of the export links to its region of data/reference/nuts.ttl (NUTS 2016
    # codes: PT16E Coimbra, recoded PT191 in NUTS 2024, included).
    regions = {
        row["code"].value
        for row in store.query(
            f"""{prefixes} SELECT DISTINCT ?code WHERE {{ ?o eurio:hasSite/pg:region ?r .
                BIND(STRAFTER(STR(?r), "http://data.europa.eu/nuts/code/") AS ?code) }}"""
        )
    }
    assert regions == {r["nutsCode"] for r in partners if r["nutsCode"]}


def test_reimporting_changes_nothing_and_an_edit_changes_one_record(
    imported: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(imported, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, output = run_import(
        "-m", "cordis", str(SAMPLE / "project.csv"), str(SAMPLE / "organization.csv"),
        "--out", str(out),
    )  # fmt: skip
    assert code == 0 and f"0 │ 0 │ {len(before)} │ 0" in output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    edited = tmp_path / "edited"
    edited.mkdir()
    shutil.copy(SAMPLE / "organization.csv", edited)
    text = (SAMPLE / "project.csv").read_text(encoding="utf-8-sig")
    first = rows(SAMPLE / "project.csv")[0]
    assert text.count(f'"{first["title"]}"') == 1
    (edited / "project.csv").write_text(
        "\ufeff" + text.replace(f'"{first["title"]}"', '"A new title"'), encoding="utf-8"
    )
    code, output = run_import(
        "-m", "cordis", str(edited / "project.csv"), str(edited / "organization.csv"),
        "--out", str(out),
    )  # fmt: skip
    assert code == 0 and f"0 │ 1 │ {len(before) - 1} │ 0" in output
    changed = [p.name for p in out.iterdir() if p.read_bytes() != before[p.name]]
    assert len(changed) == 1 and "A new title" in (out / changed[0]).read_text()


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> list[Path]:
    """The sample with one change in one file; returns both paths."""
    folder = tmp_path / "broken"
    folder.mkdir(exist_ok=True)
    for name in ("project.csv", "organization.csv"):
        shutil.copy(SAMPLE / name, folder)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [folder / "project.csv", folder / "organization.csv"]


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.open(encoding="utf-8"), 1) if needle in line)


def test_a_bad_amount_rejects_its_project_only(tmp_path: Path) -> None:
    first = rows(SAMPLE / "project.csv")[0]
    files = broken_copy(tmp_path, "project.csv", f'"{first["totalCost"]}"', '"n/a"')
    code, output = run_import("-m", "cordis", *map(str, files), "--out", str(tmp_path / "out"))
    line = line_of(files[0], '"n/a"')
    assert code == 0
    assert f"project.csv:{line} (totalCost): 'n/a' is not an amount" in output
    assert len(list((tmp_path / "out").glob("*.ttl"))) == len(rows(SAMPLE / "project.csv")) - 1
    strict, _ = run_import(
        "-m", "cordis", *map(str, files), "--out", str(tmp_path / "s"), "--strict"
    )
    assert strict == 2


def test_an_unknown_country_rejects_its_project(tmp_path: Path) -> None:
    partner = rows(SAMPLE / "organization.csv")[0]
    old = f'"{partner["city"]}";"{partner["country"]}";'
    files = broken_copy(tmp_path, "organization.csv", old, old.replace(partner["country"], "XX"))
    code, output = run_import("-m", "cordis", *map(str, files), "--out", str(tmp_path / "out"))
    assert code == 0
    line = line_of(files[1], '"XX"')
    assert f"organization.csv:{line} (country): 'XX' is not a country" in output


def test_a_duplicate_acronym_with_other_data_is_rejected(tmp_path: Path) -> None:
    projects = rows(SAMPLE / "project.csv")
    a, b = projects[0], projects[1]
    files = broken_copy(
        tmp_path, "project.csv", f'"{b["id"]}";"{b["acronym"]}";', f'"{b["id"]}";"{a["acronym"]}";'
    )
    code, output = run_import("-m", "cordis", *map(str, files), "--out", str(tmp_path / "out"))
    assert code == 0
    assert f"duplicate acronym {a['acronym']}" in output


@pytest.mark.parametrize(
    "case,message",
    [
        ("missing column", "missing columns acronym (mapping cordis)"),
        ("wrong encoding", "not UTF-8"),
        ("unknown mapping", "no such mapping (shipped: cordis, projects)"),
    ],
)
def test_an_unreadable_export_stops_with_exit_2(tmp_path: Path, case: str, message: str) -> None:
    mapping = "cordis"
    if case == "missing column":
        files = broken_copy(tmp_path, "project.csv", '"acronym";', '"acronymn";')
    else:
        files = broken_copy(tmp_path, "project.csv", '"id";', '"id";')
    if case == "wrong encoding":
        text = files[1].read_text(encoding="utf-8")  # names with accents: not ASCII
        files[1].write_bytes(text.lstrip("\ufeff").encode("cp1252", errors="replace"))
    if case == "unknown mapping":
        mapping = "keep-eu"
    code, output = run_import("-m", mapping, *map(str, files), "--out", str(tmp_path / "out"))
    assert code == 2 and message in output and "Traceback" not in output
    assert not (tmp_path / "out").exists()


def test_the_generic_template_imports_and_validates(
    tmp_path: Path, repo_settings: Settings
) -> None:
    code, output = run_import(
        "-m", "projects", str(TEMPLATES / "projects.csv"), str(TEMPLATES / "partners.csv"),
        "--out", str(tmp_path), "--strict",
    )  # fmt: skip
    assert code == 0, output
    report = validate(
        assemble(repo_settings, [tmp_path]), repo_settings, load_shapes(repo_settings)
    )
    assert report.conforms


def test_partner_rows_of_a_project_the_export_lacks_are_reported(tmp_path: Path) -> None:
    partner = rows(SAMPLE / "organization.csv")[0]
    files = broken_copy(tmp_path, "organization.csv", f'"{partner["projectID"]}";', '"000000";')
    code, output = run_import("-m", "cordis", *map(str, files), "--out", str(tmp_path / "out"))
    line = line_of(files[1], '"000000";')
    assert code == 0
    assert (
        f"organization.csv:{line} (projectID): partner rows of project '000000', which the "
        "projects file does not have" in output
    )
