"""Shared fixtures: the repository's own settings, and one real build per test session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.build import BuildResult, build
from projectgraph.settings import Settings, load_settings
from tests.server import Server, start_server

pytest_plugins = ["tests.browser"]  # the browser and tab fixtures

REPO = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("ontology", "shapes", "data", "queries", "projectgraph.toml")


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """The settings of this repository (dist is never written with these)."""
    return load_settings(REPO)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """A build of the shipped data into a temporary dist/ (the repository is not touched)."""
    dist = tmp_path_factory.mktemp("session") / "dist"
    return build(load_settings(REPO, {"dist_dir": dist}), quiet=True)


@pytest.fixture(scope="session")
def dist(built: BuildResult) -> Path:
    """The dist folder of the session build."""
    return built.published.folder


@pytest.fixture(scope="session")
def turtle_store(dist: Path) -> ox.Store:
    """The Turtle dump, loaded into an in-memory Oxigraph store."""
    store = ox.Store()
    store.load(path=dist / "projectgraph.ttl", format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A writable copy of the project (ontology, shapes, data, settings) to break things in."""
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


# The shared server: small limits so tests can reach them quickly.
SERVER_TIMEOUT = 4.0
SERVER_MAX_ROWS = 500
SERVER_MAX_QUERY = 20_000


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``projectgraph serve`` over the shipped data, on a free 127.0.0.1 port."""
    running = start_server(
        tmp_path_factory.mktemp("server"),
        "--timeout",
        str(SERVER_TIMEOUT),
        "--max-rows",
        str(SERVER_MAX_ROWS),
        "--workers",
        "2",
        "--max-query-length",
        str(SERVER_MAX_QUERY),
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client for the shared server."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
