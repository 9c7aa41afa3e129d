"""``python -m bench``: the scale benchmark suite (see :mod:`bench.suite`).

    python -m bench [--sizes 1000,10000,100000] [--quick] [--keep] [...]

Writes ``bench/results/RESULTS.md``, ``scale.png`` and ``scale.json``, and prints the tables.
"""

from __future__ import annotations

import sys

from bench.suite import main

if __name__ == "__main__":
    sys.exit(main())
