"""One changed project rebuilt: ``projectgraph build`` from the command line, then the same
edits under ``projectgraph build --watch``, side by side on the same records and dist.

    python -m bench.watch [--sizes 1000,10000,100000] [--edits 3] [--verify-max 10000]
                          [--records N=DIR] [--dist N=DIR] [--work DIR] [--out DIR] [--render]

For each size (synthetic projects, ``synth --seed 1``, kept in ``--work`` and shared with
``bench.build``; ``--records 100000=DIR`` takes a folder made before, ``--dist`` its build):
a build from the command line if the dist has none (not timed), then ``--edits`` title edits
each rebuilt by ``projectgraph build --timings`` (the wall time of the whole command, from
outside), then a ``build --watch --timings`` process started on the same records and dist
(its first build, with nothing changed, not timed) and ``--edits`` more title edits, each
timed from the moment the record is written to the moment the process prints its build's
id (the notification, the debounce and the build), with the time the process itself reports
(``build took``). Up to ``--verify-max`` projects the last watched build's records are built
from scratch into another dist: the same build id, the same bytes.

Writes bench/results/WATCH.md and watch.json; ``--render`` writes WATCH.md again from
watch.json, with the notes added there.
"""

from __future__ import annotations

import argparse
import json
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.build import ROOT, build, fresh, records_for
from bench.suite import change_one, parse_sizes, parse_timings, slugs_of
from projectgraph.pipeline.watch import QUIET_MS

PG = [sys.executable, "-m", "projectgraph"]


@dataclass
class Rebuild:
    """One title edit rebuilt."""

    way: str  # "command" or "watch"
    seconds: float  # from outside: the command's wall time, or the write to the build's line
    reported: float | None  # what the watching process says the build took
    build_id: str
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Size:
    projects: int
    rebuilds: list[Rebuild] = field(default_factory=list)
    verify_id: str = ""  # the last watched records built from scratch

    def median(self, way: str) -> float | None:
        found = [r.seconds for r in self.rebuilds if r.way == way]
        return statistics.median(found) if found else None


def _pairs(values: list[str]) -> dict[int, Path]:
    found = {}
    for value in values:
        size, _, path = value.partition("=")
        found[parse_sizes(size)[0]] = Path(path)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=parse_sizes, default=(1_000, 10_000, 100_000))
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--verify-max", type=int, default=10_000)
    parser.add_argument("--records", action="append", default=[], help="N=DIR")
    parser.add_argument("--dist", action="append", default=[], help="N=DIR")
    parser.add_argument("--work", type=Path, default=Path("/tmp/pg-build-scale"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--render", action="store_true", help="write WATCH.md again from watch.json (its notes)"
    )
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads((args.out / "watch.json").read_text())
        sizes = [_size(s) for s in results["sizes"]]
        (args.out / "WATCH.md").write_text(report(results, sizes))
        return 0
    records_given, dists_given = _pairs(args.records), _pairs(args.dist)
    began = time.time()
    sizes = []
    for projects in args.sizes:
        records = records_given.get(projects) or records_for(args.work, projects, 1, print)[0]
        dist = dists_given.get(projects) or args.work / f"watch-dist-{projects}"
        if not (dist / "build.json").is_file():
            print(f"{projects:,}: a first build (not timed)", flush=True)
            fresh(dist)
            first = build(records, dist)
            if first.returncode:
                raise SystemExit(f"the first build failed:\n{first.output}")
        size = Size(projects)
        slugs = slugs_of(records)
        for k in range(args.edits):
            change_one(records, slugs[len(slugs) // 2])
            run = build(records, dist)
            stages = {name: s.seconds for name, s in run.stages.items()}
            size.rebuilds.append(Rebuild("command", run.wall, None, run.build_id, stages))
            print(f"{projects:,}: command rebuild {k + 1}: {run.wall:.2f} s", flush=True)
        size.rebuilds += watched(records, dist, slugs[len(slugs) // 2], args.edits, projects)
        if projects <= args.verify_max:
            check = args.work / f"watch-verify-{projects}"
            fresh(check)
            size.verify_id = build(records, check).build_id
            fresh(check)
        sizes.append(size)
    results = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(began)),
        "minutes": round((time.time() - began) / 60, 1),
        "quiet_ms": QUIET_MS,
        "sizes": [asdict(s) for s in sizes],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "watch.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "WATCH.md").write_text(report(results, sizes))
    print((args.out / "WATCH.md").read_text())
    return 0


def watched(records: Path, dist: Path, slug: str, edits: int, projects: int) -> list[Rebuild]:
    """``edits`` title edits of ``slug`` under a ``build --watch --timings`` process."""
    argv = [*PG, "build", "--root", str(ROOT), "--project", str(records), "--dist", str(dist)]
    process = subprocess.Popen(
        [*argv, "--watch", "--timings", "-q"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put((time.perf_counter(), line.rstrip("\n")))

    threading.Thread(target=read, daemon=True).start()

    def until(start: str) -> list[tuple[float, str]]:
        got = []
        while True:
            at, line = lines.get(timeout=3600)
            got.append((at, line))
            if line.startswith(start):
                return got

    found = []
    try:
        until("watching")  # the first build: nothing changed
        for k in range(edits):
            written = time.perf_counter()
            change_one(records, slug)
            got = until("watching")
            built = next((at, line) for at, line in got if line.startswith("built "))
            took = next(line for _, line in got if line.startswith("build took"))
            output = "\n".join(line for _, line in got)
            found.append(
                Rebuild(
                    "watch",
                    built[0] - written,
                    float(took.split()[2]),
                    built[1].split()[1].rstrip(":"),
                    {name: s.seconds for name, s in parse_timings(output).items()},
                )
            )
            print(f"{projects:,}: watched rebuild {k + 1}: {found[-1].seconds:.2f} s", flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(600)
    return found


def _size(data: dict[str, Any]) -> Size:
    return Size(
        data["projects"], [Rebuild(**r) for r in data["rebuilds"]], data.get("verify_id", "")
    )


def report(results: dict[str, Any], sizes: list[Size]) -> str:
    """The Markdown report."""
    out = [
        "# One changed project rebuilt: from the command line and under `build --watch`",
        "",
        f"Written by `python -m bench.watch` ({results['started']}, {results['minutes']} min)."
        " Method in the script's docstring. 2 cores, 24 GiB; the machine did nothing else.",
        "",
        "| projects | command rebuild, median (s) | watched rebuild, median (s) | ratio |"
        " runs (command; watched) | same build as from scratch |",
        "|---:|---:|---:|---:|---|---|",
    ]
    for s in sizes:
        command, watch = s.median("command"), s.median("watch")
        runs = "; ".join(
            ", ".join(f"{r.seconds:.2f}" for r in s.rebuilds if r.way == way)
            for way in ("command", "watch")
        )
        last = [r for r in s.rebuilds if r.way == "watch"][-1:]
        same = "-"
        if s.verify_id and last:
            verdict = "yes" if s.verify_id == last[0].build_id else "NO"
            same = f"{verdict} (`{s.verify_id}`)"
        ratio = f"{command / watch:.2f}x" if command and watch else "-"
        out.append(
            f"| {s.projects:,} | {command:.2f} | {watch:.2f} | {ratio} | {runs} | {same} |"
            if command and watch
            else f"| {s.projects:,} | - | - | - | {runs} | {same} |"
        )
    out += [
        "",
        "A watched rebuild is timed from the moment the record is written to the moment the"
        " process prints the build's id: the system's notification, the quiet time a burst is"
        f" given to end ({results.get('quiet_ms', 50)} ms), and the build. Stages (s), the"
        " median of each way's runs:",
        "",
    ]
    names = sorted({n for s in sizes for r in s.rebuilds for n in r.stages}, key=_stage_order)
    out.append(
        "| stage | "
        + " | ".join(f"{s.projects:,} command | {s.projects:,} watched" for s in sizes)
        + " |"
    )
    out.append("|---|" + "---:|" * (2 * len(sizes)))
    for name in names:
        cells = []
        for s in sizes:
            for way in ("command", "watch"):
                values = [r.stages[name] for r in s.rebuilds if r.way == way and name in r.stages]
                cells.append(f"{statistics.median(values):.2f}" if values else "-")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += [f"\n{note}" for note in results.get("notes", [])]
    return "\n".join(out) + "\n"


def _stage_order(name: str) -> int:
    order = ["read + entail", "partition", "validate", "dumps + describe", "answers"]
    return order.index(name) if name in order else len(order)


if __name__ == "__main__":
    raise SystemExit(main())
