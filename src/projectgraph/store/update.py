"""Make a build's on-disk store from an earlier build's store, by the named graphs that changed.

Loading a store anew reads every quad of the build (at 100,000 projects, 8.85 million quads and
the merged graph, then a compaction: minutes); after a rebuild that changed one project, all
but one named graph are the same. The build's manifest gives each graph a digest of what it
holds and where its lines are in the N-Quads dump, and the marker of a store keeps the digests
it was loaded with, so the graphs whose digest differs are all that changed:

1. the earlier store is copied as a RocksDB checkpoint (its files hard-linked: milliseconds,
   and it can still be read meanwhile);
2. each graph that changed or is gone is removed, and each graph that changed or is new is
   read from the dump at its place and added;
3. the default graph, the merge of all graphs, loses the triples taken out that no graph
   states any more, and gains the triples added.

A store so made holds the same quads as one loaded from the dump
(``tests/test_store_update.py``). Oxigraph gives blank nodes new labels as it loads, so a
default-graph triple with a blank node cannot be told from its named graph's: when a changed
or removed graph has one, the store is loaded anew instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from projectgraph.rdf.packed import read_frame
from projectgraph.rdf.serialize import parse_own

# Above this share of the build's quads in graphs that changed, loading anew is the faster way.
UPDATE_SHARE = 0.2
CANNOT_UPDATE = 3  # the exit code of an update that found a blank node: load anew instead


@dataclass(frozen=True)
class Changes:
    """What makes one build's store from another's: the graphs to take out (gone or changed)
    and the graphs to read from the new build's N-Quads dump (new or changed) at their byte
    ranges, with the quads each has (name, offset, length, quads)."""

    removed: tuple[str, ...]
    added: tuple[tuple[str, int, int, int], ...]

    def __str__(self) -> str:
        n = len(set(self.removed) | {name for name, _, _, _ in self.added})
        return f"{n} graph{'' if n == 1 else 's'} changed"


def graph_digests(manifest: Mapping[str, object]) -> dict[str, str] | None:
    """Each named graph's digest in a build's manifest; None for a manifest of a build made
    before graphs had digests."""
    graphs = manifest.get("graphs")
    if not isinstance(graphs, dict):
        return None
    digests = {name: info.get("digest") for name, info in graphs.items()}
    if not all(isinstance(d, str) for d in digests.values()):
        return None
    return {name: str(d) for name, d in digests.items()}


def changes(
    earlier: Mapping[str, str], earlier_quads: int, manifest: Mapping[str, object]
) -> Changes | None:
    """The changes from a store of graphs with the digests ``earlier`` (``earlier_quads`` in
    all) to the build of ``manifest``; None when updating would not pay (graphs holding more
    than :data:`UPDATE_SHARE` of the quads change, come or go) or the manifest cannot tell
    (no digests or byte ranges)."""
    now = graph_digests(manifest)
    graphs = manifest.get("graphs")
    if now is None or not isinstance(graphs, dict):
        return None
    removed = tuple(sorted(g for g, digest in earlier.items() if now.get(g) != digest))
    added = []
    changed_quads = 0
    for name, digest in sorted(now.items()):
        if earlier.get(name) == digest:
            continue
        info = graphs[name]
        where = info.get("nquads")
        if not (isinstance(where, list) and len(where) == 2):
            return None
        quads = int(info.get("quads", 0))
        added.append((name, int(where[0]), int(where[1]), quads))
        changed_quads += quads
    # Graphs that went are taken out one quad at a time too: counted at the earlier build's
    # mean size.
    gone = len(set(removed) - now.keys())
    changed_quads += gone * earlier_quads // max(1, len(earlier))
    total = sum(int(info.get("quads", 0)) for info in graphs.values())
    if changed_quads > UPDATE_SHARE * max(total, earlier_quads):
        return None
    return Changes(removed, tuple(added))


def update_store(earlier: str, target: str, dump: str, changes: Changes) -> bool:
    """Make the store ``target`` from the store ``earlier`` and the N-Quads ``dump`` of the
    new build, by ``changes``; False (and ``target`` half made, to be removed) when a changed
    graph holds a blank node."""
    ox.Store.read_only(earlier).backup(target)
    store = ox.Store(target)
    taken: set[ox.Triple] = set()
    for name in changes.removed:
        graph = ox.NamedNode(name)
        for quad in store.quads_for_pattern(None, None, None, graph):
            if _has_blank_node(quad):
                return False
            taken.add(quad.triple)
        store.remove_graph(graph)
    added = _read_graphs(dump, changes.added)
    if any(_has_blank_node(q) for q in added):
        return False
    store.extend(added)
    # The merged graph: what no graph states any more leaves it; what was added joins it.
    default = ox.DefaultGraph()
    for t in taken:
        if not any(
            q.graph_name != default
            for q in store.quads_for_pattern(t.subject, t.predicate, t.object)
        ):
            store.remove(ox.Quad(t.subject, t.predicate, t.object, default))
    store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in added)
    store.flush()
    del store
    return True


def _read_graphs(dump: str, ranges: Sequence[tuple[str, int, int, int]]) -> list[ox.Quad]:
    """The quads of the graphs at ``ranges`` of the dataset dump ``dump`` (a frame each, see
    :mod:`projectgraph.rdf.packed`), checked to be the graph each range says, with as many
    quads (a dump that does not match its manifest is not used)."""
    quads: list[ox.Quad] = []
    with open(dump, "rb") as f:
        for name, offset, length, count in ranges:
            try:
                found = parse_own(read_frame(f, offset, length), ox.RdfFormat.N_QUADS)
            except (ValueError, SyntaxError) as e:
                raise ValueError(f"{dump}: bytes {offset}-{offset + length}: {e}") from None
            graph = ox.NamedNode(name)
            if len(found) != count or any(q.graph_name != graph for q in found):
                raise ValueError(f"{dump}: bytes {offset}-{offset + length} are not graph {name}")
            quads.extend(found)
    return quads


def _has_blank_node(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
