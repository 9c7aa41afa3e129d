"""``projectgraph import profile``: the seed page, as text and as HTML, imports to the
hand-written record; messy pages read the same; broken pages are rejected by name."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from typer.testing import CliRunner

from projectgraph.build.assemble import assemble
from projectgraph.cli import app
from projectgraph.settings import Settings
from projectgraph.validate.shacl import load_shapes, validate
from tests.conftest import REPO
from tests.graphs import isomorphic

PAGE = REPO / "data/sources/clusters3-eu-project-profile.txt"
HTML = REPO / "tests/data/import/profile/clusters3.html"
RECORD = REPO / "data/projects/clusters3.ttl"
BASE = "https://w3id.org/projectgraph/"
PROV = "http://www.w3.org/ns/prov#"


def run_import(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", *args, "--root", str(REPO), "-q"])
    return result.exit_code, result.output


def graph(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=BASE)


def without_input_provenance(g: Graph) -> Graph:
    """``g`` without what depends on the input file: its entity, the import activity and the
    checksum (the text and the HTML page differ there, and only there)."""
    input_nodes = {
        o for s, p, o in g if str(p) in (PROV + "wasDerivedFrom", PROV + "wasGeneratedBy")
    }
    input_nodes |= {o for s, p, o in g if str(p) == "http://spdx.org/rdf/terms#checksum"}
    out = Graph()
    for t in g:
        if t[0] not in input_nodes and t[2] not in input_nodes:
            out.add(t)
    return out


def test_the_text_page_imports_to_the_hand_written_record(tmp_path: Path) -> None:
    code, output = run_import("profile", str(PAGE), "--out", str(tmp_path))
    assert code == 0, output
    assert isomorphic(graph(tmp_path / "clusters3.ttl"), graph(RECORD))


def test_the_html_page_imports_to_the_same_record(tmp_path: Path) -> None:
    code, output = run_import("profile", str(HTML), "--out", str(tmp_path))
    assert code == 0, output
    imported = graph(tmp_path / "clusters3.ttl")
    assert isomorphic(without_input_provenance(imported), without_input_provenance(graph(RECORD)))
    formats = {str(o) for s, p, o in imported if str(p) == "http://purl.org/dc/terms/format"}
    assert formats == {"text/html"}
    # the provenance part that was left out is really there, for the HTML file
    assert len(imported) - len(without_input_provenance(imported)) >= 12


def test_the_imported_record_validates_with_only_the_documented_warning(
    tmp_path: Path, repo_settings: Settings
) -> None:
    run_import("profile", str(HTML), "--out", str(tmp_path))
    report = validate(
        assemble(repo_settings, [tmp_path / "clusters3.ttl"]),
        repo_settings,
        load_shapes(repo_settings),
    )
    assert report.conforms
    assert [r.focus_label for r in report.results] == [
        "SPRI - Basque Country Business Development Agency"
    ]


def test_importing_twice_gives_the_same_bytes_and_counts_unchanged(tmp_path: Path) -> None:
    run_import("profile", str(PAGE), "--out", str(tmp_path))
    first = (tmp_path / "clusters3.ttl").read_bytes()
    code, output = run_import("profile", str(PAGE), "--out", str(tmp_path))
    assert code == 0
    assert (tmp_path / "clusters3.ttl").read_bytes() == first
    assert output.split("\n")[-2].split() == ["0", "│", "0", "│", "1", "│", "0"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clusters3.ttl"]  # no temp file


def test_an_updated_page_changes_only_what_changed(tmp_path: Path) -> None:
    run_import("profile", str(PAGE), "--out", str(tmp_path))
    before = {str(t) for t in ox.parse(path=tmp_path / "clusters3.ttl", base_iri=BASE)}
    page = tmp_path / "clusters3-eu-project-profile.txt"
    page.write_text(PAGE.read_text(encoding="utf-8").replace("€1.544.244", "€1.600.000"))
    code, output = run_import("profile", str(page), "--out", str(tmp_path))
    assert code == 0 and "│       1 │" in output  # updated
    after = {str(t) for t in ox.parse(path=tmp_path / "clusters3.ttl", base_iri=BASE)}
    changed = {t.split(" ")[1] for t in before ^ after}
    assert changed == {
        "<http://data.europa.eu/s66#value>",
        "<http://www.w3.org/2000/01/rdf-schema#label>",
        "<http://spdx.org/rdf/terms#checksumValue>",
    }


MESSY = [
    ("€1.832.645", "1 832 645,00 €"),
    ("€1.544.244", "EUR 1,544,244"),
    ("Friday, 1 April, 2016 to Tuesday, 31 March, 2020", "April 1, 2016 – 31.03.2020"),
    (
        "Tecnalia Research & Innovation Foundation\nPartner\nSpain",
        "Tecnalia Research & Innovation Foundation\nEspaña\nPartner",
    ),
    (
        "Highlands and Islands Enterprise\nPartner\nUnited Kingdom",
        "Highlands and Islands Enterprise\nPartner\nUK",
    ),
    ("Piedmont Region\nPartner\nItaly", "Piedmont Region\nPartner\nItalia"),
]


def test_a_messy_page_reads_the_same_facts(tmp_path: Path) -> None:
    text = PAGE.read_text(encoding="utf-8")
    for old, new in MESSY:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    page = tmp_path / "messy.txt"
    page.write_text(text, encoding="utf-8")
    code, output = run_import("profile", str(page), "--out", str(tmp_path / "out"))
    assert code == 0, output
    messy, clean = graph(tmp_path / "out/clusters3.ttl"), graph(RECORD)
    ignore = {"http://www.w3.org/2000/01/rdf-schema#label"}  # amounts keep their text

    def facts(g: Graph) -> set:
        return {t for t in without_input_provenance(g) if str(t[1]) not in ignore}

    assert facts(messy) == facts(clean)


def seed(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = PAGE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


BROKEN = [
    (
        "non-numeric budget",
        lambda d: seed(d, "budget.txt", "€1.832.645", "€ to be confirmed"),
        "budget.txt:13 (Total budget): '€ to be confirmed' is not an amount",
    ),
    (
        "unknown country",
        lambda d: seed(d, "country.txt", "Poland", "Atlantis"),
        "country.txt:27 (partnership row 3, Country): 'Atlantis' is not a country",
    ),
    (
        "unknown function",
        lambda d: seed(d, "function.txt", "Communication", "Catering"),
        "function.txt:26 (partnership row 3, Function): 'Catering' is not a role",
    ),
    (
        "budget below the EU contribution",
        lambda d: seed(d, "over.txt", "€1.832.645", "€1.000"),
        "over.txt:15 (EU Contribution): the EU contribution €1.544.244 is more than the total",
    ),
    (
        "no partnership table",
        lambda d: seed(d, "table.txt", "Partnership Composition:", "Partners:"),
        "table.txt (Partnership Composition): the page has no partnership table",
    ),
    (
        "no title separator",
        lambda d: seed(
            d,
            "title.txt",
            "\nCLUSTERS3 - Leveraging Cluster Policies for successful implementation of RIS3\n\n"
            "Primary",
            "\nCLUSTERS3 Leveraging Cluster Policies\n\nPrimary",
        ),
        "title.txt:3 (title): cannot tell the acronym in 'CLUSTERS3 Leveraging Cluster Policies'",
    ),
    (
        "truncated HTML",
        lambda d: _write(d / "truncated.html", HTML.read_bytes()[: len(HTML.read_bytes()) // 2]),
        "truncated.html:",
    ),
    (
        "wrong encoding",
        lambda d: _write(d / "latin1.txt", PAGE.read_text(encoding="utf-8").encode("cp1252")),
        "latin1.txt:8: not UTF-8 (byte 0xa0",
    ),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name,make,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_page_is_rejected_by_name_and_the_good_one_still_imported(
    tmp_path: Path, name: str, make, message: str
) -> None:  # type: ignore[no-untyped-def]
    bad = make(tmp_path)
    out = tmp_path / "out"
    os.chdir(tmp_path)  # places are shown relative to the working directory
    try:
        code, output = run_import("profile", str(bad), str(PAGE), "--out", str(out))
        strict, strict_output = run_import(
            "profile", str(bad), "--out", str(tmp_path / "strict"), "--strict"
        )
    finally:
        os.chdir(REPO)
    assert code == 0, output
    flat = " ".join(output.split())
    assert f"rejected: {message}" in flat, flat
    assert "Traceback" not in output
    assert sorted(p.name for p in out.iterdir()) == ["clusters3.ttl"]
    assert strict == 2 and "rejected:" in strict_output
    assert not (tmp_path / "strict").exists() or not any((tmp_path / "strict").iterdir())


def test_a_duplicate_acronym_with_different_data_is_rejected(tmp_path: Path) -> None:
    other = seed(tmp_path, "other.txt", "€1.544.244", "€1.500.000")
    code, output = run_import("profile", str(PAGE), str(other), "--out", str(tmp_path / "out"))
    assert code == 0
    assert "duplicate acronym CLUSTERS3" in " ".join(output.split())
    record = (tmp_path / "out/clusters3.ttl").read_text(encoding="utf-8")
    assert "1544244.00" in record and "1500000" not in record  # the first one stays
