"""Bind values into a SPARQL query as RDF terms, never as spliced text.

Values go in as a ``VALUES`` row at the start of the query's WHERE group, written by
pyoxigraph (``str(NamedNode)`` of a validated IRI, ``str(Literal)`` with its escapes), so a
value can only ever be one term: ``"} ; DROP ALL`` stays a string literal and ``> } SERVICE``
is not an IRI at all. Inside the WHERE group the row constrains aggregates too, which a
trailing VALUES clause would not (it is joined after grouping).

A subquery has its own scope: a value bound outside never reaches a variable it does not
select, and would reach one it does only after its LIMIT or aggregates. So each subquery
that uses a parameter gets the row at the start of its own WHERE group as well, which gives
the same answers as writing the value into the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from projectgraph.sparql.inspect import tokens

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class BindError(ValueError):
    """The query has no WHERE group to bind into."""


@dataclass
class WhereGroup:
    """The WHERE group of the query or of a subquery."""

    at: int  # offset just inside its opening brace
    depth: int  # brace depth inside it
    variables: set[str] = field(default_factory=set)  # used in it, nested groups included


@dataclass
class _Form:
    """A query form (or subquery SELECT) whose WHERE group has not opened yet."""

    name: str
    depth: int  # brace depth where it appears
    parens: int  # parenthesis depth where it appears
    after_where: bool = False


def where_groups(query: str) -> list[WhereGroup]:
    """The WHERE group of the query, then those of its subqueries, in text order. A brace
    inside parentheses (``EXISTS { }`` in the SELECT list) opens no WHERE group."""
    groups: list[WhereGroup] = []
    open_groups: list[WhereGroup] = []
    pending: _Form | None = None
    depth = parens = 0
    for kind, text, _, end in tokens(query):
        if kind == "name":
            upper = text.upper()
            if upper in FORMS and ((not groups and pending is None) or upper == "SELECT"):
                pending = _Form(upper, depth, parens)
            elif upper == "WHERE" and pending is not None and depth == pending.depth:
                pending.after_where = True
        elif kind == "var":
            for group in open_groups:
                group.variables.add(text[1:])
        elif kind == "other" and text in "()":
            parens += 1 if text == "(" else -1
        elif kind == "other" and text == "{":
            if (
                pending is not None
                and (depth, parens) == (pending.depth, pending.parens)
                and (pending.after_where or pending.name != "CONSTRUCT")
            ):
                group = WhereGroup(end, depth + 1)
                groups.append(group)
                open_groups.append(group)
                pending = None
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
            while open_groups and open_groups[-1].depth > depth:
                open_groups.pop()
    return groups


def where_group(query: str) -> int:
    """Offset just inside the ``{`` that opens the query's WHERE group."""
    groups = where_groups(query)
    if not groups:
        raise BindError("the query has no WHERE group to bind parameters into")
    return groups[0].at


def bind(query: str, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with ``?name`` bound to each term of ``values`` (a no-op when empty): in the
    query's WHERE group, and in each subquery's for the variables it uses."""
    if not values:
        return query
    groups = where_groups(query)
    if not groups:
        raise BindError("the query has no WHERE group to bind parameters into")
    rows = [(groups[0].at, values)]
    for group in groups[1:]:
        used = {name: term for name, term in values.items() if name in group.variables}
        if used:
            rows.append((group.at, used))
    for at, row in sorted(rows, key=lambda r: r[0], reverse=True):
        names = " ".join(f"?{name}" for name in row)
        terms = " ".join(str(term) for term in row.values())
        query = f"{query[:at]} VALUES ({names}) {{ ({terms}) }} {query[at:]}"
    return query


def paginate(query: str, size: int, page: int) -> str:
    """``query`` limited to page ``page`` (from 1) of ``size`` solutions."""
    return f"{query.rstrip()}\nLIMIT {int(size)} OFFSET {int(size) * (int(page) - 1)}\n"
