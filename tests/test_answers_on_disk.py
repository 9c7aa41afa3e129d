"""A graph too large for memory is answered from an on-disk store: the same answers file, byte
for byte, as from memory, and nothing left behind (a real build of synthetic records, in this
process and in the answers child process)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from projectgraph.pipeline.run import build
from projectgraph.publish import answers
from projectgraph.publish.dist import builds_dir
from projectgraph.settings import load_settings
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
