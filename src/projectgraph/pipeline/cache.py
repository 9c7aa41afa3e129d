"""What a build remembers between runs, so a rebuild only redoes what changed.

One SQLite file beside the builds (``.dist-builds/cache.sqlite``) holds, per source, its
preparation (canonical N-Quads and summary) and its published parts (the dump fragments),
per validation unit, the results, and the last partition into units. Every row carries the
fingerprint of what it was made from; a row whose fingerprint no longer matches is simply
recomputed. SQLite commits atomically, so a build killed at any point leaves a cache that is
valid, only less complete. A cache file that
cannot be read is discarded and rebuilt: it is never a source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import zstandard

from projectgraph import __version__
from projectgraph.build.partition import Partition, Unit, group_lines, triple_lines
from projectgraph.build.prepare import Prepared, shared_fields
from projectgraph.errors import Location
from projectgraph.publish.dumps import DumpLayout
from projectgraph.publish.parts import PARTS_LAYOUT, StatsChunk
from projectgraph.rdf.packed import pack, unpack
from projectgraph.validate.report import Result

T = TypeVar("T")

# Bump when partitioning or the kept partition's layout changes: a partition kept by other
# code is made again.
PARTITION_LAYOUT = 2  # 2: in marshal's format
# The number changes with the tables' layout (3: part stats; 4: lines grouped by predicate).
CACHE_FILE = "cache-4.sqlite"
OLD_CACHE_FILES = ("cache-1.sqlite", "cache-2.sqlite", "cache-3.sqlite")
# The search index's facts of the last build, beside the cache (see
# projectgraph.publish.search_index.KeptFacts): a rebuild reads again only those it changed.
SEARCH_FACTS = "search-facts"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS prepared (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, packed BLOB NOT NULL, summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grouped (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, ends BLOB NOT NULL, lines BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, trig BLOB NOT NULL, data BLOB NOT NULL,
    stats BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS dump_layouts (build TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS stats_chunks (fingerprint TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS validated (
    fingerprint TEXT PRIMARY KEY, results TEXT NOT NULL
);
DROP TABLE IF EXISTS partition;
CREATE TABLE IF NOT EXISTS kept_partition (
    id INTEGER PRIMARY KEY CHECK (id = 1), sources TEXT NOT NULL, fingerprints BLOB NOT NULL,
    structures BLOB NOT NULL, data BLOB NOT NULL
);
"""


class BuildCache:
    """The cache of one ``dist`` (or none: ``BuildCache(None)`` remembers nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                self._db = self._open(path)
            except sqlite3.DatabaseError:  # damaged: it only ever saves time, so start afresh
                path.unlink(missing_ok=True)
                self._db = self._open(path)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes in one commit (much faster than one per row)."""
        if self._db is None:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def committing(self, items: Iterable[T], every: int = 1000) -> Iterator[T]:
        """``items``, the writes made while they are gone through committed every ``every``
        items rather than once at the end (as :meth:`transaction` does): a commit copies
        SQLite's write-ahead log into the database, which for one transaction of 100,000
        preparations took 3 s of the build's process after its workers were done; a batch at
        a time, it is done while they work."""
        if self._db is None:
            yield from items
            return
        self._db.execute("BEGIN")
        try:
            for n, item in enumerate(items, 1):
                yield item
                if n % every == 0:
                    self._db.execute("COMMIT")
                    self._db.execute("BEGIN")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- preparations ----------------------------------------------------------------------

    def prepared_keys(self) -> set[str]:
        """The keys of the sources some preparation is cached for, their bytes not read."""
        if self._db is None:
            return set()
        return {key for (key,) in self._db.execute("SELECT key FROM prepared")}

    def prepared_prints(self) -> set[tuple[str, str]]:
        """The (key, fingerprint) of every preparation cached, their bytes not read."""
        if self._db is None:
            return set()
        return set(self._db.execute("SELECT key, fingerprint FROM prepared"))

    def prepared(self, sources: Sequence[tuple[str, str | None]]) -> list[Prepared | None]:
        """The cached preparation of each source, by (key, fingerprint), in that order: None
        where none was made from the same inputs (or the fingerprint is None). Read in one
        scan of the table (at 100,000 sources 3.5 s, against 5.4 s for a query each), or for
        a few sources (those a build in the same process did not keep) a query each."""
        found: list[Prepared | None] = [None] * len(sources)
        if self._db is None:
            return found
        where = {key: (i, fingerprint) for i, (key, fingerprint) in enumerate(sources)}
        rows: Iterable[tuple[str, str, bytes, bytes]]
        if len(sources) <= _LOOKED_UP:  # a few (the rest kept in memory): a query each
            rows = [
                row
                for key in where
                for row in self._db.execute(
                    "SELECT key, fingerprint, packed, summary FROM prepared WHERE key = ?", (key,)
                )
            ]
        else:
            rows = self._db.execute("SELECT key, fingerprint, packed, summary FROM prepared")
        for key, fingerprint, packed, summary in rows:
            at = where.get(key)
            if at is None or at[1] != fingerprint:
                continue  # a source no longer built, or a preparation from other inputs
            # A damaged row is prepared again, like any row of the cache.
            with contextlib.suppress(ValueError, EOFError, TypeError):
                found[at[0]] = _prepared_from_row(key, fingerprint, packed, summary)
        return found

    def store_prepared(self, prepared: Prepared) -> None:
        if self._db is None:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO prepared VALUES (?, ?, ?, ?)",
            (prepared.key, prepared.fingerprint, prepared.packed, _summary(prepared)),
        )
        # A table of their own: SQLite reaches a row's later columns through the overflow
        # pages of those before, so the answers' store, which reads these only, would read
        # the N-Quads and summary too.
        self._db.execute(
            "INSERT OR REPLACE INTO grouped VALUES (?, ?, ?, ?)",
            (prepared.key, prepared.fingerprint, prepared.group_ends, prepared.grouped),
        )

    # -- published parts -------------------------------------------------------------------

    def part(self, key: str, fingerprint: str, column: str = "data") -> bytes | None:
        """A cached part (the merged-graph fragments of one source, or with ``column="trig"``
        its named-graph block, or with ``column="stats"`` its statistics), if still valid."""
        if self._db is None:
            return None
        assert column in ("data", "trig", "stats")
        row = self._db.execute(
            f"SELECT {column} FROM parts WHERE key = ? AND fingerprint = ?",
            (key, fingerprint),
        ).fetchone()
        return None if row is None else bytes(row[0])

    def kept_parts(self) -> set[tuple[str, str]]:
        """The (key, fingerprint) of every part cached, its bytes not read: in one scan of the
        table (at 100,000 sources 0.9 s, against 3.9 s for a query each)."""
        if self._db is None:
            return set()
        return set(self._db.execute("SELECT key, fingerprint FROM parts"))

    def store_part(
        self, key: str, fingerprint: str, trig: bytes, data: bytes, stats: bytes
    ) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO parts VALUES (?, ?, ?, ?, ?)",
                (key, fingerprint, trig, data, stats),
            )

    # -- the parts' statistics, a chunk of parts at a time ---------------------------------

    def stats_chunk(self, fingerprint: str) -> StatsChunk | None:
        """The statistics of the chunk of parts with ``fingerprint`` (see
        :func:`stats_chunk_fingerprint`), if kept and readable."""
        if self._db is None:
            return None
        row = self._db.execute(
            "SELECT data FROM stats_chunks WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        try:
            return None if row is None else StatsChunk.decode(unpack(row[0]))
        except (ValueError, zstandard.ZstdError):
            return None  # damaged: added up from the parts again

    def store_stats_chunk(self, fingerprint: str, chunk: StatsChunk) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO stats_chunks VALUES (?, ?)",
                (fingerprint, pack(chunk.encode())),
            )

    # -- where the parts are in a build's dumps ----------------------------------------------

    def dump_layout(self, build: str) -> DumpLayout | None:
        """What :meth:`store_dump_layout` kept for the build ``build`` (its id), if anything."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT data FROM dump_layouts WHERE build = ?", (build,)).fetchone()
        try:
            return None if row is None else DumpLayout.decode(unpack(row[0]))
        except zstandard.ZstdError:
            return None  # damaged: the dumps are written from the parts

    def store_dump_layout(self, build: str, layout: DumpLayout, builds: set[str]) -> None:
        """Keep where the parts are in the dumps of build ``build`` (see
        :class:`~projectgraph.publish.dumps.DumpLayout`), and forget the layouts of builds not
        in ``builds`` (removed)."""
        if self._db is None:
            return
        data = pack(layout.encode())
        self._db.execute("INSERT OR REPLACE INTO dump_layouts VALUES (?, ?)", (build, data))
        stored = {r[0] for r in self._db.execute("SELECT build FROM dump_layouts")}
        gone = stored - builds - {build}
        self._db.executemany("DELETE FROM dump_layouts WHERE build = ?", [(g,) for g in gone])

    # -- validation results ----------------------------------------------------------------

    def results(self, fingerprints: Sequence[str]) -> list[list[Result] | None]:
        """The cached results of the validation unit with each fingerprint, in that order
        (None: not cached). Read in one scan of the table (at 100,000 units 0.5 s, against
        2.9 s for a query each)."""
        if self._db is None:
            return [None] * len(fingerprints)
        wanted = set(fingerprints)
        rows = self._db.execute("SELECT fingerprint, results FROM validated")
        found = {fingerprint: text for fingerprint, text in rows if fingerprint in wanted}
        return [
            None if (text := found.get(f)) is None else [_result(r) for r in json.loads(text)]
            for f in fingerprints
        ]

    def store_results(self, fingerprint: str, results: Iterable[Result]) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO validated VALUES (?, ?)",
                (fingerprint, json.dumps([_result_json(r) for r in results])),
            )

    # -- the last partition -----------------------------------------------------------------

    def partition(self, sources: Sequence[str]) -> tuple[list[str], Partition] | None:
        """The last partition stored of ``sources`` (their names, in order), with the
        fingerprints of the sources it was made of; None if the last one was of others, by
        other code, or cannot be read."""
        if self._db is None:
            return None
        row = self._db.execute(
            "SELECT fingerprints, structures, data FROM kept_partition WHERE sources = ?",
            (_sources_digest(sources),),
        ).fetchone()
        if row is None:
            return None
        try:
            fingerprints = zlib.decompress(row[0]).decode().split("\n")
            structures = tuple(row[1][i : i + 16] for i in range(0, len(row[1]), 16))
            units, shared, first_source, reference_subjects = marshal.loads(zlib.decompress(row[2]))
            partition = Partition(
                units=[Unit(*unit) for unit in units],
                shared=shared,
                first_source=first_source,
                reference_subjects=frozenset(reference_subjects),
                structures=structures,
            )
        except (zlib.error, UnicodeDecodeError, ValueError, EOFError, KeyError, TypeError):
            return None  # damaged: made again, like any row of the cache
        return fingerprints, partition

    def store_partition(
        self, sources: Sequence[str], fingerprints: Sequence[str], partition: Partition
    ) -> None:
        """Keep ``partition``, of ``sources`` (their names, in order) with ``fingerprints``,
        for the next build (in place of the last one)."""
        if self._db is None:
            return
        assert all(len(s) == 16 for s in partition.structures), "structure() digests"
        # marshal: read back as the tuples, strings and bytes a Partition holds (see _summary)
        data = (
            [(u.members, u.shared, u.with_reference) for u in partition.units],
            partition.shared,
            partition.first_source,
            sorted(partition.reference_subjects),
        )
        self._db.execute(
            "INSERT OR REPLACE INTO kept_partition VALUES (1, ?, ?, ?, ?)",
            (
                _sources_digest(sources),
                _packed_fingerprints(fingerprints),
                b"".join(partition.structures),
                zlib.compress(marshal.dumps(data), 1),
            ),
        )

    def kept_partition_of(self, fingerprints: Sequence[str]) -> None:
        """Say the partition kept is also that of sources with ``fingerprints`` (the same
        sources, some changed but not in structure): only they are written again."""
        if self._db is not None:
            self._db.execute(
                "UPDATE kept_partition SET fingerprints = ?",
                (_packed_fingerprints(fingerprints),),
            )

    def forget(self, keep_sources: set[str], keep_units: set[str], keep_chunks: set[str]) -> None:
        """Drop rows of sources, units and chunks of statistics the current build no longer
        has."""
        if self._db is None:
            return
        for table, column, keep in (
            ("prepared", "key", keep_sources),
            ("grouped", "key", keep_sources),
            ("parts", "key", keep_sources),
            ("validated", "fingerprint", keep_units),
            ("stats_chunks", "fingerprint", keep_chunks),
        ):
            stored = {r[0] for r in self._db.execute(f"SELECT {column} FROM {table}")}
            gone = stored - keep
            self._db.executemany(
                f"DELETE FROM {table} WHERE {column} = ?",
                [(g,) for g in gone],
            )


@dataclass(frozen=True)
class CachedGraph:
    """The merged graph of a build's sources, read from the cache (their prepared N-Quads as
    N-Triples lines), for another process: a build's answers start loading it while the
    dumps are still being written."""

    path: Path
    sources: tuple[tuple[str, str], ...]  # (key, fingerprint) of each source
    # Each source's predicates and classes (Prepared.predicates, Prepared.classes), in the
    # same order: a selection is then sliced out of its lines grouped by predicate and class,
    # not looked for line by line (at 100,000 projects, 14.8 million lines read to load 1.3
    # million). Without them every line is looked at.
    names: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    def __call__(self, predicates: frozenset[bytes] | None = None) -> Iterator[bytes]:
        db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        try:
            pieces: Iterator[tuple[list[bytes], int]]
            if predicates is None or not self.names:
                # The whole graph in its order: each source's N-Quads, line by line.
                pieces = (
                    (triple_lines(nquads, predicates), len(nquads))
                    for nquads in (unpack(row[0]) for row in self._rows(db, "prepared", "packed"))
                )
            else:
                pieces = (
                    (group_lines(lines, ends, *names, predicates), len(lines))
                    for lines, ends, names in (
                        (unpack(row[0]), memoryview(row[1]).cast("Q"), names)
                        for row, names in zip(
                            self._rows(db, "grouped", "lines, ends"), self.names, strict=True
                        )
                    )
                )
            chunk: list[bytes] = []
            size = 0
            for lines, read in pieces:
                chunk += lines
                size += read
                if size >= CHUNK_BYTES:
                    yield b"".join(chunk)
                    chunk, size = [], 0
            if chunk:
                yield b"".join(chunk)
        finally:
            db.close()

    def _rows(
        self, db: sqlite3.Connection, table: str, columns: str
    ) -> Iterator[tuple[bytes, ...]]:
        """Each source's ``columns`` of ``table`` (the first one a blob), in the
        sources' order: read in one scan of the table (a query a source took 4 s at 100,000
        projects, a scan 1 s), which holds them mostly in that order (a build writes the
        preparations it makes in order; one made again goes to the end). One that comes
        early waits, up to ``_AHEAD`` bytes of them; then the next is looked up by its key."""
        order = {key: i for i, (key, _) in enumerate(self.sources)}
        waiting: dict[int, tuple[bytes, ...]] = {}
        held = 0
        wanted = 0  # the next source to give
        rows = db.execute(f"SELECT key, fingerprint, {columns} FROM {table}")
        while wanted < len(self.sources):
            row = next(rows, None)
            if row is not None:
                i = order.get(row[0])
                if i is None or i < wanted or row[1] != self.sources[i][1]:
                    continue  # another source's, or a preparation from other inputs
                waiting[i] = row[2:]
                held += len(row[2])
            if wanted not in waiting and (row is None or held > _AHEAD):
                key, fingerprint = self.sources[wanted]
                found = db.execute(
                    f"SELECT {columns} FROM {table} WHERE key = ? AND fingerprint = ?",
                    (key, fingerprint),
                ).fetchone()
                if found is None:
                    raise LookupError(f"the build cache has no preparation of {key}")
                waiting[wanted] = found
                held += len(found[0])
            while wanted in waiting:
                values = waiting.pop(wanted)
                held -= len(values[0])
                wanted += 1
                yield values


_AHEAD = 64 << 20  # bytes of preparations read ahead of their turn, at most
# Up to this many preparations are looked up by key, more are read in one scan of the table
# (a scan took 3.5 s at 100,000 sources, a query each 5.4 s).
_LOOKED_UP = 1000
CHUNK_BYTES = 16 << 20


def stats_chunk_fingerprint(parts: Sequence[tuple[str, str]]) -> str:
    """What a chunk's statistics are of: its parts' keys and fingerprints, in order."""
    text = "\n".join(f"{key} {fingerprint}" for key, fingerprint in parts)
    return hashlib.sha256(f"{PARTS_LAYOUT}\n{text}".encode()).hexdigest()


def _packed_fingerprints(fingerprints: Sequence[str]) -> bytes:
    return zlib.compress("\n".join(fingerprints).encode(), 1)


def _sources_digest(sources: Sequence[str]) -> str:
    """What a kept partition is of: the sources, and the code that partitioned them."""
    made_by = f"{__version__}\0{PARTITION_LAYOUT}"
    return hashlib.sha256("\0".join([made_by, *sources]).encode()).hexdigest()


def _summary(prepared: Prepared) -> bytes:
    """What a cached preparation keeps beside its N-Quads, in :mod:`marshal`'s format: read
    back as the tuples and strings :class:`~projectgraph.build.prepare.Prepared` holds, at
    100,000 projects in a third of the time JSON took (the summaries are some 800 MB)."""
    p = prepared
    return marshal.dumps(
        (p.graph, p.quads, p.entailed, p.subjects, p.bounds, p.objects, p.inverse_objects,
         p.namespaces, p.predicates, p.digests, p.classes, p.counts)
    )  # fmt: skip


def _prepared_from_row(key: str, fingerprint: str, packed: bytes, summary: bytes) -> Prepared:
    """A cached preparation (see :func:`_summary`); ValueError, EOFError or TypeError when the
    row is damaged."""
    (graph, quads, entailed, subjects, bounds, objects, inverse, namespaces, predicates, digests,
     classes, counts) = marshal.loads(summary)  # fmt: skip
    return Prepared(
        key=key,
        graph=graph,
        fingerprint=fingerprint,
        packed=bytes(packed),
        quads=quads,
        entailed=entailed,
        subjects=subjects,
        bounds=bounds,
        digests=digests,
        counts=counts,
        **shared_fields(predicates, classes, namespaces, objects, inverse),
    )


def _result_json(r: Result) -> dict[str, Any]:
    loc = r.location
    return {
        **{k: getattr(r, k) for k in _RESULT_FIELDS},
        "location": None if loc is None else [str(loc.path), loc.line, loc.column],
    }


def _result(data: dict[str, Any]) -> Result:
    loc = data["location"]
    return Result(
        **{k: data[k] for k in _RESULT_FIELDS},
        location=None if loc is None else Location(Path(loc[0]), loc[1], loc[2]),
    )


_RESULT_FIELDS = (
    "severity",
    "focus",
    "focus_label",
    "focus_display",
    "path",
    "value",
    "message",
    "shape",
    "constraint",
)
