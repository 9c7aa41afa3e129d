"""Deterministic dumps of the graph: the same quads always give the same bytes.

Every dump is written as a stream of parts (see :mod:`projectgraph.publish.parts`), in a fixed
order; serialisation uses pyoxigraph, and JSON-LD is compacted node by node with the published
context.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from projectgraph.rdf.jsonld import document_chunks

if TYPE_CHECKING:
    from projectgraph.publish.parts import Part


NQUADS_DUMP = "projectgraph.nq"  # the dataset, one named graph per source: what releases diff


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
        NQUADS_DUMP,
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


class _Stream:
    """A file written piece by piece, hashed on the way."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open("wb")
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.hash.update(data)
        self.size += len(data)

    def close(self) -> WrittenFile:
        self.file.close()
        return WrittenFile(path=self.path, sha256=self.hash.hexdigest(), size=self.size)


def prefix_lines(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines of a Turtle or TriG file, sorted."""
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())).encode()


def write_dumps(
    out_dir: Path,
    graphs: Iterable[tuple[str, bytes, bytes]],
    merged: Iterable[Part],
    prefixes: dict[str, str],
    context: dict[str, Any],
) -> tuple[dict[str, WrittenFile], dict[str, tuple[int, int]]]:
    """Stream every dump format into ``out_dir``; returns the files by format key, and where
    each named graph's lines are in the N-Quads dump (offset, length), by graph name.

    ``graphs`` gives each named graph as (name, N-Quads, TriG block), in graph-name order;
    ``merged`` gives the parts of the merged graph, each subject in exactly one of them.
    """
    files = {f.key: _Stream(out_dir / f.filename) for f in DUMP_FORMATS}
    ranges: dict[str, tuple[int, int]] = {}
    try:
        header = prefix_lines(prefixes)
        files["trig"].write(header)
        for graph, nquads, trig in graphs:
            ranges[graph] = (files["nquads"].size, len(nquads))
            files["nquads"].write(nquads)
            files["trig"].write(b"\n" + trig)
        files["turtle"].write(header)

        def node_texts() -> Iterator[str]:  # the merged formats, written part by part
            for part in merged:
                if part.turtle:
                    files["turtle"].write(b"\n" + part.turtle)
                files["ntriples"].write(part.ntriples_gz)
                if part.jsonld:
                    yield part.jsonld.decode()

        for chunk in document_chunks(context, node_texts()):
            files["jsonld"].write(chunk.encode())
        if files["ntriples"].size == 0:  # an empty graph is still a valid gzip file
            files["ntriples"].write(gzip.compress(b"", mtime=0))
    finally:
        written = {key: stream.close() for key, stream in files.items()}
    return written, ranges
