"""Small graphs as text: readable Turtle with only the prefixes used, and JSON-LD documents
(a page, a data document, a query answer); the dumps stream the same writers part by part."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from projectgraph.rdf.terms import rdflib_graph


def used_prefixes(quads: Iterable[ox.Quad | ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes whose namespace some IRI of ``quads`` is in."""
    iris: set[str] = set()
    for q in quads:
        for term in (q.subject, q.predicate, q.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) and i != ns for i in iris)}


def turtle(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """Readable Turtle: prefixed names, one block per subject, a blank line between blocks."""
    raw = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    lines = raw.splitlines(keepends=True)
    # pyoxigraph orders prefix lines by its own rule; sort them so the order is ours to promise.
    n = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    out: list[bytes] = sorted(lines[:n])
    for line in lines[n:]:
        # pyoxigraph starts each subject at column 0 and indents its predicates; literals are
        # written on one line, so a line at column 0 is always a new block.
        if out and line[:1] not in (b"\t", b" ") and not line.startswith(b"@prefix"):
            out.append(b"\n")
        out.append(line)
    return b"".join(out)


def jsonld(triples: Iterable[ox.Triple], context: dict[str, Any]) -> bytes:
    """A small graph (a page, a query answer) as one JSON-LD document compacted with
    ``context`` by rdflib; the dumps are compacted node by node instead (see parts)."""
    compacted = json.loads(
        rdflib_graph(triples).serialize(format="json-ld", context=context, auto_compact=True)
    )
    compacted.pop("@context", None)
    nodes = compacted.get("@graph", [compacted])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(
                    value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False)
                )
    document = {"@context": context, "@graph": sorted(nodes, key=lambda n: n.get("@id", ""))}
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
