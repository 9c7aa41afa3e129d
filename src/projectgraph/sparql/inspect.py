"""Look at a SPARQL request's text before any engine sees it.

One pass of a tokenizer that skips strings, IRIs and comments finds the query form (SELECT,
ASK, CONSTRUCT, DESCRIBE), update operations, SERVICE, and FROM clauses. Keywords are only
keywords when they stand alone: ``ex:SERVICE``, ``?service`` and ``"SERVICE"`` are not.
This is how the endpoint refuses updates and federated queries (pyoxigraph would execute
SERVICE and LOAD over HTTP) and picks the result formats before running anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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

_NAME_CHAR = r"[A-Za-z0-9_\-\u00b7\u00c0-\uffff]"
_LOCAL_CHAR = r"(?:[A-Za-z0-9_:\-\u00b7\u00c0-\uffff]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
# One token per match, following the SPARQL 1.1 grammar where it matters for keywords: bare
# names hold no dots (so ``true.SERVICE`` is ``true`` ``.`` ``SERVICE``), a prefixed name's local
# part neither starts nor ends with a dot (``p:.SERVICE`` is ``p:`` ``.`` ``SERVICE``), numbers
# and language tags are tokens of their own, and comments end at CR or LF. Quantifiers are
# possessive and unterminated strings run to the end, so the scan is linear on any input.
_TOKEN = re.compile(
    rf"""
      (?P<comment>\#[^\r\n]*+)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*+(?:\"\"\")?
                 |'''(?:[^'\\]|\\.|'(?!''))*+(?:''')?
                 |"(?:[^"\\\r\n]|\\.)*+"?
                 |'(?:[^'\\\r\n]|\\.)*+'?)
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+>)
    | (?P<var>[?$]{_NAME_CHAR}*+)
    | (?P<lang>@[A-Za-z]++(?:-[A-Za-z0-9]++)*+)
    | (?P<number>[0-9]++\.[0-9]*+[eE][+-]?[0-9]++|\.?[0-9]++(?:\.[0-9]++)?+(?:[eE][+-]?[0-9]++)?+)
    | (?P<pname>(?:[A-Za-z_\u00c0-\uffff]
                   (?:[A-Za-z0-9_\-\u00b7\u00c0-\uffff]|\.(?={_NAME_CHAR}))*+)?:
                (?:{_LOCAL_CHAR}(?:{_LOCAL_CHAR}|\.(?={_LOCAL_CHAR}))*+)?)
    | (?P<name>[A-Za-z_]\w*+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_OPEN, _CLOSE = "({[", ")}]"


@dataclass(frozen=True)
class Inspection:
    """What the text of a SPARQL request is."""

    form: str | None  # SELECT | ASK | CONSTRUCT | DESCRIBE, or None when not a query
    update: str | None  # the first update operation keyword, when the text is an update
    service: bool  # uses SERVICE (federated query)
    dataset_clause: bool  # has FROM / FROM NAMED
    depth: int = 0  # deepest nesting of (), {} and []
    vendor: str | None = None  # an engine's own function namespace it names (bif:, sql:)
    services: tuple[str, ...] = ()  # the endpoint of each SERVICE ("" when not an <IRI>)

    @property
    def returns_graph(self) -> bool:
        """CONSTRUCT and DESCRIBE return RDF graphs; SELECT and ASK return results."""
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokens(text: str) -> Iterator[tuple[str, str, int, int]]:
    """``(kind, text, start, end)`` of each token: comment, string, iri, var, lang, number,
    pname, name or other (one character)."""
    for match in _TOKEN.finditer(text):
        yield match.lastgroup or "other", match.group(), match.start(), match.end()


def inspect(text: str) -> Inspection:
    """Classify a SPARQL request by its keywords (the engine still parses it properly)."""
    form = update = None
    service = dataset = False
    first = True
    depth = deepest = 0
    vendor = None
    services: list[str] = []
    target = False  # the next token names a SERVICE endpoint
    for kind, word, _, _ in tokens(text):
        if target and kind != "comment" and not (kind == "other" and word.isspace()):
            if kind == "name" and word.upper() == "SILENT":
                continue
            services.append(_decode(word[1:-1]) if kind == "iri" else "")
            target = False
        if vendor is None and kind in ("iri", "pname"):
            vendor = _vendor_namespace(kind, word)
        if kind == "other":
            char = word
            if char in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif char in _CLOSE:
                depth -= 1
            continue
        if kind != "name":
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
            service = target = True
        elif upper == "FROM":
            dataset = True
    return Inspection(
        form=form,
        update=update,
        service=service,
        dataset_clause=dataset,
        depth=deepest,
        vendor=vendor,
        services=tuple(services),
    )


# Virtuoso runs SQL procedures named by these IRIs as SPARQL functions (``bif:http_get`` fetches
# any URL, ``bif:file_to_string`` reads files) and predeclares the ``bif:`` and ``sql:``
# prefixes. They mean nothing to other engines, so they are refused everywhere.
VENDOR_NAMESPACES = ("bif:", "sql:", "http://www.openlinksw.com/schemas/bif#")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _vendor_namespace(kind: str, word: str) -> str | None:
    """The vendor namespace an IRI or prefixed name token is in (escapes decoded), if any."""
    if kind == "pname":
        prefix = word.split(":", 1)[0].lower()
        return f"{prefix}:" if prefix in ("bif", "sql") else None
    iri = _decode(word[1:-1]).lower()
    return next((ns for ns in VENDOR_NAMESPACES if iri.startswith(ns)), None)


def _decode(iri: str) -> str:
    """An IRI's text with its \\u and \\U escapes decoded."""
    return _UCHAR.sub(lambda m: chr(int(m[1] or m[2], 16)), iri)


def without_comments(text: str) -> str:
    """``text`` with its comments replaced by a space (strings and IRIs untouched). Some
    engines end a comment only at LF (Virtuoso reads ``# c\rSELECT ...`` as all comment)."""
    parts, last = [], 0
    for kind, _, start, end in tokens(text):
        if kind == "comment":
            parts += [text[last:start], " "]
            last = end
    return "".join(parts) + text[last:] if parts else text
