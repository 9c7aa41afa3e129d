"""``/api/queries``: the named-query API (:mod:`projectgraph.web.api.operations`), one operation per
query, and its reference: ``/openapi.json`` (with this server in ``servers``, so "Try it out"
on ``/docs`` works behind a proxy that mounts the site under a prefix) and ``/docs`` (Swagger
UI from the app's static files: the page needs no CDN)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from projectgraph.sparql.named import NamedQuery
from projectgraph.web.api.operations import PREFIX, NamedQueryApi, error_response
from projectgraph.web.base import BadHost, public_base
from projectgraph.web.errors import error_response as document_error
from projectgraph.web.pages import render


def api_router(api: NamedQueryApi) -> APIRouter:
    """The listing, one operation per query of ``api``, and the API reference."""
    router = APIRouter()
    router.add_api_route(
        PREFIX,
        api.listing,
        methods=["GET"],
        summary="The named queries, with their parameters",
        description="Every query of this API: name, summary, parameters (type, default, "
        "allowed values), formats, and its SPARQL.",
        operation_id="list_queries",
        tags=["named queries"],
        response_class=Response,
        openapi_extra=api.docs.listing_operation(),
    )
    router.add_api_route(PREFIX, api.listing, methods=["HEAD"], include_in_schema=False)
    for query in api.queries.values():
        endpoint = _runs(api, query)
        router.add_api_route(
            f"{PREFIX}/{query.name}",
            endpoint,
            methods=["GET"],
            name=f"query:{query.name}",
            summary=query.summary,
            description=api.docs.description(query),
            tags=[api.docs.tag(query)],
            operation_id=f"run_{query.name.replace('-', '_')}",
            response_class=Response,
            openapi_extra=api.docs.operation(query),
        )
        router.add_api_route(
            f"{PREFIX}/{query.name}", endpoint, methods=["HEAD"], include_in_schema=False
        )

    async def unknown(request: Request, name: str) -> Response:
        known = ", ".join(api.queries) or "none"
        return error_response(
            404, f"no named query {name!r}; known: {known}", request.headers.get("accept")
        )

    router.add_api_route(
        f"{PREFIX}/{{name}}", unknown, methods=["GET", "HEAD"], include_in_schema=False
    )

    async def openapi_json(request: Request) -> Response:
        """The OpenAPI document of the app this router is in, naming this server."""
        try:
            public = public_base(request, api.settings.trusted_proxies)
        except BadHost as e:
            return document_error(400, str(e), request.headers.get("accept"))
        document = api.docs.document(request.app, api.warmed)
        schema = {**document, "servers": [{"url": public.rstrip("/")}]}
        return Response(json.dumps(schema, ensure_ascii=False), media_type="application/json")

    async def docs(request: Request) -> HTMLResponse:
        # Relative URLs: they keep working behind a proxy that adds a path prefix. The
        # page starts Swagger UI from a file (static/docs-page.js): no inline script.
        return HTMLResponse(render("docs.html", title=f"{request.app.title}: API reference"))

    methods = ["GET", "HEAD"]
    router.add_api_route("/openapi.json", openapi_json, methods=methods, include_in_schema=False)
    router.add_api_route("/docs", docs, methods=methods, include_in_schema=False)
    return router


def _runs(api: NamedQueryApi, query: NamedQuery) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint running ``query`` (its only argument is the request: FastAPI reads no
    parameters from its signature, the API checks them itself)."""

    async def endpoint(request: Request) -> Response:
        return await api.run(request, query)

    return endpoint
