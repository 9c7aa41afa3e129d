"""The releases for harvesters that sync: ``/changes.atom`` (Atom, RFC 4287) and
``/changes.json``, one entry per release with its summary and links to the resources it
changed and to its patch, and ``/dumps/changes/{n}.rdfp.gz``, the patches themselves (see
:mod:`projectgraph.publish.releases`).

The releases are read from beside the served build, where ``build`` keeps them, and the
rendered feed is kept until ``releases.json`` changes: a new build adds a release without the
server being restarted. Both feeds and the patches answer conditional requests (ETag, 304).
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from projectgraph import __version__
from projectgraph.publish.dist import MANIFEST
from projectgraph.publish.releases import (
    INDEX,
    KINDS,
    PATCH_MEDIA_TYPE,
    Release,
    ReleaseError,
    release_line,
    releases_beside,
    releases_in,
    summary_in,
)
from projectgraph.web.caching import cached, stored_file
from projectgraph.web.errors import error_response
from projectgraph.web.linked_data.site import Site
from projectgraph.web.linked_data.urls import Urls

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 50  # the latest releases a feed lists (older ones: releases.json, the CLI)
ENTRY_LINKS = 100  # changed resources linked from one entry; the rest are counted
ET.register_namespace("", ATOM)


@dataclass(frozen=True)
class _Kept:
    """The releases as read at one state of ``releases.json``."""

    state: tuple[int, int, int]  # the index file's inode, size and modification time
    releases: list[Release]
    changed: dict[int, dict[str, list[str]]]  # release -> kind -> changed resources' IRIs
    digest: str


class Changes:
    """Routes for the releases, over one :class:`Site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._kept: _Kept | None = None
        self._bodies: dict[str, bytes] = {}  # by ETag: a feed is made once per state

    @property
    def folder(self) -> Path:
        """Where the served build's releases are kept."""
        return releases_beside(self.site.build.folder)

    def _read(self) -> _Kept:
        index = self.folder / INDEX
        try:
            st = index.stat()
            state = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            state = (0, 0, 0)
        if self._kept is not None and self._kept.state == state:
            return self._kept
        releases = releases_in(self.folder) if state != (0, 0, 0) else []
        changed: dict[int, dict[str, list[str]]] = {}
        for release in releases:
            if release.patch is not None and release.number > len(releases) - 2 * FEED_ENTRIES:
                graphs = summary_in(self.folder, release.number).get("graphs", {})
                changed[release.number] = {
                    kind: sorted(
                        {iri for g in graphs.values() for way in g[kind].values() for iri in way}
                    )
                    for kind in KINDS
                }
        digest = hashlib.sha256(
            json.dumps([r.to_json() for r in releases], sort_keys=True).encode()
        ).hexdigest()[:20]
        self._kept = _Kept(state, releases, changed, digest)
        return self._kept

    def served(self) -> list[Release]:
        """The releases up to the one the server serves, oldest first."""
        return self._served(self._read())

    def state(self) -> str:
        """What the releases served are at: part of the ETag of what describes them."""
        return self._read().digest

    def _served(self, kept: _Kept) -> list[Release]:
        """The releases up to the one the server serves: a build published since is listed
        once the server switches to it (SIGHUP, ``projectgraph reload``)."""
        served = self.site.build.build_id
        last = max((r.number for r in kept.releases if r.build_id == served), default=None)
        return kept.releases if last is None else kept.releases[:last]

    def _entries(self, urls: Urls) -> tuple[_Kept, list[dict[str, Any]]]:
        kept = self._read()
        entries = []
        for release in reversed(self._served(kept)[-FEED_ENTRIES:]):
            patch = release.patch
            entries.append(
                {
                    "release": release.number,
                    "build_id": release.build_id,
                    "issued": release.issued,
                    "summary": release_line(release),
                    "totals": release.totals,
                    "patch": None
                    if patch is None
                    else {
                        "url": f"{urls.base.public}dumps/changes/{release.number}.rdfp.gz",
                        "media_type": PATCH_MEDIA_TYPE,
                        "encoding": "gzip",
                        "sha256": patch["sha256"],
                        "bytes": patch["bytes"],
                    },
                    "changed": {
                        kind: [
                            {"iri": iri, "page": urls.page(iri)}
                            for iri in kept.changed.get(release.number, {}).get(kind, [])
                        ]
                        for kind in KINDS
                    },
                }
            )
        return kept, entries

    def _tag(self, kept: _Kept, form: str, urls: Urls) -> str:
        """The ETag of a feed: its releases, the build served, the form and the base."""
        served = self.site.build.build_id
        return f'W/"{kept.digest}-{served}-{form}-{_short(urls.base.public)}"'

    def _made(
        self,
        request: Request,
        form: str,
        make: Callable[[Urls, _Kept, list[dict[str, Any]]], bytes],
    ) -> Response:
        """The feed in ``form`` made by ``make(urls, kept, entries)``, or kept from before."""
        urls = self.site.urls(request)
        try:
            kept = self._read()
            tag = self._tag(kept, form, urls)
            body = self._bodies.get(tag)
            if body is None:
                body = make(urls, kept, self._entries(urls)[1])
                if len(self._bodies) > 32:
                    self._bodies.clear()
                self._bodies[tag] = body
        except ReleaseError as e:
            return error_response(500, str(e), request.headers.get("accept"))
        return cached(request, body, ATOM_TYPE if form == "atom" else "application/json", tag)

    async def feed_json(self, request: Request) -> Response:
        """``/changes.json``: the latest releases, newest first, as JSON."""
        return self._made(request, "json", self._json)

    async def feed_atom(self, request: Request) -> Response:
        """``/changes.atom``: the latest releases, newest first, as an Atom feed."""
        return self._made(request, "atom", self._atom)

    def _json(self, urls: Urls, kept: _Kept, entries: list[dict[str, Any]]) -> bytes:
        return json.dumps(
            {
                "feed": f"{urls.base.public}changes.json",
                "atom": f"{urls.base.public}changes.atom",
                "releases": len(self._served(kept)),
                "entries": entries,
            },
            indent=2,
        ).encode()

    def _atom(self, urls: Urls, kept: _Kept, entries: list[dict[str, Any]]) -> bytes:
        feed = ET.Element(f"{{{ATOM}}}feed")
        public = urls.base.public
        _add(feed, "id", f"{urls.canonical.base.public}changes.atom")  # whichever host serves
        _add(feed, "title", f"{self.site.settings.dataset.title}: releases")
        updated = entries[0]["issued"] if entries else _built(self.site.build.folder)
        _add(feed, "updated", updated)
        author = _add(feed, "author")
        _add(author, "name", self.site.settings.dataset.publisher_name)
        _add(author, "uri", self.site.settings.dataset.publisher_url)
        _add(feed, "link", rel="self", type="application/atom+xml", href=f"{public}changes.atom")
        _add(feed, "link", rel="alternate", type="application/json", href=f"{public}changes.json")
        _add(feed, "link", rel="related", type="text/html", href=f"{public}dumps/")
        generator = _add(feed, "generator", "projectgraph", version=__version__)
        generator.set("uri", "https://w3id.org/projectgraph")
        for entry in entries:
            item = _add(feed, "entry")
            _add(item, "id", f"urn:projectgraph:build:{entry['build_id']}")
            _add(item, "title", f"Release {entry['release']}")
            _add(item, "updated", entry["issued"])
            _add(item, "summary", entry["summary"])
            patch = entry["patch"]
            if patch is not None:
                _add(
                    item,
                    "link",
                    rel="enclosure",
                    type=PATCH_MEDIA_TYPE,
                    href=patch["url"],
                    length=str(patch["bytes"]),
                    title=f"RDF Patch from release {entry['release'] - 1} (gzip)",
                )
            lines, shown = [entry["summary"]], 0
            for kind, resources in entry["changed"].items():
                for resource in resources:
                    if shown < ENTRY_LINKS:
                        href = resource["page"] or resource["iri"]
                        _add(item, "link", rel="related", href=href, title=f"{kind}: changed")
                        shown += 1
                    lines.append(f"{kind}: {resource['iri']}")
            _add(item, "content", "\n".join(lines), type="text")
        return ET.tostring(feed, encoding="utf-8", xml_declaration=True)

    async def patch(self, request: Request, number: int) -> Response:
        """``/dumps/changes/{number}.rdfp.gz``: release ``number``'s RDF Patch, gzipped."""
        kept = self._read()
        release = next((r for r in self._served(kept) if r.number == number), None)
        if release is None or release.patch is None:
            why = "no such release" if release is None else f"release {number} has no patch"
            return error_response(404, f"{why}; see /changes.json", request.headers.get("accept"))
        path = self.folder / release.patch["file"]
        # Immutable: a release's patch never changes once written.
        return stored_file(
            request, path, release.patch["sha256"], "application/gzip", max_age=86400
        )


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _built(folder: Path) -> str:
    """When the build in ``folder`` was made (its manifest's time), as Atom writes dates."""
    when = datetime.fromtimestamp((folder / MANIFEST).stat().st_mtime, UTC)
    return when.replace(microsecond=0).isoformat()


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]
