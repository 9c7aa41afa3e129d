"""The canonical base IRI, and the public base a request reached the server at.

Resources are minted under the configured base (``https://w3id.org/projectgraph/id/...``), and
every RDF representation names them so whatever host served it: data documents, the JSON-LD
embedded in pages, VoID and DCAT say what the dumps and SPARQL say, so an IRI read from any of
them finds the resource in the endpoint. Only what a browser follows is local: HTML links, the
``Location`` of a 303 and ``Link`` headers use the *public* base of the request, the scheme and
host the client used (``X-Forwarded-Proto``/``-Host``/``-Prefix`` when a trusted proxy sent
the request), so a server on localhost or behind a proxy under another name can be browsed. A
deployment under its own domain sets ``base_iri`` to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote_plus

from starlette.requests import Request

from projectgraph.rdf.vocab import ONTOLOGY_IRI, parse_base

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*$")


class BadHost(ValueError):
    """A Host or X-Forwarded-Host header that is not a host name (it would end up in links)."""


@dataclass(frozen=True)
class BaseMap:
    """Maps IRIs between the canonical base and the public base of one request."""

    canonical: str  # ends with '/'
    public: str  # ends with '/'

    @property
    def identity(self) -> bool:
        return self.canonical == self.public

    def to_public(self, iri: str) -> str:
        """The IRI as this request's client should follow it. Vocabulary terms are never
        rewritten: the ontology's namespace is shared by every deployment (it only happens to
        sit under the default base), and a rewritten class IRI would be another class."""
        if (
            not self.identity
            and iri.startswith(self.canonical)
            and not iri.startswith(ONTOLOGY_IRI)
        ):
            return self.public + iri[len(self.canonical) :]
        return iri

    def to_canonical(self, url: str) -> str:
        """The canonical IRI behind a public URL."""
        if not self.identity and url.startswith(self.public) and not url.startswith(ONTOLOGY_IRI):
            return self.canonical + url[len(self.public) :]
        return url


def public_base(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """``scheme://host[/prefix]/`` as the client reached this server."""
    headers = request.headers
    scheme = request.url.scheme
    host = headers.get("host", "")
    prefix = request.scope.get("root_path", "")
    client = request.client.host if request.client else None
    if client in trusted_proxies:
        scheme = _first(headers.get("x-forwarded-proto")) or scheme
        host = _first(headers.get("x-forwarded-host")) or host
        prefix = (_first(headers.get("x-forwarded-prefix")) or prefix).rstrip("/")
    if scheme not in ("http", "https"):
        scheme = "http"
    if not _HOST.match(host):
        raise BadHost(f"not a host name: {host!r}")
    if not _PREFIX.match(prefix):
        raise BadHost(f"not a path prefix: {prefix!r}")
    return f"{scheme}://{host}{prefix}/"


@lru_cache(maxsize=64)
def base_map(canonical_base: str, public: str) -> BaseMap:
    """The (cached) map for a canonical base and a public base."""
    return BaseMap(parse_base(canonical_base), public)


def _first(value: str | None) -> str | None:
    """The first of a comma-separated header (the client-most proxy's value)."""
    return value.split(",")[0].strip() if value else None


class NotUtf8(ValueError):
    """A query-string parameter whose %-decoded bytes are not UTF-8."""

    def __init__(self, name: str) -> None:
        super().__init__(f"parameter {name!r} is not valid UTF-8 once %-decoded")
        self.name = name


def query_parameters(request: Request) -> list[tuple[str, str]]:
    """The query string's parameters, decoded strictly: Starlette's ``query_params`` turn bytes
    that are not UTF-8 into U+FFFD, so a query would run on text the client never sent."""
    pairs = []
    for part in request.scope.get("query_string", b"").decode("latin-1").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        try:
            name = unquote_plus(name, errors="strict")
        except UnicodeDecodeError:
            raise NotUtf8(unquote_plus(name)) from None
        try:
            pairs.append((name, unquote_plus(value, errors="strict")))
        except UnicodeDecodeError:
            raise NotUtf8(name) from None
    return pairs
