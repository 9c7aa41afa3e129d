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

from projectgraph.publish.answers import ANSWERS
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


@dataclass(frozen=True)
class Value:
    """A facet value with how many items of the current selection have it."""

    value: str
    label: str
    iri: str | None
    count: int


Filters = dict[str, list[str]]  # facet -> values, every one required (AND)


class SearchIndex(ReadOnlyDatabase):
    """The search tables of a build's answers file."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        with self.connection() as db:
            (version,) = db.execute("SELECT version FROM search_layout").fetchone()
            if version != SEARCH_LAYOUT:
                raise ValueError(f"{path}: search layout {version}, not {SEARCH_LAYOUT}")
            self.facet_ids = {
                (kind, name): id
                for id, kind, name in db.execute("SELECT id, kind, name FROM search_facets")
            }
            # Facet counts of the whole list, which no request needs to compute.
            self._all: dict[int, list[Value]] = {}
            for facet, value, label, iri, count in db.execute(
                "SELECT facet, value, label, iri, count FROM search_values"
            ):
                self._all.setdefault(facet, []).append(Value(value, label, iri, count))
            self.totals = dict(
                db.execute("SELECT kind, COUNT(*) FROM search_items GROUP BY kind").fetchall()
            )

    @classmethod
    def open(cls, folder: Path) -> SearchIndex | None:
        """The search index of the build in ``folder``; None when it has none (an older
        build, or indexing failed: build.json says why)."""
        path = folder / ANSWERS
        if not path.is_file():
            return None
        try:
            return cls(path)
        except (sqlite3.Error, ValueError, TypeError):
            return None

    def known(self, kind: str, facet: str, value: str) -> bool:
        """Whether ``value`` is a value of ``kind``'s facet in this build."""
        with self.connection() as db:
            found = db.execute(
                "SELECT 1 FROM search_values WHERE facet = ? AND value = ?",
                (self.facet_ids[kind, facet], value),
            ).fetchone()
        return found is not None

    # --- search ------------------------------------------------------------------------------

    def search(
        self, match: str, kind: str | None, offset: int, limit: int
    ) -> tuple[dict[str, int], list[Hit]]:
        """Items matching the FTS5 expression ``match`` (of ``kind``, or any), best first:
        how many of each kind match, and the hits from ``offset``."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        of_kind = "" if kind is None else "AND i.kind = ?"
        with self.connection() as db:
            counts = dict(
                db.execute(
                    "SELECT i.kind, COUNT(*) FROM search_text JOIN search_items i "
                    "ON i.id = search_text.rowid WHERE search_text MATCH ? GROUP BY i.kind",
                    (match,),
                ).fetchall()
            )
            rows = db.execute(
                "SELECT i.kind, i.iri, i.label, "
                f"snippet(search_text, -1, '{MARK_START}', '{MARK_END}', '…', 16) "
                "FROM search_text JOIN search_items i ON i.id = search_text.rowid "
                f"WHERE search_text MATCH ? {of_kind} "
                f"ORDER BY bm25(search_text, {weights}), i.id LIMIT ? OFFSET ?",
                [match, *([kind] if kind else []), limit, offset],
            ).fetchall()
        return counts, [Hit(*row) for row in rows]

    # --- lists ---------------------------------------------------------------------------------

    def _selection(
        self, kind: str, filters: Filters, match: str | None
    ) -> tuple[str, list[object]]:
        """SQL giving the ids of ``kind``'s items that pass ``filters`` and ``match``."""
        parts: list[str] = []
        params: list[object] = []
        for facet, values in filters.items():
            for v in values:
                parts.append("SELECT item FROM search_tags WHERE facet = ? AND value = ?")
                params += [self.facet_ids[kind, facet], v]
        if match is not None:
            parts.append(
                "SELECT rowid FROM search_text WHERE search_text MATCH ? "
                "AND rowid IN (SELECT id FROM search_items WHERE kind = ?)"
            )
            params += [match, kind]
        if not parts:
            parts.append("SELECT id FROM search_items WHERE kind = ?")
            params.append(kind)
        return " INTERSECT ".join(parts), params

    def _order(self, kind: str, sort: str, descending: bool) -> str:
        column = SORTS[kind][sort]
        way = "DESC" if descending else "ASC"
        # Items without the value (a project with no budget) come last either way.
        return f"ORDER BY i.{column} IS NULL, i.{column} {way}, i.id {way}"

    def count(self, kind: str, filters: Filters, match: str | None) -> int:
        """How many of ``kind``'s items pass ``filters`` and ``match``."""
        if not filters and match is None:
            return self.totals.get(kind, 0)
        selection, params = self._selection(kind, filters, match)
        with self.connection() as db:
            (n,) = db.execute(f"SELECT COUNT(*) FROM ({selection})", params).fetchone()
        return int(n)

    def rows(
        self,
        kind: str,
        filters: Filters,
        match: str | None,
        sort: str,
        descending: bool,
        offset: int = 0,
        limit: int = -1,
    ) -> Iterator[tuple[str, list[object]]]:
        """The label and download row of each selected item, in order, from ``offset`` (at
        most ``limit``; -1: all), read as they are sent."""
        selection, params = self._selection(kind, filters, match)
        order = self._order(kind, sort, descending)
        with self.connection() as db:
            if not filters and match is None:
                where, params = "i.kind = ?", [kind]
            else:
                where = f"i.id IN ({selection})"
            cursor = db.execute(
                f"SELECT i.label, i.row FROM search_items i WHERE {where} {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            with contextlib.closing(cursor):
                while batch := cursor.fetchmany(1000):
                    for label, row in batch:
                        yield label, json.loads(row)

    def facets(self, kind: str, filters: Filters, match: str | None) -> dict[str, list[Value]]:
        """Each facet of ``kind`` with the values the selected items have, and how many have
        each, most first (or in value order for facets shown that way)."""
        found: dict[str, list[Value]] = {}
        ids = {self.facet_ids[kind, f.name]: f for f in FACETS[kind]}
        if not filters and match is None:
            counted = {facet: self._all.get(facet, []) for facet in ids}
        else:
            selection, params = self._selection(kind, filters, match)
            marks = ", ".join("?" for _ in ids)
            counted = {facet: [] for facet in ids}
            with self.connection() as db:
                for facet, value, label, iri, n in db.execute(
                    "SELECT c.facet, c.value, v.label, v.iri, c.n FROM ("
                    "SELECT facet, value, COUNT(*) AS n FROM search_tags "
                    f"WHERE item IN ({selection}) AND facet IN ({marks}) GROUP BY facet, value"
                    ") c JOIN search_values v ON v.facet = c.facet AND v.value = c.value",
                    [*params, *ids],
                ):
                    counted[facet].append(Value(value, label, iri, n))
        for facet, values in counted.items():
            f = ids[facet]
            found[f.name] = sorted(values, key=_in_order if f.by_label else _by_count)
        return found


_BUCKETS = {value: i for i, (_, value) in enumerate(PROJECT_BUCKETS)}


def _in_order(v: Value) -> tuple[int, str]:
    """Years in order; number-of-projects buckets in bucket order."""
    return _BUCKETS.get(v.value, 0), v.value


def _by_count(v: Value) -> tuple[int, str, str]:
    return -v.count, v.label, v.value
