"""Cross-origin requests: anyone may query and read (the data is public), and read the
headers that say how a result was cut, cached or linked."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

EXPOSED_HEADERS = [
    "X-SPARQL-MaxRows",
    "X-Result-Truncated",
    "Content-Location",
    "Link",
    "ETag",
    "X-Cache",
    "Retry-After",
]
MAX_AGE = 86_400  # seconds a browser may reuse a preflight answer


def add_cors(app: FastAPI) -> None:
    """Let pages of any origin use the endpoint and the API."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
        max_age=MAX_AGE,
    )
