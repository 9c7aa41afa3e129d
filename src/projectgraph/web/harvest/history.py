"""Resources as they were: a resource's history over the releases, and Memento (RFC 7089).

- ``/history/{kind}/{slug}``: the releases that touched the resource, newest first, each with
  the statements about it that the release removed and added (HTML, or JSON by Accept);
- ``/timegate/{kind}/{slug}``: the TimeGate. ``Accept-Datetime`` picks the release served at
  that time; 302 to its memento;
- ``/timemap/{kind}/{slug}``: the TimeMap (``application/link-format``): one memento per
  release in which the resource changed, and the first;
- ``/memento/{n}/{kind}/{slug}``: the resource's statements as of release ``n`` (Turtle),
  with ``Memento-Datetime``.

The original resource (URI-R) is the resource's Turtle data document. Its statements as of a
release are its statements now, with the changes of every later release that touched it undone
(:func:`projectgraph.publish.releases.as_of`); the page and data document of every resource
say in which release it last changed and link here (``Link`` headers ``timegate``,
``timemap`` and ``version-history``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from projectgraph.publish.releases import (
    Release,
    ReleaseError,
    as_of,
    changes_about,
    release_line,
    touched_by,
)
from projectgraph.rdf.serialize import parse_own
from projectgraph.web.caching import cached, etag
from projectgraph.web.errors import error_response
from projectgraph.web.harvest.changes import Changes
from projectgraph.web.linked_data.site import Site, representation
from projectgraph.web.linked_data.urls import DATA_FORMATS, Urls
from projectgraph.web.pages import render

LINK_FORMAT = "application/link-format"


class History:
    """Routes for resources as they were, over one :class:`Site` and its releases."""

    def __init__(self, site: Site, changes: Changes) -> None:
        self.site = site
        self.changes = changes

    # --- what the pages and data documents say ----------------------------------------------

    def last_changed(self, iri: str) -> Release | None:
        """The last release served that touched ``iri`` (the first release when none did);
        None without releases."""
        served = self.changes.served()
        if not served:
            return None
        try:
            touched = [n for n in touched_by(self.changes.folder, iri) if n <= served[-1].number]
        except ReleaseError:
            return None
        number = touched[-1] if touched else served[0].number
        return next((r for r in served if r.number == number), None)

    def links(self, urls: Urls, iri: str) -> list[str]:
        """The Link header values a resource's page and data documents add (none without
        releases, or for a resource described elsewhere)."""
        parts = urls.split(iri)
        if parts is None or not self.changes.served():
            return []
        kind, slug, _ = parts
        public = urls.base.public
        return [
            f'<{public}timegate/{kind}/{slug}>; rel="timegate"',
            f'<{public}timemap/{kind}/{slug}>; rel="timemap"; type="{LINK_FORMAT}"',
            f'<{public}history/{kind}/{slug}>; rel="version-history"',
        ]

    def page_url(self, urls: Urls, iri: str) -> str | None:
        """The history page of ``iri`` (None without releases, or for a resource described
        elsewhere)."""
        parts = urls.split(iri)
        if parts is None or not self.changes.served():
            return None
        return f"{urls.base.public}history/{parts[0]}/{parts[1]}"

    # --- routes ----------------------------------------------------------------------------

    def _resource(
        self, request: Request, kind: str, slug: str
    ) -> tuple[Urls, str, list[Release]] | Response:
        """The resource's URLs and IRI, and the releases served: or the answer that says why
        not (404: no such resource; 500: the releases cannot be read)."""
        urls = self.site.urls(request)
        iri = urls.iri(kind, slug)
        accept = request.headers.get("accept")
        if iri is None or urls.split(iri) is None:
            return error_response(404, f"no resource /{kind}/{slug}", accept)
        try:
            served = self.changes.served()
        except ReleaseError as e:
            return error_response(500, str(e), accept)
        return urls, iri, served

    def _mementos_of(
        self, request: Request, kind: str, slug: str
    ) -> tuple[Urls, str, list[Release]] | Response:
        """The resource's URLs and IRI, and its mementos (see :meth:`_mementos`): or the answer
        that says why not (as :meth:`_resource`; 404 without releases)."""
        found = self._resource(request, kind, slug)
        if isinstance(found, Response):
            return found
        urls, iri, served = found
        accept = request.headers.get("accept")
        try:
            mementos = self._mementos(iri, served)
        except ReleaseError as e:
            return error_response(500, str(e), accept)
        if not mementos:
            return error_response(404, "no releases here", accept)
        return urls, iri, mementos

    async def _now(self, iri: str) -> list[bytes]:
        """The N-Quads lines about ``iri`` in the build served (the store's named graphs)."""
        rows = await self.site.describer.select(
            f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"
        )
        return [f"<{iri}> {r['p']} {r['o']} {r['g']} .\n".encode() for r in rows]

    async def history(self, request: Request, kind: str, slug: str) -> Response:
        """``/history/{kind}/{slug}``: the releases that changed the resource, newest first."""
        found = self._resource(request, kind, slug)
        if isinstance(found, Response):
            return found
        urls, iri, served = found
        accept = request.headers.get("accept")
        try:
            changes = changes_about(self.changes.folder, served, iri)
        except ReleaseError as e:
            return error_response(500, str(e), accept)
        if not changes and not await self.site.describer.exists(iri):
            return error_response(404, f"nothing is known about {iri}", accept)
        entries = [
            {
                "release": release.number,
                "issued": release.issued,
                "summary": release_line(release),
                "removed": [line.decode().rstrip("\n") for line in removed],
                "added": [line.decode().rstrip("\n") for line in added],
                "memento": f"{urls.base.public}memento/{release.number}/{kind}/{slug}",
            }
            for release, removed, added in reversed(changes)
        ]
        last = self.last_changed(iri)
        form = "html" if representation(accept) == "html" else "json"
        state = self.changes.state()
        tag = etag(self.site.build.build_id, "history", iri, state, form, urls.base.public)
        if form == "html":
            html = render(
                "history.html",
                iri=iri,
                page=urls.page(iri),
                entries=entries,
                last=last,
                kind=kind,
                slug=slug,
                **self.site.page_context(request, urls),
            )
            return cached(request, html, "text/html; charset=utf-8", tag, {"Vary": "Accept"})
        body = json.dumps(
            {
                "resource": iri,
                "last_changed": None if last is None else last.number,
                "releases": entries,
            },
            indent=2,
        )
        return cached(request, body, "application/json", tag, {"Vary": "Accept"})

    def _mementos(self, iri: str, served: list[Release]) -> list[Release]:
        """The releases whose state of ``iri`` is a memento: the first ``served``, and each
        that changed it."""
        touched = set(touched_by(self.changes.folder, iri)) if served else set()
        return [r for i, r in enumerate(served) if i == 0 or r.number in touched]

    async def timemap(self, request: Request, kind: str, slug: str) -> Response:
        """``/timemap/{kind}/{slug}``: the resource's mementos (RFC 7089, link format)."""
        found = self._mementos_of(request, kind, slug)
        if isinstance(found, Response):
            return found
        urls, iri, mementos = found
        public = urls.base.public
        lines = [
            f'<{urls.data(iri, "ttl")}>; rel="original"',
            f'<{public}timegate/{kind}/{slug}>; rel="timegate"',
            f'<{public}timemap/{kind}/{slug}>; rel="self"; type="{LINK_FORMAT}"; '
            f'from="{_http_date(mementos[0])}"; until="{_http_date(mementos[-1])}"',
        ]
        for i, release in enumerate(mementos):
            rel = "memento"
            if i == 0:
                rel = "first memento"
            if i == len(mementos) - 1:
                rel = "last memento" if i else "first last memento"
            lines.append(
                f'<{public}memento/{release.number}/{kind}/{slug}>; rel="{rel}"; '
                f'datetime="{_http_date(release)}"'
            )
        tag = etag(self.site.build.build_id, "timemap", iri, self.changes.state(), public)
        return cached(request, ",\n".join(lines) + "\n", LINK_FORMAT, tag)

    async def timegate(self, request: Request, kind: str, slug: str) -> Response:
        """``/timegate/{kind}/{slug}``: 302 to the memento of the release served at
        ``Accept-Datetime`` (the latest without one; the first for a time before it)."""
        found = self._mementos_of(request, kind, slug)
        if isinstance(found, Response):
            return found
        urls, iri, mementos = found
        accept = request.headers.get("accept")
        wanted = request.headers.get("accept-datetime")
        chosen = mementos[-1]
        if wanted is not None:
            try:
                when = parsedate_to_datetime(wanted)
            except (TypeError, ValueError):
                when = None
            if when is None or when.tzinfo is None:
                return error_response(
                    400,
                    f"Accept-Datetime {wanted!r} is not an HTTP date (RFC 1123, in GMT)",
                    accept,
                )
            earlier = [r for r in mementos if _issued(r) <= when]
            chosen = earlier[-1] if earlier else mementos[0]
        public = urls.base.public
        return Response(
            status_code=302,
            headers={
                "Location": f"{public}memento/{chosen.number}/{kind}/{slug}",
                "Vary": "accept-datetime",
                "Link": f'<{urls.data(iri, "ttl")}>; rel="original", '
                f'<{public}timemap/{kind}/{slug}>; rel="timemap"; type="{LINK_FORMAT}"',
            },
        )

    async def memento(self, request: Request, number: int, kind: str, slug: str) -> Response:
        """``/memento/{number}/{kind}/{slug}``: the resource's statements as of release
        ``number`` (Turtle), with ``Memento-Datetime``."""
        found = self._resource(request, kind, slug)
        if isinstance(found, Response):
            return found
        urls, iri, served = found
        accept = request.headers.get("accept")
        try:
            release = next((r for r in served if r.number == number), None)
            if release is None:
                return error_response(404, f"no release {number} served here", accept)
            lines = as_of(self.changes.folder, served, iri, await self._now(iri), number)
        except ReleaseError as e:
            return error_response(500, str(e), accept)
        if not lines:
            return error_response(404, f"{iri} had no statements in release {number}", accept)
        triples = list(
            dict.fromkeys(q.triple for q in parse_own(b"".join(lines), ox.RdfFormat.N_QUADS))
        )
        fmt = DATA_FORMATS["ttl"]
        public = urls.base.public
        tag = etag(self.site.build.build_id, "memento", iri, str(number), self.changes.state())
        return cached(
            request,
            self.site.serialize(triples, fmt),
            fmt.content_type(),
            tag,
            {
                "Memento-Datetime": _http_date(release),
                "Link": f'<{urls.data(iri, "ttl")}>; rel="original", '
                f'<{public}timegate/{kind}/{slug}>; rel="timegate", '
                f'<{public}timemap/{kind}/{slug}>; rel="timemap"; type="{LINK_FORMAT}"',
            },
        )


def _issued(release: Release) -> datetime:
    return datetime.fromisoformat(release.issued).astimezone(UTC)


def _http_date(release: Release) -> str:
    return format_datetime(_issued(release), usegmt=True)
