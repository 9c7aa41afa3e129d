"""Deterministic dumps of the graph: the same quads always give the same bytes.

Quads arrive sorted (see :func:`projectgraph.assemble.quad_key`); serialisation uses
pyoxigraph (fast, streaming) except JSON-LD, which rdflib compacts with our published context.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from projectgraph.assemble import Assembled
from projectgraph.terms import rdflib_graph


@dataclass(frozen=True)
class DumpFormat:
    """One published serialisation of the graph."""

    key: str
    filename: str
    media_type: str  # of the (uncompressed) content
    file_type: str  # code in the EU file-type authority table
    label: str
    named_graphs: bool  # keeps one named graph per source file
    gzipped: bool = False


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat("turtle", "projectgraph.ttl", "text/turtle", "RDF_TURTLE", "Turtle", False),
    DumpFormat("jsonld", "projectgraph.jsonld", "application/ld+json", "JSON_LD", "JSON-LD", False),
    DumpFormat(
        "ntriples",
        "projectgraph.nt.gz",
        "application/n-triples",
        "RDF_N_TRIPLES",
        "N-Triples, gzipped",
        False,
        gzipped=True,
    ),
    DumpFormat(
        "trig",
        "projectgraph.trig",
        "application/trig",
        "RDF_TRIG",
        "TriG, one named graph per source file",
        True,
    ),
    DumpFormat(
        "nquads",
        "projectgraph.nq",
        "application/n-quads",
        "RDF_N_QUADS",
        "N-Quads, one named graph per source file",
        True,
    ),
)


@dataclass(frozen=True)
class WrittenFile:
    """A file of a build, with what DCAT and the checksum list need."""

    path: Path
    sha256: str
    size: int


def write_file(path: Path, data: bytes) -> WrittenFile:
    """Write bytes and return their size and SHA-256."""
    path.write_bytes(data)
    return WrittenFile(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def write_dumps(
    assembled: Assembled, out_dir: Path, prefixes: dict[str, str], context: dict[str, Any]
) -> dict[str, WrittenFile]:
    """Write every dump format into ``out_dir``; returns the files by format key."""
    used = used_prefixes(assembled.quads, prefixes)
    writers = {
        "turtle": lambda: turtle(assembled.triples, used),
        "jsonld": lambda: jsonld(assembled.triples, context),
        "ntriples": lambda: gzip.compress(
            ox.serialize(assembled.triples, format=ox.RdfFormat.N_TRIPLES), mtime=0
        ),
        "trig": lambda: ox.serialize(assembled.quads, format=ox.RdfFormat.TRIG, prefixes=used),
        "nquads": lambda: ox.serialize(assembled.quads, format=ox.RdfFormat.N_QUADS),
    }
    return {f.key: write_file(out_dir / f.filename, writers[f.key]()) for f in DUMP_FORMATS}


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
    """JSON-LD compacted with ``context`` (inlined, so any parser can read the file alone)."""
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
