"""What harvesters and crawlers read: VoID, the DCAT-AP catalogue, dumps, sitemap, robots.txt,
and the home page that introduces the dataset.

The VoID/DCAT description is the build's ``void.ttl`` plus what only the server knows (its
SPARQL endpoint), with IRIs mapped to the request's public base. Dumps are served from the
build folder, only the files the build's manifest lists, with strong ETags (their SHA-256),
Last-Modified, and 304 answers to conditional requests.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from projectgraph.publish.releases import ReleaseError
from projectgraph.publish.void import dataset_iri, describe_releases
from projectgraph.rdf.conneg import negotiate
from projectgraph.rdf.vocab import DCAT, DCT, EURIO, FOAF, ORG, PG, SCHEMA, VOID
from projectgraph.web.api.result_cache import CachedResponse
from projectgraph.web.caching import cached, etag, kept, stored_file
from projectgraph.web.errors import error_response
from projectgraph.web.figures import panels
from projectgraph.web.harvest.changes import Changes
from projectgraph.web.harvest.history import History
from projectgraph.web.linked_data.schema_org import dataset, script_json
from projectgraph.web.linked_data.site import BROWSE, Site, representation
from projectgraph.web.linked_data.urls import DATA_FORMATS, Urls
from projectgraph.web.linked_data.view import Description
from projectgraph.web.pages import render
from projectgraph.web.terms import subject_of

_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HOME_PROJECTS = 20  # projects listed on the home page
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (the sitemaps.org limit)
# Media types of the files a build publishes.
DUMP_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".gz": "application/gzip",
    ".zst": "application/zstd",
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".json": "application/json",
}
COUNTED = {  # what the home page counts: label -> class
    "projects": str(EURIO.Project),
    "organisations": str(EURIO.Organisation),
    "participations": str(ORG.Membership),
    "regions": str(EURIO.AdministrativeArea),
    "events": str(SCHEMA.Event),
    "publications": str(PG.Publication),
}


class Harvest:
    """Routes for harvesters, over one :class:`Site`."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.changes = Changes(site)
        self.history = History(site, self.changes)
        self._counts: dict[str, int] | None = None
        self._sitemap: list[str] | None = None

    def description(self, request: Request) -> list[ox.Triple]:
        """VoID + DCAT of the build, with the endpoint: canonical IRIs whatever host served it
        (what the dumps and SPARQL name; only the HTML page's links are local)."""
        canonical = self.site.urls(request).base.canonical
        dataset_node = ox.NamedNode(dataset_iri(self.site.settings))
        extra = [
            ox.Triple(
                dataset_node,
                ox.NamedNode(str(VOID.sparqlEndpoint)),
                ox.NamedNode(canonical + "sparql"),
            ),
            ox.Triple(dataset_node, ox.NamedNode(str(DCAT.landingPage)), ox.NamedNode(canonical)),
            ox.Triple(ox.NamedNode(canonical), _TYPE, ox.NamedNode(str(FOAF.Document))),
        ]
        try:
            versions = describe_releases(self.site.settings, self.changes.served())
        except ReleaseError:  # unreadable releases: the catalogue without its versions
            versions = []
        return self.site.metadata + extra + versions

    def _releases(self) -> str:
        try:
            return self.changes.state()
        except ReleaseError:
            return ""

    async def void(self, request: Request) -> Response:
        """VoID (RDF by Accept, Turtle by default: harvesters ask for */*)."""
        offers = [t for f in DATA_FORMATS.values() for t in f.media_types]
        chosen = negotiate(request.headers.get("accept"), offers)
        if chosen is None:
            return error_response(
                406, "VoID is available as Turtle, JSON-LD, N-Triples, RDF/XML", None
            )
        fmt = next(f for f in DATA_FORMATS.values() if chosen in f.media_types)
        body = self.site.serialize(self.description(request), fmt)
        tag = etag(self.site.build.build_id, "void", fmt.key, self._releases())
        return cached(request, body, fmt.content_type(), tag, {"Vary": "Accept"})

    async def catalog(self, request: Request) -> Response:
        """The DCAT-AP catalogue: an HTML page for people, RDF for harvesters."""
        chosen = representation(request.headers.get("accept"))
        if chosen is None:
            return error_response(406, "the catalogue is available as HTML and RDF", None)
        if chosen != "html":
            return await self.void(request)
        urls = self.site.urls(request)
        triples = self.description(request)
        d = Description(dataset_iri(self.site.settings), triples, urls, {})
        html = render(
            "catalog.html",
            d=d,
            dataset_jsonld=script_json(self.dataset_jsonld(d)),
            files=self.files(),
            **self.site.page_context(request, urls),
        )
        tag = etag(self.site.build.build_id, "catalog", urls.base.public, self._releases())
        return cached(request, html, "text/html; charset=utf-8", tag, {"Vary": "Accept"})

    def dataset_jsonld(self, d: Description) -> dict[str, object]:
        """schema:Dataset from the DCAT description (the markup search engines act on)."""
        iri = d.subject
        distributions = []
        for dist in d.iris(iri, str(DCAT.distribution)):
            media = d.text(dist, str(DCAT.mediaType)) or ""
            distributions.append(
                {
                    "@type": "DataDownload",
                    "name": d.text(dist, str(DCT.title)),
                    "contentUrl": d.text(dist, str(DCAT.downloadURL)),
                    "encodingFormat": media.rsplit("media-types/", 1)[-1],
                    "contentSize": d.text(dist, str(DCAT.byteSize)),
                }
            )
        start = end = None
        period = d.value(iri, str(DCT.temporal))
        if period is not None:
            start = d.text(period.value, str(DCAT.startDate))
            end = d.text(period.value, str(DCAT.endDate))
        publisher = d.value(iri, str(DCT.publisher))
        creator = (
            {
                "@type": "Organization",
                "@id": publisher.value,
                "name": d.text(publisher.value, str(FOAF.name)),
                "url": d.text(publisher.value, str(FOAF.homepage)),
            }
            if publisher
            else None
        )
        catalogues = d.referrers(str(DCAT.dataset), iri)
        return dataset(
            {
                "@id": iri,
                "name": d.text(iri, str(DCT.title)),
                "description": d.text(iri, str(DCT.description)),
                "license": d.text(iri, str(DCT.license)),
                "url": d.urls.base.canonical,
                "keywords": [k.value for k in d.values(iri, str(DCAT.keyword))],
                "isAccessibleForFree": True,
                "temporalCoverage": f"{start}/{end}" if start and end else None,
                "spatialCoverage": [
                    {"@type": "Country", "@id": c, "name": d.label(c)}
                    for c in d.iris(iri, str(DCT.spatial))
                ],
                "publisher": creator,
                "creator": creator,  # Google's Dataset guidance asks for a creator
                "identifier": iri,
                "version": self.site.build.build_id,
                "includedInDataCatalog": [
                    {"@type": "DataCatalog", "@id": c, "name": d.text(c, str(DCT.title))}
                    for c in catalogues
                ],
                "distribution": distributions,
            }
        )

    def files(self) -> list[tuple[str, int, str]]:
        """(name, bytes, sha256) of the files the build published."""
        files = self.site.build.manifest.get("files", {})
        assert isinstance(files, dict)
        return [(name, info["bytes"], info["sha256"]) for name, info in sorted(files.items())]

    async def dumps_index(self, request: Request) -> Response:
        """``/dumps/``: the build's files with their sizes and checksums, as an HTML page or,
        by Accept, as the DCAT distributions of the catalogue (RDF)."""
        chosen = representation(request.headers.get("accept"))
        if chosen is None:
            return error_response(406, "the list of files is available as HTML and RDF", None)
        if chosen != "html":
            fmt = DATA_FORMATS[chosen]
            described = self.description(request)
            distributions = {
                t.object.value
                for t in described
                if t.predicate.value == str(DCAT.distribution)
                and isinstance(t.object, ox.NamedNode)
            }
            triples = [t for t in described if subject_of(t).value.split("#")[0] in distributions]
            tag = etag(self.site.build.build_id, "dumps", fmt.key)
            body = self.site.serialize(triples, fmt)
            return cached(request, body, fmt.content_type(), tag, {"Vary": "Accept"})
        urls = self.site.urls(request)
        files = [
            (name, DUMP_TYPES.get(Path(name).suffix, "text/plain").split(";")[0], size, sha256)
            for name, size, sha256 in self.files()
        ]
        html = render("dumps.html", files=files, **self.site.page_context(request, urls))
        tag = etag(self.site.build.build_id, "dumps", urls.base.public)
        return cached(request, html, "text/html; charset=utf-8", tag, {"Vary": "Accept"})

    async def dump(self, request: Request, name: str) -> Response:
        """One published file, by name; only files the manifest lists exist here."""
        known = {n: (size, sha) for n, size, sha in self.files()}
        if name not in known:
            return error_response(
                404, f"no file {name!r} in this build; see /catalog", request.headers.get("accept")
            )
        media_type = DUMP_TYPES.get(Path(name).suffix, "text/plain; charset=utf-8")
        return stored_file(request, self.site.build.folder / name, known[name][1], media_type)

    def partition_counts(self) -> dict[str, int]:
        """Instances per class, as the build's VoID class partitions count them."""
        partitions: dict[str, str] = {}  # partition -> class
        entities: dict[str, int] = {}  # partition -> instances
        for t in self.site.metadata:
            if t.predicate.value == str(VOID["class"]) and isinstance(t.object, ox.NamedNode):
                partitions[subject_of(t).value] = t.object.value
            elif t.predicate.value == str(VOID.entities) and isinstance(t.object, ox.Literal):
                entities[subject_of(t).value] = int(t.object.value)
        return {cls: entities[p] for p, cls in partitions.items() if p in entities}

    async def counts(self) -> dict[str, int]:
        """How many projects, organisations, ... the graph holds (once per build).

        Read from the build's VoID, which counts the typed subjects of the merged graph while
        writing the dumps; a build without class partitions is counted by a query (a scan of
        every typed subject: seconds at 100,000 projects).
        """
        if self._counts is None:
            known = self.partition_counts()
            if known:
                self._counts = {label: known.get(c, 0) for label, c in COUNTED.items()}
                return self._counts
            values = " ".join(f"<{c}>" for c in COUNTED.values())
            rows = await self.site.describer.select(
                f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) "
                f"WHERE {{ VALUES ?c {{ {values} }} ?s a ?c }} GROUP BY ?c"
            )
            found = {row["c"].value: int(row["n"].value) for row in rows}
            self._counts = {label: found.get(c, 0) for label, c in COUNTED.items()}
        return self._counts

    async def home(self, request: Request) -> Response:
        """What the dataset is, how big, and every way in: rendered once per build and public
        base, like the resource pages."""
        urls = self.site.urls(request)
        key = ("home", urls.base.public)
        make = partial(self._home, request, urls)
        return await kept(request, self.site.rendered, self.site.build.build_id, key, make)

    async def _home(self, request: Request, urls: Urls) -> CachedResponse:
        triples = self.description(request)
        d = Description(dataset_iri(self.site.settings), triples, urls, {})
        projects = await self.site.describer.instances([str(EURIO.Project)], 0, HOME_PROJECTS + 1)
        listed = Description("", projects, urls, {})
        project_iris = sorted({subject_of(t).value for t in projects}, key=listed.label)
        html = render(
            "home.html",
            d=d,
            projects=project_iris[:HOME_PROJECTS],
            listed=listed,
            more_projects=len(project_iris) > HOME_PROJECTS,
            counts=await self.counts(),
            figures=await panels.home(self.site.answers, urls) if self.site.answers else [],
            browse=BROWSE,
            files=self.files(),
            dataset_jsonld=script_json(self.dataset_jsonld(d)),
            description=self.site.settings.dataset.description,
            **self.site.page_context(request, urls),
        )
        return CachedResponse(html.encode(), {"Content-Type": "text/html; charset=utf-8"})

    async def page_urls(self, request: Request) -> list[str]:
        """Every HTML page of the site, as public URLs."""
        urls = self.site.urls(request)
        if self._sitemap is None:
            prefix = ox.Literal(urls.base.canonical + "id/")
            rows = await self.site.describer.select(f"""
                SELECT DISTINCT ?s WHERE {{
                  {{ ?s a ?type .
                     FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix}) && !CONTAINS(STR(?s), "#")) }}
                  UNION {{ ?x <{PG.region}>|<{SCHEMA.location}>|<{PG.country}>|<{PG.inCountry}>
                           ?s }}
                }} ORDER BY ?s""")
            self._sitemap = [row["s"].value for row in rows]
        pages = [
            urls.base.public,
            urls.base.public + "catalog",
            urls.base.public + "ontology",
        ]
        pages += [f"{urls.base.public}browse/{kind}" for kind in BROWSE]
        pages += [p for p in (urls.page(iri) for iri in self._sitemap) if p]
        return pages

    async def sitemap(self, request: Request, number: int | None = None) -> Response:
        """``/sitemap.xml``: every page; an index of ``/sitemap-N.xml`` files past 50,000."""
        pages = await self.page_urls(request)
        public = self.site.urls(request).base.public
        chunks = [pages[i : i + SITEMAP_LIMIT] for i in range(0, len(pages), SITEMAP_LIMIT)] or [[]]
        if number is None and len(chunks) > 1:
            body = "".join(
                f"<sitemap><loc>{escape(public)}sitemap-{i}.xml</loc></sitemap>"
                for i in range(1, len(chunks) + 1)
            )
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>\n'
        else:
            index = (number or 1) - 1
            if not 0 <= index < len(chunks):
                return error_response(404, f"no sitemap {number}", request.headers.get("accept"))
            body = "".join(f"<url><loc>{escape(p)}</loc></url>" for p in chunks[index])
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n'
        tag = etag(self.site.build.build_id, "sitemap", public, str(number))
        return cached(request, xml, "application/xml", tag)

    async def robots(self, request: Request) -> Response:
        public = self.site.urls(request).base.public
        # Queries are not for crawlers (every /sparql?query=... a crawl of the graph), so
        # neither is the endpoint's page: the sitemap does not list it.
        text = (
            "User-agent: *\nDisallow: /sparql\nDisallow: /api/\nAllow: /\n"
            f"Sitemap: {public}sitemap.xml\n"
        )
        return Response(text, media_type="text/plain; charset=utf-8")
