"""Every minted IRI as a web resource (Cool URIs for the Semantic Web, 303 style).

``GET /id/{kind}/{slug}`` answers 303 See Other to the document that describes the resource,
chosen by Accept: ``/page/{kind}/{slug}`` (HTML) or ``/data/{kind}/{slug}.{ttl|jsonld|nt|rdf}``.
Pages embed schema.org JSON-LD, also served alone at ``/embed/{kind}/{slug}.jsonld``. The
ontology is one document, ``/ontology`` (HTML, or RDF by Accept), that its hash IRIs resolve to.
Everything is rendered for the request's public base (see :mod:`projectgraph.web.base`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from projectgraph.build.assemble import triple_key
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
)
from projectgraph.settings import Settings
from projectgraph.store.base import QueryEngine
from projectgraph.store.loading import ServedBuild
from projectgraph.web.base import base_map, public_base
from projectgraph.web.caching import cached, etag
from projectgraph.web.errors import error_response
from projectgraph.web.linked_data.descriptions import Describer
from projectgraph.web.linked_data.schema_org import describe_jsonld, script_json
from projectgraph.web.linked_data.urls import DATA_FORMATS, EXTERNAL_KINDS, Urls
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
# What /id/ negotiates over: HTML first, so browsers and */* get the page.
OFFERS = [HTML, "application/xhtml+xml"] + [t for f in DATA_FORMATS.values() for t in f.media_types]
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
PAGE_SIZE = 100
_CACHE_SIZE = 1024


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
        # Metadata triples by the resource they describe (hash parts with their resource).
        self._metadata_index: dict[str, list[ox.Triple]] = {}
        for t in metadata:
            self._metadata_index.setdefault(subject_of(t).value.split("#")[0], []).append(t)
        self.context = context  # the JSON-LD context of data documents
        self._vocabulary: dict[str, str] | None = None
        self._descriptions: OrderedDict[tuple[str, int], list[ox.Triple]] = OrderedDict()

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

    async def triples(self, iri: str, depth: int) -> list[ox.Triple]:
        """The (canonical) description of ``iri``: from the build's metadata for the dataset,
        catalogue and distributions, from the store for everything else. Cached per build."""
        key = (iri, depth)
        if key in self._descriptions:
            self._descriptions.move_to_end(key)
            return self._descriptions[key]
        if iri in self._metadata_index:
            node = ox.NamedNode(iri)
            found = [*self._metadata_index[iri], *(t for t in self.metadata if t.object == node)]
            found += await self.describer.labels(
                {t.object.value for t in found if isinstance(t.object, ox.NamedNode)}
            )
        else:
            found = await self.describer.describe(iri, depth)
        self._descriptions[key] = found
        if len(self._descriptions) > _CACHE_SIZE:
            self._descriptions.popitem(last=False)
        return found

    async def description(self, iri: str, depth: int, urls: Urls) -> Description:
        return Description(iri, await self.triples(iri, depth), urls, await self.vocabulary())

    def links(self, urls: Urls, iri: str) -> str:
        """The Link header listing the page and data documents about ``iri``."""
        links = [f'<{urls.page(iri)}>; rel="alternate"; type="text/html"']
        links += [
            f'<{urls.data(iri, key)}>; rel="alternate"; type="{f.media_type}"'
            for key, f in DATA_FORMATS.items()
        ]
        return ", ".join(links)

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
        chosen = negotiate(accept, OFFERS)
        if chosen is None:
            available = ", ".join([HTML, *(f.media_type for f in DATA_FORMATS.values())])
            return error_response(406, f"{iri} is available as {available}", accept)
        if chosen in (HTML, "application/xhtml+xml"):
            target = urls.page(iri)
        else:
            key = next(k for k, f in DATA_FORMATS.items() if chosen in f.media_types)
            target = urls.data(iri, key)
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
        d = await self.description(iri, PAGE_DEPTH.get(kind, 2), urls)
        if not d.found:
            return await self.not_found(request, urls)
        html = render(
            TEMPLATES.get(kind, "resource.html"),
            d=d,
            kind=kind,
            iri=urls.base.to_public(iri),
            jsonld=script_json(describe_jsonld(d)),
            alternates=[(f.media_type, urls.data(iri, key)) for key, f in DATA_FORMATS.items()],
            **self.page_context(request, urls),
        )
        tag = etag(self.build.build_id, "page", urls.base.public, iri)
        return cached(
            request, html, "text/html; charset=utf-8", tag, {"Link": self.links(urls, iri)}
        )

    async def data(self, request: Request, kind: str, file: str) -> Response:
        urls = self.urls(request)
        slug, _, extension = file.rpartition(".")
        fmt = DATA_FORMATS.get(extension)
        iri = urls.iri(kind, slug) if fmt else None
        if fmt is None or iri is None:
            return error_response(
                404, f"no data document /data/{kind}/{file}", request.headers.get("accept")
            )
        triples = await self.triples(iri, 1)
        if not triples:
            return error_response(
                404, f"nothing is known about {iri}", request.headers.get("accept")
            )
        body = self.serialize(urls, triples, fmt)
        tag = etag(self.build.build_id, "data", urls.base.public, iri, fmt.key)
        return cached(
            request,
            body,
            fmt.content_type(),
            tag,
            {"Content-Location": str(urls.data(iri, fmt.key)), "Link": self.links(urls, iri)},
        )

    def serialize(self, urls: Urls, triples: list[ox.Triple], fmt: Format) -> bytes:
        """A data document: public IRIs, prefixed Turtle, JSON-LD compacted with our context."""
        public = sorted(set(urls.base.triples(triples)), key=triple_key)
        if fmt.key == "jsonld":
            return compact_jsonld(public, self.context)
        if fmt.key == "ttl":
            return turtle(public, used_prefixes(public, all_prefixes(urls.base.public.rstrip("/"))))
        assert isinstance(fmt.ox_format, ox.RdfFormat)  # DATA_FORMATS are graph formats
        body = ox.serialize(public, format=fmt.ox_format)
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
        d = await self.description(iri, PAGE_DEPTH.get(kind, 2), urls)
        if not d.found:
            return error_response(
                404, f"nothing is known about {iri}", request.headers.get("accept")
            )
        tag = etag(self.build.build_id, "embed", urls.base.public, iri)
        body = script_json(describe_jsonld(d))  # escaped the same way as in the page
        return cached(request, body, "application/ld+json; charset=utf-8", tag)

    async def ontology(self, request: Request, extension: str = "") -> Response:
        urls = self.urls(request)
        graph = self.ontology_graph()
        if graph is None:
            return error_response(
                404, "this build has no ontology graph", request.headers.get("accept")
            )
        triples = await self.describer.construct("CONSTRUCT WHERE { ?s ?p ?o }", graph)
        extension = extension.lstrip(".")
        if not extension:
            chosen = negotiate(request.headers.get("accept"), OFFERS)
            if chosen is None:
                return error_response(
                    406,
                    "the ontology is available as HTML, Turtle, JSON-LD, N-Triples, RDF/XML",
                    None,
                )
            extension = (
                "html"
                if chosen in (HTML, "application/xhtml+xml")
                else next(k for k, f in DATA_FORMATS.items() if chosen in f.media_types)
            )
        headers = {"Vary": "Accept", "Content-Location": f"{urls.base.public}ontology.{extension}"}
        tag = etag(self.build.build_id, "ontology", urls.base.public, extension)
        if extension == "html":
            d = Description(ONTOLOGY_IRI, triples, urls, vocabulary_labels(triples))
            html = render("ontology.html", d=d, **self.page_context(request, urls))
            return cached(request, html, "text/html; charset=utf-8", tag, headers)
        fmt = DATA_FORMATS.get(extension)
        if fmt is None:
            return error_response(
                404, f"no ontology document .{extension}", request.headers.get("accept")
            )
        return cached(request, self.serialize(urls, triples, fmt), fmt.content_type(), tag, headers)

    async def browse(self, request: Request, kind: str) -> Response:
        urls = self.urls(request)
        if kind not in BROWSE:
            return await self.not_found(request, urls)
        title, classes, extra = BROWSE[kind]
        try:
            number = max(int(request.query_params.get("page", "1")), 1)
        except ValueError:
            number = 1
        triples = await self.describer.instances(
            classes, (number - 1) * PAGE_SIZE, PAGE_SIZE + 1, extra.replace("?x", "?_x")
        )
        d = Description("", triples, urls, await self.vocabulary())
        typed = (t for t in triples if t.predicate.value.endswith("#type"))
        items = sorted({subject_of(t).value for t in typed})
        html = render(
            "list.html",
            d=d,
            heading=title,
            kind=kind,
            items=items[:PAGE_SIZE],
            number=number,
            more=len(items) > PAGE_SIZE,
            **self.page_context(request, urls),
        )
        tag = etag(self.build.build_id, "browse", urls.base.public, kind, str(number))
        return cached(request, html, "text/html; charset=utf-8", tag)

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
