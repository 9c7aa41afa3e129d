"""A rebuild copies the dumps' unchanged pieces from the build served before, and writes the
same bytes as a build from scratch.

Every check compares the rebuild with a build of the same records from scratch, by build id
(which covers every dump's SHA-256) and byte for byte, so a piece copied that should have
been written again, or copied from the wrong place, fails the test. The served build's files
are tampered with in the ways a publisher might (a file rewritten, a layout damaged) and the
kernel's copy refused, as another file system would.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from projectgraph.pipeline import dump_parts
from projectgraph.pipeline.cache import CACHE_FILE, BuildCache
from projectgraph.pipeline.run import BuildResult, build
from projectgraph.publish.dist import builds_dir
from projectgraph.publish.dumps import DUMP_FORMATS
from projectgraph.publish.parts import Part
from projectgraph.settings import Settings
from projectgraph.settings.load import load_settings
from projectgraph.store.embedded import DATASET_DUMP
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO, build_from_scratch, built_records, records_settings

DUMPS = [f.filename for f in DUMP_FORMATS]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """15 synthetic records, built once (the build a rebuild copies from)."""
    first = built_records(tmp_path / "records", 15, 11)
    assert first.reused["dump bytes"][0] == 0  # nothing to copy from
    return tmp_path / "records"


def _change_title(records: Path, index: int = 6) -> None:
    record = sorted(records.glob("*.ttl"))[index]
    text = record.read_text(encoding="utf-8")
    changed = re.sub(r'(eurio:title\s+")', r"\1Changed: ", text, count=1)
    assert changed != text
    record.write_text(changed, encoding="utf-8")


def _same_as_scratch(settings: Settings, rebuilt: BuildResult) -> None:
    """The rebuild's dumps are the bytes a build of the same records from scratch writes."""
    dumps = {name: (rebuilt.published.folder / name).read_bytes() for name in DUMPS}
    scratch = build_from_scratch(settings)
    assert scratch.reused["dump bytes"][0] == 0
    for name in DUMPS:
        assert (scratch.published.folder / name).read_bytes() == dumps[name], name
    assert scratch.published.build_id == rebuilt.published.build_id


def test_a_rebuild_copies_all_but_the_changed_pieces(records: Path) -> None:
    settings = records_settings(records)
    _change_title(records)
    rebuilt = build(settings, quiet=True)
    copied, total = rebuilt.reused["dump bytes"]
    changed = (records / sorted(p.name for p in records.glob("*.ttl"))[6]).stat().st_size
    # One record's pieces are written again (a few times its size over five formats).
    assert total - 10 * changed < copied < total
    _same_as_scratch(settings, rebuilt)


def test_an_unchanged_rebuild_copies_every_piece(records: Path) -> None:
    settings = records_settings(records)
    served = settings.dist_dir.resolve().name
    again = build(settings, quiet=True)
    copied, total = again.reused["dump bytes"]
    headers = 20_000  # the prefixes, the JSON-LD context: written, not copied
    assert total - headers < copied < total
    assert again.published.build_id == served


def test_a_rewritten_served_file_is_not_copied_from(records: Path) -> None:
    settings = records_settings(records)
    served = settings.dist_dir.resolve() / DATASET_DUMP
    size = served.stat().st_size
    # Changed behind the build's back (same size, other bytes): no longer what the layout says.
    served.chmod(0o644)
    with served.open("r+b") as f:
        f.write(b"#")
    _change_title(records)
    rebuilt = build(settings, quiet=True)
    copied, total = rebuilt.reused["dump bytes"]
    assert 0 < copied <= total - size
    _same_as_scratch(settings, rebuilt)


def test_a_damaged_layout_writes_every_piece(records: Path) -> None:
    settings = records_settings(records)
    with sqlite3.connect(builds_dir(settings.dist_dir) / CACHE_FILE) as db:
        assert db.execute("UPDATE dump_layouts SET data = x'00ff'").rowcount == 1
    _change_title(records)
    rebuilt = build(settings, quiet=True)
    assert rebuilt.reused["dump bytes"][0] == 0
    _same_as_scratch(settings, rebuilt)


def test_a_removed_served_build_writes_every_piece(records: Path) -> None:
    settings = records_settings(records)
    served = settings.dist_dir.resolve()
    for name in DUMPS:
        (served / name).unlink()
    _change_title(records)
    rebuilt = build(settings, quiet=True)
    assert rebuilt.reused["dump bytes"][0] == 0
    _same_as_scratch(settings, rebuilt)


def test_without_the_kernels_copy_the_pieces_are_written_here(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def refused(*args: object, **kwargs: object) -> int:
        calls.append(1)
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(os, "copy_file_range", refused)
    settings = records_settings(records)
    _change_title(records, 2)
    _change_title(records, 9)
    rebuilt = build(settings, quiet=True)
    assert calls
    copied, total = rebuilt.reused["dump bytes"]
    assert 0 < copied < total
    _same_as_scratch(settings, rebuilt)


def test_a_failure_writing_the_n_quads_fails_the_build_and_keeps_the_served_one(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The N-Quads dump is written by a thread of its own: its error is the build's, and
    nothing of the failed build is left."""
    settings = records_settings(records)
    served = settings.dist_dir.resolve()
    before = sorted(p.name for p in builds_dir(settings.dist_dir).iterdir())
    threads: list[str] = []

    def full(prepared: object) -> bytes:
        threads.append(threading.current_thread().name)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(dump_parts, "_nquads", full)
    _change_title(records)
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        build(settings, quiet=True)
    assert threads and all(t.startswith("projectgraph-nquads") for t in threads)
    assert settings.dist_dir.resolve() == served
    assert sorted(p.name for p in builds_dir(settings.dist_dir).iterdir()) == before


def test_a_failure_while_the_parts_are_made_fails_the_build_and_keeps_the_served_one(
    records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The merged graph's dumps are written as the changed parts are made: a failure
    there stops the build (the parts not started are dropped), nothing of it is left, and
    the parts made before it are kept for the next build, which is the same as one from
    scratch."""
    settings = records_settings(records)
    served = settings.dist_dir.resolve()
    before = sorted(p.name for p in builds_dir(settings.dist_dir).iterdir())
    for index in (2, 6, 11):
        _change_title(records, index)
    real = Part.decode_fragments
    calls: list[int] = []

    def full(data: bytes) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(data)

    monkeypatch.setattr(Part, "decode_fragments", staticmethod(full))
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        build(settings, quiet=True)
    assert settings.dist_dir.resolve() == served
    assert sorted(p.name for p in builds_dir(settings.dist_dir).iterdir()) == before
    monkeypatch.setattr(Part, "decode_fragments", staticmethod(real))
    rebuilt = build(settings, quiet=True)
    reused, total = rebuilt.reused["dumps"]
    # Kept: every part of the chunks reached, the failed one's included (a third edited
    # record in a later chunk may not have been made).
    assert reused >= total - 1
    _same_as_scratch(settings, rebuilt)


def test_a_failure_while_workers_make_the_parts_leaves_no_worker_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enough records for the dump workers to be processes: an error while their parts come
    in (the cache's disk full) stops them, the parts not started are dropped, and no build is
    published."""
    folder = tmp_path / "records"
    synthesize(folder, 300, 5, load_settings(REPO), workers=1)
    settings = records_settings(folder)
    real = BuildCache.store_part
    calls: list[int] = []

    def full(cache: BuildCache, *args: Any) -> None:
        calls.append(1)
        if len(calls) == 20:
            assert multiprocessing.active_children(), "the parts are made by worker processes"
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(cache, *args)

    monkeypatch.setattr(BuildCache, "store_part", full)
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        build(settings, quiet=True)
    assert multiprocessing.active_children() == []
    assert not settings.dist_dir.exists()
