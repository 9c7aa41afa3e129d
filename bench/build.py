"""The build at scale: cold builds, a one-project rebuild, seeds, and validation against pySHACL.

    python -m bench.build [--sizes 1000,10000,100000] [--scaling 10000,20000] [--seeds 1,7]
                          [--verify-max 100000] [--rebuild-max 100000] [--whole 10000]
                          [--work DIR] [--out DIR] [--add | --render]

For each of ``--sizes`` (synthetic projects, ``synth --seed 1``): a build from scratch (no
cache, a new dist), then one line appended to one record and a rebuild on the cache, then,
up to ``--verify-max`` projects, a build from scratch of the changed records into another
dist: the rebuild is right when both have the same build id (the id covers every byte of the
build: dumps, answers, VoID). For each of ``--seeds``, a build from scratch at each of
``--scaling`` sizes: the time should grow linearly. At ``--whole`` projects, plain pySHACL on
the whole graph (``bench.suite``'s whole-graph child) against the build's validate stage.

Every build runs as ``projectgraph build --timings`` in a subprocess while its process tree's
memory is sampled every 0.2 s (RSS summed over the tree: pages shared between processes count
once per process, the figure the target is held to; PSS summed: what the tree occupies).
Synthetic folders are kept in ``--work`` (default /tmp/pg-build-scale) and reused.

Sizes above ``--rebuild-max`` get a build from scratch only. ``--add`` measures the given
sizes into the results already in ``--out`` (a 250,000-project point, say, measured apart),
``--render`` writes the report again from them. The report ends with time and memory against
size, extrapolated to a million projects along the line through the two largest sizes.

Writes bench/results/BUILD_SCALE.md, build_scale.json and build_scale.png.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.plain import plain_dataset
from bench.suite import (
    BenchRun,
    BuildRun,
    Memory,
    Stage,
    WholeGraph,
    change_one,
    parse_sizes,
    parse_timings,
    run_measured,
    slugs_of,
)

ROOT = Path(__file__).resolve().parent.parent
PG = [sys.executable, "-m", "projectgraph"]
TARGET_SIZE = 100_000
TARGET_SECONDS = 300.0
TARGET_MEMORY_GIB = 8.0
TARGET_REBUILD = 10.0
TARGET_SCALING = 2.5
TARGET_VALIDATION = 5.0


@dataclass
class Size:
    """What one size measured."""

    projects: int
    synth_seconds: float | None = None
    cold: BuildRun | None = None
    rebuild: BuildRun | None = None
    verify: BuildRun | None = None
    changed: str = ""

    @property
    def rebuild_equal(self) -> bool | None:
        if self.rebuild is None or self.verify is None:
            return None
        return bool(self.rebuild.build_id) and self.rebuild.build_id == self.verify.build_id


@dataclass
class Results:
    sizes: list[Size] = field(default_factory=list)
    scaling: dict[int, dict[int, BuildRun]] = field(default_factory=dict)  # seed -> size -> run
    whole: WholeGraph | None = None
    whole_stage: float | None = None
    whole_projects: int = 0
    runs: list[str] = field(default_factory=list)  # each run: command, date, minutes, load

    @classmethod
    def load(cls, path: Path) -> Results:
        """Results written before to ``path`` (build_scale.json), for ``--add``."""
        data = json.loads(path.read_text())

        def run(d: dict[str, Any] | None) -> BuildRun | None:
            if d is None:
                return None
            stages = {k: Stage(**v) for k, v in d.pop("stages").items()}
            return BuildRun(stages=stages, memory=Memory(**d.pop("memory")), **d)

        sizes = []
        for d in data["sizes"]:
            sizes.append(
                Size(
                    d["projects"],
                    d["synth_seconds"],
                    run(d["cold"]),
                    run(d["rebuild"]),
                    run(d["verify"]),
                    d["changed"],
                )
            )
        scaling = {
            int(seed): {int(n): run(b) for n, b in runs.items()}
            for seed, runs in data["scaling"].items()
        }
        whole = WholeGraph(**data["whole"]) if data.get("whole") else None
        return cls(
            sizes,
            scaling,  # type: ignore[arg-type]
            whole,
            data.get("whole_stage"),
            int(data.get("whole_projects", 0)),
            list(data.get("runs", [])),
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.build",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", type=parse_sizes, default=(1_000, 10_000, 100_000))
    parser.add_argument("--scaling", type=parse_sizes, default=(10_000, 20_000))
    parser.add_argument("--seeds", default="1,7", help="synth seeds of the scaling runs")
    parser.add_argument("--verify-max", type=int, default=100_000)
    parser.add_argument(
        "--rebuild-max", type=int, default=100_000, help="larger sizes: a cold build only"
    )
    parser.add_argument(
        "--add",
        action="store_true",
        help="add to the results in --out (same sizes replaced) instead of starting anew",
    )
    parser.add_argument("--whole", type=int, default=10_000, help="0: no whole-graph pySHACL")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pg-build-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--render", action="store_true", help="only write the report again from --out's json"
    )
    args = parser.parse_args(argv)
    if args.render:
        results = Results.load(args.out / "build_scale.json")
        (args.out / "BUILD_SCALE.md").write_text(report(results))
        plot(results, args.out / "build_scale.png")
        return 0
    seeds = [int(s) for s in args.seeds.split(",") if s]
    args.work.mkdir(parents=True, exist_ok=True)
    this = BenchRun("bench.build", argv)
    say = this.say

    results = Results()
    if args.add and (args.out / "build_scale.json").is_file():
        results = Results.load(args.out / "build_scale.json")
        results.sizes = [s for s in results.sizes if s.projects not in args.sizes]
    for n in args.sizes:
        size = Size(n)
        records, size.synth_seconds = records_for(args.work, n, 1, say)
        dist = args.work / f"dist-{n}"
        fresh(dist)
        say(f"{n:,}: build from scratch")
        size.cold = build(records, dist)
        say(f"{n:,}: {size.cold.wall:.1f} s, {size.cold.memory.rss / 1024:.2f} GiB RSS sum")
        if n == args.whole and size.cold.returncode == 0:
            say(f"{n:,}: whole-graph pySHACL")
            results.whole = whole_graph(plain_dataset(dist, args.work))
            results.whole_stage = size.cold.stages["validate"].seconds
            results.whole_projects = n
        if n > args.rebuild_max:
            fresh(dist)
            results.sizes.append(size)
            continue
        slug = slugs_of(records)[len(slugs_of(records)) // 2]
        path = records / f"{slug}.ttl"
        original = path.read_bytes()
        try:
            size.changed = change_one(records, slug)
            say(f"{n:,}: rebuild after one changed project")
            size.rebuild = build(records, dist)
            say(f"{n:,}: rebuild {size.rebuild.wall:.1f} s")
            if n <= args.verify_max:
                check = args.work / f"verify-{n}"
                fresh(check)
                say(f"{n:,}: the changed records from scratch, to compare")
                size.verify = build(records, check)
                fresh(check)
        finally:
            path.write_bytes(original)
        fresh(dist)
        results.sizes.append(size)
    for seed in seeds:
        for n in args.scaling:
            records, _ = records_for(args.work, n, seed, say)
            dist = args.work / f"dist-{n}-seed{seed}"
            fresh(dist)
            say(f"seed {seed}, {n:,}: build from scratch")
            run = build(records, dist)
            results.scaling.setdefault(seed, {})[n] = run
            say(f"seed {seed}, {n:,}: {run.wall:.1f} s")
            fresh(dist)
    results.sizes.sort(key=lambda s: s.projects)
    results.runs.append(this.text())
    text = report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "BUILD_SCALE.md").write_text(text)
    (args.out / "build_scale.json").write_text(
        json.dumps(asdict(results), indent=1, default=str) + "\n"
    )
    plot(results, args.out / "build_scale.png")
    print(text)
    return 0


def records_for(work: Path, projects: int, seed: int, say: Any) -> tuple[Path, float | None]:
    """The synthetic records of ``projects`` with ``seed``, written once and kept."""
    records = work / f"records-{projects}-seed{seed}"
    done = records / ".complete"
    if done.is_file():
        return records, float(done.read_text() or 0) or None
    shutil.rmtree(records, ignore_errors=True)
    say(f"synth {projects:,} projects, seed {seed}")
    began = time.perf_counter()
    extra = ["--out", str(records), "--root", str(ROOT), "-q"]
    subprocess.run(
        [*PG, "synth", "--projects", str(projects), "--seed", str(seed), *extra],
        check=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - began
    done.write_text(f"{seconds:.1f}")
    return records, seconds


def fresh(dist: Path) -> None:
    """No build, no cache: remove ``dist`` and its builds folder."""
    shutil.rmtree(dist.parent / f".{dist.name}-builds", ignore_errors=True)
    if dist.is_symlink() or dist.is_file():
        dist.unlink()
    shutil.rmtree(dist, ignore_errors=True)


def build(records: Path, dist: Path) -> BuildRun:
    """``projectgraph build --timings`` of ``records`` into ``dist``, measured."""
    argv = [sys.executable, "-m", "projectgraph", "build", "--root", str(ROOT)]
    argv += ["--project", str(records), "--dist", str(dist), "--timings", "-q"]
    code, output, wall, memory = run_measured(argv, ROOT)
    run = BuildRun(wall, code, parse_timings(output), memory, output=output[-3000:])
    manifest = dist / "build.json"
    if code == 0 and manifest.is_file():
        data = json.loads(manifest.read_text())
        run.triples, run.quads = int(data["triples"]), int(data["quads"])
        run.build_id = str(data["build_id"])
        run.files = {name: int(f["bytes"]) for name, f in data.get("files", {}).items()}
        queries = data.get("answers", {}).get("queries", {})
        done = sum(1 for q in queries.values() if q.get("materialized"))
        run.answered = f"{done}/{len(queries)}"
    return run


def whole_graph(dump: Path) -> WholeGraph:
    """Plain pySHACL on the whole graph of ``dump``, in a subprocess."""
    argv = [sys.executable, "-m", "bench.suite", "whole-graph", str(dump), str(ROOT / "shapes")]
    argv.append("https://w3id.org/projectgraph/")
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return WholeGraph(failure=f"exit {done.returncode}: {done.stderr.strip()[-500:]}")
    return WholeGraph(**json.loads(done.stdout.strip().splitlines()[-1]))


# ------------------------------------------------------------------------------------------
# The report


def watched_rebuild(projects: int, out: Path = ROOT / "bench" / "results") -> float | None:
    """The median watched rebuild ``bench.watch`` measured at ``projects``, if it did."""
    try:
        sizes = json.loads((out / "watch.json").read_text())["sizes"]
    except (OSError, ValueError, KeyError):
        return None
    for size in sizes:
        runs = [r["seconds"] for r in size["rebuilds"] if r["way"] == "watch"]
        if size["projects"] == projects and runs:
            return sorted(runs)[len(runs) // 2]
    return None


def gib(mib: float) -> str:
    return f"{mib / 1024:.2f} GiB"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "missed")


def report(r: Results) -> str:
    """BUILD_SCALE.md."""
    lines = [
        "# The build at scale",
        "",
        "Written by " + "; then ".join(r.runs) + ". Method in the script's docstring. One "
        "build at a time on a 2-core machine with 24 GiB.",
        "",
        f"- software: Python {sys.version.split()[0]}, "
        f"projectgraph {metadata.version('projectgraph')}, "
        f"pyoxigraph {metadata.version('pyoxigraph')}, pyshacl-turbo "
        f"{metadata.version('pyshacl-turbo')}, pySHACL {metadata.version('pyshacl')}",
        "",
        "## Targets",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    target = next((s for s in r.sizes if s.projects == TARGET_SIZE), None)
    if target and target.cold:
        c = target.cold
        lines.append(
            f"| {TARGET_SIZE:,} projects: build from scratch < 5 min | {c.wall:.0f} s "
            f"| {verdict(c.returncode == 0 and c.wall < TARGET_SECONDS)} |"
        )
        lines.append(
            f"| {TARGET_SIZE:,} projects: peak memory (RSS summed over the tree) < 8 GiB "
            f"| {gib(c.memory.rss)} (PSS {gib(c.memory.pss)}) "
            f"| {verdict(c.memory.rss / 1024 < TARGET_MEMORY_GIB)} |"
        )
    if target and target.rebuild:
        equal = target.rebuild_equal
        lines.append(
            f"| {TARGET_SIZE:,} projects: one changed project rebuilt < 10 s, same build as "
            f"from scratch | {target.rebuild.wall:.1f} s, "
            f"{'same build id' if equal else 'not compared' if equal is None else 'DIFFERENT'} "
            f"| {verdict(target.rebuild.wall < TARGET_REBUILD and bool(equal))} |"
        )
        watched = watched_rebuild(TARGET_SIZE)
        if watched is not None:
            lines.append(
                f"| {TARGET_SIZE:,} projects: the same under `build --watch` < 10 s | "
                f"{watched:.1f} s, median ([WATCH.md](WATCH.md)) | "
                f"{verdict(watched < TARGET_REBUILD)} |"
            )
    for seed, runs in sorted(r.scaling.items()):
        if len(runs) >= 2:
            (small, a), (large, b) = sorted(runs.items())[0], sorted(runs.items())[-1]
            ratio = b.wall / a.wall
            lines.append(
                f"| seed {seed}: {large:,} projects <= {TARGET_SCALING}x {small:,} "
                f"| {b.wall:.1f} / {a.wall:.1f} s = {ratio:.2f}x "
                f"| {verdict(ratio <= TARGET_SCALING)} |"
            )
    if r.whole and r.whole.validate and r.whole_stage:
        ratio = r.whole.validate / r.whole_stage
        lines.append(
            f"| {r.whole_projects:,} projects: validation >= 5x whole-graph pySHACL, same "
            f"results | {r.whole.validate:.1f} / {r.whole_stage:.1f} s = {ratio:.1f}x; "
            f"pySHACL: conforms {r.whole.conforms}, {r.whole.results} results "
            f"| {verdict(ratio >= TARGET_VALIDATION)} |"
        )
    lines += ["", "## Builds from scratch, then one changed project", ""]
    names = []
    for s in r.sizes:
        for run in (s.cold, s.rebuild):
            for name in run.stages if run else ():
                if name not in names:
                    names.append(name)
    header = ["measurement"]
    for s in r.sizes:
        header += [f"{s.projects:,}"] + ([f"{s.projects:,} rebuilt"] if s.rebuild else [])
    lines += ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]

    def row(label: str, pick: Any) -> None:
        cells = [label]
        for s in r.sizes:
            for run in (s.cold, s.rebuild) if s.rebuild else (s.cold,):
                cells.append(pick(run) if run else "-")
        lines.append("| " + " | ".join(cells) + " |")

    row("wall time (s)", lambda b: f"{b.wall:.1f}")
    for name in names:
        row(
            f"stage: {name} (s)",
            lambda b, n=name: (
                f"{b.stages[n].seconds:.2f}{b.stages[n].note()}" if n in b.stages else "-"
            ),
        )
    row("peak RSS summed over the tree", lambda b: gib(b.memory.rss))
    row("peak PSS summed over the tree", lambda b: gib(b.memory.pss))
    row("largest process (RSS)", lambda b: gib(b.memory.largest or 0))
    row("most processes at once", lambda b: str(b.memory.processes))
    row("triples", lambda b: f"{b.triples:,}")
    row("named queries materialized", lambda b: b.answered or "-")
    row("build id", lambda b: f"`{b.build_id}`")
    lines += [
        "",
        "The answers of the named queries are computed in a child process from the end of "
        "read + entail on, beside partition, validation and the dumps; the answers stage is "
        "what is left to wait for once the dumps are written.",
        "",
    ]
    for s in r.sizes:
        synth = f"synth {s.synth_seconds:.1f} s; " if s.synth_seconds else ""
        verify = (
            f"the changed records built from scratch: {s.verify.wall:.1f} s, build id "
            f"`{s.verify.build_id}` ({'the same' if s.rebuild_equal else 'DIFFERENT'})"
            if s.verify
            else "not built again from scratch"
        )
        if s.rebuild is None:
            lines.append(f"- {s.projects:,}: {synth}a build from scratch only.")
            continue
        lines.append(f"- {s.projects:,}: {synth}changed: `{s.changed}`; {verify}.")
    if r.scaling:
        lines += ["", "## Time against size, two seeds", ""]
        sizes = sorted({n for runs in r.scaling.values() for n in runs})
        lines += [
            "| seed | " + " | ".join(f"{n:,} s" for n in sizes) + " | ratio |",
            "|---" + "|---:" * (len(sizes) + 1) + "|",
        ]
        for seed, runs in sorted(r.scaling.items()):
            walls = [runs[n].wall if n in runs else None for n in sizes]
            first, last = walls[0], walls[-1]
            shown = f"{last / first:.2f}x" if first and last else "-"
            cells = [f"{w:.1f}" if w else "-" for w in walls]
            lines.append(f"| {seed} | " + " | ".join(cells) + f" | {shown} |")
        stage_names = list(
            dict.fromkeys(n for runs in r.scaling.values() for b in runs.values() for n in b.stages)
        )
        lines += ["", "Stages (s), seed/size:", ""]
        lines += [
            "| stage | "
            + " | ".join(
                f"{seed}/{n:,}" for seed, runs in sorted(r.scaling.items()) for n in sorted(runs)
            )
            + " |"
        ]
        count = sum(len(runs) for runs in r.scaling.values())
        lines += ["|---" + "|---:" * count + "|"]
        for name in stage_names:
            cells = [
                f"{runs[n].stages[name].seconds:.2f}" if name in runs[n].stages else "-"
                for _, runs in sorted(r.scaling.items())
                for n in sorted(runs)
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += memory_model(r)
    if r.whole:
        w = r.whole
        lines += [
            "",
            "## Validation against whole-graph pySHACL",
            "",
            f"At {r.whole_projects:,} projects: pySHACL on the whole graph (read with rdflib "
            f"from the N-Quads dump, {w.triples:,} triples) validated in "
            f"{w.validate or 0:.1f} s after {w.load:.1f} s of reading, peak RSS "
            f"{w.peak_mib:,.0f} MiB, conforms {w.conforms}, {w.results} results; the build's "
            f"validate stage (pyshacl-turbo by units, two processes) took "
            f"{r.whole_stage or 0:.2f} s. Same results on every planted-error set: "
            "tests/test_validator_parity.py." + (f" Failure: {w.failure}" if w.failure else ""),
        ]
    return "\n".join(lines) + "\n"


def memory_model(r: Results) -> list[str]:
    """Time and memory of builds from scratch against size, extrapolated to a million.

    A line through the two largest sizes measured (what one more project costs there), not a
    fit through the small ones, where fixed costs dominate.
    """
    runs = [(s.projects, s.cold) for s in r.sizes if s.cold and s.cold.returncode == 0]
    if len(runs) < 2:
        return []
    (n0, a), (n1, b) = runs[-2], runs[-1]
    lines = ["", "## Time and memory against size", ""]
    lines += [
        "| projects | triples | wall (s) | RSS sum | PSS sum | largest process | processes |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, run in runs:
        lines.append(
            f"| {n:,} | {run.triples:,} | {run.wall:.1f} | {gib(run.memory.rss)} "
            f"| {gib(run.memory.pss)} | {gib(run.memory.largest or 0)} "
            f"| {run.memory.processes} |"
        )

    def at(n: int, y0: float, y1: float) -> float:
        return y1 + (y1 - y0) / (n1 - n0) * (n - n1)

    lines += ["", f"Extrapolated along the line through {n0:,} and {n1:,} projects:", ""]
    if lost(b):
        lines += [
            f"(the {n1:,}-project build lost its answers process to memory: its time and "
            "memory leave out most of the named queries' and search index's work, so this "
            "line is below what a complete build needs)",
            "",
        ]
    lines += [
        "| projects | wall (min) | RSS sum | largest process |",
        "|---:|---:|---:|---:|",
    ]
    for n in (1_000_000, 1_500_000):
        wall = at(n, a.wall, b.wall) / 60
        rss = at(n, a.memory.rss, b.memory.rss)
        largest = at(n, a.memory.largest or 0, b.memory.largest or 0)
        lines.append(f"| {n:,} | {wall:.0f} | {gib(rss)} | {gib(largest)} |")
    growth = {
        name: (b.stages[name].seconds - a.stages[name].seconds) / (n1 - n0) * 1e6
        for name in b.stages
        if name in a.stages
    }
    lines += [
        "",
        "Seconds each stage adds per million projects, between the two: "
        + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(growth.items(), key=lambda kv: -kv[1]))
        + ".",
    ]
    return lines + by_process(r)


# What each process of a build does, by the name it shows in ps (see name_process).
PROCESS_KINDS = {
    "pg-build": "the build (main process)",
    "pg-answers": "named queries + search index (one child)",
    "pg-validate": "validation (each worker)",
    "pg-dumps": "dump parts (each worker)",
    "pg-prepare": "read + entail (each worker)",
}
MACHINE_GIB = 24


def by_process(r: Results) -> list[str]:
    """The peak RSS of each kind of process against size, the line through the two largest
    sizes that measured them, and the first to outgrow the machine by itself."""
    runs = [(s.projects, s.cold) for s in r.sizes if s.cold and s.cold.memory.named]
    if not runs:
        return []
    kinds = [k for k in PROCESS_KINDS if any(k in run.memory.named for _, run in runs)]
    lines = ["", "## Memory by process", ""]
    lines += [
        "Peak RSS of the largest process of each kind (builds from scratch; the processes "
        "show under these names in `ps` and `top`):",
        "",
        "| process | does | " + " | ".join(f"{n:,}" for n, _ in runs) + " |",
        "|---|---|" + "---:|" * len(runs),
    ]
    for kind in kinds:
        cells = [
            (">= " if kind == "pg-answers" and lost(run) else "")
            + (gib(run.memory.named[kind]) if kind in run.memory.named else "-")
            for _, run in runs
        ]
        lines.append(f"| `{kind}` | {PROCESS_KINDS[kind]} | " + " | ".join(cells) + " |")
    for n, run in runs:
        if run.returncode == 0 and lost(run):
            lines += [
                "",
                f"At {n:,} projects the answers process was killed (SIGKILL: memory ran out) "
                f"at {gib(run.memory.named.get('pg-answers', 0))}, with the tree at "
                f"{gib(run.memory.rss)}; the build went on and published without the named "
                f"queries' answers ({run.answered} materialized), in {run.wall:.0f} s.",
            ]
    failed = [(n, run) for n, run in runs if run.returncode != 0]
    for n, run in failed:
        last = run.output.strip().splitlines()[-1:] or ["(no output)"]
        lines += ["", f"The {n:,}-project build failed (exit {run.returncode}): `{last[0]}`"]
    done = [(n, run) for n, run in runs if run.returncode == 0]
    if len(done) < 2:
        return lines
    (n0, a), (n1, b) = done[-2], done[-1]
    budget = MACHINE_GIB * 1024
    first: list[tuple[float, str]] = []
    lines += ["", f"Along the line through {n0:,} and {n1:,} projects:", ""]
    lines += [
        "| process | MiB per 1,000 projects | at 1,000,000 | outgrows 24 GiB at |",
        "|---|---:|---:|---:|",
    ]
    for kind in kinds:
        y0, y1 = a.memory.named.get(kind), b.memory.named.get(kind)
        if y0 is None or y1 is None:
            continue
        bound = "at least " if kind == "pg-answers" and lost(b) else ""
        slope = (y1 - y0) / (n1 - n0)
        million = y1 + slope * (1_000_000 - n1)
        at = n1 + (budget - y1) / slope if slope > 0 else float("inf")
        first.append((at, kind))
        where = f"{'at most ' if bound else ''}{at:,.0f}" if at != float("inf") else "never"
        lines.append(f"| `{kind}` | {bound}{slope * 1000:,.1f} | {bound}{gib(million)} | {where} |")
    if first:
        at, kind = min(first)
        lines += [
            "",
            f"First to outgrow the machine by itself: `{kind}` ({PROCESS_KINDS[kind]}), "
            f"at about {at:,.0f} projects; the tree as a whole reaches 24 GiB sooner, beside "
            "the main process and the workers.",
        ]
    return lines


def lost(run: BuildRun) -> bool:
    """Whether the build published without any named query's answers (its answers process
    was killed, as the kernel does when memory runs out)."""
    return run.answered.startswith("0/")


def plot(r: Results, path: Path) -> None:
    """Stage seconds of each build from scratch, stacked, by size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [(s.projects, s.cold) for s in r.sizes if s.cold and s.cold.returncode == 0]
    if not runs:
        return
    names = [n for n in runs[-1][1].stages]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    labels = [f"{n:,}" for n, _ in runs]
    bottoms = [0.0] * len(runs)
    for name in names:
        values = [b.stages[name].seconds if name in b.stages else 0.0 for _, b in runs]
        ax.bar(labels, values, bottom=bottoms, label=name)
        bottoms = [a + b for a, b in zip(bottoms, values, strict=True)]
    for x, (_, b) in enumerate(runs):
        note = f"{b.wall:.0f} s\n{b.memory.rss / 1024:.1f} GiB RSS"
        ax.text(x, b.wall, note, ha="center", va="bottom", fontsize=8)
    ax.axhline(TARGET_SECONDS, color="grey", linestyle="--", linewidth=1)
    ax.set_ylabel("seconds (build from scratch)")
    ax.set_xlabel("synthetic projects")
    ax.set_title("projectgraph build: stages by size (2 cores)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
