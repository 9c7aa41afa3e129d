"""The build's dataset dump as plain N-Quads, for the peers that read nothing else.

A build publishes its dataset Zstandard-compressed (``projectgraph.nq.zst``); Oxigraph's
``load --file``, rdflib-endpoint and plain pySHACL read a plain ``.nq`` file. It is
decompressed once per build into the benchmark's work folder, never into the build (a build is
immutable once published).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from projectgraph.rdf.packed import open_packed
from projectgraph.store.embedded import DATASET_DUMP


def plain_dataset(dist: Path, work: Path) -> Path:
    """The N-Quads of the build in ``dist``, as a plain file in ``work`` (named by the build's
    folder, so another build is decompressed anew)."""
    folder = dist.resolve()
    plain = work / f"{folder.name}.nq"
    if not plain.is_file():
        work.mkdir(parents=True, exist_ok=True)
        partial = plain.with_suffix(".nq.partial")
        with (
            (folder / DATASET_DUMP).open("rb") as raw,
            open_packed(raw) as quads,
            partial.open("wb") as out,
        ):
            shutil.copyfileobj(quads, out, 1 << 20)
        partial.replace(plain)
    return plain
