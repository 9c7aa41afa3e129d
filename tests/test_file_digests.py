"""The sources' digests are remembered by their stat signature: a rebuild does not read
unchanged files again, and still sees every change (even one that keeps the size and puts the
modification time back)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from projectgraph import files
from projectgraph.files import FileDigests, read_sha256
from projectgraph.pipeline import run
from projectgraph.pipeline.current import is_stale
from projectgraph.pipeline.run import build
from projectgraph.publish.dist import DIGESTS_FILE, builds_dir
from projectgraph.publish.manifest import read_manifest
from projectgraph.settings.load import load_settings
from tests.conftest import dataset_nquads


def _rewrite_keeping_size_and_mtime(path: Path, old: bytes, new: bytes) -> None:
    assert len(old) == len(new)
    st = path.stat()
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_a_digest_is_remembered_and_a_change_is_seen(tmp_path: Path) -> None:
    db = tmp_path / "digests.sqlite"
    record = tmp_path / "a.ttl"
    record.write_bytes(b"<http://e/a> <http://e/p> 'one' .\n")
    with FileDigests(db, racy_ns=0) as digests:
        first = digests.sha256(record)
        assert first == read_sha256(record) and digests.hashed == 1
    with FileDigests(db, racy_ns=0) as digests:
        assert digests.sha256(record) == first
        assert digests.hashed == 0  # trusted: not read again
    _rewrite_keeping_size_and_mtime(record, b"one", b"two")
    with FileDigests(db, racy_ns=0) as digests:
        assert digests.sha256(record) == read_sha256(record) != first
        assert digests.hashed == 1  # the change time moved: read again


def test_a_file_hashed_as_it_was_written_is_read_again(tmp_path: Path) -> None:
    """Within the racy window after hashing, a file could change and keep its signature."""
    db = tmp_path / "digests.sqlite"
    record = tmp_path / "a.ttl"
    record.write_bytes(b"x")
    with FileDigests(db) as digests:
        digests.sha256(record)
    with FileDigests(db) as digests:
        digests.sha256(record)
        assert digests.hashed == 1


def test_digests_without_a_place_to_keep_them_are_computed(tmp_path: Path) -> None:
    record = tmp_path / "a.ttl"
    record.write_bytes(b"x")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"not a database, " * 512)
    for where in (None, tmp_path / "missing" / DIGESTS_FILE, damaged):
        with FileDigests(where, racy_ns=0) as digests:
            assert digests.sha256(record) == read_sha256(record)
            assert digests.sha256(record) == read_sha256(record)
    with pytest.raises(OSError):
        FileDigests(None).sha256(tmp_path / "gone.ttl")


def test_closing_after_a_build_forgets_files_no_longer_asked_about(tmp_path: Path) -> None:
    db = tmp_path / "digests.sqlite"
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    with FileDigests(db) as digests:
        digests.sha256(a)
        digests.sha256(b)
    digests = FileDigests(db)
    digests.sha256(a)
    digests.close(only_seen=True)
    rows = sqlite3.connect(db).execute("SELECT path FROM digests").fetchall()
    assert rows == [(str(a.absolute()),)]


def test_a_rebuild_reads_only_changed_inputs_and_sees_a_same_size_edit(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FileDigests, "RACY_NS", 0)  # the files were copied a moment ago
    read: list[Path] = []

    def counted(path: Path) -> str:
        read.append(path)
        return read_sha256(path)

    monkeypatch.setattr(files, "read_sha256", counted)
    monkeypatch.setattr(run, "read_sha256", counted)  # where a source is hashed as it is read
    settings = load_settings(project_copy, {"dist_dir": project_copy / "dist"})
    first = build(settings, quiet=True).published
    assert read, "the first build hashes its inputs"
    kept = sqlite3.connect(builds_dir(settings.dist_dir) / DIGESTS_FILE)
    remembered = dict(kept.execute("SELECT path, sha256 FROM digests"))
    # Every input hashed is remembered: those read here, and the records the build's
    # workers hashed as they read them (in processes of their own, not counted here).
    assert {str(p.absolute()) for p in read} <= remembered.keys()
    assert all(read_sha256(Path(p)) == digest for p, digest in remembered.items())

    read.clear()
    again = build(settings, quiet=True).published
    assert again.build_id == first.build_id
    assert read == []  # nothing changed: no input read to learn it

    record = project_copy / "data" / "projects" / "clusters3.ttl"
    _rewrite_keeping_size_and_mtime(record, b"CLUSTERS3", b"CLUSTERZ3")
    read.clear()
    assert is_stale(settings, read_manifest(settings.dist_dir))
    changed = build(settings, quiet=True).published
    assert read == [record]  # by the staleness check; the build then trusts its digest
    assert changed.build_id != first.build_id
    assert b"CLUSTERZ3" in dataset_nquads(changed.folder)


def test_without_remembered_digests_a_rebuild_still_finds_its_preparations(
    project_copy: Path,
) -> None:
    """A record with a cached preparation is hashed before the workers start, so the cache
    can be asked; only records it holds nothing for are hashed by the workers that read
    them."""
    settings = load_settings(project_copy, {"dist_dir": project_copy / "dist"})
    first = build(settings, quiet=True)
    (builds_dir(settings.dist_dir) / DIGESTS_FILE).unlink()
    again = build(settings, quiet=True)
    reused, total = again.reused["read + entail"]
    assert reused == total and again.published.build_id == first.published.build_id
