"""Which store ``projectgraph serve`` should use: in memory, or on disk, by measurement.

    python -m bench.store_choice --dist /tmp/scale/d1000 [--dist ...] [--samples N]
                                 [--work DIR] [--out DIR] [--no-write]

For each build folder, three ways of holding its graph are measured, each in a fresh process
(so its memory is its own):

- **memory**: what a server worker does without ``--store``: a new in-memory
  ``pyoxigraph.Store`` loaded with :func:`projectgraph.store.embedded.load_build` (the named
  graphs of ``projectgraph.nq`` and the merged graph in the default graph). Every worker
  process loads its own copy, so a server with two workers holds it twice.
- **disk**: ``--store DIR``: the on-disk store as :func:`projectgraph.store.loading.bulk_load`
  makes it (the same two loads, then compacted), loaded in one process; then opened in a
  fresh one, as a server worker opens it at every start.
- **disk, named graphs only**: the N-Quads alone (half the quads), queried with
  ``use_default_graph_as_union``: the store without the merged copy of every triple. A
  triple stated in several source graphs (a shared organisation's name) then comes once per
  graph unless the query says ``DISTINCT``; the number of such extra rows is reported.

In each, after loading or opening: the resident memory (``VmRSS``, and the peak ``VmHWM``),
the folder's size on disk, and ``--samples`` point queries ``SELECT ?p ?o { <project> ?p ?o }``
on random projects, each written as SPARQL TSV as a query worker writes it (median and p99 in
microseconds, one process, nothing else running in it), and an aggregate over the whole graph
(``queries/funding-by-country.rq``, median of 3, written as SPARQL JSON).

Results go to ``--out`` (``bench/results``): ``store_choice.json`` and ``STORE.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.endpoint import table
from bench.suite import folder_bytes
from projectgraph.store.embedded import load_build
from projectgraph.store.loading import DUMP, bulk_load

PROJECT = "http://data.europa.eu/s66#Project"
# An aggregate over the whole graph, as people write them at the endpoint.
AGGREGATE = Path(__file__).resolve().parent.parent / "queries" / "funding-by-country.rq"
VARIANTS = ("memory", "disk", "disk-named")
TITLES = {
    "memory": "in memory (no --store)",
    "disk": "on disk (--store)",
    "disk-named": "on disk, named graphs only",
}


def status_mib(field: str) -> float:
    """A ``/proc/self/status`` field (VmRSS, VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def point_queries(store: ox.Store, samples: int, union: bool) -> dict[str, float]:
    """Time ``samples`` point queries on random projects of ``store`` (in microseconds)."""
    found = store.query(f"SELECT ?s WHERE {{ ?s a <{PROJECT}> }}", use_default_graph_as_union=union)
    assert isinstance(found, ox.QuerySolutions)
    projects = [s["s"].value for s in found]
    rng = random.Random(1)
    times: list[float] = []
    extra = 0
    for iri in rng.choices(sorted(set(projects)), k=samples):
        text = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
        started = time.perf_counter()
        result = store.query(text, use_default_graph_as_union=union)
        assert isinstance(result, ox.QuerySolutions)
        body = result.serialize(format=ox.QueryResultsFormat.TSV) or b""
        times.append((time.perf_counter() - started) * 1e6)
        if union:  # rows beyond the distinct ones: the triple in several graphs
            distinct = store.query(f"SELECT DISTINCT {text[7:]}", use_default_graph_as_union=True)
            assert isinstance(distinct, ox.QuerySolutions)
            rows = body.count(b"\n") - 1
            extra += rows - sum(1 for _ in distinct)
    times.sort()
    return {
        "point_p50_us": statistics.median(times),
        "point_p99_us": times[max(int(0.99 * len(times)) - 1, 0)],
        "extra_rows": extra,
        "projects": len(set(projects)),
    }


def child(variant: str, dist: Path, folder: Path, samples: int) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    dump = str(dist / DUMP)
    out: dict[str, Any] = {}
    if variant == "memory":
        started = time.perf_counter()
        store = ox.Store()
        load_build(store, dump)
        out["load_s"] = time.perf_counter() - started
    elif variant == "load-disk":
        started = time.perf_counter()
        bulk_load(dump, str(folder))
        out["load_s"] = time.perf_counter() - started
        out["load_peak_mib"] = status_mib("VmHWM")
        return out
    elif variant == "load-disk-named":
        started = time.perf_counter()
        named = ox.Store(str(folder))
        named.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
        named.optimize()
        named.flush()
        del named
        out["load_s"] = time.perf_counter() - started
        out["load_peak_mib"] = status_mib("VmHWM")
        return out
    else:
        started = time.perf_counter()
        store = ox.Store.read_only(str(folder))
        out["open_s"] = time.perf_counter() - started
        out["disk_bytes"] = folder_bytes(folder)
    out["quads"] = len(store)
    out["rss_loaded_mib"] = status_mib("VmRSS")
    out.update(point_queries(store, samples, union=variant == "disk-named"))
    out["rss_after_mib"] = status_mib("VmRSS")
    out["peak_mib"] = status_mib("VmHWM")
    # What is known so far, in case the aggregate passes the parent's time limit.
    print(json.dumps(out), flush=True)
    aggregate = []
    for _ in range(3):
        started = time.perf_counter()
        found = store.query(
            AGGREGATE.read_text(), use_default_graph_as_union=variant == "disk-named"
        )
        assert isinstance(found, ox.QuerySolutions)
        found.serialize(format=ox.QueryResultsFormat.JSON)
        aggregate.append(time.perf_counter() - started)
    out["aggregate_s"] = statistics.median(aggregate)
    return out


def run_child(variant: str, dist: Path, folder: Path, samples: int, limit: float) -> dict[str, Any]:
    """:func:`child` in a new Python process; its JSON answer. Past ``limit`` seconds the
    child is killed and what it printed before its aggregate is the answer (Oxigraph cannot
    stop a query: the aggregate on the union of the named graphs may take many minutes)."""
    argv = [
        *(sys.executable, "-m", "bench.store_choice", "--child", variant),
        *(str(dist), str(folder), "--samples", str(samples)),
    ]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=limit)
    except subprocess.TimeoutExpired as e:
        printed = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        if not printed.strip():
            raise SystemExit(f"{variant} on {dist}: nothing within {limit:.0f} s") from e
        partial: dict[str, Any] = json.loads(printed.strip().splitlines()[-1])
        partial["aggregate_s"] = None
        return partial
    if done.returncode != 0:
        raise SystemExit(f"{variant} on {dist} failed:\n{done.stderr}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def measure(dist: Path, work: Path, samples: int, limit: float, say: Any) -> dict[str, Any]:
    """Every variant on one build."""
    manifest = json.loads((dist / "build.json").read_text())
    result: dict[str, Any] = {
        "dist": str(dist),
        "build_id": manifest["build_id"],
        "triples": manifest.get("triples"),
        "projects": None,
        "variants": {},
    }
    say(f"{dist}: memory ...")
    result["variants"]["memory"] = run_child("memory", dist, work, samples, limit)
    for variant in ("disk", "disk-named"):
        folder = work / f"{variant}-{manifest['build_id']}"
        shutil.rmtree(folder, ignore_errors=True)
        say(f"{dist}: {variant}: load ...")
        loaded = run_child(f"load-{variant}", dist, folder, samples, 3600)
        say(f"{dist}: {variant}: open and query ...")
        opened = run_child(variant, dist, folder, samples, limit)
        result["variants"][variant] = {**loaded, **opened}
        shutil.rmtree(folder, ignore_errors=True)
    result["projects"] = result["variants"]["memory"]["projects"]
    return result


def report(results: list[dict[str, Any]], note: str) -> str:
    """STORE.md."""
    out = [
        "# Which store to serve from: in memory or on disk\n",
        f"Written by `python -m bench.store_choice` (see its docstring for the method). {note}\n",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, pyoxigraph {ox.__version__}\n",
    ]
    header = [
        "projects",
        "store",
        "load s",
        "start (open) s",
        "RSS after load/open MiB",
        "peak MiB",
        "disk MB",
        "point p50 us",
        "point p99 us",
        "aggregate s",
        "extra rows",
    ]
    rows = []
    for r in results:
        for name in VARIANTS:
            v = r["variants"][name]
            start = v.get("open_s", v.get("load_s"))
            rows.append(
                [
                    f"{r['projects']:,}",
                    TITLES[name],
                    f"{v['load_s']:.1f}",
                    f"{start:.2f}",
                    f"{v['rss_loaded_mib']:,.0f}",
                    f"{max(v['peak_mib'], v.get('load_peak_mib', 0)):,.0f}",
                    f"{v['disk_bytes'] / 1e6:,.0f}" if "disk_bytes" in v else "-",
                    f"{v['point_p50_us']:.0f}",
                    f"{v['point_p99_us']:.0f}",
                    f"{v['aggregate_s']:.2f}" if v.get("aggregate_s") is not None else "> limit",
                    f"{v['extra_rows']:,}" if name == "disk-named" else "-",
                ]
            )
    out.append(table(header, rows, right=set(range(2, len(header)))))
    out.append(
        "\n*start*: what a server worker waits for before it answers (the in-memory store is "
        "loaded by every worker at every start; the on-disk one is opened). *extra rows*: "
        "point-query rows beyond the distinct ones when the default graph is the union of the "
        "named graphs (a triple stated in several sources), over all samples. *> limit*: the "
        "aggregate had not finished when its process passed --limit and was stopped.\n"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, action="append", default=[])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument(
        "--limit", type=float, default=900, help="s a measuring process may take (900)"
    )
    parser.add_argument("--work", type=Path, help="folder for the stores (a temporary one)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--note", default="", help="a sentence on the run (load, machine)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "DIST", "FOLDER"))
    args = parser.parse_args(argv)
    if args.child:
        variant, dist, folder = args.child
        print(json.dumps(child(variant, Path(dist), Path(folder), args.samples)))
        return 0
    if not args.dist:
        parser.error("at least one --dist")

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    work = Path(args.work or tempfile.mkdtemp(prefix="store-choice-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    results = [measure(d.resolve(), work, args.samples, args.limit, say) for d in args.dist]
    note = f"{args.note} Load average at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f}."
    text = report(results, note.strip())
    print(text)
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "store_choice.json").write_text(json.dumps(results, indent=1) + "\n")
        (args.out / "STORE.md").write_text(text)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
