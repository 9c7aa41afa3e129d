"""HTTP caching for content that only changes with the build: ETags and 304 answers, and the
rendered bytes of documents kept in memory (:func:`kept`), so a repeated request costs no query
and no rendering."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from projectgraph.web.api.result_cache import CachedResponse, ResultCache
from projectgraph.web.errors import error_response

MAX_AGE = 300  # seconds browsers and proxies may reuse a page or document without asking


def etag(build_id: str, *parts: str) -> str:
    """A weak ETag for a representation of ``parts`` in build ``build_id``: weak, because
    the same tag goes with the body and its gzip-compressed form (RFC 9110, 8.8.1)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]
    return f'W/"{build_id}-{digest}"'


def not_modified(request: Request, tag: str, last_modified: float | None = None) -> bool:
    """True when the client's copy is current (If-None-Match, else If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in candidates or tag.removeprefix("W/") in candidates
    since = request.headers.get("if-modified-since")
    if since and last_modified is not None:
        try:
            return int(last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def cached(
    request: Request,
    body: bytes | str,
    media_type: str,
    tag: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """200 with ETag and Cache-Control, or 304 when the client already has it."""
    all_headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}", **(headers or {})}
    if not_modified(request, tag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def stored_file(
    request: Request, path: Path, sha256: str, media_type: str, max_age: int = 3600
) -> Response:
    """A file sent as it is stored, with its SHA-256 as a strong ETag and its modification
    time: 304 when the client has it, 404 when it is gone."""
    tag = f'"{sha256}"'
    try:
        modified = os.stat(path).st_mtime
    except OSError:
        return error_response(404, f"{path.name} is gone", request.headers.get("accept"))
    headers = {
        "ETag": tag,
        "Last-Modified": formatdate(modified, usegmt=True),
        "Cache-Control": f"public, max-age={max_age}",
    }
    if not_modified(request, tag, modified):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers, filename=None)


Render = Callable[[], Awaitable[CachedResponse | Response]]


async def kept(
    request: Request, cache: ResultCache, build_id: str, key: tuple[str, ...], render: Render
) -> Response:
    """The document ``key`` names in build ``build_id``: 304 when the client's copy is current,
    else the bytes ``cache`` kept (no query, no rendering), else ``render()``'s, kept for the
    next request. ``render`` gives the body with its headers (Content-Type among them), or a
    finished response (an error), which is not kept."""
    tag = etag(build_id, *key)
    found = cache.get(build_id, *key)
    if found is None and _names(request, tag):
        # The client holds this build's copy, so it exists: nothing to query or render.
        headers = {"ETag": tag, "Cache-Control": f"public, max-age={MAX_AGE}"}
        return Response(status_code=304, headers=headers)
    if found is None:
        made = await render()
        if isinstance(made, Response):
            return made
        found = made
        cache.put(build_id, *key, response=found)
    headers = dict(found.headers)
    return cached(request, found.body, headers.pop("Content-Type"), tag, headers)


def _names(request: Request, tag: str) -> bool:
    """Whether If-None-Match names ``tag`` itself (``*`` does not say the resource exists)."""
    if_none_match = request.headers.get("if-none-match") or ""
    return tag.removeprefix("W/") in {
        t.strip().removeprefix("W/") for t in if_none_match.split(",")
    }
