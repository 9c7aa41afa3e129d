"""The merged graph's statistics are added up by chunks of parts kept in the build cache: a
rebuild reads again only the parts of the chunks that changed, and gets the statistics a
build from scratch gets."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from projectgraph.pipeline.cache import BuildCache
from projectgraph.pipeline.dump_parts import ChunkedStats
from projectgraph.publish.parts import Stats, StatsChunk, StatsTotal, chunk_ends


def _stats(rng: random.Random, n: int) -> Stats:
    digests = sorted({rng.randrange(1 << 20).to_bytes(8, "big") for _ in range(rng.randrange(9))})
    return Stats(
        triples=rng.randrange(0, 40) if n % 7 else 0,  # some parts are empty
        subjects=rng.randrange(5),
        entities=rng.randrange(3),
        predicates={f"http://example.org/p{rng.randrange(30)}" for _ in range(3)},
        classes=Counter({f"http://example.org/C{rng.randrange(5)}": rng.randrange(1, 4)}),
        objects=b"".join(digests),
        start=f"20{rng.randrange(10, 30)}-01-01",
        end=f"20{rng.randrange(30, 40)}-01-01",
        countries={f"http://example.org/c{rng.randrange(40)}"},
        first_project=f"http://example.org/project/{rng.randrange(10**6):07d}",
    )


def _store(cache: BuildCache, parts: dict[tuple[str, str], Stats]) -> None:
    with cache.transaction():
        for (key, made_from), stats in parts.items():
            cache.store_part(key, made_from, b"", b"", stats.encode())


def _from_scratch(parts: dict[tuple[str, str], Stats]) -> Stats:
    total = StatsTotal()
    for stats in parts.values():
        total.add(stats)
    return total.result()


def _run(cache: BuildCache, keyed: list[tuple[str, str]]) -> tuple[Stats, list[int], Any]:
    """Every chunk added up, as a build's dump parts do (none made by this build)."""
    added, start, triples = ChunkedStats(cache), 0, []
    with cache.transaction():
        for end in chunk_ends([key for key, _ in keyed]):
            triples += added.add(keyed[start:end], {}).triples
            start = end
    return added.result(), triples, SimpleNamespace(chunks=added.fingerprints)


def test_a_rebuild_adds_up_kept_chunks_and_the_changed_one_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    parts = {(f"data/projects/p{n:05d}", f"fp{n}"): _stats(rng, n) for n in range(3000)}
    keyed = list(parts)
    assert len(chunk_ends([key for key, _ in keyed])) > 5  # several chunks
    cache = BuildCache(tmp_path / "cache.sqlite")
    _store(cache, parts)
    stats, triples, clock = _run(cache, keyed)
    assert stats == _from_scratch(parts)
    assert triples == [s.triples for s in parts.values()]
    chunks = set(clock.chunks)

    # One part changed: only its chunk's parts are read again.
    changed = (keyed[1234][0], "fp-edited")
    del parts[keyed[1234]]
    parts = {
        **dict(list(parts.items())[:1234]),
        changed: _stats(rng, 1),
        **dict(list(parts.items())[1234:]),
    }
    keyed = list(parts)
    _store(cache, {changed: parts[changed]})
    read: list[str] = []
    real = cache.part

    def counted(key: str, made_from: str, column: str = "data") -> bytes | None:
        read.append(key)
        return real(key, made_from, column)

    monkeypatch.setattr(cache, "part", counted)
    stats, triples, clock = _run(cache, keyed)
    assert stats == _from_scratch(parts)
    assert triples == [s.triples for s in parts.values()]
    assert changed[0] in read and 0 < len(read) < 1000
    assert len(clock.chunks - chunks) == 1

    # A kept chunk damaged in the cache is added up again from its parts: one that cannot be
    # read, and one that reads as the wrong number of parts.
    assert cache._db is not None
    cache._db.execute("UPDATE stats_chunks SET data = x'00'")
    read.clear()
    stats, _, _ = _run(cache, keyed)
    assert stats == _from_scratch(parts) and len(read) == len(keyed)
    wrong = StatsChunk(Stats(triples=1), (1,))
    with cache.transaction():
        for chunk_print in clock.chunks:
            cache.store_stats_chunk(chunk_print, wrong)
    read.clear()
    stats, triples, _ = _run(cache, keyed)
    assert stats == _from_scratch(parts) and len(read) == len(keyed)
    assert triples == [s.triples for s in parts.values()]
    cache.close()


def test_chunks_are_cut_by_the_keys_not_their_positions() -> None:
    keys = [f"data/projects/p{n:05d}" for n in range(5000)]
    ends = chunk_ends(keys)
    assert ends[-1] == len(keys) and ends == sorted(set(ends))
    cut_after = {keys[e - 1] for e in ends[:-1]}
    # A key added at the front moves every position, but no chunk's last key.
    shifted = chunk_ends(["data/projects/a-new-one", *keys])
    assert {(["data/projects/a-new-one", *keys])[e - 1] for e in shifted[:-1]} >= cut_after
    assert chunk_ends([]) == []
