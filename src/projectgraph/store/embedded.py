"""Open a build's embedded Oxigraph store, in this process.

Query workers open one each; ``projectgraph query`` opens one for a single query. Imports are
kept to pyoxigraph and zstandard, so a replacement worker starts fast.

The store holds the named graphs (one per source) and, in its default graph, their merge: the
build's N-Triples dump, where a triple several sources state is there once. Oxigraph's
union-default-graph mode matches such a triple once per graph that states it, so a query over
organisations that 5,000 records describe would see each of their triples 5,000 times (and
joins multiply that): queries without a dataset run on the merged default graph instead.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

from projectgraph.rdf.packed import open_packed

# The dataset, one named graph per source: N-Quads, one Zstandard frame per graph (see
# projectgraph.rdf.packed). Builds before it wrote the plain "projectgraph.nq".
DATASET_DUMP = "projectgraph.nq.zst"
MERGED_DUMP = "projectgraph.nt.gz"  # the merged graph, beside the dataset in every build


def open_store(kind: str, path: str) -> ox.Store:
    """``memory``: load a build's dataset dump into a new in-memory store; ``disk``: open
    read-only."""
    if kind == "memory":
        store = ox.Store()
        load_build(store, path, in_memory=True)
        return store
    if kind == "disk":
        return ox.Store.read_only(path)
    raise ValueError(f"unknown store kind {kind!r}")


def load_build(store: ox.Store, dataset: str, in_memory: bool = False) -> None:
    """Load a build into ``store``: its dataset dump (the named graphs, ``DATASET_DUMP``) and
    its merged graph (the N-Triples dump beside it) into the default graph. The build wrote
    them, so their IRIs are not checked again (``lenient``, see
    :func:`~projectgraph.rdf.serialize.parse_own`). An ``in_memory`` store loads them as one
    write each, a fifth faster than the bulk loader (which writes an on-disk store's files
    directly)."""
    load = store.load if in_memory else store.bulk_load
    with open(dataset, "rb") as raw, open_packed(raw) as quads:
        load(quads, format=ox.RdfFormat.N_QUADS, lenient=True)
    with gzip.open(Path(dataset).parent / MERGED_DUMP, "rb") as merged:
        # A GzipFile is a binary file; typeshed does not derive it from IO[bytes].
        load(cast(IO[bytes], merged), format=ox.RdfFormat.N_TRIPLES, lenient=True)


QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def serialize_result(
    result: QueryResult, fmt: ox.QueryResultsFormat | ox.RdfFormat, output: IO[bytes] | None = None
) -> bytes:
    """``result`` in ``fmt``: written to ``output`` (then b"" is returned) or returned whole.
    Solutions and booleans take a results format, triples an RDF format (ValueError if not)."""
    if isinstance(result, ox.QueryTriples):
        if not isinstance(fmt, ox.RdfFormat):
            raise ValueError(f"a graph cannot be written as {fmt}")
        data = result.serialize(output, format=fmt)
    else:
        if not isinstance(fmt, ox.QueryResultsFormat):
            raise ValueError(f"results cannot be written as {fmt}")
        data = result.serialize(output, format=fmt)
    return b"" if data is None else data
