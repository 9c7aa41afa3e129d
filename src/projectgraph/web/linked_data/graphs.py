"""Named graphs as web documents: ``/graph/{source}``, where the VoID's graph IRIs lead.

A named graph is an information resource (the triples of one source file), so its IRI answers
200 itself, by Accept: the graph's triples in Turtle, JSON-LD, N-Triples or RDF/XML (what a
SPARQL ``FROM <graph>`` reads), or an HTML page with what the VoID says of it (triples,
checksum, source) and links to the triples. ``/graph/{source}.{ttl|jsonld|nt|rdf}`` names one
format, for links and for clients that cannot send Accept.

Over a remote store, which holds the merged graph and not the per-source graphs (they are in
the dumps), the RDF answer is the graph's description from the VoID instead.
"""

from __future__ import annotations

from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from projectgraph.rdf.formats import Format
from projectgraph.rdf.vocab import graph_iri
from projectgraph.web.api.result_cache import CachedResponse
from projectgraph.web.caching import kept
from projectgraph.web.errors import error_response
from projectgraph.web.linked_data.schema_org import describe_jsonld, script_json
from projectgraph.web.linked_data.site import AVAILABLE, HTML_TYPE, Site, representation
from projectgraph.web.linked_data.urls import DATA_FORMATS, Pages, Urls
from projectgraph.web.pages import render


class GraphDocuments:
    """The documents of the named graphs of one served build."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def _known(self, key: str) -> str | None:
        """The graph IRI ``key`` names in this build, or None."""
        iri = graph_iri(self.site.settings.base_iri, key)
        graphs = self.site.build.manifest.get("graphs", {})
        return iri if isinstance(graphs, dict) and iri in graphs else None

    async def __call__(self, request: Request, key: str) -> Response:
        """``GET /graph/{key}``: the graph by Accept, or in the format its extension names."""
        accept = request.headers.get("accept")
        iri, fmt = self._known(key), None
        stem, _, extension = key.rpartition(".")
        if iri is None and extension in DATA_FORMATS:
            iri, fmt = self._known(stem), DATA_FORMATS[extension]
            key = stem
        if iri is None:
            return error_response(404, f"this build has no graph /graph/{key}", accept)
        if fmt is None:
            chosen = representation(accept)
            if chosen is None:
                return error_response(406, f"{iri} is available as {AVAILABLE}", accept)
            fmt = DATA_FORMATS.get(chosen)  # None: the page
        urls = self.site.urls(request)
        cache_key = ("graph", urls.base.public, iri, fmt.key if fmt else "html", "1")
        make = partial(self._render, request, urls, iri, fmt)
        site = self.site
        response = await kept(request, site.rendered, site.build.build_id, cache_key, make)
        response.headers["Vary"] = "Accept"
        return response

    async def _render(
        self, request: Request, urls: Urls, iri: str, fmt: Format | None
    ) -> CachedResponse:
        public = urls.base.to_public(iri)
        if fmt is not None:
            if self.site.settings.store_url:  # a remote store: the graph is in the dumps only
                triples = (await self.site.described(iri, 1)).triples
            else:
                query = "CONSTRUCT WHERE { ?s ?p ?o }"
                triples = await self.site.describer.construct(query, iri)
            body = self.site.serialize(triples, fmt)
            location = f"{public}.{fmt.key}"
            headers = {"Content-Type": fmt.content_type(), "Content-Location": location}
            return CachedResponse(body, headers)
        described = await self.site.described(iri, 1)
        d = await self.site.description(described, iri, urls)
        html = render(
            "resource.html",
            d=d,
            kind="graph",
            iri=iri,
            jsonld=script_json(describe_jsonld(d)),
            alternates=[(f.media_type, f"{public}.{key}") for key, f in DATA_FORMATS.items()],
            pages=Pages(public, 1, False),
            **self.site.page_context(request, urls),
        )
        return CachedResponse(html.encode(), {"Content-Type": HTML_TYPE})
