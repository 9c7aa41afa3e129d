"""A named query rewritten to answer every value of its parameters in one run.

The build materializes named-query answers (:mod:`projectgraph.publish.answers`). A query
with an IRI parameter is run once with the parameter's variable left free: projected first,
added to GROUP BY when the query groups, and first in ORDER BY. Split by that variable's
value, its rows are the answers for every value at once: one grouped query, not one per
value. A value that is not in the data has no rows, as when it is bound, provided the query
groups or has no aggregate (an aggregate over the whole answer gives a row even for nothing:
such a query is left to the engine).

Leaving a variable free means the same as binding it only where every solution binds it by
a pattern: so the variable must stand in a triple pattern of the WHERE group itself, or only
in plain patterns (a UNION branch, not OPTIONAL, MINUS, EXISTS or an expression), and never
in a subquery (:func:`projectgraph.sparql.bind.bind` binds there too). The build also checks
that no row leaves it unbound.

Threshold and text parameters (``materialize`` in the header, see
:class:`projectgraph.sparql.named.Materialize`) are bound to their loosest value; the rows
are filtered when served. Every rewritten query ends its ORDER BY with all the projected
variables, so rows that the query's own order leaves tied come in one order, build after
build (the same inputs give the same bytes).

The rewrite works on tokens (:func:`projectgraph.sparql.inspect.tokens`): strings, IRIs and
comments are never mistaken for keywords.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from projectgraph.sparql.bind import bind
from projectgraph.sparql.inspect import tokens
from projectgraph.sparql.named import NamedQuery, Parameter, ParameterError

AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
_CONDITIONAL = frozenset({"OPTIONAL", "MINUS", "EXISTS", "SERVICE"})


@dataclass
class Outline:
    """Where the clauses of a SELECT query are in its text (offsets), found by tokens."""

    projection: int = -1  # just after SELECT (and DISTINCT or REDUCED)
    star: bool = False  # SELECT *
    where: tuple[int, int] = (-1, -1)  # offsets of the WHERE group's { and }
    group_by: int = -1  # just after GROUP BY, when the query groups
    order_by: int = -1  # just after ORDER BY, when it orders
    aggregated: bool = False  # an aggregate or HAVING outside the WHERE group
    modifiers: list[str] = field(default_factory=list)  # LIMIT, OFFSET, VALUES after it
    dataset: bool = False  # FROM, or GRAPH in the WHERE group: not the default graph only


def outline(query: str) -> Outline:
    """The clauses of a SELECT query (ValueError if it is not one)."""
    found = Outline()
    depth = parens = 0
    previous = ""  # the last keyword, upper case
    seen_form = False
    for kind, text, start, end in tokens(query):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        upper = text.upper() if kind == "name" else ""
        if kind == "name" and not seen_form:
            if upper in ("ASK", "CONSTRUCT", "DESCRIBE"):
                raise ValueError(f"a {upper} query, not a SELECT")
            if upper == "SELECT":
                seen_form = True
                found.projection = end
        elif kind == "name" and depth == 0:
            if previous == "SELECT" and upper in ("DISTINCT", "REDUCED"):
                found.projection = end
            elif upper == "BY" and previous in ("GROUP", "ORDER"):
                if previous == "GROUP":
                    found.group_by = end
                else:
                    found.order_by = end
            elif upper in AGGREGATES or upper == "HAVING":
                found.aggregated = True
            elif upper in ("LIMIT", "OFFSET") or (upper == "VALUES" and found.where[1] >= 0):
                found.modifiers.append(upper)
            elif upper == "FROM":
                found.dataset = True
        elif kind == "name" and upper == "GRAPH":
            found.dataset = True
        elif kind == "other" and text == "*" and depth == 0 and parens == 0:
            found.star = found.star or found.where[0] < 0
        elif kind == "other" and text in "()":
            parens += 1 if text == "(" else -1
        elif kind == "other" and text == "{":
            if depth == 0 and parens == 0 and found.where[0] < 0:
                found.where = (start, -1)
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
            if depth == 0 and found.where[1] < 0 and found.where[0] >= 0:
                found.where = (found.where[0], start)
        if kind == "name":
            previous = upper
    if not seen_form or found.where[1] < 0:
        raise ValueError("not a SELECT query with a WHERE group")
    return found


def unbindable(query: str, variable: str) -> str | None:
    """Why ``?variable`` cannot be left free in place of a bound value (None if it can)."""
    where_open, where_close = outline(query).where
    groups: list[tuple[str, int]] = []  # open groups: plain, conditional or subquery; parens
    parens = 0
    previous = ""
    used = at_top = conditional = False
    for kind, text, start, _ in tokens(query):
        if kind == "comment" or (kind == "other" and text.isspace()):
            continue
        if kind == "var" and text[1:] == variable:
            if not groups:
                return f"?{variable} is used outside the WHERE group"
            state, baseline = groups[-1]
            if state == "subquery":
                return f"?{variable} is used in a subquery, where a bound value is bound too"
            used = True
            if state == "conditional" or parens > baseline:
                conditional = True
            elif len(groups) == 1:
                at_top = True
        elif kind == "other" and text in "()":
            parens += 1 if text == "(" else -1
        elif kind == "other" and text == "{" and where_open <= start < where_close:
            state = groups[-1][0] if groups else "plain"
            if state == "plain" and previous in _CONDITIONAL:
                state = "conditional"
            groups.append((state, parens))
        elif kind == "other" and text == "}" and groups and start <= where_close:
            parens = groups.pop()[1]
        elif kind == "name" and text.upper() == "SELECT" and groups:
            groups[-1] = ("subquery", groups[-1][1])
        previous = text.upper() if kind == "name" else text
    if not used:
        return f"?{variable} is not used in the WHERE group"
    if conditional and not at_top:
        return (
            f"?{variable} is not bound in every solution (it is under OPTIONAL, MINUS or "
            "EXISTS, or in an expression, and in no triple pattern of the WHERE group itself)"
        )
    return None


def grouped(query: str, keys: Sequence[str], order: Sequence[str]) -> str:
    """``query`` with the variables ``keys`` left free: projected first, added to GROUP BY
    (when it groups) and first in ORDER BY, which ends with the variables ``order`` (the
    projection, as tie-breakers). ValueError when the rewrite would change the answers."""
    found = outline(query)
    if keys:
        if found.star:
            raise ValueError("SELECT * cannot project the parameter first")
        if found.aggregated and found.group_by < 0:
            raise ValueError(
                "an aggregate without GROUP BY answers a row even for a value not in the data"
            )
    if found.modifiers:
        if keys:
            raise ValueError(f"{found.modifiers[0]} would apply to all values at once")
        order = ()  # the order before the LIMIT is the query's own
    names = " ".join(f"?{k}" for k in keys)
    inserts: list[tuple[int, str]] = []
    if keys:
        inserts.append((found.projection, f" {names} "))
        if found.group_by >= 0:
            inserts.append((found.group_by, f" {names} "))
    tail = " ".join(f"?{v}" for v in order)
    if found.order_by >= 0:
        if keys:
            inserts.append((found.order_by, f" {names} "))
        if tail:
            inserts.append((len(query), f"\n  {tail}\n"))  # the ORDER BY clause ends the text
    elif names or tail:
        inserts.append((len(query), f"\nORDER BY {' '.join(x for x in (names, tail) if x)}\n"))
    for at, text in sorted(inserts, reverse=True):
        query = query[:at] + text + query[at:]
    return query


@dataclass(frozen=True)
class Plan:
    """How the build answers a named query: the query it runs, and how its rows are split
    (``keys``) and filtered (``threshold``, ``contains``) when served; or why it does not."""

    query: NamedQuery
    text: str = ""  # the query the build runs; empty when the answers are the engine's
    reason: str = ""  # why not materialized
    keys: tuple[Parameter, ...] = ()  # IRI parameters whose values split the rows
    threshold: Parameter | None = None
    contains: Parameter | None = None

    @property
    def materialized(self) -> bool:
        return bool(self.text)


def plan(query: NamedQuery, base_iri: str) -> Plan:
    """How ``query``'s answers are computed once per build, or why they are not."""
    if query.form != "SELECT":
        return Plan(query, reason=f"a {query.form} query: answered by the engine")
    keys: list[Parameter] = []
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    threshold = contains = None
    for p in query.parameters:
        if not p.required and p.default is None:
            return Plan(query, reason=f"parameter {p.name} may be left unbound")
        if p.variable in query.variables:
            return Plan(query, reason=f"parameter {p.name} is projected")
        try:
            if p.materialize is not None and p.materialize.compare is not None:
                if threshold is not None:
                    return Plan(query, reason="more than one threshold parameter")
                loosest = p.minimum if p.materialize.compare.startswith(">") else p.maximum
                bound[p.variable] = p.term(str(int(loosest or 0)), base_iri)
                threshold = p
            elif p.materialize is not None:
                if contains is not None:
                    return Plan(query, reason="more than one text parameter")
                bound[p.variable] = p.term("", base_iri)
                contains = p
            elif p.type == "iri":
                keys.append(p)
            else:
                return Plan(
                    query,
                    reason=f"parameter {p.name} ({p.type}) has no materialize entry",
                )
        except ParameterError as e:
            return Plan(query, reason=f"parameter {p.name} cannot be loosest: {e.reason}")
    try:
        if outline(query.text).dataset:
            return Plan(query, reason="reads named graphs (GRAPH or FROM)")
        for p in keys:
            why = unbindable(query.text, p.variable)
            if why:
                return Plan(query, reason=why)
        text = grouped(query.text, [p.variable for p in keys], query.variables)
    except ValueError as e:
        return Plan(query, reason=str(e))
    return Plan(query, bind(text, bound), keys=tuple(keys), threshold=threshold, contains=contains)
