"""``projectgraph query``: run a named query, or any ``.rq`` file, against the local build.

The same query files, parameter binding and representations as the HTTP API, run in this
process on the build the server would serve (built first if it is stale), over the union of
its graphs. No row cap: the command line is the owner's own machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rich.table import Table
from rich.text import Text

from projectgraph.errors import ProjectGraphError, display_path
from projectgraph.pipeline.current import ensure_build
from projectgraph.publish.manifest import CONTEXT
from projectgraph.rdf.formats import BY_KEY
from projectgraph.settings import Settings
from projectgraph.sparql.named import NamedQuery, ParameterError, load_queries, load_query
from projectgraph.sparql.representations import by_name, representations
from projectgraph.store.embedded import open_store, serialize_result
from projectgraph.store.loading import ServedBuild, pinned_store

TABLE = "table"


class QueryCommandError(ProjectGraphError):
    """A query, parameter or format the command cannot use (exit code 2)."""


@dataclass(frozen=True)
class LocalResult:
    """What a query produced, in the chosen representation."""

    query: NamedQuery
    body: bytes
    rows: int | None  # rows counted (SELECT as JSON or table)
    build: ServedBuild


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``name=value`` pairs of ``--param`` as a mapping (each name at most once)."""
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise QueryCommandError(f"--param {pair!r}: write it as name=value")
        if name in given:
            raise QueryCommandError(f"--param {name} is given more than once")
        given[name] = value
    return given


def find_query(settings: Settings, name: str | None, file: Path | None) -> NamedQuery:
    """The query to run: ``file`` if given, else ``name`` from the queries folder."""
    if file is not None:
        if name is not None:
            raise QueryCommandError("give a query name or --file, not both")
        if not file.is_file():
            raise QueryCommandError(f"{display_path(file)}: no such file")
        return load_query(file)
    if name is None:
        raise QueryCommandError("name a query (see projectgraph query --list) or give --file")
    queries = {q.name: q for q in load_queries(settings.queries_dir)}
    if name not in queries:
        known = ", ".join(queries) or "none"
        raise QueryCommandError(
            f"no query {name!r} in {display_path(settings.queries_dir)}; known: {known}"
        )
    return queries[name]


def run_local(
    settings: Settings,
    query: NamedQuery,
    given: dict[str, str],
    page: int | None,
    output: str,
    say: Callable[[str], None],
    rebuild: bool = True,
) -> LocalResult:
    """Bind ``given``, run ``query`` on the local build and write it as ``output`` (a format
    name of the API, or ``table``, which is JSON rows here and drawn by :func:`table`)."""
    rep = by_name("json" if output == TABLE else output, query.returns_graph)
    if rep is None:
        names = [TABLE, *(r.key for r in representations(query.returns_graph))]
        kind = "graphs" if query.returns_graph else "rows"
        raise QueryCommandError(
            f"--format {output}: {query.name} returns {kind}; use one of " + ", ".join(names)
        )
    if page is not None and not query.pagination:
        raise QueryCommandError(f"--page: {query.name} returns all its results at once")
    try:
        text = query.prepare(given, settings.base_iri, page)
    except ParameterError as e:
        raise QueryCommandError(f"parameter {e.name}: {e.reason}") from None
    served = ensure_build(settings, quiet=True, say=say, rebuild=rebuild)
    with pinned_store(served, settings.store) as (spec, _):
        store = open_store(spec.kind, spec.path)
        try:
            result = store.query(text)  # the default graph holds the merged graph
        except (SyntaxError, OSError) as e:  # queries parse at load: the engine failed
            raise QueryCommandError(f"{query.name}: the query failed: {e}") from None
        kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
        body = serialize_result(result, BY_KEY[kind][rep.engine].ox_format)
    context = json.loads((served.folder / CONTEXT).read_text(encoding="utf-8"))["@context"]
    body, rows = rep.finish(body, context)
    return LocalResult(query, body, rows, served)


def table(result: LocalResult) -> Table:
    """A rich table of the result (rows of a SELECT; nodes and their values for a graph)."""
    data: Any = json.loads(result.body, parse_float=Decimal)  # decimals shown exactly
    query = result.query
    if query.returns_graph:
        grid = Table("node", "property", "value", title=query.summary, title_justify="left")
        for node in data.get("@graph", []):
            subject = node.get("@id", "")
            for key, value in node.items():
                if key == "@id":
                    continue
                for item in value if isinstance(value, list) else [value]:
                    grid.add_row(subject, key, _cell(item))
                    subject = ""
        return grid
    columns = list(query.variables) or sorted({k for row in data for k in row})
    grid = Table(*columns, title=query.summary, title_justify="left")
    for row in data:
        grid.add_row(*(_cell(row.get(c)) for c in columns))
    return grid


def listing(queries: list[NamedQuery]) -> Table:
    """The named queries as a table: name, what it answers, parameters with defaults."""
    grid = Table("query", "summary", "parameters", title="Named queries", title_justify="left")
    for query in queries:
        parameters = ", ".join(
            f"{p.name} ({p.type}{'' if p.default is None else ', default ' + p.default})"
            for p in query.parameters
        )
        if query.pagination:
            parameters = ", ".join(filter(None, [parameters, f"page ({query.pagination} rows)"]))
        grid.add_row(Text(query.name), Text(query.summary), Text(parameters))
    return grid


def _cell(value: object) -> Text:
    """A cell as plain text: data is never read as rich markup."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = str(value.get("@id") or value.get("@value") or json.dumps(value))
    else:
        text = str(value)
    return Text(text)
