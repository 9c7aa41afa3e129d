"""Malformed input fails with file:line:column and a non-zero exit, and dist/ keeps its contents."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
import rdflib
from typer.testing import CliRunner

from projectgraph.cli import app
from projectgraph.publish import manifest
from tests.conftest import build_files

RECORD = Path("data/projects/clusters3.ttl")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot(dist: Path) -> dict[str, str]:
    """What dist/ shows: its link target and every file's checksum."""
    files = {
        name: hashlib.sha256(path.read_bytes()).hexdigest()
        for name, path in build_files(dist).items()
    }
    return {"->": os.readlink(dist), **files}


def break_record(root: Path, old: str, new: str) -> None:
    path = root / RECORD
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, needle: str) -> int:
    """1-based line of the first statement (not comment) holding ``needle`` in the record."""
    for number, line in enumerate((root / RECORD).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line and not line.lstrip().startswith("#"):
            return number
    raise AssertionError(needle)


MALFORMED = [
    pytest.param(
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;',
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;; oops',
        "oops",
        "is not a valid predicate",
        id="turtle-syntax",
    ),
    pytest.param(
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;',
        '    foo:duration "48"^^xsd:nonNegativeInteger ;',
        "foo:duration",
        "prefix foo: has not been declared",
        id="unknown-prefix",
    ),
    pytest.param(
        '"2016-04-01"^^xsd:date',
        '"2016-04-31"^^xsd:date',
        "2016-04-31",
        "is not a valid xsd:date",
        id="non-date-start",
    ),
    pytest.param(
        "    eurio:value 1832645.00 ;",
        '    eurio:value "1.832.645"^^xsd:decimal ;',
        '"1.832.645"^^xsd:decimal',
        "is not a valid xsd:decimal",
        id="ill-typed-amount",
    ),
    pytest.param(
        "    pg:isClusterOrganisation false .",
        '    pg:isClusterOrganisation "No"^^xsd:boolean .',
        '"No"',
        "is not a valid xsd:boolean",
        id="ill-typed-flag",
    ),
]


@pytest.mark.parametrize(("old", "new", "needle", "reason"), MALFORMED)
def test_malformed_record_names_file_line_column_and_keeps_dist(
    built_project_copy: Path, old: str, new: str, needle: str, reason: str
) -> None:
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    root = str(project_copy)
    code, _, _ = run("build", "--root", root, "--quiet")
    assert code == 0
    before = snapshot(project_copy / "dist")

    break_record(project_copy, old, new)
    code, stdout, stderr = run("build", "--root", root, "--quiet")

    assert code == 2
    match = re.search(r"clusters3\.ttl:(\d+):(\d+): (.*)", stderr)
    assert match, stderr
    line, column = int(match[1]), int(match[2])
    assert line == line_of(project_copy, needle)
    source_line = (project_copy / RECORD).read_text(encoding="utf-8").splitlines()[line - 1]
    assert needle.strip('"') in source_line[column - 1 :]
    assert reason in match[3]
    assert "Traceback" not in stderr + stdout
    assert snapshot(project_copy / "dist") == before


def test_violation_refuses_to_publish_and_keeps_dist(built_project_copy: Path) -> None:
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    root = str(project_copy)
    assert run("build", "--root", root, "-q")[0] == 0
    before = snapshot(project_copy / "dist")
    break_record(project_copy, "    org:role role:coordinator ;", "    org:role role:partner ;")

    code, stdout, stderr = run("build", "--root", root, "-q")

    assert code == 1
    assert "no coordinator" in stdout
    assert "build refused" in stderr and "dist/ is unchanged" in stderr
    assert snapshot(project_copy / "dist") == before


def test_failure_while_writing_leaves_dist_and_no_temporaries(
    built_project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    root = str(project_copy)
    assert run("build", "--root", root, "-q")[0] == 0
    before = snapshot(project_copy / "dist")
    break_record(
        project_copy,
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;',
        '    eurio:duration "49"^^xsd:nonNegativeInteger ;',
    )  # a valid change

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest, "describe", explode)  # where the manifest writer finds it
    with pytest.raises(OSError, match="No space left"):
        CliRunner().invoke(app, ["build", "--root", root, "-q"], catch_exceptions=False)

    assert snapshot(project_copy / "dist") == before
    assert not list((project_copy / ".dist-builds").glob(".tmp-*"))


def test_second_build_switches_dist_and_keeps_previous_build(built_project_copy: Path) -> None:
    project_copy = built_project_copy  # comes built: the first build below reuses its cache
    root = str(project_copy)
    assert run("build", "--root", root, "-q")[0] == 0
    first = os.readlink(project_copy / "dist")
    break_record(
        project_copy,
        '    eurio:duration "48"^^xsd:nonNegativeInteger ;',
        '    eurio:duration "49"^^xsd:nonNegativeInteger ;',
    )
    assert run("build", "--root", root, "-q")[0] == 0
    second = os.readlink(project_copy / "dist")
    assert first != second
    assert (project_copy / first).is_dir()  # a server may still be reading the previous build


def test_validate_exit_codes_and_formats(project_copy: Path) -> None:
    root = str(project_copy)
    code, stdout, _ = run("validate", "--root", root)
    assert code == 0 and "conforms: 0 violations, 1 warning" in stdout
    code, stdout, _ = run("validate", "--root", root, "tests/does-not-exist.ttl")
    assert code == 2
    broken = Path(__file__).parent / "data" / "invalid" / "missing-title.ttl"
    code, stdout, _ = run("validate", "--root", root, str(broken), "--format", "json")
    assert code == 1
    report = json.loads(stdout)
    assert report["conforms"] is False and report["counts"] == {
        "violation": 1,
        "warning": 1,
        "info": 0,
    }
    code, stdout, _ = run("validate", "--root", root, str(broken), "--format", "ttl")
    assert code == 1
    graph = rdflib.Graph().parse(data=stdout, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in graph
    assert len(list(graph.subjects(rdflib.RDF.type, sh.ValidationResult))) == 2


def test_bad_settings_are_reported(project_copy: Path) -> None:
    code, _, stderr = run("build", "--root", str(project_copy), "--base-iri", "urn:x")
    assert code == 2 and "base_iri" in stderr
    (project_copy / "projectgraph.toml").write_text('base_iri = "https://x.org"\nbogus = 1\n')
    code, _, stderr = run("build", "--root", str(project_copy))
    assert code == 2 and "unknown setting(s) bogus" in stderr


def test_dist_that_is_not_a_build_is_never_replaced(project_copy: Path) -> None:
    site = project_copy / "site"
    site.mkdir()
    (site / "index.html").write_text("precious")
    code, _, stderr = run("build", "--root", str(project_copy), "--dist", str(site), "-q")
    assert code == 2 and "not a projectgraph build" in stderr
    assert (site / "index.html").read_text() == "precious" and not site.is_symlink()
    for bad in (".", ""):
        code, _, stderr = run("build", "--root", str(project_copy), "--dist", bad, "-q")
        assert code == 2 and "replace the project folder" in stderr
    assert (project_copy / "projectgraph.toml").is_file()
