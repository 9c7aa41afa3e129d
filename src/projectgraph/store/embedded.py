"""Open a build's embedded Oxigraph store, in this process.

Query workers open one each; ``projectgraph query`` opens one for a single query. Imports are
kept to pyoxigraph, so a replacement worker starts fast.
"""

from __future__ import annotations

import pyoxigraph as ox


def open_store(kind: str, path: str) -> ox.Store:
    """``memory``: load an N-Quads dump into a new in-memory store; ``disk``: open read-only."""
    if kind == "memory":
        store = ox.Store()
        store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
        return store
    if kind == "disk":
        return ox.Store.read_only(path)
    raise ValueError(f"unknown store kind {kind!r}")
