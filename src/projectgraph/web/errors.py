"""Error responses: one shape for every route, as JSON or plain text by the client's Accept.

JSON: ``{"status": 400, "error": "Bad Request", "message": "...", ...details}``.
Text: ``400 Bad Request: message`` followed by the details, one per line.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.responses import Response

from projectgraph.rdf.conneg import negotiate


class HttpError(Exception):
    """An answer other than the one asked for: its HTTP status, message and details."""

    def __init__(self, status: int, message: str, **details: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def error_response(
    status: int,
    message: str,
    accept: str | None,
    details: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
    json_first: bool = False,
) -> Response:
    """An error as JSON when the client reads JSON (any ``json`` type), otherwise as text;
    ``json_first`` (APIs) makes JSON the answer to a client that takes anything."""
    phrase = HTTPStatus(status).phrase
    details = {k: v for k, v in (details or {}).items() if v is not None}
    wants_json = accept is not None and "json" in accept.lower()
    offers = (
        ["application/json", "text/plain"] if json_first else ["text/plain", "application/json"]
    )
    if wants_json or negotiate(accept, offers) == "application/json":
        body = {"status": status, "error": phrase, "message": message, **details}
        return Response(
            json.dumps(body, ensure_ascii=False, indent=1) + "\n",
            status_code=status,
            media_type="application/json",
            headers=headers,
        )
    lines = [f"{status} {phrase}: {message}"]
    for key, value in details.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: {text}" if "\n" not in text else f"{key}:\n{text}")
    return Response(
        "\n".join(lines) + "\n", status_code=status, media_type="text/plain", headers=headers
    )
