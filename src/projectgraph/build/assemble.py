"""Assemble the graph: read every source into its named graph and add the entailed alignments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from projectgraph.build.entail import alignments, entail
from projectgraph.build.sources import Source, discover, read, resource
from projectgraph.rdf.vocab import RDF_TYPE
from projectgraph.settings import Settings


@dataclass
class Assembled:
    """The dataset of one build: quads in one named graph per source, entailments included."""

    sources: list[Source]
    quads: list[ox.Quad]
    entailed: int = 0
    _by_graph: dict[str, Source] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_graph = {s.graph: s for s in self.sources}

    @cached_property
    def triples(self) -> list[ox.Triple]:
        """The union of all graphs (the default graph of the published dataset), sorted."""
        return sorted({q.triple for q in self.quads}, key=triple_key)

    @cached_property
    def graph_sizes(self) -> dict[str, int]:
        """Number of quads in each named graph."""
        return dict(Counter(resource(q.graph_name).value for q in self.quads))

    def source_index(self) -> dict[str, tuple[Source, bool]]:
        """For each term, the first source (in build order) that mentions it, and whether it
        is described there (a subject) or only referred to (an object)."""
        index: dict[str, tuple[Source, bool]] = {}
        for q in self.quads:
            subject = resource(q.subject).value
            if subject not in index or not index[subject][1]:
                index[subject] = (self._by_graph[resource(q.graph_name).value], True)
        for q in self.quads:
            if not isinstance(q.object, ox.Literal):
                value = resource(q.object).value
                if value not in index:
                    index[value] = (self._by_graph[resource(q.graph_name).value], False)
        return index


def assemble(
    settings: Settings,
    paths: Sequence[Path] | None = None,
    step: Callable[[str], None] | None = None,
) -> Assembled:
    """Read the sources (the configured ones, or ontology + reference + ``paths``) and entail."""
    sources = discover(settings, paths)
    quads: list[ox.Quad] = []
    for source in sources:
        if step:
            step(f"reading {source.key}")
        quads.extend(read(source, settings.base_iri))
    ontology = [q for q in quads if resource(q.graph_name).value == sources[0].graph]
    classes, properties = alignments(ontology)
    added = entail(quads, classes, properties)
    quads = sorted(set(quads) | set(added), key=quad_key)
    return Assembled(sources=sources, quads=quads, entailed=len(added))


def triple_key(t: ox.Triple | ox.Quad) -> tuple[str, int, str, str]:
    """Sort order of dumps: by subject, rdf:type first, then predicate and object."""
    p = t.predicate.value
    return (str(t.subject), 0 if p == RDF_TYPE else 1, p, str(t.object))


def quad_key(q: ox.Quad) -> tuple[str, str, int, str, str]:
    """Sort order of dataset dumps: by graph, then as :func:`triple_key`."""
    return (resource(q.graph_name).value, *triple_key(q))
