"""A server's on-disk store after a one-project rebuild: updated by the graphs that changed, or
loaded anew from the dump (Oxigraph's bulk loader, then a compaction), side by side.

    python -m bench.store_update [--sizes 1000,10000,100000] [--work DIR] [--out DIR]

For each size (synthetic projects, ``synth --seed 1``, kept in ``--work``): a build from
scratch, its store loaded (:func:`~projectgraph.store.loading.ensure_disk_store`, as ``serve
--store`` does), one project's title changed and the build redone, then the new build's store
made from the first one (updated) and, into another folder, loaded anew. Both are checked to
hold as many quads, the changed project's new title and not its old one; and timed for a
point lookup (the median of 2,000, in-process), since an updated store is not compacted again.

Writes bench/results/STORE_UPDATE.md and store_update.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from bench.build import ROOT, fresh, records_for
from bench.suite import BenchRun, change_one, parse_sizes, slugs_of, timed_build
from projectgraph.store.loading import ServedBuild, ensure_disk_store

TITLE = ox.NamedNode("http://data.europa.eu/s66#title")
LOOKUPS = 2_000


@dataclass
class Row:
    """One size's figures."""

    projects: int
    quads: int
    build_seconds: float
    rebuild_seconds: float
    loaded_seconds: float  # the first build's store, loaded
    updated_seconds: float  # the rebuilt build's store, from the first one
    how: str
    reloaded_seconds: float  # the rebuilt build's store, loaded anew
    same_size: bool
    title_right: bool
    lookup_updated_us: float
    lookup_loaded_us: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=[1_000, 10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/pg-build-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    this = BenchRun("bench.store_update", argv)
    say = this.say

    rows = []
    for n in args.sizes:
        records, _ = records_for(args.work, n, 1, say)
        dist = args.work / f"dist-store-{n}"
        stores = args.work / f"stores-{n}"
        fresh(dist)
        shutil.rmtree(stores, ignore_errors=True)
        say(f"{n:,}: build")
        build_seconds = timed_build(records, dist, ROOT)
        say(f"{n:,}: the store, loaded")
        loaded_seconds, _, _ = _store(stores / "served", dist)
        slug = slugs_of(records)[len(slugs_of(records)) // 2]
        path = records / f"{slug}.ttl"
        original = path.read_bytes()
        try:
            change = change_one(records, slug)
            say(f"{n:,}: {change}; rebuild")
            rebuild_seconds = timed_build(records, dist, ROOT)
        finally:
            path.write_bytes(original)
        say(f"{n:,}: the rebuilt build's store, updated")
        updated_seconds, how, updated = _store(stores / "served", dist)
        say(f"{n:,}: {how}; the same, loaded anew")
        reloaded_seconds, _, reloaded = _store(stores / "anew", dist)
        manifest = json.loads((dist / "build.json").read_text())
        project = ox.NamedNode(f"{manifest['base_iri']}id/project/{slug}")
        rows.append(
            Row(
                projects=n,
                quads=len(ox.Store.read_only(str(reloaded))),
                build_seconds=build_seconds,
                rebuild_seconds=rebuild_seconds,
                loaded_seconds=loaded_seconds,
                updated_seconds=updated_seconds,
                how=how,
                reloaded_seconds=reloaded_seconds,
                same_size=len(ox.Store.read_only(str(updated)))
                == len(ox.Store.read_only(str(reloaded))),
                title_right=_titles(updated, project) == _titles(reloaded, project),
                lookup_updated_us=_lookup(updated, project),
                lookup_loaded_us=_lookup(reloaded, project),
            )
        )
        say(f"{n:,}: {rows[-1]}")
        fresh(dist)
        shutil.rmtree(stores, ignore_errors=True)
    run = this.text()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "store_update.json").write_text(
        json.dumps({"run": run, "rows": [asdict(r) for r in rows]}, indent=1) + "\n"
    )
    text = report(run, rows)
    (args.out / "STORE_UPDATE.md").write_text(text)
    print(text)
    return 0


def _store(root: Path, dist: Path) -> tuple[float, str, Path]:
    """Make the on-disk store of the build ``dist`` points at under ``root``: seconds, how,
    and where."""
    folder = dist.resolve()
    served = ServedBuild(folder, json.loads((folder / "build.json").read_text()))
    began = time.perf_counter()
    path, how = ensure_disk_store(root, served)
    return time.perf_counter() - began, how, path


def _titles(store_path: Path, project: ox.NamedNode) -> list[str]:
    store = ox.Store.read_only(str(store_path))
    return sorted(str(q) for q in store.quads_for_pattern(project, TITLE, None))


def _lookup(store_path: Path, project: ox.NamedNode) -> float:
    """The median microseconds of a point lookup (the project's title, in the merged graph)."""
    store = ox.Store.read_only(str(store_path))
    times = []
    for _ in range(LOOKUPS):
        began = time.perf_counter()
        list(store.quads_for_pattern(project, TITLE, None, ox.DefaultGraph()))
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1e6


def report(run: str, rows: list[Row]) -> str:
    """The Markdown report."""
    lines = [
        "# The on-disk store after a one-project rebuild: updated, or loaded anew",
        "",
        f"Written by {run}. Method in `bench/store_update.py`'s docstring. 2 cores, 24 GiB;"
        " one build or load at a time.",
        "",
        "| projects | quads (named graphs + merged) | build | rebuild | store loaded (first build)"
        " | **store updated** (rebuilt build) | store loaded anew (rebuilt build) | ratio |"
        " same quads | title right | lookup, updated / loaded (median) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.projects:,} | {r.quads:,} | {r.build_seconds:.1f} s | {r.rebuild_seconds:.1f} s"
            f" | {r.loaded_seconds:.1f} s | **{r.updated_seconds:.2f} s** |"
            f" {r.reloaded_seconds:.1f} s | {r.reloaded_seconds / r.updated_seconds:.0f}x |"
            f" {'yes' if r.same_size else 'NO'} | {'yes' if r.title_right else 'NO'} |"
            f" {r.lookup_updated_us:.0f} / {r.lookup_loaded_us:.0f} us |"
        )
    lines += [
        "",
        "How the updated store was made, per size: "
        + "; ".join(f"{r.projects:,}: {r.how}" for r in rows)
        + ".",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
