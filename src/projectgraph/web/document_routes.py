"""How the linked-data and harvest routes are added: GET and HEAD, documented with the
responses every document route may give, with engine and Host failures as clean errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from projectgraph.web.base import BadHost
from projectgraph.web.errors import error_response
from projectgraph.web.linked_data.descriptions import DescribeError

Handler = Callable[..., Awaitable[Response]]  # (request, **path parameters) -> Response

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The document, in the format the Accept header chose."},
    303: {"description": "See Other: the page or data document of the resource."},
    304: {"description": "Not Modified: the client's copy (If-None-Match) is current."},
    400: {"description": "A bad Host or forwarded header."},
    404: {"description": "Nothing here (the error as JSON or text by Accept)."},
    406: {"description": "No format the client accepts."},
    429: {"description": "Too many requests from this client (Retry-After)."},
    503: {"description": "The store did not answer in time, or is down (Retry-After)."},
}


def guarded(handler: Handler, **fixed: Any) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint calling ``handler(request, **fixed, **path parameters)``; a bad Host
    header and an engine that cannot answer become HTTP errors instead of tracebacks."""

    async def endpoint(request: Request) -> Response:
        accept = request.headers.get("accept")
        try:
            return await handler(request, **fixed, **request.path_params)
        except BadHost as e:
            return error_response(400, str(e), accept)
        except DescribeError as e:
            status = e.error.status if e.error.status >= 500 else 503
            return error_response(status, e.error.message, accept)

    return endpoint


def add_document_route(
    router: APIRouter,
    path: str,
    handler: Handler,
    summary: str | None = None,
    name: str | None = None,
    examples: dict[str, str] | None = None,
    fixed: dict[str, Any] | None = None,
    tags: tuple[str, ...] = ("linked data",),
    query: list[dict[str, Any]] | None = None,
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> None:
    """A GET/HEAD route to ``handler``; with a ``summary`` it is in the OpenAPI document
    too, with ``examples`` of its path parameters, the ``query`` parameters given and
    ``responses`` (else the document routes' own). ``fixed`` arguments go to every call."""
    examples = examples or {}
    endpoint = guarded(handler, **(fixed or {}))
    # GET first: a 405 names the methods of the first route that matched the path.
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        include_in_schema=summary is not None,
        name=name,
        summary=summary,
        tags=list(tags),
        operation_id="get_" + (re.sub(r"\W+", "_", path).strip("_") or "home"),
        response_class=Response,
        responses=responses or RESPONSES,
        openapi_extra={
            "parameters": (query or [])
            + [
                {
                    "name": parameter,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    **({"example": examples[parameter]} if parameter in examples else {}),
                }
                for parameter in re.findall(r"{(\w+)(?::\w+)?}", path)
            ]
        },
    )
    router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False)
