"""A rebuild keeps the last partition into validation units only when it is still the
partition of the sources: real record edits on a synthetic set, each followed by a check that
the partition used (kept or made anew) equals one made from scratch of the same sources."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from projectgraph.build import partition as partitioning
from projectgraph.build.prepare import Prepared
from projectgraph.build.sources import discover
from projectgraph.pipeline import cache as cache_module
from projectgraph.pipeline import run as pipeline
from projectgraph.pipeline.cache import CACHE_FILE, BuildCache
from projectgraph.publish.dist import builds_dir
from projectgraph.settings import Settings, load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """12 synthetic records, validated once (which keeps their partition)."""
    folder = tmp_path / "records"
    synthesize(folder, 12, 5, load_settings(REPO), workers=1)
    settings = load_settings(REPO, {"project_dirs": (folder,), "dist_dir": tmp_path / "dist"})
    pipeline.validate_sources(settings, workers=1)
    return settings


def _validate(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, paths: list[Path] | None = None
) -> bool:
    """Validate the records again (or ``paths`` only); whether the partition was kept. Checks
    that the partition kept for next time is the one partitioning the current sources from
    scratch gives."""
    made: list[int] = []
    original = partitioning.partition

    def counted(*args: object, **kwargs: object) -> partitioning.Partition:
        made.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "partition", counted)
        pipeline.validate_sources(settings, paths, workers=1)

    sources = discover(settings)
    cache_file = builds_dir(settings.dist_dir) / CACHE_FILE
    with sqlite3.connect(cache_file) as db:
        prints = dict(db.execute("SELECT key, fingerprint FROM prepared").fetchall())
    cache = BuildCache(cache_file)
    try:
        found = cache.prepared([(s.key, prints[s.key]) for s in sources])
        prepared: list[Prepared] = [p for p in found if p is not None]
        assert len(prepared) == len(sources)
        kept = cache.partition([f"{s.kind} {s.key}" for s in sources])
    finally:
        cache.close()
    assert kept is not None
    assert kept[0] == [p.fingerprint for p in prepared]
    assert kept[1] == original(prepared, [s.kind for s in sources])
    return not made


def _edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"the edit changed nothing in {path.name}"
    path.write_text(changed, encoding="utf-8")


def _add_alt_label(path: Path, subject: str, label: str) -> None:
    """Append a skos:altLabel of ``subject`` (a path under the base IRI) to the record."""
    alt = "<http://www.w3.org/2004/02/skos/core#altLabel>"
    _edit(path, lambda t: t + f'\n<{subject}> {alt} "{label}"@en .\n')


def _records(settings: Settings) -> list[Path]:
    return sorted(settings.project_dirs[0].glob("*.ttl"))


def test_an_unchanged_rebuild_keeps_the_partition(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _validate(settings, monkeypatch)


def test_a_changed_title_keeps_the_partition(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(_records(settings)[4], lambda t: re.sub(r'(eurio:title\s+")', r"\1Changed: ", t, count=1))
    assert _validate(settings, monkeypatch)


def test_a_new_link_to_another_record_makes_it_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A project that points at another record's project is validated with it: one unit less.
    first, other = _records(settings)[2], _records(settings)[7]
    _edit(
        first,
        lambda t: (
            t
            + f"\n<id/project/{first.stem}> <http://purl.org/dc/terms/relation> "
            + f"<id/project/{other.stem}> .\n"
        ),
    )
    assert not _validate(settings, monkeypatch)


def test_a_changed_shared_description_makes_it_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An organisation several records describe: its description, the union of theirs, changes
    # when one record says more about it.
    described: dict[str, list[Path]] = {}
    for path in _records(settings):
        for slug in set(re.findall(r"organisation:(\S+) [^.]*?skos:prefLabel", path.read_text())):
            described.setdefault(slug, []).append(path)
    slug, paths = next((s, p) for s, p in sorted(described.items()) if len(p) >= 2)
    _add_alt_label(paths[0], f"id/organisation/{slug}", "Another name")
    assert not _validate(settings, monkeypatch)


def test_a_removed_record_makes_it_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _records(settings)[5].unlink()
    assert not _validate(settings, monkeypatch)


def test_a_record_describing_another_records_node_makes_it_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A subject more: another record's project, which becomes shared (described by two
    # records), though the record points at nothing new.
    records = _records(settings)
    _add_alt_label(records[3], f"id/project/{records[9].stem}", "Also known as")
    assert not _validate(settings, monkeypatch)


def test_validating_a_few_files_leaves_the_builds_partition_kept(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    few = pipeline.validate_sources(settings, _records(settings)[:2], workers=1)
    assert few.conforms
    assert _validate(settings, monkeypatch)


def test_a_partition_kept_by_other_code_or_damaged_is_made_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "__version__", "another version")
    assert not _validate(settings, monkeypatch)  # made anew, and kept as this code's
    with sqlite3.connect(builds_dir(settings.dist_dir) / CACHE_FILE) as db:
        db.execute("UPDATE kept_partition SET data = ?", (b"not zlib",))
    assert not _validate(settings, monkeypatch)
    assert _validate(settings, monkeypatch)


def test_a_source_of_another_kind_makes_it_anew(settings: Settings) -> None:
    # The same files, in the same order, with a project record now taken as reference data
    # (another configuration of the folders): the same keys and fingerprints, other units.
    sources = discover(settings)
    with (
        pipeline._cache(settings) as cache,
        pipeline.file_digests(settings.dist_dir) as digests,
    ):
        job = pipeline._Job(sources, settings, cache, 1, pipeline._Clock(), digests)
        prepared = pipeline._prepare(job)
        first = pipeline._partition(job, prepared)
        assert job.clock.reused["partition"][0] == len(first.units)  # kept from the fixture
        moved = len(sources) - 1
        assert sources[moved].kind == "project"
        other = [*sources[:moved], dataclasses.replace(sources[moved], kind="reference")]
        job = pipeline._Job(other, settings, cache, 1, pipeline._Clock(), digests)
        again = pipeline._partition(job, prepared)
        assert job.clock.reused["partition"][0] == 0
        assert again == partitioning.partition(prepared, [s.kind for s in other])
        assert again != first


def test_a_damaged_preparation_is_prepared_again(settings: Settings) -> None:
    # The cache's preparations are read back from marshal's format; a row that no longer
    # reads is prepared anew from its source, like one of another fingerprint.
    sources = discover(settings)
    damaged = sources[5].key
    with sqlite3.connect(builds_dir(settings.dist_dir) / CACHE_FILE) as db:
        assert (
            db.execute("UPDATE prepared SET summary = x'00ff' WHERE key = ?", (damaged,)).rowcount
            == 1
        )
    with (
        pipeline._cache(settings) as cache,
        pipeline.file_digests(settings.dist_dir) as digests,
    ):
        job = pipeline._Job(sources, settings, cache, 1, pipeline._Clock(), digests)
        again = pipeline._prepare(job)
        assert job.clock.reused["read + entail"] == (len(sources) - 1, len(sources))
        job = pipeline._Job(sources, settings, cache, 1, pipeline._Clock(), digests)
        assert pipeline._prepare(job) == again  # read back from the cache, all of them
        assert job.clock.reused["read + entail"] == (len(sources), len(sources))
