"""Where resources live on this server: IRIs to page and data URLs, and back.

Minted resources ``{base}/id/{kind}/{slug}`` have ``/page/{kind}/{slug}`` (HTML) and
``/data/{kind}/{slug}.{ttl|jsonld|nt|rdf}``; the NUTS regions and EU countries the data uses
get pages too, as ``/page/region/ES21`` and ``/page/country/ESP``. Ontology terms live in the
one ontology document, ``/ontology#Term``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from projectgraph.rdf.formats import GRAPH_FORMATS, Format
from projectgraph.rdf.vocab import COUNTRY_AUTHORITY, NUTS_CODE, ONTOLOGY_IRI, RESOURCE_KINDS
from projectgraph.web.base import BaseMap

# Resources described here whose IRIs are not ours: kind -> IRI prefix.
EXTERNAL_KINDS = {"region": NUTS_CODE, "country": COUNTRY_AUTHORITY}
PAGE_KINDS = (*RESOURCE_KINDS, *EXTERNAL_KINDS)
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Data document extensions: the keys of projectgraph.rdf.formats that describe one graph.
DATA_FORMATS: dict[str, Format] = {
    f.key: f for f in GRAPH_FORMATS if f.key in ("ttl", "jsonld", "nt", "rdf")
}


@dataclass(frozen=True)
class Urls:
    """URL building for one request's public base."""

    base: BaseMap

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

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` should go: its page here, or the IRI itself."""
        return self.page(iri) or self.base.to_public(iri)
