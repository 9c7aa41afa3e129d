"""Find where a term is written in a source file, so errors can say file:line:column.

Parsers report positions for syntax errors only; data errors (an ill-typed date, a SHACL
violation) are found back in the text: the subject's first statement, then the value after it.
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from projectgraph.errors import Location

_BARE_LITERAL = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|true|false)$")


class SourceText:
    """The text of one source file, searchable for terms."""

    def __init__(self, path: Path, base: str) -> None:
        self.path = path
        self.base = base

    @cached_property
    def text(self) -> str:
        """The file's text with comments blanked out (offsets unchanged)."""
        return mask_comments(self.path.read_text(encoding="utf-8", errors="replace"))

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [m.end() for m in re.finditer("\n", self.text)]

    def location(self, offset: int | None) -> Location:
        """The 1-based line:column of a character offset (just the file when unknown)."""
        if offset is None:
            return Location(self.path)
        line = bisect.bisect_right(self._line_starts, offset)
        return Location(self.path, line, offset - self._line_starts[line - 1] + 1)

    def find_subject(self, term: Node) -> int | None:
        """Offset of the first statement about ``term``: written at column 0 if possible (an
        indented occurrence is usually a reference in someone else's statement), then at the
        start of an indented line, then anywhere."""
        patterns = self._patterns(term)
        for start_of_line in (r"(?m)^(", r"(?m)^[ \t]+("):
            anchored = [re.compile(start_of_line + p.pattern + ")") for p in patterns]
            hit = _earliest(anchored, self.text, 0, group=1)
            if hit is not None:
                return hit
        return _earliest(patterns, self.text, 0)

    def find(self, term: Node, start: int = 0) -> int | None:
        """Offset of the first occurrence of ``term`` at or after ``start``."""
        hit = _earliest(self._patterns(term), self.text, start)
        if hit is None and start:
            hit = _earliest(self._patterns(term), self.text, 0)
        return hit

    def locate(
        self, value: Node | None, subject: Node | None = None, predicate: Node | None = None
    ) -> Location:
        """Where ``value`` (or, without one, ``predicate``) is stated about ``subject``; else
        where ``subject`` is; else just the file."""
        start = self.find_subject(subject) if subject is not None else None
        for term in (value, predicate):
            if term is not None:
                hit = self.find(term, start or 0)
                if hit is not None and (start is None or hit >= start):
                    return self.location(hit)
        return self.location(start)

    def _patterns(self, term: Node) -> list[re.Pattern[str]]:
        if isinstance(term, Literal):
            lexical = re.escape(str(term))
            patterns = [re.compile(r"(\"\"\"|'''|\"|')" + lexical + r"\1")]
            if _BARE_LITERAL.match(str(term)):
                patterns.append(re.compile(r"(?<![\w.\"'])" + lexical + r"(?![\w.])"))
            return patterns
        if isinstance(term, URIRef):
            iri = str(term)
            patterns = [re.compile("<" + re.escape(iri) + ">")]
            if iri.startswith(self.base):
                patterns.append(re.compile("<" + re.escape(iri[len(self.base) :]) + ">"))
            local = re.split(r"[/#]", iri)[-1]
            if local:
                patterns.append(
                    re.compile(r"(?<![\w<])[A-Za-z][\w.-]*:" + re.escape(local) + r"(?![\w:.#/-])")
                )
            return patterns
        return []


def _earliest(patterns: list[re.Pattern[str]], text: str, start: int, group: int = 0) -> int | None:
    hits = [m.start(group) for p in patterns if (m := p.search(text, start))]
    return min(hits) if hits else None


def mask_comments(text: str) -> str:
    """Replace Turtle/N-Triples comments by spaces, leaving IRIs and strings alone."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "<":  # an IRI (or a '<' in SPARQL-like text): skip to '>' on the same line
            end = text.find(">", i)
            newline = text.find("\n", i)
            i = end + 1 if end != -1 and (newline == -1 or end < newline) else i + 1
        elif c in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif c == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            out[i:end] = " " * (end - i)
            i = end
        else:
            i += 1
    return "".join(out)
