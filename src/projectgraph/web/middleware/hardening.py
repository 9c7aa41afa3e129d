"""Headers every response gets: what browsers may do with it, and when to come back.

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on everything.
- HTML gets a Content-Security-Policy: scripts only from this server's own files (the pages'
  inline ``<script type="application/ld+json">`` blocks are data, which no browser runs), no
  framing, no plugins, forms and requests to this server only. Styles may be inline: the
  vendored editors (YASGUI, Swagger UI) set them.
- Errors are not to be cached (``Cache-Control: no-store``) unless the route said otherwise.
- ``503`` (busy, timed out, store down) and ``429`` without a ``Retry-After`` get one.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CSP = CONTENT_SECURITY_POLICY.encode()
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


class HardeningHeaders:
    """ASGI middleware adding the headers above; ``retry_after`` in seconds."""

    def __init__(self, app: ASGIApp, retry_after: int = 5) -> None:
        self.app = app
        self.retry_after = str(retry_after).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in ALWAYS if n not in present]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in present
                ):
                    headers.append((b"content-security-policy", CSP))
                status = message["status"]
                if status >= 400 and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if status in (429, 503) and b"retry-after" not in present:
                    headers.append((b"retry-after", self.retry_after))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
