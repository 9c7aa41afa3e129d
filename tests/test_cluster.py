"""Build stages on a real Dask distributed cluster (``build --cluster``, ``validate --cluster``).

A LocalCluster on 127.0.0.1 (a scheduler in this process, two worker processes under nannies)
runs the stages of a 300-project synthetic build: the dumps are byte-identical to a local
build's (every file of dist: build.json carries no time, so nothing is left out), a planted
violation gives the same refusal and report, a malformed source the same file:line:column
error, and a worker killed while it validates is replaced and its task run again with the same
result. A plugin on the scheduler counts the tasks it ran by stage, so a build that ignored
the cluster would fail here. On a cluster started as a publisher would (``dask scheduler``,
``dask worker``: separate processes, one worker), killing the only worker loses the stage's
scattered data, which the build sends again, with the same bytes in the end; an address where
nothing listens, and the scheduler killed mid-build, fail the CLI with exit 4, one line naming
the address, and the previous dist untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")  # the `cluster` extra (in `test`)

from dask.utils import key_split  # noqa: E402
from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402

from projectgraph.errors import EXIT_CLUSTER, EXIT_NONCONFORMING  # noqa: E402
from projectgraph.settings import Settings  # noqa: E402
from projectgraph.synth.generate import synthesize  # noqa: E402
from tests.conftest import REPO, build_files  # noqa: E402
from tests.server import projectgraph  # noqa: E402

STAGES = ("prepare_one", "validate_chunk", "make_part")  # the build's stages, as Dask names them


class Seen(SchedulerPlugin):
    """What the scheduler did (kept in its thread, read by the test): tasks started and finished
    by stage, and the workers it lost; armed with a stage and the workers' pids, it kills the
    worker the stage's next task goes to (SIGKILL) as that task starts processing there."""

    def __init__(self, scheduler: Any) -> None:
        self.scheduler = scheduler
        self.started: Counter[str] = Counter()
        self.finished: Counter[str] = Counter()
        self.starts: Counter[str] = Counter()  # by key: more than 1 is a task run again
        self.armed: tuple[str, dict[str, int]] | None = None
        self.killed: tuple[str, str] | None = None  # (worker, key)
        self.lost = 0

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        stage = key_split(key)
        if finish == "processing":
            self.started[stage] += 1
            self.starts[str(key)] += 1
            task = self.scheduler.tasks.get(key)
            if self.armed and stage == self.armed[0] and task and task.processing_on:
                worker = task.processing_on.address
                os.kill(self.armed[1][worker], signal.SIGKILL)
                self.armed, self.killed = None, (worker, str(key))
        elif start == "processing" and finish == "memory":
            self.finished[stage] += 1

    def remove_worker(self, scheduler: Any, worker: str, **kwargs: Any) -> None:
        self.lost += 1


@dataclass
class Cluster:
    address: str
    client: Any
    seen: Seen


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A scheduler and two one-thread worker processes on 127.0.0.1, no dashboard."""
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    seen = Seen(local.scheduler)
    local.scheduler.add_plugin(seen)
    client = distributed.Client(local.scheduler_address, set_as_default=False)
    try:
        yield Cluster(local.scheduler_address, client, seen)
    finally:
        client.close()
        local.close()


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory, repo_settings: Settings) -> Path:
    """`projectgraph synth --projects 300 --seed 3`: large enough that every stage runs in
    parallel (over 20,000 quads), so on the cluster when one is given."""
    out = tmp_path_factory.mktemp("cluster") / "s300"
    synthesize(out, 300, 3, repo_settings, workers=1)
    return out


def build(records: Path, dist: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return projectgraph(
        "build", "--project", str(records), "--root", str(REPO), "--dist", str(dist), "-q", *more
    )


def start_build(records: Path, dist: Path, *more: str) -> subprocess.Popen[str]:
    """The same build as :func:`build`, running while the test acts on the cluster."""
    command = [sys.executable, "-m", "projectgraph", "build", "--project", str(records)]
    return subprocess.Popen(
        [*command, "--root", str(REPO), "--dist", str(dist), "-q", *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def contents(dist: Path) -> dict[str, bytes]:
    """Every file of a build, by its name in the build folder."""
    return {name: path.read_bytes() for name, path in build_files(dist).items()}


@pytest.fixture(scope="module")
def local(records: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The local build (forked processes): its dist and its output line."""
    dist = tmp_path_factory.mktemp("local") / "dist"
    done = build(records, dist)
    assert done.returncode == 0, done.stderr
    return dist, done.stdout


def test_a_cluster_build_publishes_the_local_builds_bytes(
    cluster: Cluster, records: Path, local: tuple[Path, str], tmp_path: Path
) -> None:
    before = cluster.seen.finished.copy()
    started = time.perf_counter()
    done = build(records, tmp_path / "dist", "--cluster", cluster.address, "--timings")
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    ran = cluster.seen.finished - before
    assert all(ran[stage] > 0 for stage in STAGES), f"the cluster ran only {dict(ran)}"
    local_dist, local_line = local
    assert done.stdout.splitlines()[0] == local_line.splitlines()[0].replace(
        str(local_dist), str(tmp_path / "dist")
    )  # same build id, triples, graphs and report summary
    # Every file, build.json (validation summary, checksums) and the answers included:
    # nothing in a build carries the time it was made.
    assert contents(tmp_path / "dist") == contents(local_dist)
    print(f"cluster build {seconds:.1f} s, tasks {dict(ran)}")


PREFIXES = "".join(
    f"@prefix {name}: <{iri}> .\n"
    for name, iri in {
        "eurio": "http://data.europa.eu/s66#",
        "pg": "https://w3id.org/projectgraph/ontology#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "country": "http://publications.europa.eu/resource/authority/country/",
        "project": "id/project/",
        "organisation": "id/organisation/",
    }.items()
)


def plant(records: Path, into: Path) -> Path:
    """A copy of the records with violations inside a record and across records, and a
    warning: the same report must come back from the cluster."""
    shutil.copytree(records, into, ignore=shutil.ignore_patterns(".projectgraph"))
    files = sorted(into.glob("*.ttl"))
    organisation = re.search(r"org:member (organisation:[\w-]+)", files[2].read_text())
    assert organisation, "a synthetic record names its members"
    planted = {
        files[0]: f'project:{files[0].stem} eurio:title "Second title" .',
        files[1]: f"<id/project/{files[1].stem}#eu-contribution> eurio:value 999999999999.00 .",
        files[
            2
        ]: f"<id/organisation/{organisation[1].split(':')[1]}#site> pg:country country:MLT .",
        files[3]: 'organisation:planted-nowhere a eurio:Organisation ; skos:prefLabel "Nowhere" .',
    }
    for path, text in planted.items():
        with path.open("a", encoding="utf-8") as f:
            f.write("\n# planted by the test\n" + PREFIXES + text + "\n")
    return into


def test_b_a_planted_violation_is_refused_alike(
    cluster: Cluster, records: Path, tmp_path: Path
) -> None:
    bad = plant(records, tmp_path / "planted")
    before = cluster.seen.finished.copy()
    here = build(bad, tmp_path / "local")
    there = build(bad, tmp_path / "remote", "--cluster", cluster.address)
    assert cluster.seen.finished["validate_chunk"] > before["validate_chunk"]
    assert here.returncode == there.returncode == EXIT_NONCONFORMING, there.stderr
    assert "4 violations, 1 warning" in here.stdout, here.stdout
    assert there.stdout == here.stdout  # the report: every result, its place and message
    assert there.stderr == here.stderr  # "error: build refused: ...; dist/ is unchanged"
    assert not (tmp_path / "remote").exists()
    before = cluster.seen.finished.copy()
    checked = projectgraph(
        "validate", "--project", str(bad), "--root", str(REPO), "--cluster", cluster.address,
        "--set", f"dist_dir={tmp_path / 'validated'}",
    )  # fmt: skip
    assert cluster.seen.finished["validate_chunk"] > before["validate_chunk"]
    assert checked.returncode == EXIT_NONCONFORMING, checked.stderr
    assert checked.stdout == here.stdout  # validate prints the report build refuses with


def test_a_malformed_source_names_its_line_from_a_worker(
    cluster: Cluster, records: Path, tmp_path: Path
) -> None:
    """A SourceError raised on a worker (or in a local worker process) reaches the CLI as
    itself: exit 2, file:line:column; before, unpickling it broke the local process pool."""
    bad = tmp_path / "bad"
    shutil.copytree(records, bad, ignore=shutil.ignore_patterns(".projectgraph"))
    broken = sorted(bad.glob("*.ttl"))[5]
    lines = broken.read_text().count("\n")
    with broken.open("a") as f:
        f.write("this is not turtle .\n")
    for more in ((), ("--cluster", cluster.address)):
        done = build(bad, tmp_path / "dist", *more)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: {broken}:{lines + 1}:1: this is not a valid subject or graph name"
        ], more


def test_c_a_worker_killed_mid_build_is_replaced_and_the_build_completes(
    cluster: Cluster, records: Path, local: tuple[Path, str], tmp_path: Path
) -> None:
    """The worker a validation task goes to is killed as the task starts (the stage's shared
    data is there, the initializer about to run): Dask runs the task on the other worker."""
    pids = cluster.client.run(os.getpid)
    seen = cluster.seen
    lost, started = seen.lost, seen.starts.copy()
    seen.killed, seen.armed = None, ("validate_chunk", pids)
    done = build(records, tmp_path / "dist", "--cluster", cluster.address)
    assert done.returncode == 0, done.stderr
    assert seen.killed, f"no validation task reached the cluster: {dict(seen.started)}"
    victim, key = seen.killed
    assert seen.lost > lost, "the scheduler never lost the killed worker"
    assert (seen.starts - started)[key] >= 2, f"{key} was not run again after its worker died"
    assert contents(tmp_path / "dist") == contents(local[0])
    cluster.client.wait_for_workers(2, timeout=30)  # its nanny started another
    assert pids[victim] not in cluster.client.run(os.getpid).values()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def previous_build(local_dist: Path, tmp_path: Path) -> Path:
    """A dist holding a finished build (the local one, its cache left behind so that the
    next build has every stage to do)."""
    dist = tmp_path / "dist"
    builds = tmp_path / ".dist-builds"
    builds.mkdir()
    target = local_dist.resolve()
    shutil.copytree(target, builds / target.name)
    dist.symlink_to(Path(".dist-builds") / target.name)
    return dist


def state(dist: Path) -> tuple[str, list[str], dict[str, bytes]]:
    """What a reader of dist sees: the build it points to, the builds kept, their files."""
    builds = dist.parent / f".{dist.name}-builds"
    kept = sorted(p.name for p in builds.iterdir() if p.is_dir())
    return os.readlink(dist), kept, contents(dist)


def test_d_no_scheduler_at_the_address_fails_at_once_and_leaves_dist(
    records: Path, local: tuple[Path, str], tmp_path: Path
) -> None:
    dist = previous_build(local[0], tmp_path)
    before = state(dist)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    done = build(records, dist, "--cluster", address)
    assert done.returncode == EXIT_CLUSTER
    assert done.stderr.strip().splitlines() == [
        f"error: cluster {address}: no scheduler answered (connection refused)"
    ]
    assert time.perf_counter() - started < 10  # no connect timeout waited out
    assert state(dist) == before
    done = projectgraph("validate", "--project", str(records), "--cluster", address)
    assert done.returncode == EXIT_CLUSTER, done.stderr
    assert done.stderr.count("\n") == 1 and address in done.stderr


@dataclass
class Lone:
    """A cluster as a publisher starts one (`dask scheduler`, `dask worker`), separate
    processes, with a single worker process: killing it loses every copy of a stage's shared
    data, and the scheduler can be killed."""

    address: str
    scheduler: subprocess.Popen[bytes]
    watcher: Any  # a client of the test's, to see what the scheduler runs

    def wait_for(self, stage: str, running: subprocess.Popen[str]) -> None:
        """Until a task of ``stage`` runs on the worker (the build still going)."""
        deadline = time.monotonic() + 60
        while not any(
            key_split(key) == stage for keys in self.watcher.processing().values() for key in keys
        ):
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, f"no {stage} task reached the scheduler"
            time.sleep(0.01)


@pytest.fixture(scope="module")
def lone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lone]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("logs")
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=(logs / "scheduler.log").open("w"),
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [*dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=(logs / "worker.log").open("w"),
        start_new_session=True,
    )
    watcher = None
    try:
        watcher = distributed.Client(address, set_as_default=False, timeout=30)
        watcher.wait_for_workers(1, timeout=30)
        yield Lone(address, scheduler, watcher)
    finally:
        if watcher is not None:
            with contextlib.suppress(Exception):
                watcher.close(timeout=2)
        for process in (worker, scheduler):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_c_the_only_worker_killed_loses_the_shared_data_and_the_stage_is_sent_again(
    lone: Lone, records: Path, local: tuple[Path, str], tmp_path: Path
) -> None:
    """With one worker, its death loses the scattered initializer arguments (Dask cannot
    recompute scattered data): the stage's data and its tasks not yet done are sent again."""
    pids = lone.watcher.run(os.getpid)
    with start_build(records, tmp_path / "dist", "--cluster", lone.address) as running:
        lone.wait_for("validate_chunk", running)
        os.kill(next(iter(pids.values())), signal.SIGKILL)
        _, err = running.communicate(timeout=120)
    assert running.returncode == 0, err
    assert contents(tmp_path / "dist") == contents(local[0])
    lone.watcher.wait_for_workers(1, timeout=30)
    assert set(lone.watcher.run(os.getpid).values()).isdisjoint(pids.values())


def test_d_a_scheduler_killed_mid_build_fails_it_and_leaves_dist(
    lone: Lone, records: Path, local: tuple[Path, str], tmp_path: Path
) -> None:
    """The scheduler is killed (SIGKILL) once the build's tasks run on the worker."""
    dist = previous_build(local[0], tmp_path)
    before = state(dist)
    with start_build(records, dist, "--cluster", lone.address) as running:
        lone.wait_for("prepare_one", running)
        lone.scheduler.send_signal(signal.SIGKILL)
        _, err = running.communicate(timeout=60)
    assert running.returncode == EXIT_CLUSTER, err
    assert err.strip().splitlines() == [
        f"error: cluster {lone.address}: lost the scheduler mid-build (the connection closed); "
        "nothing was published"
    ]
    assert state(dist) == before
