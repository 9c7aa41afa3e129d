"""A new build's on-disk store made from the last one by the graphs that changed holds exactly
the quads of a store loaded from the new build's dump: real record edits on a synthetic set,
real builds, real on-disk Oxigraph stores."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from projectgraph.pipeline.run import build
from projectgraph.settings import Settings, load_settings
from projectgraph.store import loading, update
from projectgraph.store.embedded import load_build
from projectgraph.store.loading import ServedBuild, ensure_disk_store
from projectgraph.synth.generate import synthesize
from tests.conftest import REPO
from tests.server import new_build_after, start_server
from tests.test_switch import NEW_TITLE, WHICH, retitle
from tests.test_switch import build as build_project


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """30 synthetic records, built, and the build's store loaded on disk, made once for the
    module in ``work``, with a copy of it all (records, dist, caches, store) in ``pristine``;
    the folder to work in and that copy."""
    work = tmp_path_factory.mktemp("store-update") / "work"
    synthesize(work / "records", 30, 5, load_settings(REPO), workers=1)
    _, how = _store(_settings(work))
    assert how == "loaded"
    pristine = work.with_name("pristine")
    shutil.copytree(work, pristine, symlinks=True)
    return work, pristine


@pytest.fixture
def settings(built_once: tuple[Path, Path]) -> Settings:
    """The records, build and store of ``built_once`` as they were made, put back in the same
    folder before each test (the same paths, so the same inputs digest as a build of its own:
    a test's edits and stores never reach the next test)."""
    work, pristine = built_once
    shutil.rmtree(work)
    shutil.copytree(pristine, work, symlinks=True)
    return _settings(work)


def _settings(work: Path) -> Settings:
    return load_settings(REPO, {"project_dirs": (work / "records",), "dist_dir": work / "dist"})


def _store(settings: Settings) -> tuple[Path, str]:
    """Build, and make the build's on-disk store; its path and how it was made."""
    published = build(settings, quiet=True, workers=1).published
    served = ServedBuild(published.folder, dict(published.manifest))
    return ensure_disk_store(settings.dist_dir.parent / "store", served)


def _quads(store: ox.Store) -> Counter[str]:
    """The store's quads, each blank node named by the statements it is in (Oxigraph labels
    them anew at every load; the reference data's geometries are blank nodes)."""
    quads = list(store)
    about: defaultdict[str, list[str]] = defaultdict(list)
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            o = "_" if isinstance(q.object, ox.BlankNode) else str(q.object)
            about[q.subject.value].append(f"{q.predicate} {o} {q.graph_name}")
        if isinstance(q.object, ox.BlankNode):
            s = "_" if isinstance(q.subject, ox.BlankNode) else str(q.subject)
            about[q.object.value].append(f"^{q.predicate} {s} {q.graph_name}")
    names = {b: hashlib.sha256("\n".join(sorted(v)).encode()).hexdigest() for b, v in about.items()}

    def term(t: object) -> str:
        return f"_:{names[t.value]}" if isinstance(t, ox.BlankNode) else str(t)

    return Counter(
        f"{term(q.subject)} {q.predicate} {term(q.object)} {q.graph_name}" for q in quads
    )


def _same_as_loaded(settings: Settings, path: Path) -> None:
    """The store at ``path`` holds the quads of a store loaded from the served build's dump."""
    loaded = ox.Store()
    load_build(loaded, str(settings.dist_dir.resolve() / "projectgraph.nq.zst"))
    made = ox.Store.read_only(str(path))
    assert _quads(made) == _quads(loaded)


def _records(settings: Settings) -> list[Path]:
    return sorted(settings.project_dirs[0].glob("*.ttl"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _add_blank_node(record: Path) -> None:
    """A statement about the record's project whose object is a blank node."""
    with record.open("a", encoding="utf-8") as f:
        f.write(
            f"\n<id/project/{record.stem}> <http://purl.org/dc/terms/relation> "
            '[ <http://www.w3.org/2000/01/rdf-schema#comment> "a note" ] .\n'
        )


def _title(path: Path) -> str:
    found = re.search(r'eurio:title\s+"([^"\\]*)"', path.read_text(encoding="utf-8"))
    assert found is not None
    return found[1]


def test_a_changed_title_updates_the_store(settings: Settings) -> None:
    record = _records(settings)[4]
    old = _title(record)
    _edit(record, f'"{old}"', f'"Changed: {old}"')
    path, how = _store(settings)
    assert how.startswith("updated from ") and how.endswith("(1 graph changed)"), how
    _same_as_loaded(settings, path)
    # The old title left the merged graph: no graph states it any more.
    store = ox.Store.read_only(str(path))
    assert not list(store.quads_for_pattern(None, None, ox.Literal(old), ox.DefaultGraph()))


def test_records_removed_added_and_an_organisation_renamed_update_the_store(
    settings: Settings, tmp_path: Path
) -> None:
    records = _records(settings)
    describers: dict[str, list[Path]] = {}
    for record in records:
        for slug in set(re.findall(r"organisation:(\S+) [^.]*?skos:prefLabel", record.read_text())):
            describers.setdefault(slug, []).append(record)
    shared = sorted((s, p) for s, p in describers.items() if len(p) >= 2)
    assert len(shared) >= 2, "the synthetic set shares organisations"
    # A record removed: the organisation it shares with another record stays in the merged
    # graph, stated by the other.
    (_, (gone, *_)), (renamed, _) = shared[0], shared[-1]
    gone.unlink()
    path, how = _store(settings)
    assert how.startswith("updated from "), how
    _same_as_loaded(settings, path)
    # A record added, from another synthetic set.
    more = tmp_path / "more"
    synthesize(more, 3, 11, load_settings(REPO), workers=1)
    added = sorted(more.glob("*.ttl"))[0]
    shutil.copy(added, settings.project_dirs[0] / f"zz-{added.name}")
    # An organisation renamed in every record that describes it.
    pattern = rf'(organisation:{re.escape(renamed)} [^.]*?skos:prefLabel )"[^"\\]*"'
    for record in describers[renamed]:
        if record.exists():
            text = record.read_text(encoding="utf-8")
            record.write_text(
                re.sub(pattern, r'\1"Quarzwerk Forschungsstiftung"', text, flags=re.S)
            )
    path, how = _store(settings)
    assert how.startswith("updated from "), how
    _same_as_loaded(settings, path)


def test_a_blank_node_in_a_changed_graph_loads_the_store_anew(settings: Settings) -> None:
    # Oxigraph labels blank nodes anew as it loads: the merged graph's copy of such a triple
    # cannot be found to be taken out, so the store is loaded instead of updated.
    record = _records(settings)[2]
    _add_blank_node(record)
    path, how = _store(settings)
    assert how == "loaded"
    _same_as_loaded(settings, path)


def test_a_blank_node_in_a_removed_graph_loads_the_store_anew(settings: Settings) -> None:
    record = _records(settings)[2]
    _add_blank_node(record)
    _store(settings)
    record.unlink()  # its blank node's merged copy cannot be found to be taken out
    path, how = _store(settings)
    assert how == "loaded"
    _same_as_loaded(settings, path)


def test_a_dump_unlike_its_manifest_is_loaded_and_not_trusted_later(settings: Settings) -> None:
    record = _records(settings)[4]
    _edit(record, f'"{_title(record)}"', '"Another title"')
    published = build(settings, quiet=True, workers=1).published
    manifest = json.loads(json.dumps(published.manifest))
    # The manifest says the changed graph is elsewhere in the dump than it is.
    changed = next(g for g in manifest["graphs"] if g.endswith(record.stem))
    _, length = manifest["graphs"][changed]["nquads"]
    manifest["graphs"][changed]["nquads"] = [0, length]
    root = settings.dist_dir.parent / "store"
    path, how = ensure_disk_store(root, ServedBuild(published.folder, manifest))
    assert how.startswith("loaded (updating from ") and "failed" in how, how
    _same_as_loaded(settings, path)
    marker = json.loads(path.with_name(path.name + ".loaded").read_text())
    assert marker["graphs"] is None  # no later store is made from it by those digests


def test_many_changed_graphs_load_the_store_anew(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(update, "UPDATE_SHARE", 0.0)  # any change is too many
    record = _records(settings)[4]
    _edit(record, f'"{_title(record)}"', '"Another title"')
    path, how = _store(settings)
    assert how == "loaded"
    _same_as_loaded(settings, path)


def test_a_store_is_loaded_anew_after_so_many_updates(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Updated stores are not compacted: after MAX_UPDATES updates the next store is loaded
    # (and compacted) anew, and updates start again from it.
    monkeypatch.setattr(loading, "MAX_UPDATES", 2)
    record = _records(settings)[4]
    made = []
    for n in range(4):
        _edit(record, f'"{_title(record)}"', f'"Title {n}"')
        path, how = _store(settings)
        made.append(how.split(" (")[0].split(" from ")[0])
        _same_as_loaded(settings, path)
    assert made == ["updated", "updated", "loaded", "updated"]


def test_an_unchanged_build_reuses_its_store(settings: Settings) -> None:
    _, how = _store(settings)
    assert how == "reusing"


def test_a_running_server_switches_to_an_updated_store(built_project_copy: Path) -> None:
    """End to end: a server on an on-disk store, a record edited and rebuilt, SIGHUP: the new
    build is served from a store updated by the one graph that changed."""
    project_copy = built_project_copy  # comes built: the server finds dist current
    store = project_copy / "store"
    server = start_server(project_copy, "--store", str(store), root=project_copy)
    try:
        assert "loaded the on-disk store" in server.output()
        old_id = httpx.get(server.url + "/health").json()["build_id"]
        retitle(project_copy)
        done = build_project(project_copy)
        assert done.returncode == 0, done.stderr
        server.process.send_signal(signal.SIGHUP)
        new_id = new_build_after(server, old_id)
        assert new_id != old_id, server.output()[-3000:]
        switched = f"to build {new_id} (updated from {old_id} (1 graph changed) the on-disk store"
        assert switched in server.output()
        answer = httpx.get(server.url + "/sparql", params={"query": WHICH}).json()
        assert [b["t"]["value"] for b in answer["results"]["bindings"]] == [NEW_TITLE]
    finally:
        server.stop()
