"""The search index of a build: full-text search and facets, in the build's ``search.sqlite``.

Written by the answers stage from the merged graph it has loaded anyway (one load of the graph
serves both), beside the named queries' answers, so the index is checked, counted in the build
id and switched with the build like the answers are.

- ``search_items``: one row per project, organisation, region, country, topic and programme:
  its kind, IRI, label, the columns lists sort on, and its row of a download (as JSON, and as
  the CSV line sent).
- ``search_text``: an FTS5 table over label, other names (every language the data has, codes)
  and body text (titles, abstracts), tokenized ``unicode61`` with diacritics removed, so case
  and accents do not matter (``hajdu`` finds Hajdú-Bihar); prefix indexes for search as you
  type; ranked with BM25.
- ``search_values``: every facet value of the projects and organisations (programme, partner
  countries and regions at every NUTS level, topics, start year, roles, cluster flag; country,
  region and number of projects) with its label and count, numbered per kind; and
  ``search_arrays``, per kind, which items have each value, as arrays (numpy's int32, by value:
  the items of value ``v`` are ``items[offsets[v]:offsets[v + 1]]``, item positions in the
  kind's order; and by item, ``values[value_offsets[i]:value_offsets[i + 1]]``). The server
  selects by intersecting those arrays and counts a selection's values with one ``bincount``:
  SQL over a table of tags took over a second for a one-country selection at 100,000 projects.

What a facet means is said once, in :data:`FACETS`; the server reads the same table.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import marshal
import math
import os
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Protocol, cast

import numpy
import pyoxigraph as ox

from projectgraph import __version__
from projectgraph.memory import no_cycle_collection
from projectgraph.sparql.footprint import LOAD_ORDER, footprint, selection

SEARCH_LAYOUT = 4  # bump when the tables change: a server reading another layout has no search


@dataclass(frozen=True)
class Facet:
    """A facet of a list: its parameter name, heading, and how its values are ordered."""

    name: str
    heading: str
    by_label: bool = False  # values in label order (years, buckets), not by count


FACETS: dict[str, tuple[Facet, ...]] = {
    "project": (
        Facet("programme", "Programme"),
        Facet("country", "Partner country"),
        Facet("region", "Partner region (NUTS, any level)"),
        Facet("topic", "Topic"),
        Facet("year", "Start year", by_label=True),
        Facet("role", "Partner role"),
        Facet("cluster", "Cluster organisation partner"),
    ),
    "organisation": (
        Facet("country", "Country"),
        Facet("region", "Region (NUTS, any level)"),
        Facet("projects", "Number of projects", by_label=True),
    ),
}
# Number-of-projects buckets: (lowest, value); the value sorts in bucket order.
PROJECT_BUCKETS = ((1, "1"), (2, "2-5"), (6, "6-20"), (21, "21-100"), (101, "101+"))
# Kinds a search finds, in the order ties are shown.
KINDS = ("project", "organisation", "region", "country", "topic", "programme")
# Columns of each list's download, in order (the item's IRI first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "project": (
        "project",
        "acronym",
        "title",
        "programme",
        "start_date",
        "end_date",
        "total_cost",
        "eu_contribution",
        "partners",
        "countries",
    ),
    "organisation": ("organisation", "name", "country", "region", "projects", "cluster"),
}

_SCHEMA = """
CREATE TABLE search_layout(version INTEGER NOT NULL);
CREATE TABLE search_items(
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, iri TEXT NOT NULL, label TEXT NOT NULL,
  sort_label TEXT NOT NULL, start TEXT, amount REAL, projects INTEGER, row TEXT NOT NULL,
  csv TEXT NOT NULL);
CREATE TABLE search_facets(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE search_values(
  kind TEXT NOT NULL, position INTEGER NOT NULL, facet INTEGER NOT NULL, value TEXT NOT NULL,
  label TEXT NOT NULL, iri TEXT, count INTEGER NOT NULL, PRIMARY KEY (kind, position));
CREATE TABLE search_arrays(
  kind TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (kind, name));
CREATE VIRTUAL TABLE search_text USING fts5(
  label, names, body, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
CREATE TABLE search_made(name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_INDEXES = """
CREATE UNIQUE INDEX search_values_key ON search_values(facet, value);
CREATE INDEX search_items_label ON search_items(kind, sort_label, id);
CREATE INDEX search_items_start ON search_items(kind, start, id);
CREATE INDEX search_items_amount ON search_items(kind, amount, id);
CREATE INDEX search_items_projects ON search_items(kind, projects, id);
"""

_PREFIXES = """
PREFIX eurio: <http://data.europa.eu/s66#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX pg: <https://w3id.org/projectgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# Each query gives (?s, ?v) pairs: one fact of one resource. Simple patterns, one scan each.
_FACTS = {
    "project": "?s a eurio:Project",
    "acronym": "?s a eurio:Project ; eurio:hasAcronym/eurio:shortForm ?v",
    "title": "?s a eurio:Project ; eurio:title ?v",
    "text": "?s a eurio:Project ; eurio:abstract|pg:background|pg:objective ?v",
    "start": "?s a eurio:Project ; eurio:startDate ?v",
    "end": "?s a eurio:Project ; eurio:endDate ?v",
    "cost": "?s a eurio:Project ; eurio:hasTotalCost/eurio:value ?v",
    "contribution": "?s a eurio:Project ; eurio:isFundedBy/eurio:hasFundingAmount/eurio:value ?v",
    "programme": "?s a eurio:Project ; eurio:isFundedBy/eurio:hasFundingSchemeProgramme ?v",
    "topic": "?s a eurio:Project ; dct:subject ?v",
    "partner": "?m org:organization ?s ; org:member ?v",
    "role": "?m org:organization ?s ; org:role ?v",
    "organisation": "?s a eurio:Organisation",
    "org_country": "?s a eurio:Organisation ; eurio:hasSite/pg:country ?v",
    "org_region": "?s a eurio:Organisation ; eurio:hasSite/pg:region ?v",
    "cluster": "?s a eurio:Organisation ; pg:isClusterOrganisation ?v",
    "region": "?s a eurio:AdministrativeArea",
    "broader": "?s a eurio:AdministrativeArea ; skos:broader ?v",
    "in_country": "?s a eurio:AdministrativeArea ; pg:inCountry ?v",
    "country": "?s a eurio:Country",
    "topics": "?s a skos:Concept ; ^dct:subject ?p . ?p a eurio:Project",
    "programmes": "?s a eurio:FundingScheme",
    "pref": "?s skos:prefLabel ?v",
    "alt": "?s skos:altLabel|skos:notation|pg:isoAlpha2 ?v",
    # A resource's labels are its rdfs:labels and titles together (see _TOGETHER): read apart,
    # so that a changed title, kept apart, does not make the labels be read again.
    "label": "?s rdfs:label ?v",
    "titled": "?s eurio:title ?v",
}


# A fact as read: per resource, its (value, language) pairs in the order they are shown; and
# whether some value is an IRI (then its values name resources, whose labels are looked up).
Pairs = dict[str, list[tuple[str, str]]]
# A fact as the index uses it, and keeps it: per resource, its values in that order (the
# languages dropped once, when read from the graph, not each time the fact is read back).
Values = dict[str, list[str]]


@dataclass
class _Facts:
    """The facts the index is made of, by kind of fact and resource."""

    many: dict[str, Values] = field(default_factory=dict)  # every value, in the order shown
    iris: set[str] = field(default_factory=set)  # the resources named: subjects, IRI values
    kept: int = 0  # how many facts were read from those kept by the build before
    # Per fact, the key it is kept under (with kept facts only; see KeptFacts.key).
    keys: dict[str, str] = field(default_factory=dict)
    # Per fact whose key is not the one the kept items were made with (see KeptItems): its
    # values then, or None where they were not found (every item is then made anew).
    before: dict[str, Values | None] = field(default_factory=dict)

    def add(self, fact: str, values: Values, iri_values: bool) -> None:
        """Add a fact read (see :func:`_values`)."""
        self.many[fact] = values
        self.iris.update(values)
        if iri_values:
            self.iris.update(v for vs in values.values() for v in vs)

    def one(self, fact: str, s: str) -> str | None:
        """The first value of ``fact`` of ``s`` (the one shown), if it has one."""
        found = self.many[fact].get(s)
        return found[0] if found else None

    def all(self, fact: str, s: str) -> list[str]:
        return self.many[fact].get(s, [])


# Facts kept only about resources the other facts name: rdfs:label is on every participation,
# site and funding too (800,000 labels at 100,000 projects, a third of the index's memory),
# and the index looks labels up only for the projects, organisations, places, topics,
# programmes and roles the other facts hold (subjects, and values that are IRIs). Read last.
_ABOUT_NAMED = ("label", "titled")
_TOGETHER = ("label", "titled")  # read apart, looked up as one fact: "label"
FACTS_LAYOUT = 2  # bump when what a kept fact holds changes: kept facts are then read anew
# Bump when what an item is made of its facts changes (_Maker): kept items are then made anew
# (they, as an index served, are kept only if made by the same layout, facets and version:
# see _made_by).
ITEMS_LAYOUT = 1
_ITEMS = "items"  # the kept items' file, beside the kept facts


@dataclass(frozen=True)
class KeptItems:
    """The items of the last index as it wrote them, and the keys of the facts they were
    made of (:attr:`_Facts.keys`): a rebuild makes anew only the items a fact changed since
    reaches (see :func:`_reached`), the same as made anew from every fact. The file holds a
    header, then the rows in the index's order, a batch at a time: read and written as the
    index goes, never held whole (182,000 rows, 144 MB of them, at 100,000 projects)."""

    keys: Mapping[str, str]
    path: Path

    def rows(self) -> Iterator[_Row]:
        """The rows, in order; those of a damaged end are not there (made anew)."""
        damaged = (OSError, EOFError, ValueError, TypeError)
        with contextlib.suppress(*damaged), self.path.open("rb") as f:
            marshal.load(f)  # the header
            while True:
                batch = marshal.load(f)
                if not isinstance(batch, list):
                    return
                for row in batch:
                    if not isinstance(row, tuple) or len(row) != _ROW_LENGTH:
                        return
                    yield cast(_Row, row)


class _ItemsWriter:
    """The items an index writes, kept as it writes them (see :class:`KeptItems`), in a
    partial file renamed over the kept one when :meth:`done`."""

    def __init__(self, folder: Path, keys: Mapping[str, str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        self._partial = folder / f".{_ITEMS}.{os.getpid()}"
        self._file = self._partial.open("wb")
        marshal.dump(((_made_by(), SEARCH_LAYOUT), dict(keys)), self._file)

    def add(self, rows: list[_Row]) -> None:
        marshal.dump(rows, self._file)

    def done(self) -> None:
        self._file.close()
        os.replace(self._partial, self._folder / _ITEMS)
        for other in self._folder.glob(f".{_ITEMS}.*"):  # a killed build's partial file
            other.unlink(missing_ok=True)

    def abandon(self) -> None:
        self._file.close()
        self._partial.unlink(missing_ok=True)


class Loader(Protocol):
    """What the index may read its facts from instead of a store: one that loads the graph's
    triples as the work needs them."""

    def load(self, predicates: frozenset[str] | None) -> ox.Store:
        """The store, with (at least) the triples of ``predicates`` (None: all; see
        :func:`projectgraph.sparql.footprint.selection` for its entries) in it."""
        ...


@dataclass(frozen=True)
class KeptFacts:
    """The facts of the last index, kept in ``folder`` between builds: a fact whose query reads
    predicates with the same triples now (``digests``: per predicate IRI, a digest of its
    triples in the merged graph, see :func:`~projectgraph.build.prepare.merged_digests`) is
    read from there, not from the graph. One file per fact, named by what it was read from."""

    folder: Path
    digests: Mapping[str, str]
    # The search index of the build served now: updated in a copy when no item came or went
    # (see _patch), its items those of the facts it records it was made of.
    index: Path | None = None
    # Kept files already read, by file name (see read_ahead): not part of what it is.
    ahead: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)

    def key(self, name: str) -> str:
        """What fact ``name`` is read from: its query, the digests of the predicates it
        reads, and the code that reads and keeps it. A fact about named resources adds
        their digest to this (see :func:`_read`)."""
        text = "\0".join(
            [
                f"{FACTS_LAYOUT}.{SEARCH_LAYOUT}.{marshal.version}",
                name,
                _FACTS[name],
                *(f"{p} {self.digests.get(p, '-')}" for p in sorted(fact_footprint(name))),
            ]
        )
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def has(self, name: str) -> bool:
        """Whether some kept file may hold fact ``name`` (for one about named resources,
        with any set of them)."""
        return any(self.folder.glob(f"{name}.{self.key(name)}*"))

    def read_ahead(self) -> KeptFacts:
        """These facts with the file each fact may be kept in (the one its key names; for a
        fact about named resources, the one file there is with that key and some set of them)
        already read: done in a thread while the graph loads (the store loads without Python's
        lock), as the files need no graph."""
        ahead = {}
        for name in _FACTS:
            found = list(self.folder.glob(f"{name}.{self.key(name)}*"))
            if len(found) == 1:
                with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
                    ahead[found[0].name] = marshal.loads(found[0].read_bytes())
        return dataclasses.replace(self, ahead=ahead)

    def items(self) -> KeptItems | None:
        """The items kept by the last index, or None (none, unreadable, another layout)."""
        path = self.folder / _ITEMS
        try:
            with path.open("rb") as f:
                header = marshal.load(f)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        if (
            not isinstance(header, tuple)
            or len(header) != 2
            or header[0] != (_made_by(), SEARCH_LAYOUT)
            or not isinstance(header[1], dict)
        ):
            return None
        return KeptItems(header[1], path)

    def items_writer(self, keys: Mapping[str, str]) -> _ItemsWriter:
        """Where an index keeps its items, made of the facts kept under ``keys``."""
        return _ItemsWriter(self.folder, keys)

    def read(self, name: str, key: str) -> tuple[Pairs | Values, bool] | None:
        """The fact kept under ``key``, or None (not kept, unreadable, damaged)."""
        kept = self.ahead.get(f"{name}.{key}")
        if kept is None:
            try:
                kept = marshal.loads((self.folder / f"{name}.{key}").read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                return None
        if (
            not isinstance(kept, tuple)
            or len(kept) != 2
            or not isinstance(kept[0], dict)
            or not isinstance(kept[1], bool)
        ):
            return None
        return kept

    def write(self, name: str, key: str, fact: tuple[Pairs | Values, bool]) -> None:
        """Keep ``fact`` under ``key`` in place of what fact ``name`` was kept as before
        (written whole, then renamed: a build killed meanwhile leaves the old one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.{key}"
        partial = self.folder / f".{name}.{key}.{os.getpid()}"
        # marshal: the fastest to read back of the standard library's formats (a tenth of
        # JSON's time); the folder is the build's own, like its cache, not an input.
        partial.write_bytes(marshal.dumps(fact))
        os.replace(partial, target)
        for other in [*self.folder.glob(f"{name}.*"), *self.folder.glob(f".{name}.*")]:
            if other != target:  # the fact as it was, or a killed build's partial file
                other.unlink(missing_ok=True)


def _fact_queries() -> Iterator[tuple[str, str]]:
    """Each fact's name and the query that reads it: without DISTINCT, as each resource's
    values are gathered into a set anyway (a tenth less time at 10,000 projects)."""
    for name in _FACTS:
        yield name, _fact_query(name)


def _fact_query(name: str) -> str:
    pattern = _FACTS[name]
    found = "?s ?v" if "?v" in pattern else "?s"
    return f"{_PREFIXES} SELECT {found} WHERE {{ {pattern} }}"


@functools.cache
def fact_footprint(name: str) -> frozenset[str]:
    """The predicates fact ``name`` is read from (see
    :func:`projectgraph.sparql.footprint.footprint`)."""
    return _known(name, footprint(_fact_query(name)))


@functools.cache
def fact_selection(name: str) -> frozenset[str]:
    """What a store must hold for fact ``name`` (see
    :func:`projectgraph.sparql.footprint.selection`)."""
    return _known(name, selection(_fact_query(name)))


def _known(name: str, reads: frozenset[str] | None) -> frozenset[str]:
    """``reads`` of fact ``name``: every fact's query reads fixed predicates, in no order."""
    assert reads is not None and LOAD_ORDER not in reads, name
    return reads


@functools.cache
def index_footprint() -> frozenset[str]:
    """The predicates whose triples the index is made of: a store holding only these gives
    the same index."""
    return frozenset().union(*(fact_footprint(name) for name in _FACTS))


def missing_footprint(kept: KeptFacts | None) -> frozenset[str]:
    """What the facts ``kept`` does not hold read (their :func:`fact_selection`): what an
    index made with ``kept`` reads from the graph (a fact about named resources may still be
    read when they changed)."""
    return frozenset().union(*fact_selections(kept))


def reread_selections() -> list[frozenset[str]]:
    """The :func:`fact_selection` of each fact that is read from the graph again, though
    kept, when the resources it is about changed (see :data:`_ABOUT_NAMED`)."""
    return [fact_selection(n) for n in _ABOUT_NAMED]


def fact_selections(kept: KeptFacts | None) -> list[frozenset[str]]:
    """The :func:`fact_selection` of each fact ``kept`` does not hold, in the order the index
    reads them."""
    return [fact_selection(n) for n in _FACTS if kept is None or not kept.has(n)]


def _read(
    store: ox.Store | Loader,
    kept: KeptFacts | None = None,
    made_with: Mapping[str, str] | None = None,
) -> _Facts:
    """The facts of the graph in ``store``, each read from ``kept`` where it is kept and
    from the graph otherwise (and then kept there). ``made_with``: the keys of the facts the
    kept items were made of (see :class:`KeptItems`); each fact read under another key has
    its values under that one in :attr:`_Facts.before`."""
    facts = _Facts()
    named: set[str] | None = None
    extra = ""
    together: dict[str, Pairs] = {}  # kept as pairs: merged by language below
    earlier: dict[str, Pairs | Values | None] = {}  # raw, as kept: the facts made_with names
    for name, query in _fact_queries():
        if name in _ABOUT_NAMED and named is None:
            named = set(facts.iris)
            extra = (
                "." + hashlib.blake2b("\n".join(sorted(named)).encode(), digest_size=16).hexdigest()
            )
        key = kept.key(name) + (extra if name in _ABOUT_NAMED else "") if kept else ""
        fact = kept.read(name, key) if kept else None
        if kept and made_with is not None and made_with.get(name) != key:
            # Read before the fact is kept anew, which removes it.
            was = kept.read(name, made_with[name]) if name in made_with else None
            earlier[name] = was[0] if was is not None else None
        if fact is not None:
            facts.kept += 1
        else:
            pairs, iri_values = _query_fact(
                store if isinstance(store, ox.Store) else store.load(fact_selection(name)),
                query,
                "?v" in _FACTS[name],
                named if name in _ABOUT_NAMED else None,
            )
            fact = (pairs if name in _TOGETHER else _values(pairs), iri_values)
            if kept:
                kept.write(name, key, fact)
        facts.keys[name] = key
        if name in _TOGETHER:  # kept as pairs (see above)
            together[name] = cast(Pairs, fact[0])
            continue
        facts.add(name, cast(Values, fact[0]), fact[1])
        if name in earlier:
            facts.before[name] = cast(Values | None, earlier[name])
    facts.add("label", _merged(together.values()), False)
    if any(name in earlier for name in _TOGETHER):
        parts = [earlier[n] if n in earlier else together[n] for n in _TOGETHER]
        facts.before["label"] = (
            None if any(p is None for p in parts) else _merged(cast(list[Pairs], parts))
        )
    return facts


def _merged(facts: Iterable[Pairs]) -> Values:
    """The facts read apart to be looked up as one (see :data:`_TOGETHER`), as one."""
    label: Pairs = {}
    for pairs in facts:
        for s, values in pairs.items():
            label[s] = sorted({*label.get(s, ()), *values}, key=_shown_first)
    return _values(label)


def _values(pairs: Pairs) -> Values:
    """A fact's values (see :data:`Values`)."""
    return {s: [v for v, _ in vs] for s, vs in pairs.items()}


def _query_fact(
    store: ox.Store, query: str, valued: bool, named: set[str] | None
) -> tuple[Pairs, bool]:
    """A fact read from the graph: about the resources in ``named`` only, if given. Rows are
    unpacked by position and terms told apart by exact type, and a single value is not
    sorted: a fifth of the time of looking each up by name (at 100,000 projects, two title
    facts took 5.4 s of a rebuild's index that way)."""
    values: dict[str, set[tuple[str, str]]] = {}
    iri_values = False
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        s = row[0]
        if type(s) is not ox.NamedNode or (named is not None and s.value not in named):
            continue
        found = values.get(s.value)
        if found is None:
            found = values[s.value] = set()
        v = row[1] if valued else None
        if type(v) is ox.Literal:
            found.add((v.value, v.language or ""))
        elif type(v) is ox.NamedNode:
            found.add((v.value, ""))
            iri_values = True
    return {
        s: sorted(vs, key=_shown_first) if len(vs) > 1 else list(vs) for s, vs in values.items()
    }, iri_values


def _shown_first(pair: tuple[str, str]) -> tuple[int, str, str]:
    """English first, then no language, then the others: the first is the label shown."""
    value, language = pair
    return (_language_rank(language), language, value)


def _language_rank(language: str) -> int:
    return 0 if language == "en" else 1 if language == "" else 2


def _label(facts: _Facts, iri: str) -> str:
    return facts.one("pref", iri) or facts.one("label", iri) or iri.rsplit("/", 1)[-1]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(filter(None, values)))


def code(iri: str) -> str:
    """The last segment of an IRI: a region's NUTS code, a country's ISO alpha-3 code, the
    slug of a programme, topic or role (unique within a facet: the facet value's key)."""
    return iri.rsplit("/", 1)[-1]


def _bucket(projects: int) -> str:
    return [value for lowest, value in PROJECT_BUCKETS if projects >= lowest][-1]


def _amount(text: str | None) -> float | None:
    """An amount as a number, as SQLite gives it back: none for NaN (SQLite stores NULL; JSON
    has no NaN), 0.0 for -0.0."""
    try:
        number = float(text) if text is not None else None
    except ValueError:
        return None
    return None if number is None or math.isnan(number) else number + 0.0


@dataclass
class _Item:
    kind: str
    iri: str
    label: str
    names: list[str]
    body: list[str]
    sort_label: str
    start: str | None = None
    amount: float | None = None
    projects: int | None = None
    row: tuple[object, ...] = ()
    tags: dict[str, list[str]] = field(default_factory=dict)


# An item as the index writes it: kind, IRI, label, sort label, start, amount, projects, its
# download row as JSON and as a CSV line, its other names and body text (as searched), and
# its facet values by facet. What the kept items hold (see KeptItems).
_Row = tuple[
    str, str, str, str, str | None, float | None, int | None, str, str, str, str,
    dict[str, list[str]],
]  # fmt: skip


class _Maker:
    """Makes the items of the index from its facts, one at a time (what an item looks up of
    other resources is worked out once: an organisation is a partner of several projects)."""

    def __init__(self, facts: _Facts) -> None:
        self.facts = facts
        self._ancestors: dict[str, list[str]] = {}
        # At 100,000 projects, 400,000 partners of 80,000 organisations.
        self._countries: dict[str, list[str]] = {}
        self._regions: dict[str, list[str]] = {}
        self._lines = _CsvLines()

    @functools.cached_property
    def projects_of(self) -> dict[str, set[str]]:
        """Per organisation, the projects it is a partner of."""
        projects_of: dict[str, set[str]] = defaultdict(set)
        for project, orgs in self.facts.many["partner"].items():
            for o in orgs:
                projects_of[o].add(project)
        return projects_of

    def _up(self, region: str) -> list[str]:
        """The region and every region above it."""
        found = self._ancestors.get(region)
        if found is None:
            above = [
                a for b in self.facts.all("broader", region) if b != region for a in self._up(b)
            ]
            found = self._ancestors[region] = _unique([region, *above])
        return found

    def _country_of(self, org: str) -> list[str]:
        """An organisation's countries: its sites' own, and their regions'."""
        found = self._countries.get(org)
        if found is None:
            facts = self.facts
            found = self._countries[org] = _unique(
                [
                    *facts.all("org_country", org),
                    *(c for r in facts.all("org_region", org) for c in facts.all("in_country", r)),
                ]
            )
        return found

    def _regions_up(self, org: str) -> list[str]:
        """An organisation's regions with every region above them."""
        found = self._regions.get(org)
        if found is None:
            found = self._regions[org] = _unique(
                a for r in self.facts.all("org_region", org) for a in self._up(r)
            )
        return found

    def project(self, p: str) -> _Item:
        facts = self.facts
        acronym = facts.one("acronym", p) or ""
        title = facts.one("title", p) or ""
        label = acronym or title or _label(facts, p)
        partners = facts.all("partner", p)
        # chain and map, not a generator: 2.4 s of 180,000 items' 8 (py-spy)
        countries = _unique(chain.from_iterable(map(self._country_of, partners)))
        regions = _unique(chain.from_iterable(map(self._regions_up, partners)))
        programme = facts.one("programme", p)
        start = facts.one("start", p)
        cost = _amount(facts.one("cost", p))
        clusters = set(map(functools.partial(facts.one, "cluster"), partners))
        return _Item(
            "project",
            p,
            label,
            names=_unique([*facts.all("title", p), *facts.all("label", p)]),
            body=facts.all("text", p),
            sort_label=(acronym or title).casefold(),
            start=start,
            amount=cost,
            projects=None,
            row=(
                p,
                acronym,
                title,
                _label(facts, programme) if programme else "",
                start or "",
                facts.one("end", p) or "",
                cost,
                _amount(facts.one("contribution", p)),
                len(partners),
                " ".join(sorted(code(c) for c in countries)),
            ),
            tags={
                "programme": [programme] if programme else [],
                "country": countries,
                "region": regions,
                "topic": facts.all("topic", p),
                "year": [start[:4]] if start else [],
                "role": facts.all("role", p),
                "cluster": ["yes" if "true" in clusters else "no"] if partners else [],
            },
        )

    def organisation(self, o: str) -> _Item:
        facts = self.facts
        name = _label(facts, o)
        regions = facts.all("org_region", o)
        count = len(self.projects_of.get(o, ()))
        countries = self._country_of(o)
        return _Item(
            "organisation",
            o,
            name,
            names=_unique([*facts.all("pref", o), *facts.all("alt", o)]),
            body=[],
            sort_label=name.casefold(),
            projects=count,
            row=(
                o,
                name,
                " ".join(code(c) for c in countries),
                " ".join(code(r) for r in regions),
                count,
                {"true": "yes", "false": "no"}.get(facts.one("cluster", o) or "", ""),
            ),
            tags={
                "country": countries,
                "region": self._regions_up(o),
                "projects": [_bucket(count)] if count else [],
            },
        )

    def other(self, kind: str, s: str) -> _Item:
        """A region, country, topic or programme."""
        facts = self.facts
        label = _label(facts, s)
        return _Item(
            kind,
            s,
            label,
            names=_unique([*facts.all("pref", s), *facts.all("alt", s), *facts.all("label", s)]),
            body=[],
            sort_label=label.casefold(),
        )

    def row(self, item: _Item) -> _Row:
        """``item`` as the index writes it."""
        return (
            item.kind,
            item.iri,
            item.label,
            item.sort_label,
            item.start,
            item.amount,
            item.projects,
            _JSON.encode(item.row),
            self._lines(item.row),
            " · ".join(item.names),
            "\n".join(item.body),
            item.tags,
        )


# Kinds made of other facts than their own labels, in the index's order, with the fact that
# lists them; the others follow, always made anew (a few thousand regions and the like).
_OTHER_KINDS = (
    ("region", "region"),
    ("country", "country"),
    ("topic", "topics"),
    ("programme", "programmes"),
)


def _items(facts: _Facts) -> Iterator[_Item]:
    """Every item of the index, kind by kind, in IRI order."""
    make = _Maker(facts)
    for p in sorted(facts.many["project"]):
        yield make.project(p)
    for o in sorted(facts.many["organisation"]):
        yield make.organisation(o)
    for kind, fact in _OTHER_KINDS:
        for s in sorted(facts.many[fact]):
            yield make.other(kind, s)


def _rows(facts: _Facts, earlier: KeptItems | _Served | None) -> Iterator[tuple[_Row, bool]]:
    """Every item of the index as it writes it (see :func:`_items`), in order, and whether
    it was kept: those of ``earlier`` that no changed fact reaches are kept from there (read
    in step, both in the index's order), the others made anew."""
    make = _Maker(facts)
    reached = _reached(facts, make) if earlier is not None else None
    if earlier is None or reached is None:
        for item in _items(facts):
            yield make.row(item), False
        return
    projects, organisations = reached
    kept = earlier.rows()
    at: _Row | None = next(kept, None)
    for rank, (kind, reaching, made) in enumerate(
        (
            ("project", projects, make.project),
            ("organisation", organisations, make.organisation),
        )
    ):
        for s in sorted(facts.many[kind]):
            while at is not None and (_RANKS.get(at[0], len(_RANKS)), at[1]) < (rank, s):
                at = next(kept, None)  # an item gone, or kept rows of the kinds before
            if at is not None and at[0] == kind and at[1] == s and s not in reaching:
                yield at, True
            else:
                yield make.row(made(s)), False
    for kind, fact in _OTHER_KINDS:
        for s in sorted(facts.many[fact]):
            yield make.row(make.other(kind, s)), False


_RANKS = {"project": 0, "organisation": 1}  # the kinds whose items are kept, in order
_ALL_KINDS = (("project", "project"), ("organisation", "organisation"), *_OTHER_KINDS)
_ROW_LENGTH = 12  # columns of a _Row


# What the items of a project read of the project itself (its facts by subject), and of its
# partners, for an organisation's; facts naming the items themselves; labels.
_OF_PROJECTS = frozenset(
    {"project", "acronym", "title", "text", "start", "end", "cost", "contribution",
     "programme", "topic", "role", "partner"}
)  # fmt: skip
_OF_SITES = frozenset({"org_country", "org_region", "cluster"})
_LABELS = frozenset({"pref", "alt", "label"})


def _reached(facts: _Facts, make: _Maker) -> tuple[set[str], set[str]] | None:
    """The projects and organisations whose items a fact changed since the kept items
    (:attr:`_Facts.before`) reaches; None when every item is to be made anew (a fact about
    regions, countries or programmes changed: they reach many items; or an earlier fact is
    not known)."""
    projects: set[str] = set()
    organisations: set[str] = set()
    for name, before in facts.before.items():
        if before is None:
            return None
        now = facts.many[name]
        changed = {s for s in before.keys() | now.keys() if before.get(s) != now.get(s)}
        if not changed:
            continue
        if name in _OF_PROJECTS:
            projects |= changed
            if name == "partner":  # the organisations' numbers of projects
                organisations.update(
                    o for s in changed for o in chain(before.get(s, ()), now.get(s, ()))
                )
        elif name == "organisation":
            organisations |= changed
        elif name in _OF_SITES:  # the organisation, and the projects it is a partner of
            organisations |= changed
            projects.update(p for o in changed for p in make.projects_of.get(o, ()))
        elif name in _LABELS:
            # A project's or an organisation's own names; a programme's label is in its
            # projects' rows (every project is made anew); the labels of regions, countries,
            # topics and roles are read by their own items and the facets' values, both made
            # anew by every index.
            programmes = {v for vs in facts.many["programme"].values() for v in vs}
            if not changed.isdisjoint(programmes):
                return None
            projects |= changed
            organisations |= changed
        else:  # regions (their countries, those above them), the lists of other kinds
            return None
    return projects, organisations


def _value_labels(facts: _Facts) -> dict[str, str]:
    """Labels of facet values that are IRIs: regions with their code, the rest by name."""
    labels: dict[str, str] = {}
    for region in facts.many["region"]:
        labels[region] = f"{_label(facts, region)} ({region.rsplit('/', 1)[-1]})"
    for fact in ("country", "topics", "programmes"):
        for s in facts.many[fact]:
            labels[s] = _label(facts, s)
    for roles in facts.many["role"].values():
        for r in roles:
            labels.setdefault(r, _label(facts, r))
    return labels


def index_graph(
    store: ox.Store | Loader, path: Path, kept: KeptFacts | None = None
) -> dict[str, object]:
    """Write the search index of the graph in ``store`` into the SQLite file ``path`` (its
    tables are created; the file may hold other tables), with the facts ``kept`` holds read
    from there. Returns what was indexed: items by kind, facts read from the graph, and
    seconds."""
    # Millions of objects in no cycle (facts, kept items, rows): the cyclic collector walked
    # them again and again as they piled up (reading two kept facts took 2.5 s with it,
    # the kept items 1.4 to 1.7 s against 0.4 to 0.5 without).
    with no_cycle_collection():
        return _index_graph(store, path, kept)


def _index_graph(store: ox.Store | Loader, path: Path, kept: KeptFacts | None) -> dict[str, object]:
    started = time.perf_counter()
    served = _Served.open(kept.index) if kept and kept.index else None
    earlier: KeptItems | _Served | None = kept.items() if kept else None
    if served is not None and (earlier is None or earlier.keys != served.keys):
        # The kept items are of another index (the one served was updated since, or they were
        # not served): the items are kept from the one served.
        earlier = served
    facts = _read(store, kept, served.keys if served else earlier.keys if earlier else None)
    labels = _value_labels(facts)
    patched = _patch(served, facts, labels, path) if served is not None else None
    if patched is not None:
        counts, reused, content = patched
    else:
        keeping = kept.items_writer(facts.keys) if kept else None
        counts = defaultdict(int)
        try:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
                reused, content = _write_index(
                    db, _rows(facts, earlier), labels, counts, keeping, facts.keys
                )
        except BaseException:
            if keeping is not None:
                keeping.abandon()
            raise
        if keeping is not None:
            keeping.done()
    seconds = round(time.perf_counter() - started, 3)
    items = sum(counts.values())
    return {
        "items": dict(sorted(counts.items())),
        "content": content,
        "facts_kept": [facts.kept, len(_FACTS)],
        "items_kept": [reused, items],
        "patched": patched is not None,
        "seconds": seconds,
    }


def _facet_ids() -> dict[tuple[str, str], int]:
    """Each facet's number, by kind and name (search_facets)."""
    names = [(kind, f.name) for kind, facets in FACETS.items() for f in facets]
    return {name: number for number, name in enumerate(names, start=1)}


def _write_index(
    db: sqlite3.Connection,
    written: Iterable[tuple[_Row, bool]],
    labels: Mapping[str, str],
    counts: dict[str, int],
    keeping: _ItemsWriter | None,
    keys: Mapping[str, str],
) -> tuple[int, str]:
    """Write the index's tables into ``db``: the items ``written`` (counted by kind into
    ``counts``, and kept by ``keeping``), their facets' values and arrays, and the ``keys``
    of the facts they were made of. How many of the items were kept from the last index, and
    the digest of what the index holds (see :func:`_content`)."""
    reused = 0
    items_sum = 0
    shared_keys = False  # some key stands for two values (see _Unpatchable)
    db.execute("PRAGMA synchronous = OFF")  # a crashed build is thrown away whole
    db.execute("BEGIN")  # all or nothing: a failure leaves no search tables
    _script(db, _SCHEMA)
    db.execute("INSERT INTO search_layout VALUES (?)", (SEARCH_LAYOUT,))
    facet_ids = _facet_ids()
    db.executemany(
        "INSERT INTO search_facets VALUES (?, ?, ?)",
        [(number, kind, name) for (kind, name), number in facet_ids.items()],
    )
    # Per kind: the items (positions in the kind's order) of each (facet, value).
    tagged: dict[str, dict[tuple[int, str], list[int]]] = defaultdict(dict)
    iris: dict[tuple[int, str], str | None] = {}
    rows: list[tuple[object, ...]] = []
    texts: list[tuple[int, str, str, str]] = []
    batch: list[_Row] = []

    def insert() -> None:  # a batch at a time: one call, not two a row
        db.executemany("INSERT INTO search_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany(
            "INSERT INTO search_text(rowid, label, names, body) VALUES (?, ?, ?, ?)", texts
        )
        if keeping is not None:
            keeping.add(batch)
        rows.clear()
        texts.clear()
        batch.clear()

    # The items of each (facet, value) as a value comes in the items (an IRI's list found
    # once, not its code cut again for each of its items: 400,000 tags at 100,000 projects).
    slots: dict[tuple[int, str], tuple[tuple[int, str], str | None, list[int]]] = {}
    for number, (row, was_kept) in enumerate(written, start=1):
        kind, *columns, names, body, tags = row
        reused += was_kept
        items_sum += _item_digest(number, row)
        position = counts[kind]
        counts[kind] += 1
        rows.append((number, kind, *columns))
        texts.append((number, cast(str, columns[1]), names, body))
        batch.append(row)
        if len(rows) == _BATCH:
            insert()
        for name, values in tags.items():
            facet = facet_ids[kind, name]
            for v in values:
                slot = slots.get((facet, v))
                if slot is None:
                    key = code(v) if v in labels else v  # an IRI's code or slug: short URLs
                    found = tagged[kind].setdefault((facet, key), [])
                    slot = slots[facet, v] = ((facet, key), v if v in labels else None, found)
                    shared_keys |= iris.get(slot[0], slot[1]) != slot[1]
                iris[slot[0]] = slot[1]  # the last value with a key names it
                slot[2].append(position)
    insert()
    _write_values(db, tagged, iris, labels, counts)
    _script(db, _INDEXES)
    db.execute("INSERT INTO search_text(search_text) VALUES ('optimize')")
    content = _write_made(db, keys, items_sum, shared_keys)
    db.execute("COMMIT")
    return reused, content


def _write_values(
    db: sqlite3.Connection,
    tagged: Mapping[str, Mapping[tuple[int, str], Sequence[int] | numpy.ndarray]],
    iris: Mapping[tuple[int, str], str | None],
    labels: Mapping[str, str],
    counts: Mapping[str, int],
) -> None:
    """Write the facets' values (``tagged``: per kind, the positions of the items that have
    each (facet, value); ``iris``: the IRI each value stands for, if one) and their arrays."""
    for kind, by_value in sorted(tagged.items()):
        ordered = sorted(by_value.items())
        db.executemany(
            "INSERT INTO search_values VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    kind,
                    v,
                    facet,
                    key,
                    labels.get(iris[facet, key] or key, key),
                    iris[facet, key],
                    len(items),
                )
                for v, ((facet, key), items) in enumerate(ordered)
            ),
        )
        offsets = numpy.cumsum([0, *(len(items) for _, items in ordered)], dtype="<i8")
        items = numpy.concatenate([numpy.asarray(its, dtype="<i4") for _, its in ordered])
        # The same pairs by item: the values of item ``i`` are
        # ``values[value_offsets[i]:value_offsets[i + 1]]`` (a small selection's counts
        # read its own items' values, not every pair).
        numbers = numpy.repeat(numpy.arange(len(ordered), dtype="<i4"), numpy.diff(offsets))
        by_item = numpy.lexsort((numbers, items))
        value_offsets = numpy.concatenate(
            ([0], numpy.cumsum(numpy.bincount(items, minlength=counts[kind])))
        ).astype("<i8")
        db.executemany(
            "INSERT INTO search_arrays VALUES (?, ?, ?)",
            [
                (kind, "offsets", offsets.tobytes()),
                (kind, "items", items.tobytes()),
                (kind, "value_offsets", value_offsets.tobytes()),
                (kind, "values", numbers[by_item].astype("<i4").tobytes()),
            ],
        )


# search_made: what an index was made of, for the next build to update it (see _Served).
_MADE_ITEMS = "items"  # what made the items (see _made_by)
_MADE_KEYS = "keys"  # "unique" when each facet value's key stands for one value (see _Unpatchable)
_MADE_SUM = "sum"  # the sum of the items' digests (see _item_digest)
_MADE_FACT = "fact "  # before a fact's name: the key the fact was read under


def _write_made(
    db: sqlite3.Connection, keys: Mapping[str, str], items_sum: int, shared_keys: bool
) -> str:
    """Record in ``db`` what its index was made of (the facts' ``keys``; none: not made of
    kept facts, so not to be updated; whether some facet key stands for two values) and the
    sum of its items' digests; the digest of what it holds (see :func:`_content`)."""
    items_sum %= _SUM_MODULUS
    db.execute("DELETE FROM search_made")
    db.executemany(
        "INSERT INTO search_made VALUES (?, ?)",
        [
            (_MADE_ITEMS, _made_by()),
            (_MADE_KEYS, "shared" if shared_keys else "unique"),
            (_MADE_SUM, f"{items_sum:032x}"),
            *((_MADE_FACT + name, key) for name, key in sorted(keys.items())),
        ],
    )
    return _content(db, items_sum)


def _item_digest(number: int, row: _Row) -> int:
    """Item ``number``'s row (what search_items and search_text hold of it; its facet values
    are in the arrays) as a number. An index's items are in its digest by the sum of these,
    modulo 2**128: an index updated in place (see :func:`_patch`) sums its items as one
    written anew does, without reading those it keeps."""
    # marshal's version 2 has no references: the same row gives the same bytes, whichever of
    # its strings are one object.
    data = marshal.dumps((number, *row[:-1]), 2)
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "little")


def _content(db: sqlite3.Connection, items_sum: int) -> str:
    """The digest of what the index in ``db`` holds (what a server reads of it), the same for
    an index written anew and one updated in place, whose files differ: the sum of its items'
    digests (see :func:`_item_digest`), then its other tables, row by row."""
    h = hashlib.blake2b(digest_size=16)
    h.update(items_sum.to_bytes(16, "little"))
    for table, order in (
        ("search_layout", "version"),
        ("search_facets", "id"),
        ("search_values", "kind, position"),
        ("search_arrays", "kind, name"),
    ):
        for row in db.execute(f"SELECT * FROM {table} ORDER BY {order}"):
            h.update(marshal.dumps(tuple(row), 2))
    return h.hexdigest()


_SUM_MODULUS = 2**128
# The columns of search_items an item's row holds (see _Row), in its order.
_ITEM_COLUMNS = "kind, iri, label, sort_label, start, amount, projects, row, csv"


@dataclass(frozen=True)
class _Served:
    """The search index of the build served now, as a rebuild updates it (see :func:`_patch`)
    or keeps its items (see :meth:`rows`): the keys of the facts its items were made of (see
    :func:`_read`) and the sum of its items' digests."""

    path: Path
    keys: dict[str, str]
    items_sum: int

    @classmethod
    def open(cls, path: Path) -> _Served | None:
        """The index at ``path``; None when there is none, or it cannot be updated (another
        layout, made by an earlier version, or not of kept facts)."""
        try:
            with contextlib.closing(_read_only(path)) as db:
                (layout,) = db.execute("SELECT version FROM search_layout").fetchone()
                made = dict(db.execute("SELECT name, value FROM search_made").fetchall())
        except (sqlite3.Error, OSError, TypeError, ValueError):
            return None
        keys = {n.removeprefix(_MADE_FACT): k for n, k in made.items() if n.startswith(_MADE_FACT)}
        if (
            layout != SEARCH_LAYOUT
            or made.get(_MADE_ITEMS) != _made_by()
            or made.get(_MADE_KEYS) != "unique"
            or not any(keys.values())
        ):
            return None
        try:
            return cls(path, keys, int(made[_MADE_SUM], 16))
        except (KeyError, ValueError):
            return None

    def rows(self) -> Iterator[_Row]:
        """The index's items as it wrote them (see :class:`KeptItems`), in order, their facet
        values read back from its arrays (each key stands for one value: see :meth:`open`);
        those of a damaged file are not there (made anew)."""
        try:
            with contextlib.closing(_read_only(self.path)) as db:
                facets = {n: name for n, _, name in db.execute("SELECT * FROM search_facets")}
                first = dict(
                    db.execute("SELECT kind, MIN(id) FROM search_items GROUP BY kind").fetchall()
                )
                tags = {kind: _served_tags(db, kind, facets) for kind in FACETS}
                items = db.execute(f"SELECT id, {_ITEM_COLUMNS} FROM search_items ORDER BY id")
                texts = db.execute("SELECT rowid, names, body FROM search_text ORDER BY rowid")
                for (number, kind, *columns), (text_number, names, body) in zip(
                    items, texts, strict=False
                ):
                    if text_number != number:
                        return
                    of = tags.get(kind)
                    yield cast(
                        _Row, (kind, *columns, names, body, of(number - first[kind]) if of else {})
                    )
        except (sqlite3.DatabaseError, ValueError, IndexError):
            return


def _values_and_arrays(
    db: sqlite3.Connection, kind: str
) -> tuple[list[tuple[int, str, str | None]], dict[str, bytes]]:
    """The facet values of ``kind`` in the index in ``db`` (facet, key, IRI), in order, and
    its arrays by name (see :func:`_write_values`)."""
    values = db.execute(
        "SELECT facet, value, iri FROM search_values WHERE kind = ? ORDER BY position", (kind,)
    ).fetchall()
    arrays = db.execute("SELECT name, data FROM search_arrays WHERE kind = ?", (kind,))
    return values, dict(arrays.fetchall())


def _served_tags(
    db: sqlite3.Connection, kind: str, facets: Mapping[int, str]
) -> Callable[[int], dict[str, list[str]]]:
    """The facet values of the item of ``kind`` at a position, as the index in ``db`` has
    them (IRIs for values that are, see :func:`_write_values`)."""
    values, arrays = _values_and_arrays(db, kind)
    offsets = numpy.frombuffer(arrays.get("value_offsets", b"\0" * 8), dtype="<i8").tolist()
    numbers = numpy.frombuffer(arrays.get("values", b""), dtype="<i4").tolist()
    shown = [(facets[facet], iri or value) for facet, value, iri in values]

    def tags(position: int) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        if position + 1 < len(offsets):  # a kind none of whose items has a value: no arrays
            for n in numbers[offsets[position] : offsets[position + 1]]:
                name, value = shown[n]
                found.setdefault(name, []).append(value)
        return found

    return tags


def _patch(
    served: _Served, facts: _Facts, labels: Mapping[str, str], path: Path
) -> tuple[dict[str, int], int, str] | None:
    """Write the index of ``facts`` into ``path`` as a copy of the index ``served`` with the
    items a changed fact reaches (see :func:`_reached`), and every region, country, topic
    and programme, made anew where they differ, and the facets' values and arrays made
    again: what :func:`_write_index` would write, in another file (its full-text index not
    merged whole). Returns the items by kind, how many were kept, and the content digest;
    None (nothing written) when items came or went, a change reaches every item, or the
    index served turns out damaged.

    At 100,000 projects a rebuild wrote the whole index again, 182,000 items (13 s in all);
    an edit reaches a few items and the few thousand of the other kinds."""
    make = _Maker(facts)
    reached = _reached(facts, make)
    if reached is None or (path.exists() and path.stat().st_size):
        return None
    order = [(kind, s) for kind, fact in _ALL_KINDS for s in sorted(facts.many[fact])]
    try:
        with contextlib.closing(_read_only(served.path)) as db:
            if db.execute("SELECT kind, iri FROM search_items ORDER BY id").fetchall() != order:
                return None  # items came or went: their numbers are positions in order
        shutil.copyfile(served.path, path)
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            return _update(db, served, make, labels, order, reached)
    except (sqlite3.DatabaseError, ValueError, IndexError):
        # The index served is damaged, or cannot give this one (_Unpatchable): written anew.
        path.unlink(missing_ok=True)
        return None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _update(
    db: sqlite3.Connection,
    served: _Served,
    make: _Maker,
    labels: Mapping[str, str],
    order: list[tuple[str, str]],
    reached: tuple[set[str], set[str]],
) -> tuple[dict[str, int], int, str]:
    """:func:`_patch` in ``db``, a copy of the index ``served`` with its items in ``order``."""
    counts: dict[str, int] = defaultdict(int)
    first: dict[str, int] = {}
    for number, (kind, _) in enumerate(order, start=1):
        first.setdefault(kind, number)
        counts[kind] += 1
    reaching = dict(zip(("project", "organisation"), reached, strict=True))
    makers = {"project": make.project, "organisation": make.organisation}
    # The items a change reaches, and every one of the other kinds (made anew by every index).
    anew = [
        (number, kind, s)
        for number, (kind, s) in enumerate(order, start=1)
        if kind not in reaching or s in reaching[kind]
    ]
    db.execute("PRAGMA synchronous = OFF")  # a crashed build is thrown away whole
    db.execute("BEGIN")
    items_sum = served.items_sum
    tags: dict[str, list[tuple[int, dict[str, list[str]]]]] = defaultdict(list)
    for number, kind, s in anew:
        maker = makers.get(kind)
        row = make.row(maker(s) if maker else make.other(kind, s))
        if kind in FACETS:
            tags[kind].append((number - first[kind], row[-1]))
        found = db.execute(
            f"SELECT {_ITEM_COLUMNS} FROM search_items WHERE id = ?", (number,)
        ).fetchone()
        text = db.execute(
            "SELECT names, body FROM search_text WHERE rowid = ?", (number,)
        ).fetchone()
        if found is None or text is None:
            raise sqlite3.DatabaseError(f"the index served has no item {number}")
        was = (*found, *text, None)
        if was[:-1] == row[:-1]:
            continue
        items_sum += _item_digest(number, row) - _item_digest(number, cast(_Row, was))
        db.execute(
            "UPDATE search_items SET label = ?, sort_label = ?, start = ?, amount = ?,"
            " projects = ?, row = ?, csv = ? WHERE id = ?",
            (*row[2:9], number),
        )
        db.execute(
            "UPDATE search_text SET label = ?, names = ?, body = ? WHERE rowid = ?",
            (row[2], row[9], row[10], number),
        )
    tagged, iris = _tags_updated(db, tags, labels)
    db.execute("DELETE FROM search_values")
    db.execute("DELETE FROM search_arrays")
    _write_values(db, tagged, iris, labels, counts)
    content = _write_made(db, make.facts.keys, items_sum, False)
    db.execute("COMMIT")
    return dict(counts), len(order) - len(anew), content


def _tags_updated(
    db: sqlite3.Connection,
    tags: Mapping[str, list[tuple[int, dict[str, list[str]]]]],
    labels: Mapping[str, str],
) -> tuple[dict[str, dict[tuple[int, str], numpy.ndarray]], dict[tuple[int, str], str | None]]:
    """The facets' values of the index in ``db`` (see :func:`_write_values`) with those of
    the items made anew replaced by ``tags`` (per kind, the items' positions and their facet
    values, in order)."""
    facet_ids = _facet_ids()
    tagged: dict[str, dict[tuple[int, str], numpy.ndarray]] = {}
    iris: dict[tuple[int, str], str | None] = {}
    for kind in FACETS:
        values, arrays = _values_and_arrays(db, kind)
        offsets = numpy.frombuffer(arrays.get("offsets", b"\0" * 8), dtype="<i8")
        items = numpy.frombuffer(arrays.get("items", b""), dtype="<i4")
        made = numpy.array([position for position, _ in tags.get(kind, ())], dtype="<i4")
        kept = ~numpy.isin(items, made)
        lists: dict[tuple[int, str], list[numpy.ndarray]] = {}
        for number, (facet, key, iri) in enumerate(values):
            start, end = int(offsets[number]), int(offsets[number + 1])
            lists[facet, key] = [items[start:end][kept[start:end]]]
            iris[facet, key] = iri
        added: dict[tuple[int, str], list[int]] = defaultdict(list)
        for position, item_tags in tags.get(kind, ()):
            for name, vs in item_tags.items():
                facet = facet_ids[kind, name]
                for v in vs:
                    key = code(v) if v in labels else v
                    iri = v if v in labels else None
                    if iris.setdefault((facet, key), iri) != iri:
                        # Written anew, the last item's value would name the key.
                        raise _Unpatchable(f"facet value {key} stands for two values")
                    added[facet, key].append(position)
        for value, positions in added.items():
            lists.setdefault(value, []).append(numpy.array(positions, dtype="<i4"))
        joined = {
            value: numpy.sort(numpy.concatenate(parts), kind="stable")
            for value, parts in lists.items()
        }
        found = {value: its for value, its in joined.items() if len(its)}
        if found:
            tagged[kind] = found
    return tagged, iris


def _made_by() -> str:
    """What makes an index's items and values besides its facts: the items' layout, the
    facets and this version of projectgraph. An index served that another made is written
    anew, not updated (its facets' numbers and values' keys are copied as they are)."""
    facets = repr(sorted((kind, [f.name for f in fs]) for kind, fs in FACETS.items()))
    code = f"{ITEMS_LAYOUT}\0{facets}\0{__version__}"
    return hashlib.blake2b(code.encode(), digest_size=8).hexdigest()


class _Unpatchable(ValueError):
    """The index served cannot be updated to the one the facts make: written anew."""


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` that cannot write it (nor create it)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


_BATCH = 4096  # items inserted at once


def _script(db: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` in the open transaction (``executescript`` would
    commit it first)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def csv_line(row: Iterable[object]) -> str:
    """``row`` as a line of CSV (RFC 4180: CRLF, quoted where needed; None is empty): a
    download's lines are kept made, so a list streams at the speed of reading them."""
    return _CsvLines()(row)


class _CsvLines:
    """:func:`csv_line` for many rows, one writer for them all (a writer and a buffer made
    for each row took 2 of the 21 s a rebuild's index took at 100,000 projects)."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def __call__(self, row: Iterable[object]) -> str:
        self._out.seek(0)
        self._out.truncate()
        self._writer.writerow("" if v is None else v for v in row)
        return self._out.getvalue()


# A row of a download as JSON: one encoder, not one made by json.dumps for each row.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
