"""Where resources live on this server: IRIs to page and data URLs, and back.

Minted resources ``{base}/id/{kind}/{slug}`` have ``/page/{kind}/{slug}`` (HTML) and
``/data/{kind}/{slug}.{ttl|jsonld|nt|rdf}``; the NUTS regions and EU countries the data uses
get pages too, as ``/page/region/ES21`` and ``/page/country/ESP``. Ontology terms live in the
one ontology document, ``/ontology#Term``. Documents that come in pages (the links to a
resource, the browse lists) take ``?page=N``; :class:`Pages` gives the neighbours of a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from projectgraph.rdf.formats import GRAPH_FORMATS, Format
from projectgraph.rdf.vocab import (
    COUNTRY_AUTHORITY,
    NUTS_CODE,
    ONTOLOGY_IRI,
    RDF,
    RESOURCE_KINDS,
    STANDARD_PREFIXES,
)
from projectgraph.web.base import BaseMap

# Resources described here whose IRIs are not ours: kind -> IRI prefix.
EXTERNAL_KINDS = {"region": NUTS_CODE, "country": COUNTRY_AUTHORITY}
PAGE_KINDS = (*RESOURCE_KINDS, *EXTERNAL_KINDS)
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PAGE = re.compile(r"[1-9][0-9]{0,8}")
BAD_PAGE = "page must be a whole number from 1 to 999999999"
HYDRA = STANDARD_PREFIXES["hydra"]
# Data document extensions: the keys of projectgraph.rdf.formats that describe one graph.
DATA_FORMATS: dict[str, Format] = {
    f.key: f for f in GRAPH_FORMATS if f.key in ("ttl", "jsonld", "nt", "rdf")
}


@dataclass(frozen=True)
class Urls:
    """URL building for one request's public base.

    HTML links and HTTP headers use the public base, so a server reached at another host can
    be browsed; RDF names the canonical IRIs whatever host served it (:attr:`canonical`)."""

    base: BaseMap

    @property
    def canonical(self) -> Urls:
        """The same URLs at the canonical base: what RDF representations name."""
        if self.base.identity:
            return self
        return Urls(BaseMap(self.base.canonical, self.base.canonical))

    def iri(self, kind: str, slug: str) -> str | None:
        """The IRI a page or data path names, or None if the path cannot name one."""
        if not _SLUG.match(slug):
            return None
        if kind in EXTERNAL_KINDS:
            return EXTERNAL_KINDS[kind] + slug
        if kind in RESOURCE_KINDS:
            return f"{self.base.canonical}id/{kind}/{slug}"
        return None

    def split(self, iri: str) -> tuple[str, str, str] | None:
        """``(kind, slug, fragment)`` of an IRI that has a page here, else None."""
        iri, _, fragment = iri.partition("#")
        for kind, prefix in EXTERNAL_KINDS.items():
            if iri.startswith(prefix) and _SLUG.match(iri[len(prefix) :]):
                return kind, iri[len(prefix) :], fragment
        prefix = f"{self.base.canonical}id/"
        if iri.startswith(prefix):
            kind, _, slug = iri[len(prefix) :].partition("/")
            if kind in RESOURCE_KINDS and _SLUG.match(slug):
                return kind, slug, fragment
        return None

    def page(self, iri: str) -> str | None:
        """The HTML page about ``iri`` on this server (None for IRIs described elsewhere)."""
        if iri.startswith(ONTOLOGY_IRI):
            return self.base.public + "ontology" + iri[len(ONTOLOGY_IRI) :]
        parts = self.split(iri)
        if parts is None:
            return None
        kind, slug, fragment = parts
        return f"{self.base.public}page/{kind}/{slug}" + (f"#{fragment}" if fragment else "")

    def data(self, iri: str, key: str) -> str | None:
        """The data document about ``iri`` in format ``key`` (ttl, jsonld, nt, rdf)."""
        parts = self.split(iri)
        if parts is None:
            return None
        kind, slug, _ = parts
        return f"{self.base.public}data/{kind}/{slug}.{key}"

    def embed(self, iri: str) -> str | None:
        """The schema.org JSON-LD of ``iri`` to embed in another site's page."""
        parts = self.split(iri)
        if parts is None:
            return None
        kind, slug, _ = parts
        return f"{self.base.public}embed/{kind}/{slug}.jsonld"

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` should go: its page here, or the IRI itself."""
        return self.page(iri) or self.base.to_public(iri)


def page_number(value: str | None) -> int | None:
    """The page a ``?page=`` value asks for (1 without one); None for anything but a whole
    number from 1 to 999,999,999 (a 400: a wrong page is the client's mistake, said at once)."""
    if value is None:
        return 1
    return int(value) if _PAGE.fullmatch(value) else None


@dataclass(frozen=True)
class Pages:
    """Page ``number`` of a document at ``url`` (page 1 has no ``?page``), and its neighbours;
    ``more``: a next page exists."""

    url: str
    number: int
    more: bool

    def at(self, number: int) -> str:
        """The URL of page ``number``."""
        return self.url if number == 1 else f"{self.url}?page={number}"

    @property
    def here(self) -> str:
        return self.at(self.number)

    @property
    def paged(self) -> bool:
        """Whether the document has more than one page."""
        return self.number > 1 or self.more

    @property
    def previous(self) -> str | None:
        return self.at(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return self.at(self.number + 1) if self.more else None

    def links(self) -> list[str]:
        """Link header values: rel first, prev and next (none for a single page)."""
        if not self.paged:
            return []
        found = [f'<{self.at(1)}>; rel="first"']
        found += [f'<{self.previous}>; rel="prev"'] if self.previous else []
        found += [f'<{self.next}>; rel="next"'] if self.next else []
        return found

    def hydra(self) -> list[ox.Triple]:
        """The page as a Hydra partial collection view: hydra:first, previous and next (none
        for a single page, whose description is then the resource's alone)."""
        if not self.paged:
            return []
        page = ox.NamedNode(self.here)
        found = [
            ox.Triple(
                page, ox.NamedNode(str(RDF.type)), ox.NamedNode(HYDRA + "PartialCollectionView")
            ),
            ox.Triple(page, ox.NamedNode(HYDRA + "first"), ox.NamedNode(self.at(1))),
        ]
        if self.previous:
            found.append(
                ox.Triple(page, ox.NamedNode(HYDRA + "previous"), ox.NamedNode(self.previous))
            )
        if self.next:
            found.append(ox.Triple(page, ox.NamedNode(HYDRA + "next"), ox.NamedNode(self.next)))
        return found
