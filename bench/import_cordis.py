"""Benchmark ``projectgraph import csv --mapping cordis``: throughput and peak memory for
CORDIS-layout exports of growing size (made by :mod:`bench.cordis_export`), up to the size of
the real Horizon 2020 export (35,000 projects, ~180,000 participations).

    python -m bench.import_cordis [--sizes 3500,35000] [--seed 1] [--keep DIR]

Each size is generated into a temporary folder, then imported by a fresh ``projectgraph``
process into an empty records folder; the table gives the wall time, records/s,
participations/s and the peak resident memory of the import process (``ru_maxrss`` of the
child), then re-imports the same files (every record unchanged) for the second row. Memory
that stays flat across sizes is the point: the importer streams (partner rows go to SQLite on
disk, records are written one by one).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cordis_export import write_export


def _run(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the child in MiB, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    # ru_maxrss of children is the largest child so far: run sizes from small to large
    return elapsed, max(peak, before) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="3500,35000", help="projects per export, ascending")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print("# Import of CORDIS-layout exports (`projectgraph import csv --mapping cordis`)\n")
    print(
        "| projects | participations | organisations | CSV MiB | run | seconds | "
        "records/s | participations/s | peak RSS MiB |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="pg-bench-import-") as tmp:
            folder = Path(tmp)
            stats = write_export(folder / "export", size, seed=args.seed)
            megabytes = sum(p.stat().st_size for p in (folder / "export").iterdir()) / 2**20
            command = [
                sys.executable, "-m", "projectgraph", "import", "csv", "--mapping", "cordis",
                str(folder / "export/project.csv"), str(folder / "export/organization.csv"),
                "--out", str(folder / "records"), "--root", str(args.root), "--quiet",
            ]  # fmt: skip
            for run in ("first import", "re-import (unchanged)"):
                seconds, peak, output = _run(command)
                print(
                    f"| {stats.projects:,} | {stats.participations:,} | "
                    f"{stats.organisations:,} | {megabytes:.1f} | {run} | {seconds:.1f} | "
                    f"{stats.projects / seconds:,.0f} | {stats.participations / seconds:,.0f} | "
                    f"{peak:,.0f} |",
                    flush=True,
                )
            written = len(list((folder / "records").glob("*.ttl")))
            if written != stats.projects:
                print(f"\nproblem: {written} records for {stats.projects} projects:\n{output}")


if __name__ == "__main__":
    main()
