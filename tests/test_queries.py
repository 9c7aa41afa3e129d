"""Every query in queries/ parses and answers on the built graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.conftest import REPO

QUERIES = sorted((REPO / "queries").glob("*.rq"))


def test_there_are_queries() -> None:
    assert QUERIES


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_runs_and_returns_rows(path: Path, turtle_store: ox.Store) -> None:
    rows = list(turtle_store.query(path.read_text(encoding="utf-8")))
    assert rows


def test_project_partners_lists_the_partnership_table(turtle_store: ox.Store) -> None:
    rows = list(turtle_store.query((REPO / "queries" / "project-partners.rq").read_text()))
    assert len(rows) == 10
    coordinator = [r for r in rows if r["role"].value == "Coordinator"]
    assert [r["organisation"].value for r in coordinator] == [
        "SPRI - Basque Country Business Development Agency"
    ]
    assert coordinator[0]["country"] is None
