"""Every minted IRI as a web resource (Cool URIs for the Semantic Web, 303 style).

``GET /id/{kind}/{slug}`` answers 303 See Other to the document that describes the resource,
chosen by Accept: ``/page/{kind}/{slug}`` (HTML) or ``/data/{kind}/{slug}.{ttl|jsonld|nt|rdf}``.
Pages embed schema.org JSON-LD, also served alone at ``/embed/{kind}/{slug}.jsonld``. The
ontology is one document, ``/ontology`` (HTML, or RDF by Accept), that its hash IRIs resolve to.
Everything is rendered for the request's public base (see :mod:`projectgraph.web.base`).

The links to a resource come a page at a time (``?page=N`` on its page, data document and
embed; the data document says where its neighbours are with Hydra and ``Link`` headers), so a
country with thousands of organisations costs what a project costs. What is rendered is kept
(:data:`RENDERED_ENTRIES`, :data:`RENDERED_BYTES`): a repeated request costs no query.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from projectgraph.build.assemble import triple_key
from projectgraph.publish.releases import Release
from projectgraph.rdf.conneg import negotiate
from projectgraph.rdf.formats import Format
from projectgraph.rdf.serialize import jsonld as compact_jsonld
from projectgraph.rdf.serialize import turtle, used_prefixes
from projectgraph.rdf.vocab import (
    DCT,
    EURIO,
    FOAF,
    ONTOLOGY_IRI,
    ORG,
    OWL,
    PG,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    all_prefixes,
    parse_base,
)
from projectgraph.settings import Settings
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.web.api.result_cache import CachedResponse, ResultCache
from projectgraph.web.base import base_map, public_base
from projectgraph.web.caching import kept
from projectgraph.web.errors import error_response
from projectgraph.web.figures import panels
from projectgraph.web.linked_data.descriptions import Described, Describer
from projectgraph.web.linked_data.schema_org import describe_jsonld, script_json
from projectgraph.web.linked_data.urls import (
    BAD_PAGE,
    DATA_FORMATS,
    EXTERNAL_KINDS,
    Pages,
    Urls,
    page_number,
)
from projectgraph.web.linked_data.view import (
    Description,
    Terms,
    by_position,
    long_date,
    money,
    partners,
    vocabulary_labels,
)
from projectgraph.web.pages import render
from projectgraph.web.terms import subject_of

HTML = "text/html"
HTML_TYPE = "text/html; charset=utf-8"
# What /id/ negotiates over: HTML first, so browsers and */* get the page.
OFFERS = [HTML, "application/xhtml+xml"] + [t for f in DATA_FORMATS.values() for t in f.media_types]
AVAILABLE = ", ".join([HTML, *(f.media_type for f in DATA_FORMATS.values())])
# How far a page looks beyond its resource (a project's partners and their countries).
PAGE_DEPTH = {"project": 3, "organisation": 2, "region": 2, "country": 2}
TEMPLATES = {
    "project": "project.html",
    "organisation": "organisation.html",
    "region": "place.html",
    "country": "place.html",
}
# Browse lists: kind -> (title, classes, extra pattern on ?s)
BROWSE = {
    "project": ("Projects", [str(EURIO.Project)], ""),
    "organisation": ("Organisations", [str(EURIO.Organisation)], ""),
    "region": ("Regions", [str(EURIO.AdministrativeArea)], ""),
    "country": ("Countries", [str(EURIO.Country)], "FILTER EXISTS { ?x ?link ?s }"),
    "topic": (
        "Topics",
        [str(SKOS.Concept)],
        "FILTER EXISTS { ?p <http://purl.org/dc/terms/subject> ?s }",
    ),
    "role": ("Roles", [str(ORG.Role)], ""),
    "programme": ("Programmes", [str(EURIO.FundingScheme)], ""),
    "event": ("Events", [str(SCHEMA.Event)], ""),
    "publication": ("Publications", [str(PG.Publication)], ""),
}
TEMPLATE_NAMESPACES = {
    "EURIO": EURIO,
    "ORG": ORG,
    "PG": PG,
    "SCHEMA": SCHEMA,
    "SKOS": SKOS,
    "DCT": DCT,
    "FOAF": FOAF,
    "RDF": RDF,
    "RDFS": RDFS,
    "OWL": OWL,
    "PROV": PROV,
}
# Rendered pages and documents kept per server process: a country's page (a page of its
# links) is some 14 kB, a project's some 8 kB; no one document takes over an eighth of the bytes.
RENDERED_ENTRIES = 4096
RENDERED_BYTES = 64 * 1024 * 1024


class ResourceHistory(Protocol):
    """What a resource's page and data documents say of its history (see
    :mod:`projectgraph.web.harvest.history`)."""

    def links(self, urls: Urls, iri: str) -> list[str]:
        """Link header values: TimeGate, TimeMap, version history."""
        ...

    def last_changed(self, iri: str) -> Release | None:
        """The last release that changed ``iri``."""
        ...

    def page_url(self, urls: Urls, iri: str) -> str | None:
        """The history page of ``iri``."""
        ...


class Site:
    """The resource pages and documents of one served build."""

    def __init__(
        self,
        settings: Settings,
        engine: QueryEngine,
        build: ServedBuild,
        metadata: list[ox.Triple],
        context: dict[str, Any],
    ) -> None:
        self.settings = settings
        self.build = build
        self.describer = Describer(engine, settings.query_timeout)
        self.metadata = metadata  # VoID/DCAT of the build: the dataset, catalogue, distributions
        # Metadata triples by the resource they describe (hash parts with their resource):
        # ours only; what the metadata says of others' IRIs (a country as a dct:Location,
        # a licence) is in VoID, and their pages come from the store.
        self._metadata_index: dict[str, list[ox.Triple]] = {}
        own = parse_base(settings.base_iri)
        for t in metadata:
            subject = subject_of(t).value.split("#")[0]
            if subject.startswith(own):
                self._metadata_index.setdefault(subject, []).append(t)
        self.context = context  # the JSON-LD context of data documents
        self._prefixes = all_prefixes(settings.base_iri)
        self._vocabulary: dict[str, str] | None = None
        self._version: str | None = None  # the ontology's version IRI, "" for none
        self.page_size = settings.page_size  # links to a resource, or browse entries, a page
        # Rendered bytes by (kind of document, public base, resource, format, page).
        self.rendered = ResultCache(RENDERED_ENTRIES, RENDERED_BYTES)
        # Named-query answers the figures of pages draw from (the app sets the API's).
        self.answers: panels.Answers | None = None
        self.history: ResourceHistory | None = None  # the releases that changed a resource

    # --- shared pieces ---------------------------------------------------------------------

    def urls(self, request: Request) -> Urls:
        return Urls(
            base_map(self.settings.base_iri, public_base(request, self.settings.trusted_proxies))
        )

    def ontology_graph(self) -> str | None:
        return self.build.ontology_graph

    async def vocabulary(self) -> dict[str, str]:
        """Labels of the ontology's terms (fetched once per server)."""
        if self._vocabulary is None:
            graph = self.ontology_graph()
            label = "<http://www.w3.org/2000/01/rdf-schema#label>"
            query = f"CONSTRUCT {{ ?t {label} ?l }} WHERE {{ ?t {label} ?l }}"
            triples = await self.describer.construct(query, graph) if graph else []
            self._vocabulary = vocabulary_labels(triples)
        return self._vocabulary

    async def ontology_version(self, graph: str) -> str | None:
        """The ontology's owl:versionIRI (fetched once per server)."""
        if self._version is None:
            version = "<http://www.w3.org/2002/07/owl#versionIRI>"
            query = f"CONSTRUCT {{ ?o {version} ?v }} WHERE {{ ?o {version} ?v }}"
            found = await self.describer.construct(query, graph)
            versions = [t.object.value for t in found if isinstance(t.object, ox.NamedNode)]
            self._version = versions[0] if versions else ""
        return self._version or None

    async def described(self, iri: str, depth: int, number: int = 1) -> Described:
        """The (canonical) description of ``iri`` with page ``number`` of the links to it: from
        the build's metadata for the dataset, catalogue and distributions (a page of links
        there, all of them), from the store for everything else."""
        if iri not in self._metadata_index:
            return await self.describer.describe(iri, depth, number, self.page_size)
        node = ox.NamedNode(iri)
        inbound = [t for t in self.metadata if t.object == node] if number == 1 else []
        found = [*self._metadata_index[iri], *inbound]
        found += await self.describer.labels(
            {t.object.value for t in found if isinstance(t.object, ox.NamedNode)}
        )
        return Described(found, len(inbound), more=False)

    async def description(self, described: Described, iri: str, urls: Urls) -> Description:
        return Description(iri, described.triples, urls, await self.vocabulary())

    def links(self, urls: Urls, iri: str) -> str:
        """The Link header listing the page and data documents about ``iri``, and its history
        when there are releases."""
        links = [f'<{urls.page(iri)}>; rel="alternate"; type="text/html"']
        links += [
            f'<{urls.data(iri, key)}>; rel="alternate"; type="{f.media_type}"'
            for key, f in DATA_FORMATS.items()
        ]
        if self.history is not None:
            links += self.history.links(urls, iri)
        return ", ".join(links)

    def paged(
        self, request: Request, iri: str, described: Described, number: int
    ) -> Response | None:
        """A 404 for a page of links past the last (None when ``described`` is a page)."""
        if described.found and (number == 1 or described.inbound):
            return None
        accept = request.headers.get("accept")
        if not described.found:
            return error_response(404, f"nothing is known about {iri}", accept)
        return error_response(404, f"{iri} has no page {number} of links to it", accept)

    def page_context(self, request: Request, urls: Urls, **extra: Any) -> dict[str, Any]:
        """What every page template gets."""
        return {
            "title": self.settings.dataset.title,
            "public": urls.base.public,
            "static": urls.base.public + "static",
            "build_id": self.build.build_id,
            "money": money,
            "long_date": long_date,
            "partners": partners,
            "by_position": by_position,
            **{name.lower(): Terms(ns) for name, ns in TEMPLATE_NAMESPACES.items()},
            **extra,
        }

    # --- routes ------------------------------------------------------------------------------

    async def dereference(self, request: Request, kind: str, slug: str) -> Response:
        urls = self.urls(request)
        iri = urls.iri(kind, slug)
        if iri is None or kind in EXTERNAL_KINDS or not await self._exists(iri):
            return await self.not_found(request, urls)
        accept = request.headers.get("accept")
        key = representation(accept)
        if key is None:
            return error_response(406, f"{iri} is available as {AVAILABLE}", accept)
        target = urls.page(iri) if key == "html" else urls.data(iri, key)
        return Response(
            status_code=303,
            headers={
                "Location": str(target),
                "Vary": "Accept",
                "Link": self.links(urls, iri),
                "Cache-Control": "public, max-age=3600",
            },
        )

    async def page(self, request: Request, kind: str, slug: str) -> Response:
        urls = self.urls(request)
        iri = urls.iri(kind, slug)
        if iri is None:
            return await self.not_found(request, urls)
        number = requested_page(request)
        if isinstance(number, Response):
            return number
        key = ("page", urls.base.public, iri, "html", str(number))
        make = partial(self._page, request, urls, kind, iri, number)
        return await kept(request, self.rendered, self.build.build_id, key, make)

    async def _page(
        self, request: Request, urls: Urls, kind: str, iri: str, number: int
    ) -> CachedResponse | Response:
        described = await self.described(iri, PAGE_DEPTH.get(kind, 2), number)
        if not described.found:
            return await self.not_found(request, urls)
        missing = self.paged(request, iri, described, number)
        if missing is not None:
            return missing
        d = await self.description(described, iri, urls)
        pages = Pages(str(urls.page(iri)), number, described.more)
        figures = await panels.page(kind, iri, d, urls, self.answers) if number == 1 else []
        html = render(
            TEMPLATES.get(kind, "resource.html"),
            d=d,
            kind=kind,
            iri=iri,
            figures=figures,
            jsonld=script_json(describe_jsonld(d)),
            alternates=[(f.media_type, urls.data(iri, key)) for key, f in DATA_FORMATS.items()],
            pages=pages,
            changed=None if self.history is None else self.history.last_changed(iri),
            history=None if self.history is None else self.history.page_url(urls, iri),
            **self.page_context(request, urls),
        )
        link = ", ".join([self.links(urls, iri), *pages.links()])
        return CachedResponse(html.encode(), {"Content-Type": HTML_TYPE, "Link": link})

    async def data(self, request: Request, kind: str, file: str) -> Response:
        urls = self.urls(request)
        slug, _, extension = file.rpartition(".")
        fmt = DATA_FORMATS.get(extension)
        iri = urls.iri(kind, slug) if fmt else None
        if fmt is None or iri is None:
            return error_response(
                404, f"no data document /data/{kind}/{file}", request.headers.get("accept")
            )
        number = requested_page(request)
        if isinstance(number, Response):
            return number
        key = ("data", urls.base.public, iri, fmt.key, str(number))
        make = partial(self._data, request, urls, iri, fmt, number)
        return await kept(request, self.rendered, self.build.build_id, key, make)

    async def _data(
        self, request: Request, urls: Urls, iri: str, fmt: Format, number: int
    ) -> CachedResponse | Response:
        described = await self.described(iri, 1, number)
        missing = self.paged(request, iri, described, number)
        if missing is not None:
            return missing
        pages = Pages(str(urls.data(iri, fmt.key)), number, described.more)
        # The Hydra view names the canonical document, like every IRI of the body.
        view = Pages(str(urls.canonical.data(iri, fmt.key)), number, described.more)
        body = self.serialize(described.triples + view.hydra(), fmt)
        headers = {
            "Content-Type": fmt.content_type(),
            "Content-Location": pages.here,
            "Link": ", ".join([self.links(urls, iri), *pages.links()]),
        }
        return CachedResponse(body, headers)

    def serialize(self, triples: list[ox.Triple], fmt: Format) -> bytes:
        """A data document: canonical IRIs whatever host served it (the IRIs the dumps and
        SPARQL name), prefixed Turtle, JSON-LD compacted with our context."""
        ordered = sorted(set(triples), key=triple_key)
        if fmt.key == "jsonld":
            return compact_jsonld(ordered, self.context)
        if fmt.key == "ttl":
            return turtle(ordered, used_prefixes(ordered, self._prefixes))
        assert isinstance(fmt.ox_format, ox.RdfFormat)  # DATA_FORMATS are graph formats
        body = ox.serialize(ordered, format=fmt.ox_format)
        assert body is not None  # without an output file, serialize returns the bytes
        return body

    async def embed(self, request: Request, kind: str, file: str) -> Response:
        urls = self.urls(request)
        slug, _, extension = file.rpartition(".")
        iri = urls.iri(kind, slug) if extension == "jsonld" else None
        if iri is None:
            return error_response(
                404, f"no embeddable document /embed/{kind}/{file}", request.headers.get("accept")
            )
        number = requested_page(request)
        if isinstance(number, Response):
            return number
        key = ("embed", urls.base.public, iri, "jsonld", str(number))
        make = partial(self._embed, request, urls, kind, iri, number)
        return await kept(request, self.rendered, self.build.build_id, key, make)

    async def _embed(
        self, request: Request, urls: Urls, kind: str, iri: str, number: int
    ) -> CachedResponse | Response:
        described = await self.described(iri, PAGE_DEPTH.get(kind, 2), number)
        missing = self.paged(request, iri, described, number)
        if missing is not None:
            return missing
        d = await self.description(described, iri, urls)
        body = script_json(describe_jsonld(d))  # escaped the same way as in the page
        pages = Pages(str(urls.embed(iri)), number, described.more)
        headers = {"Content-Type": "application/ld+json; charset=utf-8"}
        if pages.paged:
            headers["Link"] = ", ".join(pages.links())
        return CachedResponse(body.encode(), headers)

    async def ontology(self, request: Request, extension: str = "") -> Response:
        urls = self.urls(request)
        graph = self.ontology_graph()
        if graph is None:
            return error_response(
                404, "this build has no ontology graph", request.headers.get("accept")
            )
        if extension.startswith("/"):  # the version IRI: the current version is served
            version = await self.ontology_version(graph)
            if ONTOLOGY_IRI + extension != version:
                return error_response(
                    404,
                    f"no ontology {ONTOLOGY_IRI + extension}: this build has {version}",
                    request.headers.get("accept"),
                )
            extension = ""
        extension = extension.lstrip(".")
        if not extension:
            chosen = representation(request.headers.get("accept"))
            if chosen is None:
                return error_response(406, f"the ontology is available as {AVAILABLE}", None)
            extension = chosen
        fmt = DATA_FORMATS.get(extension)
        if fmt is None and extension != "html":
            return error_response(
                404, f"no ontology document .{extension}", request.headers.get("accept")
            )
        key = ("ontology", urls.base.public, ONTOLOGY_IRI, extension, "1")
        make = partial(self._ontology, request, urls, graph, extension, fmt)
        return await kept(request, self.rendered, self.build.build_id, key, make)

    async def _ontology(
        self, request: Request, urls: Urls, graph: str, extension: str, fmt: Format | None
    ) -> CachedResponse:
        """The ontology as HTML (``fmt`` None) or in an RDF format."""
        headers = {"Vary": "Accept", "Content-Location": f"{urls.base.public}ontology.{extension}"}
        triples = await self.describer.construct("CONSTRUCT WHERE { ?s ?p ?o }", graph)
        if fmt is None:
            d = Description(ONTOLOGY_IRI, triples, urls, vocabulary_labels(triples))
            html = render("ontology.html", d=d, **self.page_context(request, urls))
            return CachedResponse(html.encode(), {"Content-Type": HTML_TYPE, **headers})
        body = self.serialize(triples, fmt)
        return CachedResponse(body, {"Content-Type": fmt.content_type(), **headers})

    async def browse(self, request: Request, kind: str) -> Response:
        urls = self.urls(request)
        if kind not in BROWSE:
            return await self.not_found(request, urls)
        number = requested_page(request)
        if isinstance(number, Response):
            return number
        key = ("browse", urls.base.public, kind, "html", str(number))
        make = partial(self._browse, request, urls, kind, number)
        return await kept(request, self.rendered, self.build.build_id, key, make)

    async def _browse(
        self, request: Request, urls: Urls, kind: str, number: int
    ) -> CachedResponse | Response:
        title, classes, extra = BROWSE[kind]
        size = self.page_size
        found = await self.describer.members(
            classes, (number - 1) * size, size + 1, extra.replace("?x", "?_x")
        )
        if number > 1 and not found:
            return error_response(
                404, f"no page {number} of /browse/{kind}", request.headers.get("accept")
            )
        listed = [s for s, _ in found[:size]]
        d = Description("", await self.describer.labels(listed), urls, await self.vocabulary())
        pages = Pages(f"{urls.base.public}browse/{kind}", number, len(found) > size)
        html = render(
            "list.html",
            d=d,
            heading=title,
            kind=kind,
            items=sorted(listed, key=lambda i: (d.label(i).lower(), i)),  # the page's, by name
            pages=pages,
            **self.page_context(request, urls),
        )
        headers = {"Content-Type": HTML_TYPE}
        if pages.paged:
            headers["Link"] = ", ".join(pages.links())
        return CachedResponse(html.encode(), headers)

    async def not_found(self, request: Request, urls: Urls) -> Response:
        accept = request.headers.get("accept")
        path = request.url.path
        if negotiate(accept, [HTML, "application/json", "text/plain"]) == HTML:
            html = render(
                "not_found.html", path=path, browse=BROWSE, **self.page_context(request, urls)
            )
            return HTMLResponse(html, status_code=404)
        return error_response(404, f"nothing is known about {path}", accept)

    async def _exists(self, iri: str) -> bool:
        if iri in self._metadata_index:
            return True
        return await self.describer.exists(iri)


def representation(accept: str | None) -> str | None:
    """What ``accept`` asks of a document served as HTML or RDF: "html", a key of
    :data:`DATA_FORMATS` (ttl, jsonld, nt, rdf), or None when nothing offered is acceptable."""
    chosen = negotiate(accept, OFFERS)
    if chosen is None:
        return None
    if chosen in (HTML, "application/xhtml+xml"):
        return "html"
    return next(k for k, f in DATA_FORMATS.items() if chosen in f.media_types)


def requested_page(request: Request) -> int | Response:
    """The page ``?page=`` asks for (1 without it), or the 400 a bad value gets."""
    number = page_number(request.query_params.get("page"))
    if number is None:
        return error_response(400, BAD_PAGE, request.headers.get("accept"))
    return number
