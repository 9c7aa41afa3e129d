"""pyshacl-turbo against pySHACL as the unit validator: same results? how much faster?

Run: ``pip install pyshacl-turbo==0.6.5`` (not a dependency of the project: it is measured
here, not used), then ``python -m bench.validator_parity [--every N] [--work DIR]`` (about 5
minutes, one core). Writes bench/results/VALIDATOR_PARITY.md and
bench/results/validator_parity.json.

Method. Both validators get the same shapes graph (:func:`projectgraph.validate.shacl.load_shapes`)
and the same data, with the settings :func:`projectgraph.validate.shacl.check` uses
(``inference="none"``, ``allow_warnings=True``, ``allow_infos=True``). pySHACL (the reference)
runs exactly as the build runs it: a :class:`ValidationGraph` filled with the data, inside
:func:`patches.installed`, ``inplace=True``. pyshacl-turbo gets the same triples as N-Triples
text (serialised by pyoxigraph); on the small sets it is also fed a pyoxigraph ``Store`` and the
rdflib graph itself, to measure the input caveats of ../shared/DESIGN.md.

Each report's top-level results (those not under ``sh:detail``, as ``check`` takes them) become
a multiset of keys (focus node, result path in SPARQL syntax, source shape, constraint component,
severity, value), rendered with the same code that describes results for users; messages are
compared per key separately. Parity means equal multisets.

Data:
- shipped: the repository's own data, whole graph (one documented warning);
- invalid: each of the 35 broken copies in tests/data/invalid, whole graph (as
  tests/test_shapes.py);
- planted-60: the 60-record synthetic set with the errors tests/test_incremental_validation.py
  plants (its fixture is reused, not copied), whole graph and units;
- planted-1000 / planted-10000: copies of /tmp/scale/p1000 and /tmp/scale/p10000
  (``synth --seed 1``; the originals are only read) with the same planting, validated in the
  build's units and chunks (:func:`projectgraph.validate.units.chunks`, two workers' sizing):
  per chunk the reference data, the units' records and their shared descriptions, as
  :func:`projectgraph.validate.units.validate_chunk` assembles them. pyshacl-turbo validates
  every chunk, and the whole graph once; pySHACL validates every chunk up to 1,000 projects
  and, at 10,000, every chunk holding a planted record plus every ``--every``-th chunk (all of
  them would take about four minutes of CPU).

Times are wall-clock seconds in this one process: the validator call alone, and separately
what each needs to get its input (filling the rdflib graph; writing N-Triples text).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import platform
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
from rdflib import RDF, Graph
from rdflib.term import Node

from projectgraph.build.assemble import assemble
from projectgraph.build.partition import partition
from projectgraph.build.sources import discover, resource
from projectgraph.pipeline import run as pipeline
from projectgraph.rdf.terms import to_rdflib
from projectgraph.rdf.vocab import SH, all_prefixes
from projectgraph.settings import Settings, load_settings
from projectgraph.synth.generate import synthesize
from projectgraph.validate import patches
from projectgraph.validate.graph import ValidationGraph
from projectgraph.validate.shacl import SHAPES_NS, _Describer, load_shapes
from projectgraph.validate.units import chunks

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
SCALE = Path("/tmp/scale")
OPTIONS: dict[str, Any] = {
    "inference": "none",
    "allow_warnings": True,
    "allow_infos": True,
}

# Above this, the whole-graph turbo run is skipped: at 10,000 projects (894,000 triples) turbo
# turned the N-Triples text into rdflib terms in Python (pyshacl_turbo/rdf.py input_graph ->
# _term_input) and was still at it after more than 3 minutes and 4 GiB; stopped.
WHOLE_LIMIT = 200_000

Key = tuple[str, str | None, str, str, str, str | None]


def log(text: str) -> None:
    """Progress on stderr."""
    print(text, file=sys.stderr, flush=True)


# --- the two validators ------------------------------------------------------------------


def run_pyshacl(data: Graph, shapes: Graph) -> tuple[Graph, float]:
    """pySHACL as :func:`projectgraph.validate.shacl.check` runs it; (report, seconds)."""
    start = time.perf_counter()
    with patches.installed():
        _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inplace=True, **OPTIONS)
    return report, time.perf_counter() - start


def run_turbo(data: Any, shapes: Graph, fmt: str | None = "nt") -> tuple[Graph, float]:
    """pyshacl-turbo with the same options; ``data`` N-Triples text unless ``fmt`` is None."""
    start = time.perf_counter()
    _, report, _ = pyshacl_turbo.validate(
        data, shacl_graph=shapes, data_graph_format=fmt, **OPTIONS
    )
    return report, time.perf_counter() - start


def run_compiled(data: str, compiled: pyshacl_turbo.CompiledShapes) -> tuple[Graph, float]:
    """pyshacl-turbo with shapes compiled once (``CompiledShapes``), N-Triples text."""
    start = time.perf_counter()
    _, report, _ = compiled.validate(data, data_graph_format="nt", **OPTIONS)
    return report, time.perf_counter() - start


def rdflib_data(triples: Iterable[ox.Triple]) -> tuple[ValidationGraph, float]:
    """pySHACL's input, as the build fills it; (graph, seconds)."""
    start = time.perf_counter()
    graph = ValidationGraph()
    add = graph.add
    cache: dict[Any, Node] = {}
    for t in triples:
        s = cache.get(t.subject) or cache.setdefault(t.subject, to_rdflib(t.subject))
        p = cache.get(t.predicate) or cache.setdefault(t.predicate, to_rdflib(t.predicate))
        add((s, p, to_rdflib(t.object)))
    return graph, time.perf_counter() - start


def nt_text(triples: Sequence[ox.Triple]) -> str:
    """pyshacl-turbo's input: the triples as N-Triples text."""
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()


def oxigraph_store(triples: Iterable[ox.Triple]) -> ox.Store:
    """The triples in a pyoxigraph store's default graph."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return store


# --- comparing reports -------------------------------------------------------------------


class Keys:
    """Turns a report's top-level results into comparable keys, rendered as users see them."""

    def __init__(self, shapes: Graph, settings: Settings) -> None:
        prefixes = all_prefixes(settings.base_iri) | {"pgsh": SHAPES_NS, "sh": str(SH)}
        self.shapes, self.settings, self.prefixes = shapes, settings, prefixes

    def __call__(self, report: Graph) -> tuple[Counter[Key], dict[Key, list[str]]]:
        d = _Describer(Graph(), report, self.shapes, {}, self.settings, self.prefixes)
        details = set(report.objects(None, SH.detail))
        found: Counter[Key] = Counter()
        messages: dict[Key, list[str]] = {}
        for r in report.subjects(RDF.type, SH.ValidationResult):
            if r in details:
                continue
            path, value = report.value(r, SH.resultPath), report.value(r, SH.value)
            key: Key = (
                d.term(report.value(r, SH.focusNode)),
                d.path(path) if path is not None else None,
                d.term(report.value(r, SH.sourceShape)),
                d.term(report.value(r, SH.sourceConstraintComponent)),
                d.term(report.value(r, SH.resultSeverity)),
                d.term(value) if value is not None else None,
            )
            found[key] += 1
            messages.setdefault(key, []).extend(
                sorted(str(m) for m in report.objects(r, SH.resultMessage))
            )
        return found, messages


def compare(
    reference: tuple[Counter[Key], dict[Key, list[str]]],
    other: tuple[Counter[Key], dict[Key, list[str]]],
) -> dict[str, Any]:
    """Differences between the reference's results and another validator's."""
    (ref, ref_msg), (got, got_msg) = reference, other
    missing, extra = ref - got, got - ref
    message_diffs = [
        {"key": list(k), "pyshacl": ref_msg[k], "turbo": got_msg[k]}
        for k in sorted(set(ref) & set(got), key=str)
        if sorted(ref_msg[k]) != sorted(got_msg[k])
    ]
    return {
        "results": sum(ref.values()),
        "same": not missing and not extra,
        "missing": [list(k) for k in sorted(missing.elements(), key=str)],
        "extra": [list(k) for k in sorted(extra.elements(), key=str)],
        "message_differences": message_diffs,
    }


# --- whole-graph sets --------------------------------------------------------------------


def whole_triples(settings: Settings, paths: Sequence[Path] | None = None) -> list[ox.Triple]:
    """The union of all graphs, as :func:`projectgraph.validate.shacl.validate` builds it."""
    return [
        ox.Triple(resource(q.subject), q.predicate, q.object)
        for q in assemble(settings, paths).quads
    ]


def whole_case(
    name: str, triples: list[ox.Triple], shapes: Graph, keys: Keys, variants: bool
) -> dict[str, Any]:
    """Both validators on one whole graph (turbo also on a Store and an rdflib graph)."""
    data, fill = rdflib_data(triples)
    start = time.perf_counter()
    text = nt_text(triples)
    write = time.perf_counter() - start
    turbo_report, turbo_s = run_turbo(text, shapes)
    turbo_graph_report = turbo_store_report = None
    if variants:  # before pySHACL: it runs inplace on the graph
        turbo_store_report, _ = run_turbo(oxigraph_store(triples), shapes, None)
        turbo_graph_report, _ = run_turbo(data, shapes, None)
    ref_report, ref_s = run_pyshacl(data, shapes)
    ref = keys(ref_report)
    row: dict[str, Any] = {
        "name": name,
        "triples": len(triples),
        "pyshacl_s": ref_s,
        "turbo_s": turbo_s,
        "pyshacl_input_s": fill,
        "turbo_input_s": write,
        "nt": compare(ref, keys(turbo_report)),
    }
    if variants:
        row["store"] = compare(ref, keys(turbo_store_report))  # type: ignore[arg-type]
        row["rdflib_graph"] = compare(ref, keys(turbo_graph_report))  # type: ignore[arg-type]
    return row


# --- unit sets ---------------------------------------------------------------------------


class _Factory:
    """Stands in for pytest's tmp_path_factory when the test's planting fixture is reused."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        folder = self.root / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder


def planted(work: Path, name: str, original: Path | None) -> Path:
    """Records with the errors tests/test_incremental_validation.py plants: 60 fresh synthetic
    records, or a copy of ``original``."""
    from tests import test_incremental_validation as fixture_module

    make: Callable[..., Path] = fixture_module.planted._get_wrapped_function()
    if original is None:
        return make(_Factory(work / name))

    def copy(out: Path, *_: Any, **__: Any) -> None:
        shutil.copytree(original, out)

    fixture_module.synthesize = copy  # type: ignore[assignment]  # the fixture's data source
    try:
        return make(_Factory(work / name))
    finally:
        fixture_module.synthesize = synthesize


def unit_set(
    name: str,
    records: Path,
    original: Path | None,
    work: Path,
    shapes: Graph,
    keys: Keys,
    every: int,
) -> dict[str, Any]:
    """Both validators on the build's chunks of units (pySHACL on a sample when ``every``>1)."""
    settings = load_settings(REPO, {"project_dirs": (records,), "dist_dir": work / f"dist-{name}"})
    start = time.perf_counter()
    sources = discover(settings)
    with pipeline._cache(settings) as cache:
        job = pipeline._Job(sources, settings, cache, 1, pipeline._Clock())
        prepared = pipeline._prepare(job)
    parts = partition(prepared, [s.kind for s in sources])
    groups = chunks(parts.units, prepared, 2)
    log(
        f"{name}: {len(parts.units)} units in {len(groups)} chunks, prepared in "
        f"{time.perf_counter() - start:.1f} s"
    )

    def triples(blob: bytes, fmt: ox.RdfFormat) -> list[ox.Triple]:
        return [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(blob, format=fmt)]

    reference = [
        t
        for i, s in enumerate(sources)
        if s.kind in ("ontology", "reference")
        for t in triples(prepared[i].nquads, ox.RdfFormat.N_QUADS)
    ]
    reference_nt = nt_text(reference)
    changed = {
        s.path
        for s in sources
        if s.kind not in ("ontology", "reference")
        and (
            original is None
            or not (original / s.path.name).exists()
            or s.path.parent != records
            or not filecmp.cmp(s.path, original / s.path.name, shallow=False)
        )
    }
    rows = []
    union: set[Key] = set()
    compiled = pyshacl_turbo.compile_shapes(shapes)
    all_triples: list[ox.Triple] = list(reference)
    for c, group in enumerate(groups):
        mine: list[ox.Triple] = []
        shared: set[str] = set()
        planted_here = False
        for k in group:
            unit = parts.units[k]
            for i in unit.members:
                planted_here |= sources[i].path in changed
                mine += triples(prepared[i].nquads, ox.RdfFormat.N_QUADS)
            for node in unit.shared:
                if node not in shared:
                    shared.add(node)
                    mine += triples(parts.shared[node], ox.RdfFormat.N_TRIPLES)
        all_triples += mine
        begin = time.perf_counter()
        text = reference_nt + nt_text(mine)
        write = time.perf_counter() - begin
        turbo_report, turbo_s = run_turbo(text, shapes)
        got = keys(turbo_report)
        union |= set(got[0])
        compiled_report, compiled_s = run_compiled(text, compiled)
        compiled_same = keys(compiled_report)[0] == got[0]
        row: dict[str, Any] = {
            "chunk": c,
            "units": len(group),
            "triples": len(reference) + len(mine),
            "planted": planted_here,
            "turbo_s": turbo_s,
            "turbo_compiled_s": compiled_s,
            "turbo_compiled_same": compiled_same,
            "turbo_input_s": write,
            "turbo_results": sum(got[0].values()),
        }
        if every <= 1 or planted_here or c % every == 0:
            data, fill = rdflib_data(reference + mine)
            ref_report, ref_s = run_pyshacl(data, shapes)
            row |= {"pyshacl_s": ref_s, "pyshacl_input_s": fill}
            row["compare"] = compare(keys(ref_report), got)
        rows.append(row)
    # The whole graph in one turbo run: the union of the chunks' results, again?
    unique = list(dict.fromkeys(all_triples))
    whole: set[Key] | None = None
    whole_s = write = float("nan")
    if len(unique) <= WHOLE_LIMIT:
        begin = time.perf_counter()
        text = nt_text(unique)
        write = time.perf_counter() - begin
        whole_report, whole_s = run_turbo(text, shapes)
        whole = set(keys(whole_report)[0])
    compared = [r for r in rows if "compare" in r]
    return {
        "name": name,
        "units": len(parts.units),
        "chunks": len(groups),
        "chunks_compared": len(compared),
        "planted_chunks": sum(r["planted"] for r in rows),
        "same": all(r["compare"]["same"] for r in compared),
        "results_compared": sum(r["compare"]["results"] for r in compared),
        "pyshacl_s": sum(r["pyshacl_s"] for r in compared),
        "turbo_s_on_compared": sum(r["turbo_s"] for r in compared),
        "turbo_s_all_chunks": sum(r["turbo_s"] for r in rows),
        "turbo_compiled_s_on_compared": sum(r["turbo_compiled_s"] for r in compared),
        "turbo_compiled_s_all_chunks": sum(r["turbo_compiled_s"] for r in rows),
        "turbo_compiled_same": all(r["turbo_compiled_same"] for r in rows),
        "pyshacl_input_s": sum(r["pyshacl_input_s"] for r in compared),
        "turbo_input_s_on_compared": sum(r["turbo_input_s"] for r in compared),
        "whole_graph": {
            "triples": len(unique),
            "turbo_s": whole_s,
            "turbo_input_s": write,
            "results": None if whole is None else len(whole),
            "same_as_union_of_chunks": None if whole is None else whole == union,
            "only_whole": []
            if whole is None
            else [list(k) for k in sorted(whole - union, key=str)],
            "only_chunks": []
            if whole is None
            else [list(k) for k in sorted(union - whole, key=str)],
        },
        "chunk_rows": rows,
    }


# --- report ------------------------------------------------------------------------------


def markdown(out: dict[str, Any]) -> str:
    """The results as a page."""
    lines = [
        "# pyshacl-turbo against pySHACL (validator parity)",
        "",
        f"Generated by `python -m bench.validator_parity` ({out['environment']['date']}); "
        "method in the script's docstring. pySHACL "
        f"{out['environment']['pyshacl']}, pyshacl-turbo {out['environment']['pyshacl_turbo']} "
        "(MIT OR Apache-2.0), rdflib "
        f"{out['environment']['rdflib']}, pyoxigraph {out['environment']['pyoxigraph']}. "
        "One process, wall-clock seconds, on a 2-core machine other jobs shared.",
        "",
        "## Whole graphs (shipped data and the 35 broken copies of tests/data/invalid)",
        "",
        "| set | triples | results | pySHACL s | turbo s | speed-up | N-Triples | Store | "
        "rdflib Graph |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
    ]

    def verdict(c: dict[str, Any]) -> str:
        if c["same"]:
            return "same"
        return f"-{len(c['missing'])} +{len(c['extra'])}"

    for row in out["whole"]:
        lines.append(
            f"| {row['name']} | {row['triples']:,} | {row['nt']['results']} | "
            f"{row['pyshacl_s']:.3f} | {row['turbo_s']:.3f} | "
            f"{row['pyshacl_s'] / row['turbo_s']:.1f}x | {verdict(row['nt'])} | "
            f"{verdict(row['store']) if 'store' in row else '-'} | "
            f"{verdict(row['rdflib_graph']) if 'rdflib_graph' in row else '-'} |"
        )
    w = out["whole_totals"]
    lines += [
        "",
        f"Totals: pySHACL {w['pyshacl_s']:.2f} s, turbo {w['turbo_s']:.2f} s "
        f"({w['pyshacl_s'] / w['turbo_s']:.1f}x). Sets with identical results: N-Triples "
        f"{w['nt_same']}/{w['sets']}, Store {w['store_same']}/{w['sets']}, rdflib Graph "
        f"{w['graph_same']}/{w['sets']}. Messages differing on matching results (N-Triples): "
        f"{w['nt_message_differences']}.",
        "",
        "## Units, in the build's chunks",
        "",
        "| set | units | chunks (compared) | results compared | pySHACL s | turbo s (same "
        "chunks) | speed-up | compiled shapes s (speed-up) | turbo s, all chunks (compiled) "
        "| turbo whole graph s (triples) | parity |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for u in out["units"]:
        g = u["whole_graph"]
        lines.append(
            f"| {u['name']} | {u['units']:,} | {u['chunks']} ({u['chunks_compared']}) | "
            f"{u['results_compared']} | {u['pyshacl_s']:.1f} | {u['turbo_s_on_compared']:.2f} | "
            f"{u['pyshacl_s'] / u['turbo_s_on_compared']:.1f}x | "
            f"{u['turbo_compiled_s_on_compared']:.2f} "
            f"({u['pyshacl_s'] / u['turbo_compiled_s_on_compared']:.1f}x) | "
            f"{u['turbo_s_all_chunks']:.2f} ({u['turbo_compiled_s_all_chunks']:.2f}) | "
            f"{g['turbo_s']:.2f} ({g['triples']:,}) | "
            f"{'same' if u['same'] else 'DIFFERENT'}; compiled = uncompiled: "
            f"{u['turbo_compiled_same']}; whole = union of chunks: "
            f"{g['same_as_union_of_chunks']} |"
        )
    lines += [
        "",
        "Input preparation (s, compared chunks): "
        + "; ".join(
            f"{u['name']}: rdflib graph {u['pyshacl_input_s']:.1f}, N-Triples "
            f"{u['turbo_input_s_on_compared']:.2f}"
            for u in out["units"]
        )
        + ".",
    ]
    lines += [
        "",
        "## Every difference",
        "",
        "N-Triples input (what adoption would use), every result; a key is (focus, path, "
        "shape, component, severity, value):",
        "",
    ]
    any_diff = False
    for row in out["whole"]:
        c = row["nt"]
        for k in c["missing"]:
            any_diff = True
            lines.append(f"- {row['name']}: turbo misses `{k}`")
        for k in c["extra"]:
            any_diff = True
            lines.append(f"- {row['name']}: turbo adds `{k}`")
    for u in out["units"]:
        for r in u["chunk_rows"]:
            c = r.get("compare")
            if c and not c["same"]:
                any_diff = True
                for k in c["missing"]:
                    lines.append(f"- {u['name']} chunk {r['chunk']}: turbo misses `{k}`")
                for k in c["extra"]:
                    lines.append(f"- {u['name']} chunk {r['chunk']}: turbo adds `{k}`")
        for k in u["whole_graph"]["only_whole"] + u["whole_graph"]["only_chunks"]:
            any_diff = True
            lines.append(f"- {u['name']}: whole graph and union of chunks differ on `{k}`")
    if not any_diff:
        lines.append("- none")
    for variant, title in (("store", "a pyoxigraph Store"), ("rdflib_graph", "the rdflib graph")):
        grouped: Counter[str] = Counter()
        for row in out["whole"]:
            c = row[variant]
            for side, found in (("misses", c["missing"]), ("adds", c["extra"])):
                for k in found:
                    grouped[f"turbo {side} {k[3]} on {k[1]}, value {k[5]}"] += 1
        lines += ["", f"Fed {title} (whole-graph sets), differences grouped:", ""]
        lines += [f"- {n} x {g}" for g, n in sorted(grouped.items())] or ["- none"]
    msgs = sorted(
        {
            (tuple(d["pyshacl"]), tuple(d["turbo"]))
            for row in out["whole"]
            for d in row["nt"]["message_differences"]
        }
        | {
            (tuple(d["pyshacl"]), tuple(d["turbo"]))
            for u in out["units"]
            for r in u["chunk_rows"]
            for d in r.get("compare", {}).get("message_differences", [])
        }
    )
    lines += ["", f"Distinct message differences (N-Triples input): {len(msgs)}", ""]
    lines += [f"- pySHACL `{p}` / turbo `{t}`" for p, t in msgs[:20]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Measure, compare, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--every", type=int, default=4, help="pySHACL on every N-th chunk at 10,000"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/validator_parity"))
    parser.add_argument("--sizes", default="1000,10000", help="synthetic sizes (of /tmp/scale)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    settings = load_settings(REPO)
    shapes = load_shapes(settings)
    keys = Keys(shapes, settings)
    whole = [whole_case("shipped", whole_triples(settings), shapes, keys, True)]
    for case in sorted((REPO / "tests" / "data" / "invalid").glob("*.ttl")):
        whole.append(whole_case(case.stem, whole_triples(settings, [case]), shapes, keys, True))
    log(f"whole graphs: {len(whole)} sets")
    records60 = planted(args.work, "planted-60", None)
    s60 = load_settings(REPO, {"project_dirs": (records60,)})
    whole.append(whole_case("planted-60", whole_triples(s60), shapes, keys, True))
    units = [unit_set("planted-60", records60, None, args.work, shapes, keys, 1)]
    for n in (int(x) for x in args.sizes.split(",") if x):
        original = SCALE / f"p{n}"
        records = planted(args.work, f"planted-{n}", original)
        every = args.every if n >= 10_000 else 1
        units.append(unit_set(f"planted-{n}", records, original, args.work, shapes, keys, every))
        log(f"planted-{n}: done")
    out = {
        "environment": {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(),
            "pyshacl": version("pyshacl"),
            "pyshacl_turbo": version("pyshacl-turbo"),
            "rdflib": version("rdflib"),
            "pyoxigraph": version("pyoxigraph"),
        },
        "whole": whole,
        "whole_totals": {
            "sets": len(whole),
            "pyshacl_s": sum(r["pyshacl_s"] for r in whole),
            "turbo_s": sum(r["turbo_s"] for r in whole),
            "nt_same": sum(r["nt"]["same"] for r in whole),
            "store_same": sum(r["store"]["same"] for r in whole),
            "graph_same": sum(r["rdflib_graph"]["same"] for r in whole),
            "nt_message_differences": sum(len(r["nt"]["message_differences"]) for r in whole),
        },
        "units": units,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "validator_parity.json").write_text(json.dumps(out, indent=1) + "\n")
    (RESULTS / "VALIDATOR_PARITY.md").write_text(markdown(out))
    log((RESULTS / "VALIDATOR_PARITY.md").read_text())


if __name__ == "__main__":
    main()
