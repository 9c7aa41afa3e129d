"""Graph comparison for the tests: isomorphism of rdflib graphs, decided by Oxigraph.

rdflib's own ``isomorphic`` refines blank-node colours in Python, which takes minutes once the
reference data gives every NUTS region a blank-node geometry (2,000 and more); Oxigraph's
canonicalisation (Rust) takes well under a second on the same graphs.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib


def _canonical(graph: rdflib.Graph) -> ox.Dataset:
    text = graph.serialize(format="nt", encoding="utf-8")
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def isomorphic(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Whether ``a`` and ``b`` are the same graph up to blank-node labels."""
    return len(a) == len(b) and _canonical(a) == _canonical(b)


def canonical(triples: set[ox.Triple]) -> set[ox.Triple]:
    """``triples`` with their blank nodes relabelled canonically: two sets that differ only in
    blank-node labels (two loads of one dump, say) come out equal."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {q.triple for q in dataset}
