"""``projectgraph query``: named queries and .rq files against the local build."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from projectgraph.cli import app
from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "projectgraph", "query", *args],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "250"},  # a table as wide as its cells
    )


def test_builds_first_then_prints_a_table(project_copy: Path) -> None:
    result = run("project-partners", "--root", str(project_copy))
    assert result.returncode == 0, result.stderr
    assert "built " in result.stderr  # there was no build yet
    assert "Highlands and Islands" in result.stdout and "Coordinator" in result.stdout
    again = run("project-partners", "--root", str(project_copy), "-p", "project=id/project/none")
    assert again.returncode == 0 and "built " not in again.stderr  # current: not rebuilt
    assert "Coordinator" not in again.stdout


def test_a_failed_build_falls_back_to_the_last_good_one(built_project_copy: Path) -> None:
    project_copy = built_project_copy  # comes built: the good build the failed one falls back to
    assert run("projects", "--root", str(project_copy)).returncode == 0
    record = project_copy / "data" / "projects" / "clusters3.ttl"
    record.write_text(record.read_text(encoding="utf-8") + "\n<broken", encoding="utf-8")
    result = run("projects", "--root", str(project_copy), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "the build failed, serving the previous build" in result.stderr
    assert "clusters3.ttl:" in result.stderr
    assert json.loads(result.stdout)[0]["acronym"] == "CLUSTERS3"


def test_list_names_every_query(dist: Path) -> None:
    result = CliRunner().invoke(app, ["query", "--list", "--root", str(REPO)])
    assert result.exit_code == 0
    for path in (REPO / "queries").glob("*.rq"):
        assert path.stem[:20] in result.stdout


def test_csv_is_what_the_api_sends(dist: Path, http: httpx.Client) -> None:
    cli = CliRunner().invoke(
        app,
        ["query", "funding-by-country", "-f", "csv", "--root", str(REPO), "--dist", str(dist)],
    )
    assert cli.exit_code == 0, cli.output
    over_http = http.get("/api/queries/funding-by-country", params={"format": "csv"})
    assert cli.stdout_bytes == over_http.content
    rows = list(csv.DictReader(io.StringIO(cli.stdout)))
    assert len(rows) == 6 and rows[0]["cofinancing_rate"] == "0.8426"


def test_a_query_file_with_parameters(tmp_path: Path, dist: Path) -> None:
    path = tmp_path / "by-role.rq"
    path.write_text(
        "#+ params:\n#+   role: {description: a role label, values: [Coordinator, Partner]}\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?name WHERE {\n"
        "  ?m org:role/skos:prefLabel ?label ; org:member/skos:prefLabel ?name .\n"
        "  FILTER (STR(?label) = ?_role)\n"
        "} ORDER BY ?name\n",
        encoding="utf-8",
    )
    base = ["query", "--file", str(path), "--root", str(REPO), "--dist", str(dist), "-f", "json"]
    result = CliRunner().invoke(app, [*base, "-p", "role=Coordinator"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"name": "SPRI - Basque Country Business Development Agency"}
    ]
    refused = CliRunner().invoke(app, [*base, "-p", "role=Boss"])
    assert refused.exit_code == 2
    assert "parameter role: must be one of Coordinator, Partner" in refused.output
    missing = CliRunner().invoke(app, base)
    assert missing.exit_code == 2 and "parameter role: is required" in missing.output


def test_table_cells_are_text_not_markup(tmp_path: Path, dist: Path) -> None:
    path = tmp_path / "markup.rq"
    path.write_text('SELECT ?x WHERE { BIND ("[bold]x[/bold] [/nope]" AS ?x) }\n')
    result = CliRunner().invoke(
        app, ["query", "--file", str(path), "--root", str(REPO), "--dist", str(dist)]
    )
    assert result.exit_code == 0, result.output
    assert "[bold]x[/bold] [/nope]" in result.stdout


def test_errors_name_the_problem_and_exit_2(tmp_path: Path, dist: Path) -> None:
    broken = tmp_path / "broken.rq"
    broken.write_text("SELECT * WHERE {\n  ?s ?p ?o ) .\n}\n")
    service = tmp_path / "service.rq"
    service.write_text("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }\n")
    where = ["--root", str(REPO), "--dist", str(dist), "--no-build"]
    cases = [
        (["no-such-query"], "no query 'no-such-query' in queries; known: "),
        (["organisations-by-projects", "-p", "min_projects=few"], "parameter min_projects"),
        (["projects", "-p", "page"], "--param 'page': write it as name=value"),
        (["projects", "-p", "x=1", "-p", "x=2"], "--param x is given more than once"),
        (["projects", "-f", "pdf"], "--format pdf: projects returns rows; use one of table"),
        (["project-summary", "-f", "csv"], "returns graphs"),
        (["project-partners", "--page", "2"], "--page: project-partners returns all"),
        (["projects", "--file", str(broken)], "give a query name or --file, not both"),
        (["--file", str(broken)], "broken.rq:"),
        (["--file", str(tmp_path / "absent.rq")], "absent.rq: no such file"),
        (["--file", str(service)], "SERVICE"),
        ([], "name a query"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(app, ["query", *args, *where])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_an_incomplete_build_is_refused_by_name(tmp_path: Path, dist: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    for name in ("build.json", "projectgraph.nq.zst"):
        (partial / name).write_bytes((dist / name).read_bytes())
    for command in (["query", "projects"], ["serve"]):
        result = CliRunner().invoke(
            app, [*command, "--root", str(REPO), "--dist", str(partial), "--no-build"]
        )
        assert result.exit_code == 2, (command, result.output)
        assert "not a complete build, void.ttl, context.jsonld missing" in result.output
