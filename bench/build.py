"""Time each stage of ``projectgraph build`` on a project (default: the shipped data).

    python -m bench.build [--runs 7] [--root .]

Prints the median, fastest and slowest time per stage over the runs, measured in one process
after one warm-up run, so the figures compare stages of the same build side by side.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from projectgraph.build.assemble import assemble
from projectgraph.publish.manifest import publish
from projectgraph.settings import load_settings
from projectgraph.validate.shacl import load_shapes, validate


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(args.root, {"dist_dir": Path(tmp) / "dist"})
        timings: dict[str, list[float]] = {}

        def timed(stage: str, work: Callable[[], object]) -> object:
            start = time.perf_counter()
            result = work()
            timings.setdefault(stage, []).append(time.perf_counter() - start)
            return result

        for run in range(args.runs + 1):
            assembled = timed("read + entail", lambda: assemble(settings))
            shapes = timed("load shapes", lambda: load_shapes(settings))
            report = timed(
                "validate (pySHACL)", lambda a=assembled, s=shapes: validate(a, settings, s)
            )
            timed(
                "publish (dumps, VoID, switch)",
                lambda a=assembled, r=report: publish(a, r, settings),
            )
            if run == 0:  # warm-up: imports, caches
                timings.clear()

    triples = len(assembled.triples)  # type: ignore[attr-defined]
    print(f"projectgraph build stages, {triples} triples, {args.runs} runs (after 1 warm-up)\n")
    print(f"| {'stage':<31} | {'median ms':>9} | {'min ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 33}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    total = 0.0
    for stage, values in timings.items():
        median = statistics.median(values) * 1000
        total += median
        low, high = min(values) * 1000, max(values) * 1000
        print(f"| {stage:<31} | {median:9.1f} | {low:7.1f} | {high:7.1f} |")
    print(f"| {'sum of medians':<31} | {total:9.1f} | {'':>7} | {'':>7} |")


if __name__ == "__main__":
    main()
