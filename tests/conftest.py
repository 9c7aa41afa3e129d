"""Shared fixtures: the repository's own settings, and one real build per test session."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.pipeline.run import BuildResult
from projectgraph.settings import Settings, load_settings
from projectgraph.store.embedded import DATASET_DUMP
from tests.server import Server, projectgraph, seed_dist, shipped_build, start_server
from tests.virtuoso import USER, Virtuoso, available, start_virtuoso

pytest_plugins = ["tests.browser"]  # the browser and tab fixtures

REPO = Path(__file__).resolve().parents[1]
PROJECT_FILES = ("ontology", "shapes", "data", "queries", "projectgraph.toml")


@pytest.fixture(scope="session")
def repo_settings() -> Settings:
    """The settings of this repository (dist is never written with these)."""
    return load_settings(REPO)


@pytest.fixture(scope="session")
def built() -> BuildResult:
    """A build of the shipped data into a temporary dist/ (the repository is not touched); the
    same build seeds the servers' dist folders."""
    return shipped_build()


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
    return copy_project_files(tmp_path)


def copy_project_files(target: Path) -> Path:
    """Copy the project's files (ontology, shapes, data, settings) into ``target``."""
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project built into its ``dist``, once per test process: the template of
    :func:`built_project_copy` (never written to)."""
    from projectgraph.pipeline.run import build

    folder = copy_project_files(tmp_path_factory.mktemp("built-project"))
    build(load_settings(folder, {"dist_dir": folder / "dist"}), quiet=True)
    return folder


@pytest.fixture
def built_project_copy(built_project: Path, tmp_path: Path) -> Path:
    """:func:`project_copy` with its build in ``dist`` (and the build's cache), for tests that
    build their copy first anyway: that build reuses the cache (a second, not five)."""
    shutil.copytree(built_project, tmp_path, symlinks=True, dirs_exist_ok=True)
    return tmp_path


@pytest.fixture(scope="session")
def run_shared(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A folder every test process of this run sees (pytest-xdist's workers have their
    temporary folders side by side in the run's own), None in a run without workers."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    return tmp_path_factory.getbasetemp().parent / "shared"


# The shared server: small limits so tests can reach them quickly.
SERVER_TIMEOUT = 4.0
SERVER_MAX_ROWS = 500
SERVER_MAX_QUERY = 20_000


# The backends the shared server suite runs on: the embedded Oxigraph store, and a private
# Virtuoso the build is published to (serve --store URL).
BACKENDS = ("oxigraph", "virtuoso")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip tests marked embedded_only on a remote backend."""
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("server") if callspec else None
    if backend not in (None, "oxigraph") and item.get_closest_marker("embedded_only"):
        pytest.skip(f"needs the embedded store (the {backend} backend holds the merged graph only)")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A private Virtuoso on a free 127.0.0.1 port, with its own database."""
    if not available():
        if os.environ.get("CI"):
            pytest.fail("virtuoso-t is missing: .ci/run installs virtuoso-opensource-7-bin")
        pytest.skip("Debian's virtuoso-opensource-7-bin is not installed")
    running = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield running
    running.stop()


def publish(
    virtuoso: Virtuoso, folder: Path, *args: str, root: Path = REPO
) -> subprocess.CompletedProcess[str]:
    """``projectgraph publish`` of the build in ``folder/dist`` (built if missing) to
    ``virtuoso``, with the dba credentials from the environment."""
    if "--no-build" not in args:
        seed_dist(folder)  # current for the shipped data: publish does not build it again
    return projectgraph(
        "publish",
        "--root",
        str(root),
        "--to",
        virtuoso.sparql_auth,
        "--graph-store",
        virtuoso.graph_store,
        "--quiet",
        *args,
        env={"PROJECTGRAPH_DIST_DIR": str(folder / "dist"), "PROJECTGRAPH_STORE_AUTH": USER},
    )


def start_shared_server(folder: Path, *store: str) -> Server:
    """The shared server's ``projectgraph serve``, with the suite's small limits."""
    return start_server(
        folder,
        "--timeout",
        str(SERVER_TIMEOUT),
        "--max-rows",
        str(SERVER_MAX_ROWS),
        "--workers",
        "2",
        "--max-query-length",
        str(SERVER_MAX_QUERY),
        *store,
    )


# One server per backend for the whole session, each its own (unparametrised) fixture: pytest
# tears a parametrised fixture down whenever the next test asks for another parameter, so with
# the server started in ``server`` itself every test file (oxigraph tests, then virtuoso ones)
# published to Virtuoso and started both servers again (10 to 20 s a file, some 20 files).
@pytest.fixture(scope="session")
def server_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared server on the embedded store."""
    running = start_shared_server(tmp_path_factory.mktemp("server-oxigraph"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def server_virtuoso(
    tmp_path_factory: pytest.TempPathFactory, virtuoso: Virtuoso
) -> Iterator[Server]:
    """The shared server on the session's Virtuoso, the build published to it first."""
    folder = tmp_path_factory.mktemp("server-virtuoso")
    done = publish(virtuoso, folder)
    assert done.returncode == 0, done.stdout + done.stderr
    running = start_shared_server(folder, "--store", virtuoso.sparql)
    running.backend = "virtuoso"
    yield running
    running.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Server:
    """``projectgraph serve`` over the shipped data, on a free 127.0.0.1 port: on the embedded
    store, or on a Virtuoso the build was published to (started once a session each)."""
    running: Server = request.getfixturevalue(f"server_{request.param}")
    return running


@pytest.fixture(scope="session")
def http(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client for the shared server."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The load tests' figures (throughput, p50, p99, statuses), whatever the verbosity."""
    from tests import test_load

    if test_load.REPORT:
        terminalreporter.section("load")
        for line in test_load.REPORT:
            terminalreporter.write_line(line)


def records_settings(records: Path) -> Settings:
    """The settings of the shipped project with ``records`` as its only records folder, built
    into ``dist`` beside it."""
    return load_settings(REPO, {"project_dirs": (records,), "dist_dir": records.parent / "dist"})


def built_records(folder: Path, projects: int, seed: int) -> BuildResult:
    """Synthesize ``projects`` records into ``folder`` and build them once (the build a
    rebuild copies from)."""
    from projectgraph.pipeline.run import build
    from projectgraph.synth.generate import synthesize

    synthesize(folder, projects, seed, load_settings(REPO), workers=1)
    return build(records_settings(folder), quiet=True)


def build_from_scratch(settings: Settings) -> BuildResult:
    """The same records built again with no cache and no earlier build (the same paths, so
    the same inputs digest)."""
    from projectgraph.pipeline.run import build
    from projectgraph.publish.dist import builds_dir

    settings.dist_dir.unlink()
    shutil.rmtree(builds_dir(settings.dist_dir))
    return build(settings, quiet=True)


def dataset_nquads(folder: Path) -> bytes:
    """The N-Quads of the dataset dump of the build in ``folder``, decompressed by the ``zstd``
    command (every frame in turn): the tool a consumer has, not projectgraph's own reader."""
    dump = folder / DATASET_DUMP
    return subprocess.run(["zstd", "-dc", str(dump)], capture_output=True, check=True).stdout


def build_files(folder: Path) -> dict[str, Path]:
    """Every file of a build, by its name in the build folder (a query's answers are in
    ``answers/``)."""
    root = folder.resolve()
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def answer_files(folder: Path) -> dict[str, object]:
    """A build's answers by their names in the build folder: the bytes of the list of queries
    and of each query's file, and what the search index holds (see :func:`search_held`: a
    rebuild updates a copy of the index served, a file with other bytes)."""
    from projectgraph.publish.answers import ANSWERS, QUERY_FILES, SEARCH

    return {
        name: search_held(path) if name == SEARCH else path.read_bytes()
        for name, path in build_files(folder).items()
        if name in (ANSWERS, SEARCH) or name.startswith(f"{QUERY_FILES}/")
    }


def search_held(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """What the search index in ``path`` holds: every table a server reads, row by row."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {
            table: db.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()
            for table, columns, order in (
                ("search_layout", "*", "version"),
                ("search_facets", "*", "id"),
                ("search_items", "*", "id"),
                ("search_text", "rowid, label, names, body", "rowid"),
                ("search_values", "*", "kind, position"),
                ("search_arrays", "*", "kind, name"),
            )
        }
