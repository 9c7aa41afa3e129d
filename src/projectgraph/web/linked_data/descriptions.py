"""Descriptions of resources, fetched through the query engine (embedded or remote alike).

The description of a resource, as its data document serves it: its concise bounded
description (its triples, and those of its parts: hash IRIs such as ``#total-cost`` and blank
nodes), the links that point to it (at most :data:`INBOUND_LIMIT`), and the labels of
everything it links to, so a client can show it without asking again. Pages ask for more
depth (a project's partners, and the partners' countries) with the same building blocks.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from projectgraph.rdf.vocab import LABEL_PROPERTIES, RDF, SKOS
from projectgraph.store.base import QueryEngine, QueryError, QueryRequest, read_all

INBOUND_LIMIT = 500  # links *to* a resource in its description (a country has thousands)
EXPAND_LIMIT = 2_000  # resources whose own triples a page fetches at one depth
_TYPE = str(RDF.type)
_LABELS = " ".join(f"<{p}>" for p in (*LABEL_PROPERTIES, SKOS.notation))


class DescribeError(Exception):
    """The engine could not answer (busy, timed out, down)."""

    def __init__(self, error: QueryError) -> None:
        super().__init__(error.message)
        self.error = error


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
        """The rows of a SELECT query (unbound variables left out)."""
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

    async def describe(self, iri: str, depth: int = 1) -> list[ox.Triple]:
        """The description of ``iri``; ``depth`` > 1 adds the triples of resources it links to,
        and of theirs, up to that many steps away. Labels of everything are included."""
        node = _iri(iri)
        parts = str(ox.Literal(iri + "#"))  # the resource's hash IRIs start with this
        triples = await self.construct(
            f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
              {{ BIND({node} AS ?s) ?s ?p ?o }}
              UNION {{ {node} ?h ?s . FILTER(isBlank(?s) || STRSTARTS(STR(?s), {parts})) ?s ?p ?o }}
              UNION {{ {node} ?h1 ?part . FILTER(isBlank(?part) || STRSTARTS(STR(?part), {parts}))
                       ?part ?h2 ?s . FILTER(isBlank(?s) || STRSTARTS(STR(?s), {parts})) ?s ?p ?o }}
              UNION {{ SELECT ?s ?p ?o WHERE {{ BIND({node} AS ?o) ?s ?p ?o }}
                       LIMIT {INBOUND_LIMIT} }}
            }}"""
        )
        seen = {iri}
        frontier = _neighbours(triples, seen)
        for _ in range(depth - 1):
            if not frontier:
                break
            batch = sorted(frontier)[:EXPAND_LIMIT]
            seen.update(batch)
            more = await self.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {_values(batch)} }} ?s ?p ?o }}"
            )
            triples += more
            frontier = _neighbours(more, seen)
        return _unique(triples + await self.labels(_iris(triples)))

    async def labels(self, iris: Iterable[str]) -> list[ox.Triple]:
        """Label triples (skos:prefLabel, rdfs:label, schema:name, ...) of ``iris``."""
        iris = sorted(set(iris))
        found: list[ox.Triple] = []
        for start in range(0, len(iris), EXPAND_LIMIT):
            batch = iris[start : start + EXPAND_LIMIT]
            found += await self.construct(
                f"""CONSTRUCT {{ ?r ?p ?l }} WHERE {{
                  VALUES ?r {{ {_values(batch)} }} VALUES ?p {{ {_LABELS} }} ?r ?p ?l }}"""
            )
        return found

    async def instances(
        self, classes: Iterable[str], offset: int = 0, limit: int = 100, extra: str = ""
    ) -> list[ox.Triple]:
        """Resources typed with one of ``classes`` (with their labels), ordered by IRI."""
        query = f"""CONSTRUCT {{ ?s a ?c . ?s ?p ?l }} WHERE {{
          {{ SELECT DISTINCT ?s ?c WHERE {{ VALUES ?c {{ {_values(classes)} }} ?s a ?c . {extra} }}
             ORDER BY ?s OFFSET {int(offset)} LIMIT {int(limit)} }}
          OPTIONAL {{ VALUES ?p {{ {_LABELS} }} ?s ?p ?l }} }}"""
        return await self.construct(query)


def _iri(iri: str) -> str:
    """``<iri>``, validated by pyoxigraph (so it cannot carry SPARQL syntax)."""
    return str(ox.NamedNode(iri))


def _values(iris: Iterable[str]) -> str:
    return " ".join(_iri(i) for i in iris)


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
