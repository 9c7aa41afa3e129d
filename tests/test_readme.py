"""The examples of the README and the manual run: the set-up commands, the Python snippet and the
SPARQL query of docs/querying-dumps.md on a real build, the query file of docs/named-queries.md."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from tests.conftest import REPO

README = REPO / "README.md"
DUMPS_PAGE = REPO / "docs" / "querying-dumps.md"
NAMED_QUERIES_PAGE = REPO / "docs" / "named-queries.md"


def blocks(page: Path, language: str) -> list[str]:
    """The page's fenced code blocks in that language, in order."""
    text = page.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_the_two_setup_commands() -> None:
    commands = blocks(README, "sh")[:2]
    assert commands == ["pip install . && projectgraph serve\n", "scripts/test.sh\n"]
    ci = (REPO / ".ci" / "run").read_text()
    assert "\nscripts/test.sh\n" in ci


def test_python_example_prints_the_partners(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "dist").symlink_to(dist)
    shutil.copytree(REPO / "queries", tmp_path / "queries")
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(blocks(DUMPS_PAGE, "python")[0], {})
    finally:
        os.chdir(cwd)
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    shown = [line for line in blocks(DUMPS_PAGE, "text")[0].splitlines() if line != "..."]
    assert lines[: len(shown)] == shown


def test_dataset_examples_load_every_quad_and_read_one_graph(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "dist").symlink_to(dist)
    manifest = json.loads((dist / "build.json").read_text())
    found: dict[str, Any] = {}
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for block in blocks(DUMPS_PAGE, "python")[1:3]:
            exec(block, found)
    finally:
        os.chdir(cwd)
    assert len(found["store"]) == manifest["quads"]
    graph = "https://w3id.org/projectgraph/graph/data/projects/clusters3"
    quads = list(ox.parse(found["clusters3"], format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {graph}
    assert len(quads) == manifest["graphs"][graph]["quads"]


def test_sparql_example_gives_the_cofinancing_rate(turtle_store: ox.Store) -> None:
    (query,) = [b for b in blocks(DUMPS_PAGE, "sparql") if "?rate" in b]
    rows = list(turtle_store.query(query))
    assert len(rows) == 1
    assert rows[0]["acronym"].value == "CLUSTERS3"
    assert round(Decimal(rows[0]["rate"].value), 4) == Decimal("0.8426")


def test_query_file_example_is_the_real_file() -> None:
    (shown,) = [b for b in blocks(NAMED_QUERIES_PAGE, "sparql") if b.startswith("#+ summary:")]
    assert shown == (REPO / "queries" / "projects-by-country.rq").read_text(encoding="utf-8")
