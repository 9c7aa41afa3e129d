"""The build cache commits a long stage's writes in batches (BuildCache.committing)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from projectgraph.pipeline.cache import BuildCache


def _stored(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM parts").fetchone()[0])


def test_writes_are_committed_every_batch_and_a_failure_loses_its_own_batch_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite"
    cache = BuildCache(path)
    seen = []
    with pytest.raises(RuntimeError):
        for n in cache.committing(range(10), every=4):
            if n == 9:
                raise RuntimeError("a worker failed")
            cache.store_part(f"data/projects/p{n}", "fp", b"", b"", b"")
            seen.append(_stored(path))  # what another connection sees
    # Committed after the 4th and the 8th: the 9th was rolled back with the failure.
    assert seen == [0, 0, 0, 0, 4, 4, 4, 4, 8]
    assert _stored(path) == 8
    assert list(cache.committing(iter(()))) == []  # nothing: an empty transaction
    cache.close()
