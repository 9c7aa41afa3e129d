"""Named-query answers read from the build instead of computed: ``answers.sqlite`` and a file
per query in ``answers/``.

The build computed each materializable query's rows once (:mod:`projectgraph.publish.answers`);
here the rows of one request (its parameter values, page and row cap) are read and written
in the negotiated representation: the plain JSON list and TSV are joined from the stored
bytes, SPARQL JSON, XML and CSV written from the TSV by pyoxigraph, as the query workers do. The
bodies and headers are those the engine path gives for the same request (tests check the
bytes). A query the build did not materialize, or whose text changed since, is not covered:
the engine answers it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyoxigraph as ox

from projectgraph.publish.answers import PLAIN, AnswerFile, digest
from projectgraph.rdf.formats import BY_KEY
from projectgraph.sparql.grouped import Plan, plan
from projectgraph.sparql.named import NamedQuery
from projectgraph.sparql.representations import Representation
from projectgraph.sparql.results import WRITERS
from projectgraph.store.embedded import serialize_result
from projectgraph.web.api.result_cache import CachedResponse


class Materialized:
    """The answers of one build, for the queries its file holds with their current text."""

    def __init__(self, folder: Path, queries: dict[str, NamedQuery], base_iri: str) -> None:
        self.base_iri = base_iri
        self.file = AnswerFile.open(folder)
        self._plans: dict[str, Plan] = {}
        stored = self.file.queries if self.file else {}
        for name, query in queries.items():
            entry = stored.get(name)
            if entry is None or not entry.materialized or entry.digest != digest(query):
                continue
            found = plan(query, base_iri)
            if found.materialized:
                self._plans[name] = found

    def covers(self, query: NamedQuery) -> bool:
        """Whether ``query``'s answers come from the build."""
        return query.name in self._plans

    def answer(
        self,
        query: NamedQuery,
        given: dict[str, str],
        page: int | None,
        rep: Representation,
        cap: int,
    ) -> CachedResponse:
        """The response to ``query`` with the values ``given`` (checked already: the query
        was prepared with them), page ``page``, in ``rep``, with at most ``cap`` rows (0: no
        cap) as the engine would send it."""
        assert self.file is not None
        started = time.perf_counter()
        planned = self._plans[query.name]
        terms = {
            p.name: p.term(str(given.get(p.name, p.default)), self.base_iri)
            for p in query.parameters
        }
        threshold = None
        if planned.threshold and planned.threshold.materialize:
            value = int(terms[planned.threshold.name].value)
            threshold = (str(planned.threshold.materialize.compare), value)
        offset, limit = 0, cap or -1
        if query.pagination:  # a page is the query's LIMIT: the cap is at most that
            cap = min(cap, query.pagination) if cap else query.pagination
            offset, limit = query.pagination * ((page or 1) - 1), cap
        found = self.file.read(
            query.name,
            " ".join(terms[k.name].value for k in planned.keys),
            "plain" if rep.convert == "rows" else "tsv",
            threshold=threshold,
            text=terms[planned.contains.name].value if planned.contains else None,
            offset=offset,
            limit=limit,
        )
        # Cut: rows past the cap (a page is only cut by a cap smaller than the page).
        truncated = found.more and (not query.pagination or cap < query.pagination)
        body = self._body(query, rep, found.parts, cap if truncated else None)
        headers: dict[str, str] = {}
        if truncated and not query.pagination:
            headers["X-SPARQL-MaxRows"] = str(cap)
            headers["X-Result-Truncated"] = f"true; only the first {cap} rows were returned"
        seconds = round(time.perf_counter() - started, 6)
        stats: dict[str, object] = {"seconds": seconds, "rows": found.count}
        return CachedResponse(body, headers, found.count, stats)

    @staticmethod
    def _body(query: NamedQuery, rep: Representation, rows: list[bytes], cap: int | None) -> bytes:
        """The stored rows in ``rep``, as the query workers write them: the TSV lines as they
        are, other formats written from them by pyoxigraph; ``cap`` says where the answer was
        cut (SPARQL JSON says so in one more member)."""
        if rep.convert == "rows":
            return b"[" + PLAIN.join(rows) + b"]\n"  # as sparql.results.rows_json writes
        tsv = WRITERS["tsv"](query.variables, []) + b"".join(rows)
        if rep.engine == "tsv":
            return tsv
        solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        body = serialize_result(solutions, BY_KEY["results"][rep.engine].ox_format)
        if cap is not None and rep.engine == "json":
            body = body[: body.rindex(b"}")] + b',"truncated":{"maxRows":%d}}' % cap
        return body
