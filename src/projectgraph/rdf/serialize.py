"""Small graphs as text: readable Turtle with only the prefixes used, and JSON-LD documents
(a data document, a query answer); the dumps stream the same writers part by part."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from projectgraph.rdf.jsonld import document_text


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
    raw = rdf_bytes(triples, ox.RdfFormat.TURTLE, prefixes)
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
    """A small graph (a data document, a query answer) as one JSON-LD document compacted with
    ``context``: the nodes the JSON-LD dump holds for the same subjects, by the same writer."""
    return document_text(triples, context).encode()


def rdf_bytes(
    data: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``data`` serialised by pyoxigraph into memory."""
    out = ox.serialize(data, format=format, prefixes=prefixes)
    # Typed bytes | None: None only when it writes to an output given, which it has none of.
    if out is None:
        raise RuntimeError(f"pyoxigraph wrote no {format} into memory")
    return out


def parse_own(data: bytes, format: ox.RdfFormat) -> list[ox.Quad]:
    """The quads of N-Triples or N-Quads text this program wrote (pyoxigraph's own output, of
    checked sources: the build's cache and dumps), parsed without checking their IRIs again
    (``lenient``): a quarter less time, measured on the N-Quads dump at 100,000 projects.
    Input from elsewhere is parsed strictly, to name its errors."""
    return list(ox.parse(data, format=format, lenient=True))
