"""Look at a SPARQL request's text before any engine sees it.

One pass of a tokenizer that skips strings, IRIs and comments finds the query form (SELECT,
ASK, CONSTRUCT, DESCRIBE), update operations, SERVICE, and FROM clauses. Keywords are only
keywords when they stand alone: ``ex:SERVICE``, ``?service`` and ``"SERVICE"`` are not.
This is how the endpoint refuses updates and federated queries (pyoxigraph would execute
SERVICE and LOAD over HTTP) and picks the result formats before running anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)

# Order matters: long strings before short ones, IRIs before '<' as an operator. Quantifiers
# are possessive and an unterminated string runs to the end of the text, so no pattern ever
# backtracks: the scan stays linear on hostile input (a million unclosed quotes).
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*+)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\")?
                 |'''(?:[^'\\]|\\.|'(?!''))*+(?:''')?
                 |"(?:[^"\\\n]|\\.)*+"?
                 |'(?:[^'\\\n]|\\.)*+'?)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*+>)
    | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]*+)
    | (?P<name>[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*+
               (?::[\w.\-:%\\\u00b7\u00c0-\uffff]*+)?)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Inspection:
    """What the text of a SPARQL request is."""

    form: str | None  # SELECT | ASK | CONSTRUCT | DESCRIBE, or None when not a query
    update: str | None  # the first update operation keyword, when the text is an update
    service: bool  # uses SERVICE (federated query)
    dataset_clause: bool  # has FROM / FROM NAMED

    @property
    def returns_graph(self) -> bool:
        """CONSTRUCT and DESCRIBE return RDF graphs; SELECT and ASK return results."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def inspect(text: str) -> Inspection:
    """Classify a SPARQL request by its keywords (the engine still parses it properly)."""
    form = update = None
    service = dataset = False
    first = True
    for match in _TOKEN.finditer(text):
        if match.lastgroup != "name":
            continue
        word = match.group()
        if ":" in word:  # a prefixed name such as ex:SERVICE, or a prefix declaration
            continue
        upper = word.upper()
        if first and upper in ("PREFIX", "BASE"):
            continue
        if first:
            if upper in QUERY_FORMS:
                form = upper
                first = False
            elif upper in UPDATE_OPERATIONS:
                update = upper
                first = False
            continue
        if upper == "SERVICE":
            service = True
        elif upper == "FROM":
            dataset = True
    return Inspection(form=form, update=update, service=service, dataset_clause=dataset)
