"""Put a build where the query workers can open it: an N-Quads dump (in-memory store) or an
on-disk Oxigraph store that later starts reuse without reloading.

On disk, ``<store>/<build id>/`` holds one build's store and ``<store>/<build id>.loaded``
says it is complete (and keeps the digests of its named graphs). A store is made in a temporary
folder and renamed into place, so a crash mid-load never leaves a half-loaded store that looks
finished. A new build's store is made from the last store by the graphs that changed when few
did (:mod:`projectgraph.store.update`: a one-project rebuild at 100,000 projects in seconds, not
minutes), else loaded from the dump.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from projectgraph.errors import ProjectGraphError
from projectgraph.files import exclusive_lock, in_use, pin
from projectgraph.rdf.packed import read_frame
from projectgraph.store.embedded import DATASET_DUMP, load_build
from projectgraph.store.pool import StoreSpec
from projectgraph.store.update import CANNOT_UPDATE, Changes, changes, graph_digests, update_store

# 2: the merged graph in the default graph; 3: compacted after loading. Older stores are loaded
# anew.
STORE_LAYOUT = 3
KEEP_STORES = 2  # the current build's store and the one before (a running server may use it)
# Updates a store may carry before one is loaded anew: an updated store is not compacted, and
# each update leaves its small files for lookups to search (a point lookup at 100,000 projects:
# 4 us compacted, 11 us after one update).
MAX_UPDATES = 20


@dataclass(frozen=True)
class ServedBuild:
    """The build a server answers from: its folder (not the moving dist link) and manifest."""

    folder: Path
    manifest: dict[str, object]

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    @property
    def dump(self) -> Path:
        return self.folder / DATASET_DUMP

    def graph_nquads(self, graph: str) -> bytes:
        """The N-Quads lines of the named graph ``graph``: its frame of the dataset dump, where
        the manifest says it is."""
        graphs = self.manifest.get("graphs", {})
        assert isinstance(graphs, dict)
        offset, length = graphs[graph]["nquads"]
        with self.dump.open("rb") as dump:
            return read_frame(dump, offset, length)

    @property
    def ontology_graph(self) -> str | None:
        """The name of the ontology's graph in this build, if it has one."""
        graphs = self.manifest.get("graphs", {})
        assert isinstance(graphs, dict)
        return next((g for g, info in graphs.items() if info.get("kind") == "ontology"), None)


def default_store_dir(dist: Path) -> Path:
    """Where a large build's on-disk store goes when no store is given: ``.{dist}-store``
    beside the ``dist`` link (as its builds are in ``.{dist}-builds``)."""
    return dist.parent / f".{dist.name}-store"


def chosen_store_dir(
    store_dir: Path | None, build: ServedBuild, dist: Path, memory_triples: int
) -> Path | None:
    """The on-disk store to serve ``build`` from: ``store_dir`` when given; else, for a build
    of more than ``memory_triples`` triples, :func:`default_store_dir`; else None (in memory).

    Every worker loads an in-memory store anew at every start (100,000 projects: minutes and
    gigabytes each), where an on-disk one is loaded once and then opened in milliseconds."""
    if store_dir is not None:
        return store_dir
    triples = build.manifest.get("triples")
    if isinstance(triples, int) and triples > memory_triples:
        return default_store_dir(dist)
    return None


def store_spec(build: ServedBuild, store_dir: Path | None) -> tuple[StoreSpec, str]:
    """How workers open ``build`` (in memory from its dump, or the on-disk store), and a
    sentence saying what was done to get there."""
    if store_dir is None:
        return StoreSpec("memory", str(build.dump)), "in-memory store, loaded by each worker"
    path, how = ensure_disk_store(store_dir, build)
    return StoreSpec("disk", str(path)), f"{how} the on-disk store {path}"


@contextlib.contextmanager
def pinned_store(build: ServedBuild, store_dir: Path | None) -> Iterator[tuple[StoreSpec, str]]:
    """:func:`store_spec`, with the build and its on-disk store pinned until the block ends,
    so a later build does not prune them away underneath a reader."""
    pins = [pin(build.folder)]
    try:
        spec, how = store_spec(build, store_dir)
        if spec.kind == "disk":
            pins.append(pin(Path(spec.path)))
        yield spec, how
    finally:
        for handle in pins:
            handle.close()


def ensure_disk_store(root: Path, build: ServedBuild) -> tuple[Path, str]:
    """The on-disk store of ``build`` under ``root``, and how it was had: ``reusing`` (it was
    there), ``updated from <build id> (<n> graphs changed)`` or ``loaded`` (with why, when
    an update was tried and failed)."""
    root.mkdir(parents=True, exist_ok=True)
    key = f"{build.build_id}-{STORE_LAYOUT}"
    target = root / key
    marker = root / f"{key}.loaded"
    with exclusive_lock(root):
        how = "reusing"
        if not (target.is_dir() and marker.is_file()):
            how = _make(root, build, target, marker)
        marker.touch()  # the most recently used store is the last to be pruned
        _prune(root, keep=key)
    return target, how


def _make(root: Path, build: ServedBuild, target: Path, marker: Path) -> str:
    """Make ``build``'s store at ``target``: from the last store, by the graphs that changed,
    when that pays; else loaded from the dump. How, in words."""
    for leftover in (*root.glob(".loading-*"), target):
        shutil.rmtree(leftover, ignore_errors=True)
    marker.unlink(missing_ok=True)
    loading = root / f".loading-{target.name}"
    how = "loaded"
    trusted = True  # the digests the marker keeps describe the store
    updates = 0  # since the store was last loaded anew
    earlier = _earlier(root, build)
    # In a child process: RocksDB's buffers (hundreds of MB for a million triples) leave with
    # it instead of staying in the server for its whole life.
    if earlier is not None:
        path, build_id, diff, updates = earlier
        code = _in_child(update_store, str(path), str(loading), str(build.dump), diff)
        updates += 1
        if code == 0:
            how = f"updated from {build_id} ({diff})"
        else:  # a blank node, or an earlier store or dump that could not be read: load anew
            shutil.rmtree(loading, ignore_errors=True)
            earlier = None
            updates = 0
            if code != CANNOT_UPDATE:
                # The dump may not be what its manifest says: no later store is made from
                # this one by the manifest's digests.
                trusted = False
                how = f"loaded (updating from {build_id} failed: exit {code})"
    if earlier is None:
        code = _in_child(bulk_load, str(build.dump), str(loading))
        if code != 0:
            shutil.rmtree(loading, ignore_errors=True)
            raise ProjectGraphError(
                f"loading {build.dump} into the store {loading} failed (exit {code})"
            )
    loading.rename(target)
    marker.write_text(
        json.dumps(
            {
                "build_id": build.build_id,
                "quads": build.manifest.get("quads"),
                "graphs": graph_digests(build.manifest) if trusted else None,
                "updates": updates,
            }
        )
    )
    return how


def _earlier(root: Path, build: ServedBuild) -> tuple[Path, str, Changes, int] | None:
    """The most recently used complete store under ``root`` that ``build``'s store can be made
    from, its build id, the changes, and how many updates it carries; None if there is none,
    or loading anew pays (many graphs changed, or :data:`MAX_UPDATES` reached)."""
    markers = sorted(root.glob(f"*-{STORE_LAYOUT}.loaded"), key=lambda p: p.stat().st_mtime)
    for marker in reversed(markers):
        store = root / marker.name.removesuffix(".loaded")
        try:
            kept = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        digests = kept.get("graphs") if isinstance(kept, dict) else None
        if store.is_dir() and isinstance(digests, dict):
            updates = int(kept.get("updates") or 0)
            diff = changes(digests, int(kept.get("quads") or 0), build.manifest)
            if diff is None or updates >= MAX_UPDATES:
                return None
            return store, str(kept.get("build_id")), diff, updates
    return None


def _in_child(function: Callable[..., object], *args: object) -> int | None:
    """Run ``function(*args)`` in a fresh process; its exit code (:data:`CANNOT_UPDATE` when
    it returned False)."""
    child = multiprocessing.get_context("spawn").Process(
        target=_exit_with, args=(function, *args), name="projectgraph-store-load"
    )
    child.start()
    child.join()
    return child.exitcode


def _exit_with(function: Callable[..., object], *args: object) -> None:
    if function(*args) is False:
        sys.exit(CANNOT_UPDATE)


def bulk_load(dump: str, folder: str) -> None:
    """Load an N-Quads dump into a new on-disk store at ``folder``, compact it and close it."""
    store = ox.Store(folder)
    load_build(store, dump)
    # The bulk loader leaves its sorted runs as overlapping files (99 at 100,000 projects,
    # 21 at 10,000), and a lookup must search each of them: a point query then cost twice
    # what it costs at 10,000 projects. Compacting them once (76 s at 100,000 projects, on a
    # busy machine) takes a third off every lookup (323 -> 212 us a point query in-process).
    store.optimize()
    store.flush()
    del store  # closes RocksDB before the folder is renamed
    gc.collect()


def _prune(root: Path, keep: str) -> None:
    """Remove stores of older builds, except the most recent ones and any a server pins."""
    markers = sorted(root.glob("*.loaded"), key=lambda p: p.stat().st_mtime, reverse=True)
    keep_ids = {keep} | {m.stem for m in markers[:KEEP_STORES]}
    keep_ids |= {p.name for p in root.iterdir() if p.is_dir() and in_use(p)}
    for path in root.iterdir():
        build_id = path.name.removesuffix(".loaded")
        if not path.name.startswith(".") and build_id not in keep_ids:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
