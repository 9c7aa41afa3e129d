"""Bind values into a SPARQL query as RDF terms, never as spliced text.

Values go in as one ``VALUES`` row at the start of the query's WHERE group, written by
pyoxigraph (``str(NamedNode)`` of a validated IRI, ``str(Literal)`` with its escapes), so a
value can only ever be one term: ``"} ; DROP ALL`` stays a string literal and ``> } SERVICE``
is not an IRI at all. Inside the WHERE group the row constrains aggregates too, which a
trailing VALUES clause would not (it is joined after grouping).
"""

from __future__ import annotations

import pyoxigraph as ox

from projectgraph.sparql.inspect import tokens


class BindError(ValueError):
    """The query has no WHERE group to bind into."""


def where_group(query: str) -> int:
    """Offset just inside the ``{`` that opens the query's WHERE group."""
    depth = 0
    after_where = False
    form = None
    for kind, text, _, end in tokens(query):
        if kind == "name":
            upper = text.upper()
            if form is None and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = upper
            elif upper == "WHERE" and depth == 0:
                after_where = True
        elif kind == "other" and text == "{":
            if depth == 0 and form is not None and (after_where or form != "CONSTRUCT"):
                return end
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
    raise BindError("the query has no WHERE group to bind parameters into")


def bind(query: str, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with ``?name`` bound to each term of ``values`` (a no-op when empty)."""
    if not values:
        return query
    at = where_group(query)
    names = " ".join(f"?{name}" for name in values)
    terms = " ".join(str(term) for term in values.values())
    return f"{query[:at]} VALUES ({names}) {{ ({terms}) }} {query[at:]}"


def paginate(query: str, size: int, page: int) -> str:
    """``query`` limited to page ``page`` (from 1) of ``size`` solutions."""
    return f"{query.rstrip()}\nLIMIT {int(size)} OFFSET {int(size) * (int(page) - 1)}\n"
