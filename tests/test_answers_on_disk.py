"""A graph too large for memory is answered from an on-disk store: the same answers file, byte
for byte, as from memory, and nothing left behind (a real build of synthetic records, in this
process and in the answers child process)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import zstandard

from projectgraph.build.partition import selected, selected_form
from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish import answers
from projectgraph.publish.dist import builds_dir
from projectgraph.settings import load_settings
from projectgraph.sparql.grouped import plan
from projectgraph.sparql.named import load_queries
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO, answer_files


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("on-disk") / "records"
    synthesize(folder, 25, 9, load_settings(REPO), workers=1)
    return folder


def _build(records: Path, dist: Path, memory_triples: int) -> tuple[str, dict[str, bytes]]:
    settings = load_settings(
        REPO,
        {"project_dirs": (records,), "dist_dir": dist, "answers_memory_triples": memory_triples},
    )
    published = build(settings, quiet=True, workers=1).published
    answered = published.manifest["answers"]
    assert isinstance(answered, dict)
    assert all(q["materialized"] for q in answered["queries"].values() if q.get("rows"))
    assert answered["search"]["indexed"]
    # The temporary store is gone with the build's temporary files.
    assert not list(builds_dir(dist).glob(".answers-*")), list(builds_dir(dist).iterdir())
    return published.build_id, answer_files(published.folder)


@pytest.mark.parametrize("where", ["in this process", "in the answers child"])
def test_answers_from_disk_are_the_answers_from_memory(
    records: Path, tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if where == "in the answers child":
        monkeypatch.setattr(answers, "IN_PROCESS", 0)
    on_disk = tmp_path / "disk" / "dist"
    on_disk.parent.mkdir()
    # A killed build's leftovers, which the next build removes.
    leftover = builds_dir(on_disk) / ".answers-killed.sqlite.store"
    leftover.mkdir(parents=True)
    (leftover / "000001.sst").write_bytes(b"left by a killed build")
    memory = tmp_path / "memory" / "dist"
    memory.parent.mkdir()
    assert _build(records, on_disk, 0) == _build(records, memory, 30_000_000)
    assert not leftover.exists()


def test_the_store_goes_on_disk_above_the_bound_only(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folders: list[Path | None] = []
    load = answers._Loading.load

    def watched(self: answers._Loading, predicates: frozenset[str] | None) -> ox.Store:
        store = load(self, predicates)
        folders.append(self._on_disk)
        if self._on_disk is not None:  # really there: RocksDB's files
            assert any(self._on_disk.rglob("*.sst")), list(self._on_disk.rglob("*"))
        return store

    monkeypatch.setattr(answers._Loading, "load", watched)
    first = tmp_path / "first" / "dist"
    first.parent.mkdir()
    _build(records, first, 10**9)
    assert set(folders) == {None}
    folders.clear()
    second = tmp_path / "second" / "dist"
    second.parent.mkdir()
    _build(records, second, 1)
    (folder,) = set(folders)
    assert folder is not None and folder.name.endswith(".store")


def test_the_bound_is_on_the_triples_the_queries_read(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What is held to ``answers_memory_triples`` is the count of the sources' triples the
    answers child loads: those the queries and the search index read (counted per predicate
    and type class when the sources are prepared), not the graph's (at 100,000 projects about
    half of it). A graph small enough to answer in this process is loaded whole: counted
    whole."""

    def built(name: str, bound: int | None = None) -> BuildResult:
        more = {} if bound is None else {"answers_memory_triples": bound}
        dist = tmp_path / name / "dist"
        dist.parent.mkdir()
        settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": dist, **more})
        return build(settings, quiet=True, workers=1)

    here = built("in this process")
    dump = here.published.folder / "projectgraph.nq.zst"
    with (
        dump.open("rb") as f,
        zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True) as frames,
    ):  # a frame per graph: every source's, a shared description once per source that has it
        quads = frames.read().splitlines()
    assert here.reused["answers store"] == (len(quads), 0)

    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    child = built("in the child")
    counted, on_disk = child.reused["answers store"]
    assert not on_disk
    # The count, again, from the dump: its lines the store's selection takes.
    settings = load_settings(REPO)
    plans = [plan(q, settings.base_iri) for q in load_queries(settings.queries_dir)]
    jobs = [answers._job(i, p) for i, p in enumerate(plans, start=1) if p.materialized]
    needed = answers._needed(jobs, None)
    assert needed is not None
    selection = frozenset(map(selected_form, needed))
    assert counted == sum(1 for line in quads if selected(line, selection))
    # Fewer than the graph's (at 25 projects most are the reference data's, labels the
    # search reads; at 100,000 projects, half).
    assert counted < len(quads), (counted, len(quads))
    at = built("at the bound", counted)
    assert at.reused["answers store"] == (counted, 0) and "answers rounds" not in at.reused
    # Above it, in memory still, in rounds: each fact and query fits by itself (see
    # tests/test_store_rounds.py for the bound where one does not, and the store is on disk).
    above = built("above the bound", counted - 1)
    assert above.reused["answers store"] == (counted, 0)
    assert above.reused["answers rounds"][0] >= 2
    assert above.published.build_id == child.published.build_id == here.published.build_id
