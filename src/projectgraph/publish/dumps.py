"""Deterministic dumps of the graph: the same quads always give the same bytes.

Every dump is written as a stream of parts (see :mod:`projectgraph.publish.parts`), in a fixed
order; serialisation uses pyoxigraph, and JSON-LD is compacted node by node with the published
context.

A rebuild copies from the build served now: each part's bytes in each dump are named by the
fingerprint they were made from (a :class:`Segment`), and a :class:`DumpLayout` kept with the
build cache says where each named piece is in the served build's files. A piece found there
is copied from that file by the kernel (``copy_file_range``, no pass through Python, and runs
of consecutive pieces in one call), so after one record changed, the 2.2 GB of dumps at 100,000
projects are copied rather than read from the cache and written again. The copied bytes are
still read once for the new file's SHA-256. The served build's files are never written: a
build is immutable once published, and a file whose size, time or inode is not the one the
layout recorded is not copied from.

The dataset dump (N-Quads, one named graph per source) is the build cache's Zstandard frame of
each graph, one after the other (see :mod:`projectgraph.rdf.packed`): written as the cache
holds it, never decompressed, and a sixteenth of the plain text's 3.6 GB at 100,000 projects.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from projectgraph.rdf.jsonld import document_head, document_tail, node_separator
from projectgraph.rdf.packed import empty_frame
from projectgraph.store.embedded import DATASET_DUMP

if TYPE_CHECKING:
    from projectgraph.publish.parts import Fragments


@dataclass(frozen=True)
class DumpFormat:
    """One published serialisation of the graph."""

    key: str
    filename: str
    media_type: str  # of the (uncompressed) content
    file_type: str  # code in the EU file-type authority table
    label: str
    named_graphs: bool  # keeps one named graph per source file
    compression: str | None = None  # the compression's media type, for a compressed file


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
        compression="application/gzip",
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
        DATASET_DUMP,
        "application/n-quads",
        "RDF_N_QUADS",
        "N-Quads, one named graph per source file, Zstandard-compressed",
        True,
        compression="application/zstd",
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


@dataclass(frozen=True)
class Segment:
    """A piece of a dump made from one cached part: ``ident`` names its bytes (the same ident,
    the same bytes: it is the fingerprint they were made from), ``read`` gives them."""

    ident: str
    read: Callable[[], bytes]


@dataclass(frozen=True)
class NamedGraphSegments:
    """One named graph of the dataset formats: its N-Quads lines and its TriG block."""

    name: str
    nquads: Segment
    trig: Segment


@dataclass(frozen=True)
class MergedSegments:
    """One part of the merged graph (see :mod:`projectgraph.publish.parts`): ``ident`` names
    its fragments, ``read`` gives them (Turtle, gzipped N-Triples, JSON-LD node texts), and
    ``triples`` counts its triples. An empty part (no triples) is in no dump."""

    ident: str
    triples: int
    read: Callable[[], Fragments]


@dataclass
class DumpLayout:
    """Where each named piece is in each dump file of one build: by format key, the file's
    stamp (size, modification time, inode: a file not so is not copied from) and each
    piece's (offset, length) by its ident."""

    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def encode(self) -> bytes:
        """Compact bytes for the build cache: each file's idents as one text and their places
        as one list of numbers (a dictionary of half a million pieces at 100,000 projects took
        3 s to write as JSON objects and 2 s to read)."""
        files = {}
        for key, layout in self.files.items():
            pieces = layout["pieces"]
            files[key] = {
                **{k: v for k, v in layout.items() if k != "pieces"},
                "idents": "\n".join(pieces),
                "places": [n for place in pieces.values() for n in place],
            }
        return json.dumps(files, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> DumpLayout:
        """The layout :meth:`encode` wrote; an empty one if it cannot be read."""
        try:
            files = {}
            for key, layout in json.loads(data).items():
                text = layout.pop("idents")
                idents = text.split("\n") if text else []
                places = layout.pop("places")
                if len(places) != 2 * len(idents):
                    raise ValueError(f"{len(idents)} pieces, {len(places)} numbers")
                pieces = zip(idents, zip(places[::2], places[1::2], strict=True), strict=True)
                files[key] = {**layout, "pieces": dict(pieces)}  # half a million, in C
        except (ValueError, KeyError, TypeError, AttributeError):
            return cls()  # damaged: nothing is copied, the dumps are written from the parts
        return cls(files)

    def stamped(self, folder: Path) -> DumpLayout:
        """This layout with the stamps of the files in ``folder``, where the build is now."""
        files = {}
        for key, layout in self.files.items():
            stat = (folder / layout["name"]).stat()
            files[key] = {**layout, "stamp": [stat.st_size, stat.st_mtime_ns, stat.st_ino]}
        return DumpLayout(files)


class _Earlier:
    """One dump file of the served build, with where its pieces are; closed by the writer."""

    def __init__(self, path: Path, layout: dict[str, Any]) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        try:
            stat = os.fstat(self.fd)
            if [stat.st_size, stat.st_mtime_ns, stat.st_ino] != layout.get("stamp"):
                raise ValueError(f"{path} is not the file its layout describes")
            self.pieces: dict[str, tuple[int, int]] = layout["pieces"]
        except BaseException:
            os.close(self.fd)
            raise


def _earlier(folder: Path | None, layout: DumpLayout | None, fmt: DumpFormat) -> _Earlier | None:
    """The served build's file of format ``fmt``, to copy pieces from, if it is as recorded."""
    if folder is None or layout is None or fmt.key not in layout.files:
        return None
    try:
        return _Earlier(folder / fmt.filename, layout.files[fmt.key])
    except (OSError, ValueError, KeyError, TypeError):
        return None


_COPY_CHUNK = 8 << 20  # bytes read at a time to hash a copied run
_BUFFER = 1 << 20  # bytes of new pieces gathered before one write


class _Stream:
    """A file written piece by piece, hashed on the way; pieces found in the served build's
    file are copied from it, a run of consecutive ones at a time."""

    def __init__(self, path: Path, earlier: _Earlier | None = None) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.hash = hashlib.sha256()
        self.size = 0
        self.copied = 0
        self.earlier = earlier
        self.pieces: dict[str, tuple[int, int]] = {}  # (offset, length) by ident
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._run: list[int] | None = None  # [offset, length] in the earlier file, to copy

    def write(self, data: bytes) -> None:
        """Append new bytes."""
        if self._run is not None:
            self._copy()
        self.hash.update(data)
        self.size += len(data)
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= _BUFFER:
            self._flush()

    def segment(self, segment: Segment, before: bytes = b"") -> None:
        """Append a named piece (``before`` its bytes, and kept in the piece): copied from the
        served build's file when it is there, else read and written."""
        found = self.earlier.pieces.get(segment.ident) if self.earlier else None
        if found is None:
            data = before + segment.read()
            self.pieces[segment.ident] = (self.size, len(data))
            self.write(data)
            return
        offset, length = found
        self.pieces[segment.ident] = (self.size, length)
        self.size += length
        self.copied += length
        if self._run is not None and self._run[0] + self._run[1] == offset:
            self._run[1] += length
            return
        if self._run is not None:
            self._copy()
        self._flush()
        self._run = [offset, length]

    def _flush(self) -> None:
        data = b"".join(self._buffer)
        self._buffer, self._buffered = [], 0
        self._write_all(data)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a write may take less than it was given
            view = view[os.write(self.fd, view) :]

    def _copy(self) -> None:
        """Copy the pending run from the earlier file, and hash it."""
        assert self._run is not None and self.earlier is not None
        offset, length = self._run
        self._run = None
        source = self.earlier.fd
        done = 0
        while done < length:  # the kernel copies; a file system that cannot: written here
            try:
                n = os.copy_file_range(source, self.fd, length - done, offset + done)
            except (AttributeError, OSError) as e:
                if isinstance(e, OSError) and e.errno not in _NO_COPY:
                    raise
                n = 0
            if n == 0:
                data = os.pread(source, min(_COPY_CHUNK, length - done), offset + done)
                if not data:
                    raise OSError(f"{self.path}: the earlier dump ended before its layout")
                self._write_all(data)
                n = len(data)
            done += n
        for start in range(offset, offset + length, _COPY_CHUNK):
            data = os.pread(source, min(_COPY_CHUNK, offset + length - start), start)
            self.hash.update(data)

    def close(self) -> WrittenFile:
        try:
            if self._run is not None:
                self._copy()
            self._flush()
        finally:
            os.close(self.fd)
            if self.earlier is not None:
                os.close(self.earlier.fd)
        return WrittenFile(path=self.path, sha256=self.hash.hexdigest(), size=self.size)


# copy_file_range refused (another file system, an old kernel): the bytes are written instead
_NO_COPY = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}


def prefix_lines(prefixes: dict[str, str]) -> bytes:
    """The ``@prefix`` lines of a Turtle or TriG file, sorted."""
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())).encode()


@dataclass
class Dumps:
    """What :func:`write_dumps` wrote: the files by format key; where each named graph's lines
    are in the N-Quads dump (offset, length) by graph name; where every piece is, for the next
    build; and how many bytes were copied from the served build."""

    files: dict[str, WrittenFile]
    ranges: dict[str, tuple[int, int]]
    layout: DumpLayout
    copied: int


def write_dumps(
    out_dir: Path,
    graphs: Iterable[NamedGraphSegments],
    merged: Iterable[MergedSegments],
    prefixes: dict[str, str],
    context: dict[str, Any],
    earlier: tuple[Path, DumpLayout] | None = None,
) -> Dumps:
    """Stream every dump format into ``out_dir``, copying the pieces found in ``earlier`` (the
    served build's folder and its layout) from there.

    ``merged`` gives the parts of the merged graph, each subject in exactly one of them,
    and is read first; then ``graphs``, each named graph in graph-name order.
    """
    folder, layout = earlier if earlier is not None else (None, None)
    files = {
        f.key: _Stream(out_dir / f.filename, _earlier(folder, layout, f)) for f in DUMP_FORMATS
    }
    ranges: dict[str, tuple[int, int]] = {}
    # The dataset dump is written by a thread of its own beside the others: writing, copying
    # and hashing run without Python's lock, so the two streams take two cores (and the
    # disk's queue) rather than one after the other.
    nquads: SimpleQueue[tuple[str, Segment] | None] = SimpleQueue()
    stop = threading.Event()

    def write_nquads() -> None:
        stream = files["nquads"]
        while not stop.is_set() and (item := nquads.get()) is not None:
            name, segment = item
            start = stream.size
            stream.segment(segment)
            if name:
                ranges[name] = (start, stream.size - start)

    with ThreadPoolExecutor(1, thread_name_prefix="projectgraph-nquads") as pool:
        writer = None
        try:
            # The merged graph first: a build may still be making its parts as they are
            # read, and they are written as they come.
            header = prefix_lines(prefixes)
            files["turtle"].write(header)
            files["jsonld"].write(document_head(context).encode())
            first = True
            for part in merged:
                if not part.triples:
                    continue
                read = _Once(part.read)
                files["turtle"].segment(Segment(part.ident, read.turtle), b"\n")
                files["ntriples"].segment(Segment(part.ident, read.ntriples_gz))
                # A node text's separator differs for the first: in the ident too.
                separator = node_separator(first).encode()
                ident = f"{part.ident}{'^' if first else ','}"
                files["jsonld"].segment(Segment(ident, read.jsonld), separator)
                first = False
            files["jsonld"].write(document_tail(first).encode())
            if files["ntriples"].size == 0:  # an empty graph is still a valid gzip file
                files["ntriples"].write(gzip.compress(b"", mtime=0))
            writer = pool.submit(write_nquads)
            files["trig"].write(header)
            any_graph = False
            for graph in graphs:
                if writer.done() and writer.exception() is not None:
                    break  # the N-Quads failed: its error is raised below
                nquads.put((graph.name, graph.nquads))
                files["trig"].segment(graph.trig, b"\n")
                any_graph = True
            if not any_graph:  # no graph: still a file that decompresses (to nothing)
                nquads.put(("", Segment("", empty_frame)))
            nquads.put(None)
            writer.result()
        finally:
            stop.set()
            nquads.put(None)
            if writer is not None:
                wait([writer])  # before its file is closed
            written = {key: stream.close() for key, stream in files.items()}
    made = DumpLayout(
        {f.key: {"name": f.filename, "pieces": files[f.key].pieces} for f in DUMP_FORMATS}
    )
    return Dumps(written, ranges, made, sum(s.copied for s in files.values()))


class _Once:
    """A part's fragments, read at most once: its pieces of three dumps are read together."""

    def __init__(self, read: Callable[[], Fragments]) -> None:
        self._read = read
        self._part: Fragments | None = None

    def _get(self) -> Fragments:
        if self._part is None:
            self._part = self._read()
        return self._part

    def turtle(self) -> bytes:
        return self._get().turtle

    def ntriples_gz(self) -> bytes:
        return self._get().ntriples_gz

    def jsonld(self) -> bytes:
        return self._get().jsonld
