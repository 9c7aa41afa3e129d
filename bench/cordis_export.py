"""``python -m bench.cordis_export``: write a synthetic CORDIS open-data export (``project.csv``
and ``organization.csv``, made by :mod:`projectgraph.synth.cordis`) for importer tests (the
committed sample) and benchmarks (35,000 projects).

    python -m bench.cordis_export --projects 35000 --out /tmp/cordis35k [--seed 1]
    python -m bench.cordis_export --projects 220 --out tests/data/import/cordis   # the sample
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from projectgraph.synth.cordis import PROGRAMMES, write_export

__all__ = ["main", "write_export"]


def main() -> None:
    """Write the export the command line asks for and say what was written."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--projects", type=int, default=35_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--programme", choices=PROGRAMMES, default="H2020")
    args = parser.parse_args()
    started = time.perf_counter()
    stats = write_export(args.out, args.projects, seed=args.seed, programme=args.programme)
    print(f"{stats} -> {args.out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
