"""What a person typed, as a query of the search index, and the parameters of a list, checked.

Whatever is typed is searched as text: the words are taken out of it (letters and digits;
everything else separates words) and each is quoted, so quotes, ``*``, ``-``, ``NEAR(``,
``AND``/``OR`` and brackets are never FTS5 syntax the person did not mean. The last word
matches as a prefix (search as you type). Bad parameters raise :class:`BadParameter`, which
names the parameter (the routes answer 400).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from projectgraph.publish.search_index import FACETS, KINDS
from projectgraph.web.search.index import SORTS, Filters, SearchIndex

MAX_TEXT = 1_000  # characters of a search text
MAX_WORDS = 32
MAX_PAGE = 100_000
PAGE_SIZE = 20  # search hits a page
LIST_SIZE = 50  # list entries a page
_WORD = re.compile(r"[^\W_]+")  # letters and digits; "_" separates words as FTS5 does
# Parameters every list takes besides its facets.
LIST_PARAMETERS = ("q", "sort", "page", "format")


class BadParameter(ValueError):
    """A parameter that cannot be used: the message names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def match_expression(text: str) -> str | None:
    """The FTS5 expression searching ``text`` as words (None when it has no word): each word
    quoted, all required, the last one a prefix."""
    if len(text) > MAX_TEXT:
        raise BadParameter("q", f"is {len(text)} characters long; at most {MAX_TEXT} are searched")
    words = _WORD.findall(unicodedata.normalize("NFKC", text))
    if len(words) > MAX_WORDS:
        raise BadParameter("q", f"has {len(words)} words; at most {MAX_WORDS} are searched")
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]  # a word has no quote to escape
    quoted[-1] += "*"
    return " ".join(quoted)


def page_number(values: list[str]) -> int:
    """The ``page`` parameter: a whole number from 1."""
    if not values:
        return 1
    text = values[-1]
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise BadParameter("page", f"must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


def one(params: dict[str, list[str]], name: str) -> str | None:
    """The value of a parameter given at most once."""
    values = params.get(name, [])
    if len(values) > 1:
        raise BadParameter(name, "is given more than once")
    return values[0] if values else None


@dataclass(frozen=True)
class SearchQuery:
    """A checked ``/search`` request."""

    text: str
    match: str | None
    kind: str | None
    page: int

    @classmethod
    def parse(cls, params: dict[str, list[str]]) -> SearchQuery:
        unknown = sorted(set(params) - {"q", "type", "page", "format"})
        if unknown:
            raise BadParameter(unknown[0], "is not a parameter of /search (q, type, page)")
        text = one(params, "q") or ""
        kind = one(params, "type")
        if kind is not None and kind not in KINDS:
            raise BadParameter("type", f"must be one of {', '.join(KINDS)}")
        return cls(text, match_expression(text), kind, page_number(params.get("page", [])))


@dataclass(frozen=True)
class ListQuery:
    """A checked list request: filters (every value known to the index), text, sort, page."""

    kind: str
    filters: Filters = field(default_factory=dict)
    text: str = ""
    match: str | None = None
    sort: str = ""
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, kind: str, params: dict[str, list[str]], index: SearchIndex) -> ListQuery:
        facets = [f.name for f in FACETS[kind]]
        unknown = sorted(set(params) - {*facets, *LIST_PARAMETERS})
        if unknown:
            known = ", ".join([*facets, *LIST_PARAMETERS])
            raise BadParameter(unknown[0], f"is not a parameter of this list ({known})")
        filters: Filters = {}
        for facet in facets:
            values = list(dict.fromkeys(v for v in params.get(facet, []) if v))
            for v in values:
                if not index.known(kind, facet, v):
                    raise BadParameter(facet, f"has no value {v!r} in this dataset")
            if values:
                filters[facet] = values
        text = one(params, "q") or ""
        sorts = SORTS[kind]
        given = one(params, "sort")
        sort = next(iter(sorts)) if given is None else given
        descending = sort.startswith("-")
        if sort.lstrip("-") not in sorts:
            choices = ", ".join(f"{s}, -{s}" for s in sorts)
            raise BadParameter("sort", f"must be one of {choices}")
        return cls(
            kind,
            filters,
            text,
            match_expression(text),
            sort.lstrip("-"),
            descending,
            page_number(params.get("page", [])),
        )

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """This query's parameters (with ``changes``: a facet's values, sort, page), in a
        stable order, for links that can be bookmarked; defaults are left out."""
        filters = {k: list(v) for k, v in self.filters.items()}
        for name, value in changes.items():
            if name in ("sort", "page", "q"):
                continue
            filters[name] = list(value) if isinstance(value, Iterable) else []
            if not filters[name]:
                del filters[name]
        pairs: list[tuple[str, str]] = []
        text = str(changes.get("q", self.text))
        if text:
            pairs.append(("q", text))
        for f in FACETS[self.kind]:
            pairs += [(f.name, v) for v in filters.get(f.name, [])]
        sort = str(changes.get("sort", ("-" if self.descending else "") + self.sort))
        if sort != next(iter(SORTS[self.kind])):
            pairs.append(("sort", sort))
        page = int(str(changes.get("page", 1)))
        if page > 1:
            pairs.append(("page", str(page)))
        return pairs
