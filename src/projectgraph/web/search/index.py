"""Reading a build's search index (:mod:`projectgraph.publish.search_index`): ranked search,
filtered and sorted lists with facet counts, and whole lists streamed for downloads.

Every input arrives here already checked (:mod:`projectgraph.web.search.query`): texts as
FTS5 strings of quoted words, facet values known to the index. SQL takes them as parameters.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy

from projectgraph.publish.answers import SEARCH
from projectgraph.publish.readonly import ReadOnlyDatabase
from projectgraph.publish.search_index import FACETS, PROJECT_BUCKETS, SEARCH_LAYOUT

# What a snippet's match is wrapped in (characters no text of the index has: the HTML page
# escapes the snippet, then turns these into <mark> elements).
MARK_START, MARK_END = "\x02", "\x03"
# Columns weighed by BM25: the label counts most, other names next, body text least.
WEIGHTS = (10.0, 5.0, 1.0)
# How each list sorts: parameter value -> column of search_items.
SORTS: dict[str, dict[str, str]] = {
    "project": {"acronym": "sort_label", "start": "start", "budget": "amount"},
    "organisation": {"name": "sort_label", "projects": "projects"},
}


@dataclass(frozen=True)
class Hit:
    """One search result."""

    kind: str
    iri: str
    label: str
    snippet: str  # with MARK_START/MARK_END around what matched


class Row(NamedTuple):
    """An item of a list as it is shown and downloaded."""

    label: str
    values: str  # a JSON array, in the order of the list's columns
    csv: str  # its CSV line

    def decoded(self) -> list[object]:
        return list(json.loads(self.values))


@dataclass(frozen=True)
class Value:
    """A facet value with how many items of the current selection have it."""

    value: str
    label: str
    iri: str | None
    count: int


Filters = dict[str, list[str]]  # facet -> values, every one required (AND)


@dataclass(frozen=True)
class Selection:
    """The items of a list that pass its filters: their positions in the kind's order
    (sorted), or None for all of ``kind``."""

    kind: str
    positions: numpy.ndarray | None


@dataclass
class _Facets:
    """One kind's facet values and which items have each (see the index's search_arrays)."""

    first: int  # the id of the kind's first item: ids are first + position
    size: int  # items of the kind
    values: list[tuple[int, Value]]  # by position: (facet id, value)
    numbered: dict[tuple[int, str], int]  # (facet id, value) -> position
    offsets: numpy.ndarray
    items: numpy.ndarray
    value_offsets: numpy.ndarray
    item_values: numpy.ndarray

    def having(self, v: int) -> numpy.ndarray:
        """The positions of the items that have value ``v``, sorted."""
        return self.items[self.offsets[v] : self.offsets[v + 1]]


class SearchIndex(ReadOnlyDatabase):
    """The search tables of a build's ``search.sqlite``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.check_layout("search_layout", SEARCH_LAYOUT)
        with self.connection() as db:
            self.facet_ids = {
                (kind, name): id
                for id, kind, name in db.execute("SELECT id, kind, name FROM search_facets")
            }
            per_kind = db.execute(
                "SELECT kind, COUNT(*), MIN(id), MAX(id) FROM search_items GROUP BY kind"
            ).fetchall()
            self.totals = {kind: n for kind, n, _, _ in per_kind}
            # Each kind's items have consecutive ids, from its first.
            self.ranges: dict[str, tuple[int, int]] = {k: (lo, hi) for k, _, lo, hi in per_kind}
            self._facets = {kind: self._load(db, kind) for kind in FACETS}

    def _load(self, db: sqlite3.Connection, kind: str) -> _Facets:
        first = self.ranges.get(kind, (0, -1))[0]
        values = [
            (facet, Value(value, label, iri, count))
            for facet, value, label, iri, count in db.execute(
                "SELECT facet, value, label, iri, count FROM search_values WHERE kind = ? "
                "ORDER BY position",
                (kind,),
            )
        ]
        arrays = dict(
            db.execute("SELECT name, data FROM search_arrays WHERE kind = ?", (kind,)).fetchall()
        )
        return _Facets(
            first=first,
            size=self.totals.get(kind, 0),
            values=values,
            numbered={(facet, v.value): n for n, (facet, v) in enumerate(values)},
            offsets=numpy.frombuffer(arrays.get("offsets", b"\0" * 8), dtype="<i8"),
            items=numpy.frombuffer(arrays.get("items", b""), dtype="<i4"),
            value_offsets=numpy.frombuffer(arrays.get("value_offsets", b"\0" * 8), dtype="<i8"),
            item_values=numpy.frombuffer(arrays.get("values", b""), dtype="<i4"),
        )

    @classmethod
    def open(cls, folder: Path) -> SearchIndex | None:
        """The search index of the build in ``folder``; None when it has none (an older
        build, or indexing failed: build.json says why)."""
        return cls.open_file(folder / SEARCH)

    def known(self, kind: str, facet: str, value: str) -> bool:
        """Whether ``value`` is a value of ``kind``'s facet in this build."""
        return (self.facet_ids[kind, facet], value) in self._facets[kind].numbered

    # --- search ------------------------------------------------------------------------------

    def search(
        self, match: str, kind: str | None, offset: int, limit: int
    ) -> tuple[dict[str, int], list[Hit]]:
        """Items matching the FTS5 expression ``match`` (of ``kind``, or any), best first:
        how many of each kind match, and the hits from ``offset``."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        # Each kind's items have consecutive ids: counting by id range needs no join (a
        # three-letter prefix at 100,000 projects: 1.6 ms, against 31 ms joined to the items).
        in_range = "search_text MATCH ? AND rowid BETWEEN ? AND ?"
        with self.connection() as db:
            counts = {
                k: db.execute(
                    f"SELECT COUNT(*) FROM search_text WHERE {in_range}", (match, *r)
                ).fetchone()[0]
                for k, r in self.ranges.items()
            }
            where = "search_text MATCH ?"
            params: list[object] = [match]
            if kind is not None:
                where, params = in_range, [match, *self.ranges.get(kind, (0, -1))]
            ranked = [
                i
                for (i,) in db.execute(
                    f"SELECT rowid FROM search_text WHERE {where} "
                    f"ORDER BY bm25(search_text, {weights}), rowid LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                )
            ]
            # Snippets and items for the page's hits alone, not every match.
            marks = ", ".join("?" for _ in ranked)
            snippets = dict(
                db.execute(
                    "SELECT rowid, "
                    f"snippet(search_text, -1, '{MARK_START}', '{MARK_END}', '…', 16) "
                    f"FROM search_text WHERE search_text MATCH ? AND rowid IN ({marks})",
                    [match, *ranked],
                ).fetchall()
            )
            items = {
                id: (kind, iri, label)
                for id, kind, iri, label in db.execute(
                    f"SELECT id, kind, iri, label FROM search_items WHERE id IN ({marks})", ranked
                )
            }
        return counts, [Hit(*items[i], snippets.get(i, "")) for i in ranked]

    # --- lists ---------------------------------------------------------------------------------

    def select(self, kind: str, filters: Filters, match: str | None) -> Selection:
        """The items of ``kind`` that pass ``filters`` (each value required) and ``match``."""
        if not filters and match is None:
            return Selection(kind, None)
        facets = self._facets[kind]
        sets = [
            facets.having(facets.numbered[self.facet_ids[kind, facet], v])
            for facet, values in filters.items()
            for v in values
        ]
        if match is not None:
            with self.connection() as db:
                ids = [
                    i
                    for (i,) in db.execute(
                        "SELECT rowid FROM search_text WHERE search_text MATCH ?", (match,)
                    )
                ]
            found = numpy.array(ids, dtype="<i8") - facets.first
            sets.append(numpy.sort(found[(found >= 0) & (found < facets.size)]).astype("<i4"))
        chosen = sorted(sets, key=len)[0]  # smallest first: each step only shrinks it
        for other in sorted(sets, key=len)[1:]:
            chosen = numpy.intersect1d(chosen, other, assume_unique=True)
        return Selection(kind, chosen)

    def count(self, selected: Selection) -> int:
        """How many items are selected."""
        if selected.positions is None:
            return self.totals.get(selected.kind, 0)
        return len(selected.positions)

    def rows(
        self,
        selected: Selection,
        sort: str,
        descending: bool,
        offset: int = 0,
        limit: int = -1,
    ) -> Iterator[Row]:
        """The rows of the selected items, in order, from ``offset`` (at most ``limit``; -1:
        all), read as they are sent."""
        column = SORTS[selected.kind][sort]
        way = "DESC" if descending else "ASC"
        if selected.positions is not None:
            # A selection is sorted as a whole; items without the value (a project with no
            # budget) come last either way.
            ids = (selected.positions + self._facets[selected.kind].first).tolist()
            order = f"ORDER BY i.{column} IS NULL, i.{column} {way}, i.id {way}"
            parts = [("i.id IN (SELECT value FROM json_each(?))", [json.dumps(ids)], order)]
        else:
            # The whole list in the order of the (kind, column, id) index, so the first rows
            # go out at once (a sort of 100,000 rows first: some 150 ms); then the items
            # without the value, which the index has first.
            parts = [
                (
                    f"i.kind = ? AND i.{column} IS NOT NULL",
                    [selected.kind],
                    f"ORDER BY i.{column} {way}, i.id {way}",
                ),
                (f"i.kind = ? AND i.{column} IS NULL", [selected.kind], f"ORDER BY i.id {way}"),
            ]
        with self.connection() as db:
            for where, params, order in parts:
                if limit == 0:
                    return
                if offset and len(parts) > 1:  # the offset may pass the first part whole
                    (n,) = db.execute(
                        f"SELECT COUNT(*) FROM search_items i WHERE {where}", params
                    ).fetchone()
                    if offset >= n:
                        offset -= n
                        continue
                cursor = db.execute(
                    f"SELECT i.label, i.row, i.csv FROM search_items i WHERE {where} {order} "
                    "LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                )
                offset = 0
                with contextlib.closing(cursor):
                    while batch := cursor.fetchmany(1000):
                        limit -= len(batch) if limit > 0 else 0
                        for found in batch:
                            yield Row(*found)

    def facets(self, selected: Selection) -> dict[str, list[Value]]:
        """Each facet with the values the selected items have, and how many have each, most
        first (or in value order for facets shown that way)."""
        kind = selected.kind
        facets = self._facets[kind]
        if selected.positions is None:
            counts = [v.count for _, v in facets.values]
        elif len(selected.positions) * 4 < facets.size:
            # A small selection: its items' values, counted.
            starts = facets.value_offsets[selected.positions]
            lengths = facets.value_offsets[selected.positions + 1] - starts
            # The index of every value of every selected item, in one array.
            steps = numpy.repeat(starts - numpy.cumsum(lengths) + lengths, lengths)
            picked = facets.item_values[steps + numpy.arange(int(lengths.sum()))]
            counts = numpy.bincount(picked, minlength=len(facets.values)).tolist()
        else:
            # A large one: whether each (value, item) pair is selected, summed per value.
            chosen = numpy.zeros(facets.size, dtype=bool)
            chosen[selected.positions] = True
            in_selection = chosen[facets.items]
            starts = facets.offsets[:-1]
            counts = []
            if len(starts):
                counts = numpy.add.reduceat(in_selection, starts, dtype=numpy.int64).tolist()
        names = {self.facet_ids[kind, f.name]: f for f in FACETS[kind]}
        found: dict[str, list[Value]] = {f.name: [] for f in FACETS[kind]}
        for (facet, v), n in zip(facets.values, counts, strict=True):
            if n:
                found[names[facet].name].append(Value(v.value, v.label, v.iri, int(n)))
        for f in FACETS[kind]:
            found[f.name].sort(key=_in_order if f.by_label else _by_count)
        return found


_BUCKETS = {value: i for i, (_, value) in enumerate(PROJECT_BUCKETS)}


def _in_order(v: Value) -> tuple[int, str]:
    """Years in order; number-of-projects buckets in bucket order."""
    return _BUCKETS.get(v.value, 0), v.value


def _by_count(v: Value) -> tuple[int, str, str]:
    return -v.count, v.label, v.value
