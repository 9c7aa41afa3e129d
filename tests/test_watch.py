"""``projectgraph build --watch``: the real command in a process of its own, the real system
notifications, real records edited. Each build it makes is the one a build from the command
line makes of the same records; a bad edit is said and leaves the last good build served."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from projectgraph.build.partition import with_predicates
from projectgraph.pipeline import cache as cache_module
from projectgraph.pipeline.resident import Resident
from projectgraph.pipeline.run import build
from projectgraph.pipeline.watch import Changes
from projectgraph.publish import answers
from projectgraph.publish.dist import builds_dir
from projectgraph.settings import load_settings
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO

WAIT = 120.0  # seconds a build of 20 projects may take on a loaded machine
_BUILD = (sys.executable, "-m", "projectgraph", "build", "--project")


class _Lines:
    """A process's output lines (stderr merged into stdout: in the order written), read by a
    thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))

    def until(self, start: str) -> list[str]:
        """The lines up to the first that starts with ``start`` (included)."""
        got: list[str] = []
        deadline = time.monotonic() + WAIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line {start!r} after: {self.seen[-20:]}") from None
            self.seen.append(line)
            got.append(line)
            if line.startswith(start):
                return got


def _built(lines: list[str]) -> str:
    return next(line.split()[1].rstrip(":") for line in lines if line.startswith("built "))


def _served(dist: Path) -> str:
    return json.loads((dist / "build.json").read_text())["build_id"]


def _retitle(record: Path, new: str) -> None:
    text = record.read_text()
    start = text.index('eurio:title "') + len('eurio:title "')
    record.write_text(text[:start] + new + text[text.index('"', start) :])


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("watched") / "records"
    synthesize(folder, 20, 7, load_settings(REPO), workers=1)
    return folder


def test_a_watching_build_rebuilds_each_change_as_a_fresh_build_would(
    records: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    process = subprocess.Popen(
        [*_BUILD, str(records), "--dist", str(dist), "--watch", "--quiet", "--workers", "1"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    out = _Lines(process)
    try:
        first = _built(out.until("watching"))
        assert _served(dist) == first

        record = sorted(records.glob("*.ttl"))[3]
        _retitle(record, "Retitled while watched")
        lines = out.until("watching")
        assert f"changed: {record}" in lines
        second = _built(lines)
        assert second != first
        assert any("1 graph changed" in line for line in lines), lines
        assert _served(dist) == second

        # The same records built from the command line, alone: the same build.
        fresh = subprocess.run(
            [*_BUILD, str(records), "--dist", str(tmp_path / "fresh"), "--quiet", "--workers", "1"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        assert fresh.stdout.startswith(f"built {second}:"), fresh.stdout

        bad = records / "zz-broken.ttl"
        bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  nonsense .\n")
        lines = out.until("watching")
        errors = [line for line in lines if line.startswith("error:")]
        assert errors and f"{bad}:3" in errors[0] and "dist/ is unchanged" in errors[0], lines
        assert not any(line.startswith("built ") for line in lines)
        assert _served(dist) == second  # the last good build is still the one served

        bad.unlink()
        assert _built(out.until("watching")) == second  # the same inputs as before

        # A violation in the changed record (EURIO's titles are plain strings): its unit is
        # validated again, not taken as the build before's.
        text = record.read_text()
        record.write_text(text.replace('"Retitled while watched"', '"Retitled while watched"@en'))
        lines = out.until("watching")
        assert any(line.startswith("error: build refused") for line in lines), lines
        assert any(f"{record}:" in line and "eurio:title" in line for line in lines), lines
        assert _served(dist) == second
        record.write_text(text)
        assert _built(out.until("watching")) == second
    finally:
        process.send_signal(signal.SIGTERM)  # as Ctrl-C
        try:
            code = process.wait(WAIT)
        finally:
            process.kill()
    assert code == 0
    assert "stopped watching" in out.until("stopped watching")[-1]
    assert not list(builds_dir(dist).glob(".tmp-*"))  # nothing half-written left
    assert not list(builds_dir(dist).glob(".answers-*"))


def test_the_build_after_reads_only_the_changed_preparation_back(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / "dist"})
    asked: list[int] = []
    read = cache_module.BuildCache.prepared

    def counted(self: cache_module.BuildCache, sources: list) -> list:  # type: ignore[type-arg]
        asked.append(len(sources))
        return read(self, sources)

    monkeypatch.setattr(cache_module.BuildCache, "prepared", counted)
    resident = Resident()
    first = build(settings, quiet=True, workers=1, resident=resident)
    assert first.reused["read + entail"][0] == 0  # a new build folder: none in the cache
    assert len(resident.prepared) == first.reused["read + entail"][1]
    record = sorted(records.glob("*.ttl"))[5]
    original = record.read_text()
    try:
        _retitle(record, "Read back alone")
        again = build(settings, quiet=True, workers=1, resident=resident)
    finally:
        record.write_text(original)
    assert asked[1:] == [1]  # the changed record's, looked up in the cache: the rest kept
    assert again.reused["read + entail"][0] == again.reused["read + entail"][1] - 1
    assert again.reused["partition"][0] == again.reused["partition"][1]  # kept in memory


def test_changes_skip_the_build_s_own_files_and_hidden_ones(records: Path, tmp_path: Path) -> None:
    settings = load_settings(
        REPO, {"project_dirs": (records,), "dist_dir": records / ".projectgraph" / "dist"}
    )
    watching = Changes(settings, quiet=200)
    try:
        (records / ".projectgraph" / "dist").mkdir(parents=True)
        (records / ".projectgraph" / "dist" / "build.json").write_text("{}")
        (records / ".hidden").mkdir()
        (records / ".hidden" / "x.ttl").write_text("")
        (records / "notes.ttl~").write_text("")
        time.sleep(1.0)  # none of these is a change to wait for
        record = sorted(records.glob("*.ttl"))[0]
        record.write_text(record.read_text())
        found = watching.next()
    finally:
        watching.close()
        shutil.rmtree(records / ".projectgraph", ignore_errors=True)
        shutil.rmtree(records / ".hidden", ignore_errors=True)
        (records / "notes.ttl~").unlink(missing_ok=True)
    assert found == {record}


def test_the_answers_process_kept_between_builds_answers_as_a_new_one(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Answered in a process of their own however small the graph (as above 100,000
    # triples): the process, and its store, kept from one build to the next.
    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / "dist"})
    record = sorted(records.glob("*.ttl"))[7]
    original = record.read_text()
    acronym = re.search(r'eurio:shortForm "([^"]*)"', original)
    assert acronym is not None
    # A title, then the acronym the projects are ordered by (the record's project moves to
    # the top), then a date: each time the kept store's triples of that predicate deleted
    # and loaded again, and each build compared with the same records built afresh.
    edits = [
        original.replace('eurio:title "', 'eurio:title "Kept store: ', 1),
        original.replace(acronym[0], 'eurio:shortForm "AAAKEPT"'),
        original.replace(acronym[0], 'eurio:shortForm "AAAKEPT"').replace(
            'eurio:startDate "20', 'eurio:startDate "19', 1
        ),
    ]
    resident = Resident()
    try:
        build(settings, quiet=True, workers=1, resident=resident)
        process = resident.answers.process
        assert process is not None and process.is_alive()
        for k, text in enumerate(edits):
            record.write_text(text)
            kept = build(settings, quiet=True, workers=1, resident=resident)
            assert resident.answers.process is process  # the same process answered
            assert kept.reused["answers"][0] < kept.reused["answers"][1]  # some again
            fresh = load_settings(
                REPO, {"project_dirs": (records,), "dist_dir": tmp_path / f"fresh-{k}"}
            )
            assert kept.published.build_id == build(fresh, quiet=True, workers=1).published.build_id
    finally:
        record.write_text(original)
        resident.close()
    assert not process.is_alive()


def test_a_renewed_store_loaded_whole_is_in_the_graph_s_order(tmp_path: Path) -> None:
    # Oxigraph puts a triple deleted and inserted again back in its old place: a query whose
    # answer depends on the order of loading (a whole graph anew) gets a new store.
    title, other = "http://example.org/title", "http://example.org/other"

    def graph_of(titles: list[str]) -> answers.GraphSource:
        lines = "".join(
            f'<http://example.org/s{i}> <{title}> "{t}" .\n'
            f'<http://example.org/s{i}> <{other}> "x" .\n'
            for i, t in enumerate(titles)
        ).encode()

        def read(predicates: frozenset[bytes] | None = None) -> Iterator[bytes]:
            yield lines if predicates is None else with_predicates(lines, predicates)

        return read

    query = f"SELECT (GROUP_CONCAT(?t) AS ?all) WHERE {{ ?s <{title}> ?t }}"
    before, after = graph_of(["a", "b", "c", "d"]), graph_of(["a", "B", "c", "d"])
    kept = answers._Loading(before)
    kept.load(frozenset({title}))
    kept.renew(after, frozenset({title}))
    renewed = [str(r[0]) for r in kept.load(None).query(query)]  # type: ignore[union-attr]
    fresh = [str(r[0]) for r in answers._Loading(after).load(None).query(query)]  # type: ignore[union-attr]
    assert renewed == fresh


def test_a_removed_build_cache_is_not_trusted_for_what_was_kept(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "IN_PROCESS", 0)
    dist = tmp_path / "dist"
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": dist})
    resident = Resident()
    record = sorted(records.glob("*.ttl"))[9]
    original = record.read_text()
    try:
        build(settings, quiet=True, workers=1, resident=resident)
        shutil.rmtree(builds_dir(dist) / "search-facts", ignore_errors=True)
        for cache in builds_dir(dist).glob("cache-*"):
            cache.unlink()  # "never a source of truth (removed, they are made again)"
        _retitle(record, "After the cache went")
        again = build(settings, quiet=True, workers=1, resident=resident)
        fresh = load_settings(REPO, {"project_dirs": (records,), "dist_dir": tmp_path / "fresh"})
        assert again.published.build_id == build(fresh, quiet=True, workers=1).published.build_id
    finally:
        record.write_text(original)
        resident.close()


def test_a_watched_file_replaced_again_and_again_is_seen_each_time(tmp_path: Path) -> None:
    # Editors save by writing a new file and renaming it over the old one: a watch on the
    # file itself would keep the first one's.
    ontology = tmp_path / "ontology" / "projectgraph.ttl"
    ontology.parent.mkdir()
    shutil.copy(REPO / "ontology" / "projectgraph.ttl", ontology)
    (tmp_path / "records").mkdir()
    settings = load_settings(
        REPO,
        {"ontology": ontology, "project_dirs": (tmp_path / "records",), "dist_dir": tmp_path / "d"},
    )
    watching = Changes(settings, quiet=100)
    try:
        for k in range(3):
            saved = ontology.with_name(f".projectgraph.ttl.{k}")
            saved.write_text(ontology.read_text() + f"\n# save {k}\n")
            os.replace(saved, ontology)
            assert ontology in watching.next()
    finally:
        watching.close()
