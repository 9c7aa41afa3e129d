"""Descriptions of resources, fetched through the query engine (embedded or remote alike).

The description of a resource, as its data document serves it: its concise bounded
description (its triples, and those of its parts: hash IRIs such as ``#total-cost`` and blank
nodes), one page of the resources that link to it (:data:`INBOUND_PAGE` a page, in the store's
order, each with all its links to it: an organisation's site names its country as pg:country
and as eurio:hasGeographicalLocation, and is one entry), and the labels of everything it links
to, so a client can show it without asking again. Pages ask for more depth (a project's
partners, and the partners' countries) with the same building blocks.

Every query names its resources as constants in its triple patterns (or in one VALUES block
joined to a pattern on the subject), so each is a few index look-ups whatever the size of the
graph: no BIND-then-scan, no FILTER but over a resource's own triples, no ORDER BY over a
resource's fan-in. At 10,000 projects, ``VALUES ?r {...} VALUES ?p {...} ?r ?p ?l`` took
160-235 ms for the labels of a project's neighbours, which their own triples answer in about
1 ms; sorting a country's 1,075 inbound links took 76 ms (its 10,632 at 100,000 projects: 3 s),
where the store's own order gives the first page in under 3 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from projectgraph.rdf.vocab import LABEL_PROPERTIES, RDF, SKOS
from projectgraph.store.base import QueryEngine, QueryError, QueryRequest, read_all

INBOUND_PAGE = 100  # resources linking *to* a resource per page (a country has thousands)
EXPAND_LIMIT = 2_000  # resources whose own triples a page fetches at one depth
_TYPE = str(RDF.type)
_LABELS = ", ".join(f"<{p}>" for p in (*LABEL_PROPERTIES, SKOS.notation))


class DescribeError(Exception):
    """The engine could not answer (busy, timed out, down)."""

    def __init__(self, error: QueryError) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Described:
    """A description: its triples, and where its page of inbound links stands."""

    triples: list[ox.Triple]
    inbound: int  # links to the resource on this page
    more: bool  # links to the resource continue on the next page

    @property
    def found(self) -> bool:
        return bool(self.triples)


class Describer:
    """Runs description queries on an engine and returns triples."""

    def __init__(self, engine: QueryEngine, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout

    async def construct(self, query: str, graph: str | None = None) -> list[ox.Triple]:
        """The triples of a CONSTRUCT query over the merged graph, or over the named
        ``graph`` alone (as the protocol's default graph, which a remote engine maps to its
        copy of that graph)."""
        outcome = await self.engine.execute(
            QueryRequest(
                query=query,
                format="nt",
                max_rows=0,
                timeout=self.timeout,
                default_graphs=(graph,) if graph else None,
                named_graphs=() if graph else None,
            )
        )
        if isinstance(outcome, QueryError):
            raise DescribeError(outcome)
        body = await read_all(outcome)
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    async def ask(self, query: str) -> bool:
        """The answer of an ASK query."""
        outcome = await self.engine.execute(
            QueryRequest(query=query, format="tsv", max_rows=0, timeout=self.timeout)
        )
        if isinstance(outcome, QueryError):
            raise DescribeError(outcome)
        body = await read_all(outcome)
        return body.strip().lower() == b"true"

    async def select(self, query: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """The rows of a SELECT query, in the engine's order (unbound variables left out)."""
        outcome = await self.engine.execute(
            QueryRequest(query=query, format="json", max_rows=0, timeout=self.timeout)
        )
        if isinstance(outcome, QueryError):
            raise DescribeError(outcome)
        body = await read_all(outcome)
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(results, ox.QuerySolutions)  # the results of a SELECT
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    async def exists(self, iri: str) -> bool:
        """Whether the graph says anything about ``iri`` (as subject or object)."""
        node = _iri(iri)
        return await self.ask(f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}")

    async def describe(
        self, iri: str, depth: int = 1, page: int = 1, size: int = INBOUND_PAGE
    ) -> Described:
        """The description of ``iri`` with page ``page`` of the links to it (``size`` a page);
        ``depth`` > 1 adds the triples of resources it links to, and of theirs, up to that
        many steps away. Labels of everything are included."""
        node = _iri(iri)
        # The FILTERs test the objects of the resource and of its parts (a few dozen at most).
        triples = await self.construct(
            f"""CONSTRUCT {{ {node} ?p ?o . ?s ?q ?v }} WHERE {{
              {{ {node} ?p ?o }}
              UNION {{ {node} ?h ?s . FILTER({_part(iri, "?s")}) ?s ?q ?v }}
              UNION {{ {node} ?h1 ?part . FILTER({_part(iri, "?part")})
                       ?part ?h2 ?s . FILTER({_part(iri, "?s")}) ?s ?q ?v }}
            }}"""
        )
        # In the store's order: stable for a build, and the first page costs the same however
        # many links there are (an ORDER BY would sort them all on every page).
        rows = await self.select(
            f"SELECT ?s ?p WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ ?s ?_p {node} }} "
            f"OFFSET {(page - 1) * size} LIMIT {size + 1} }} ?s ?p {node} }}"
        )
        linking = list(dict.fromkeys(str(row["s"]) for row in rows))
        kept = set(linking[:size])
        target = ox.NamedNode(iri)
        inbound = [_inbound(row, target) for row in rows if str(row["s"]) in kept]
        triples += inbound
        seen = {iri}
        frontier = _neighbours(triples, seen)
        for _ in range(depth - 1):
            if not frontier:
                break
            batch = sorted(frontier)[:EXPAND_LIMIT]
            seen.update(batch)
            # Each neighbour with its hash parts (an organisation's #site): a part is read
            # with its resource, as the resource's own description reads it.
            more = await self.construct(
                f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?r {{ {_values(batch)} }}
                  {{ ?r ?p ?o BIND(?r AS ?s) }}
                  UNION {{ ?r ?h ?s . FILTER(STRSTARTS(STR(?s), CONCAT(STR(?r), "#")))
                           ?s ?p ?o }}
                }}"""
            )
            triples += more
            frontier = _neighbours(more, seen)
        # A part linking here (an organisation's #site to its region) is named by its resource.
        wholes = {
            t.subject.value.partition("#")[0]
            for t in inbound
            if isinstance(t.subject, ox.NamedNode) and "#" in t.subject.value
        }
        triples = _unique(triples + await self.labels(_iris(triples) | wholes))
        return Described(triples, len(inbound), len(linking) > size)

    async def labels(self, iris: Iterable[str]) -> list[ox.Triple]:
        """Label triples (skos:prefLabel, rdfs:label, schema:name, ...) of ``iris``: each
        resource's own triples (one index range each, a few dozen triples, 200 at most for a
        project of 100 partners), filtered by property. At 100,000 projects, for 100 projects:
        25-30 ms, where one pattern per label property (7 look-ups a resource) took 38-43 ms,
        (resource, property) pairs in one VALUES 60-100 ms, and two VALUES blocks, which
        Oxigraph joins over every label of the graph, 160-235 ms already at 10,000."""
        iris = sorted(set(iris))
        found: list[ox.Triple] = []
        for start in range(0, len(iris), EXPAND_LIMIT):
            batch = iris[start : start + EXPAND_LIMIT]
            found += await self.construct(
                f"CONSTRUCT {{ ?r ?p ?l }} WHERE {{ VALUES ?r {{ {_values(batch)} }} "
                f"?r ?p ?l FILTER(?p IN ({_LABELS})) }}"
            )
        return found

    async def members(
        self, classes: Sequence[str], offset: int = 0, limit: int = 100, extra: str = ""
    ) -> list[tuple[str, str]]:
        """(resource, class) of resources typed with one of ``classes``, a page of them in the
        store's order (stable for a build; an ORDER BY would sort every resource of the class
        for each page: 0.5-0.75 s a page at 10,000 projects). ``extra`` is a pattern on ?s."""
        branches = " UNION ".join(
            f"{{ ?s a {_iri(c)} . BIND({_iri(c)} AS ?c) {extra} }}" for c in classes
        )
        rows = await self.select(
            f"SELECT DISTINCT ?s ?c WHERE {{ {branches} }} OFFSET {int(offset)} LIMIT {int(limit)}"
        )
        return [(row["s"].value, row["c"].value) for row in rows if "s" in row and "c" in row]

    async def instances(
        self, classes: Sequence[str], offset: int = 0, limit: int = 100, extra: str = ""
    ) -> list[ox.Triple]:
        """Resources typed with one of ``classes`` (their type and label triples), a page of
        them as :meth:`members` finds them."""
        found = await self.members(classes, offset, limit, extra)
        typed = [ox.Triple(ox.NamedNode(s), ox.NamedNode(_TYPE), ox.NamedNode(c)) for s, c in found]
        return typed + await self.labels(s for s, _ in found)


def _iri(iri: str) -> str:
    """``<iri>``, validated by pyoxigraph (so it cannot carry SPARQL syntax)."""
    return str(ox.NamedNode(iri))


def _part(iri: str, variable: str) -> str:
    """A test that ``variable`` is a part of ``iri``: a blank node, or one of its hash IRIs."""
    return f"isBlank({variable}) || STRSTARTS(STR({variable}), {ox.Literal(iri + '#')})"


def _values(iris: Iterable[str]) -> str:
    return " ".join(_iri(i) for i in iris)


def _inbound(
    row: dict[str, ox.NamedNode | ox.BlankNode | ox.Literal], target: ox.NamedNode
) -> ox.Triple:
    """The triple of one ``?s ?p <target>`` row."""
    subject, predicate = row["s"], row["p"]
    assert not isinstance(subject, ox.Literal) and isinstance(predicate, ox.NamedNode)
    return ox.Triple(subject, predicate, target)


def _neighbours(triples: list[ox.Triple], seen: set[str]) -> set[str]:
    """IRIs the triples link to (objects, and subjects of links pointing in), minus classes."""
    found: set[str] = set()
    for t in triples:
        if isinstance(t.object, ox.NamedNode) and t.predicate.value != _TYPE:
            found.add(t.object.value)
        if isinstance(t.subject, ox.NamedNode):
            found.add(t.subject.value)
    return found - seen


def _iris(triples: list[ox.Triple]) -> set[str]:
    return {
        term.value
        for t in triples
        for term in (t.subject, t.object)
        if isinstance(term, ox.NamedNode)
    }


def _unique(triples: list[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))
