"""Search and faceted lists: ``/search`` and ``/projects``, ``/organisations`` (with ``.csv`` and
``.json``), read from the build's search index (:mod:`projectgraph.web.search.index`).

HTML works without JavaScript (forms and links; a small script of our own adds suggestions as
you type). Every list URL is stable and can be bookmarked; the same URL with ``.csv`` or
``.json`` gives the whole filtered list, streamed. Bad parameters are a 400 naming the
parameter; a build without an index answers 503.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from projectgraph.publish.search_index import COLUMNS, FACETS, KINDS, csv_line
from projectgraph.rdf.conneg import negotiate
from projectgraph.web.caching import MAX_AGE, cached, etag, not_modified
from projectgraph.web.document_routes import add_document_route
from projectgraph.web.errors import error_response
from projectgraph.web.linked_data.site import HTML, HTML_TYPE, Site
from projectgraph.web.linked_data.urls import Urls
from projectgraph.web.pages import render
from projectgraph.web.search.index import MARK_END, MARK_START, SORTS, Hit, SearchIndex, Value
from projectgraph.web.search.query import (
    LIST_SIZE,
    PAGE_SIZE,
    BadParameter,
    ListQuery,
    SearchQuery,
)

JSON = "application/json"
CSV = "text/csv; charset=utf-8"
LISTS = {"project": "projects", "organisation": "organisations"}  # kind -> path
HEADINGS = {"project": "Projects", "organisation": "Organisations"}
KIND_NAMES = {
    "project": "Projects",
    "organisation": "Organisations",
    "region": "Regions",
    "country": "Countries",
    "topic": "Topics",
    "programme": "Programmes",
}
CLUSTER_LABELS = {"yes": "With a cluster organisation", "no": "Without"}
FACET_VALUES = 100  # values a facet links to, most common first (10 shown, the rest folded)
SORT_LABELS = {
    "acronym": "acronym",
    "start": "start date",
    "budget": "budget",
    "name": "name",
    "projects": "projects",
}


def snippet_html(snippet: str) -> str:
    """A snippet as HTML: its text escaped, the match in ``<mark>``."""
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def _wants(request: Request, params: dict[str, list[str]], extension: str) -> str:
    """``html``, ``json`` or ``csv``: by extension, then ``format``, then Accept."""
    if extension:
        return extension
    chosen = params.pop("format", None)
    if chosen is not None:
        if len(chosen) > 1:
            raise BadParameter("format", "is given more than once")
        if chosen[0] not in ("html", "json", "csv"):
            raise BadParameter("format", "must be html, json or csv")
        return chosen[0]
    return "json" if negotiate(request.headers.get("accept"), [HTML, JSON]) == JSON else "html"


class Search:
    """The search routes of one served build."""

    def __init__(self, site: Site, index: SearchIndex | None, why: str) -> None:
        self.site = site
        self.index = index
        self.why = why  # why there is no index, when there is none

    def _unavailable(self, request: Request) -> Response:
        message = f"this build has no search index ({self.why})"
        return error_response(503, message, request.headers.get("accept"))

    def _link(self, urls: Urls, iri: str) -> str:
        return urls.page(iri) or iri

    # --- /search -------------------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        accept = request.headers.get("accept")
        params = _params(request)
        try:
            wanted = _wants(request, params, "")
            query = SearchQuery.parse(params)
        except BadParameter as e:
            return error_response(400, str(e), accept, {"parameter": e.parameter})
        if wanted == "csv":
            return error_response(400, "format: /search answers html or json", accept)
        if self.index is None:
            return self._unavailable(request)
        urls = self.site.urls(request)
        counts: dict[str, int] = {}
        hits: list[Hit] = []
        if query.match is not None:
            offset = (query.page - 1) * PAGE_SIZE
            # SQLite off the event loop: other requests go on meanwhile.
            counts, hits = await run_in_threadpool(
                self.index.search, query.match, query.kind, offset, PAGE_SIZE
            )
        total = counts.get(query.kind, 0) if query.kind else sum(counts.values())
        more = query.page * PAGE_SIZE < total
        base = f"{urls.base.public}search"
        tag = etag(self.site.build.build_id, "search", wanted, base, str(request.url.query))

        def at(page: int, kind: str | None = query.kind) -> str:
            pairs = [("q", query.text)] + ([("type", kind)] if kind else [])
            pairs += [("page", str(page))] if page > 1 else []
            return f"{base}?{urlencode(pairs)}"

        if wanted == "json":
            body = {
                "q": query.text,
                "type": query.kind,
                "page": query.page,
                "total": total,
                "counts": {k: counts.get(k, 0) for k in KINDS},
                "hits": [
                    {
                        "type": h.kind,
                        "label": h.label,
                        "iri": h.iri,
                        "page": self._link(urls, h.iri),
                        "snippet": h.snippet.replace(MARK_START, "").replace(MARK_END, ""),
                        "snippet_html": snippet_html(h.snippet),
                    }
                    for h in hits
                ],
                "next": at(query.page + 1) if more else None,
            }
            text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
            return cached(request, text, JSON, tag, {"Vary": "Accept"})
        page = render(
            "search.html",
            query=query,
            total=total,
            counts=[(k, KIND_NAMES[k], counts.get(k, 0), at(1, k)) for k in KINDS],
            all_link=at(1, None),
            hits=[
                (h, KIND_NAMES[h.kind], self._link(urls, h.iri), snippet_html(h.snippet))
                for h in hits
            ],
            previous=at(query.page - 1) if query.page > 1 else None,
            next=at(query.page + 1) if more else None,
            **self.site.page_context(request, urls),
        )
        return cached(request, page, HTML_TYPE, tag, {"Vary": "Accept"})

    # --- /projects, /organisations -------------------------------------------------------------

    async def listing(self, request: Request, kind: str, extension: str = "") -> Response:
        accept = request.headers.get("accept")
        if self.index is None:
            return self._unavailable(request)
        params = _params(request)
        try:
            wanted = _wants(request, params, extension)
            query = ListQuery.parse(kind, params, self.index)
        except BadParameter as e:
            return error_response(400, str(e), accept, {"parameter": e.parameter})
        urls = self.site.urls(request)
        public = urls.base.public
        tag = etag(self.site.build.build_id, kind, wanted, public, str(request.url.query))
        if wanted == "csv":
            return self._download(request, query, tag, "csv", self._csv(query))
        if wanted == "json":
            return self._download(request, query, tag, "json", self._json(query))
        if not_modified(request, tag):
            return cached(request, b"", HTML_TYPE, tag)
        return await run_in_threadpool(self._page, request, query, urls, tag)

    def _download(
        self, request: Request, query: ListQuery, tag: str, extension: str, body: Iterator[str]
    ) -> Response:
        """The whole list, streamed as it is read (not capped at a page)."""
        headers = {
            "ETag": tag,
            "Cache-Control": f"public, max-age={MAX_AGE}",
            "Content-Disposition": f'inline; filename="{LISTS[query.kind]}.{extension}"',
            "Vary": "Accept",
        }
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        media = CSV if extension == "csv" else JSON
        return StreamingResponse(
            (chunk.encode() for chunk in body), media_type=media, headers=headers
        )

    def _csv(self, query: ListQuery) -> Iterator[str]:
        assert self.index is not None
        selected = self.index.select(query.kind, query.filters, query.match)
        batch = [csv_line(COLUMNS[query.kind])]
        for row in self.index.rows(selected, query.sort, query.descending):
            batch.append(row.csv)  # kept made by the build
            if len(batch) >= 2000:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch)

    def _json(self, query: ListQuery) -> Iterator[str]:
        assert self.index is not None
        index = self.index
        selected = index.select(query.kind, query.filters, query.match)
        total = index.count(selected)
        facets = index.facets(selected)
        head = {
            "total": total,
            "q": query.text,
            "filters": query.filters,
            "sort": ("-" if query.descending else "") + query.sort,
            "columns": list(COLUMNS[query.kind]),
            "facets": {
                name: [
                    {"value": v.value, "label": v.label, "iri": v.iri, "count": v.count}
                    for v in values
                ]
                for name, values in facets.items()
            },
        }
        text = json.dumps(head, ensure_ascii=False)
        yield text[:-1] + ', "items": ['
        columns = COLUMNS[query.kind]
        rows = index.rows(selected, query.sort, query.descending)
        batch: list[str] = []
        for n, row in enumerate(rows):
            item = dict(zip(columns, row.decoded(), strict=True))
            batch.append(("\n" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            if len(batch) == 1000:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch) + "\n]}\n"

    def _page(self, request: Request, query: ListQuery, urls: Urls, tag: str) -> Response:
        assert self.index is not None
        index, kind = self.index, query.kind
        path = f"{urls.base.public}{LISTS[kind]}"

        def href(changes: dict[str, object] | None = None, suffix: str = "") -> str:
            pairs = query.params(**(changes or {}))
            return f"{path}{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")

        selected = index.select(kind, query.filters, query.match)
        total = index.count(selected)
        offset = (query.page - 1) * LIST_SIZE
        rows = list(index.rows(selected, query.sort, query.descending, offset, LIST_SIZE))
        counted = index.facets(selected)
        shown = []
        for f in FACETS[kind]:
            chosen = query.filters.get(f.name, [])
            entries = []
            for v in counted[f.name][:FACET_VALUES]:  # links for these only (2,000 regions)
                label = _value_label(f.name, v)
                ticked = v.value in chosen
                values = [c for c in chosen if c != v.value] if ticked else [*chosen, v.value]
                entries.append((label, v.count, ticked, href({f.name: values})))
            shown.append((f, entries, len(counted[f.name])))
        labels = {
            (name, v.value): _value_label(name, v) for name, vs in counted.items() for v in vs
        }
        sorts = [
            (SORT_LABELS[s], href({"sort": s}), href({"sort": f"-{s}"}), s == query.sort)
            for s in SORTS[kind]
        ]
        page = render(
            "items.html",
            kind=kind,
            heading=HEADINGS[kind],
            query=query,
            total=total,
            rows=[(r.label, self._link(urls, str(v[0])), v) for r in rows for v in [r.decoded()]],
            columns=COLUMNS[kind],
            facets=shown,
            chosen=[
                (
                    f.heading,
                    labels.get((f.name, v), v),
                    href({f.name: [c for c in query.filters[f.name] if c != v]}),
                )
                for f in FACETS[kind]
                for v in query.filters.get(f.name, [])
            ],
            sorts=sorts,
            action=path,
            hidden=[(k, v) for k, v in query.params() if k not in ("q", "page")],
            clear=path,
            downloads={"CSV": href(suffix=".csv"), "JSON": href(suffix=".json")},
            first=offset + 1,
            last=offset + len(rows),
            previous=href({"page": query.page - 1}) if query.page > 1 else None,
            next=href({"page": query.page + 1}) if offset + len(rows) < total else None,
            **self.site.page_context(request, urls),
        )
        return cached(request, page, HTML_TYPE, tag, {"Vary": "Accept"})


def _value_label(facet: str, value: Value) -> str:
    return CLUSTER_LABELS.get(value.value, value.label) if facet == "cluster" else value.label


def _query_parameter(name: str, description: str, example: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"example": example} if example else {}),
    }


LIST_EXAMPLES = {"programme": "interreg-europe", "country": "ESP", "region": "ES21", "year": "2016"}


def _list_parameters(kind: str) -> list[dict[str, Any]]:
    found = [_query_parameter("q", "Words the entries must contain (any case or accent)")]
    found += [
        {
            **_query_parameter(
                f.name,
                f"{f.heading}: a value key of the facet (repeat to require several)",
                LIST_EXAMPLES.get(f.name) if kind == "project" else None,
            ),
            "explode": True,
        }
        for f in FACETS[kind]
    ]
    sorts = [v for s in SORTS[kind] for v in (s, f"-{s}")]
    found.append(
        {
            **_query_parameter("sort", "The order (- for descending)"),
            "schema": {"type": "string", "enum": sorts},
        }
    )
    found.append(
        {**_query_parameter("page", "Page of the HTML list"), "schema": {"type": "integer"}}
    )
    return found


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The results."},
    304: {"description": "Not Modified: the client's copy (If-None-Match) is current."},
    400: {"description": "A bad parameter (the error names it)."},
    503: {"description": "This build has no search index."},
}


def search_router(search: Search) -> APIRouter:
    """The routes of ``search``."""
    router = APIRouter()

    def add(
        path: str, handler: Any, summary: str, query: list[dict[str, Any]], **fixed: Any
    ) -> None:
        add_document_route(
            router,
            path,
            handler,
            summary,
            fixed=fixed,
            tags=("search",),
            query=query,
            responses=RESPONSES,
        )

    add(
        "/search",
        search.search,
        "Search projects, organisations, regions, countries, topics and programmes",
        [
            _query_parameter("q", "What to search: words, the last one as a prefix", "hajdu"),
            {
                **_query_parameter("type", "Only hits of this type"),
                "schema": {"type": "string", "enum": list(KINDS)},
            },
            {**_query_parameter("page", "Page of hits"), "schema": {"type": "integer"}},
            {
                **_query_parameter("format", "html or json (else by Accept)"),
                "schema": {"type": "string", "enum": ["html", "json"]},
            },
        ],
    )
    for kind, path in LISTS.items():
        parameters = _list_parameters(kind)
        add(
            f"/{path}",
            search.listing,
            f"{HEADINGS[kind]}, filtered by facets (HTML)",
            parameters,
            kind=kind,
        )
        add(
            f"/{path}.csv",
            search.listing,
            f"{HEADINGS[kind]}, filtered: the whole list as CSV",
            parameters,
            kind=kind,
            extension="csv",
        )
        add(
            f"/{path}.json",
            search.listing,
            f"{HEADINGS[kind]}, filtered: the whole list as JSON, with facet counts",
            parameters,
            kind=kind,
            extension="json",
        )
    return router
