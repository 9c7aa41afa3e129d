"""With ``allowed_hosts`` set, requests for other hosts are refused (400)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from projectgraph.web.errors import error_response

UNCHECKED_PATHS = frozenset({"/health", "/metrics"})


class AllowedHosts:
    """ASGI middleware answering 400 to a request for a host not in ``patterns`` (names, or
    ``*.domain`` for its subdomains). Pages and data are written for the host the client asked
    (base rewriting), so without this any ``Host`` is echoed in links and ``Location``; the
    ``X-Forwarded-Host`` of a trusted proxy is checked too, as it is what links then use.
    (Starlette's TrustedHostMiddleware checks ``Host`` only.) ``/health`` and ``/metrics``
    echo no host and answer whatever the probe sends."""

    def __init__(
        self, app: ASGIApp, patterns: tuple[str, ...], trusted_proxies: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.names = {p for p in patterns if not p.startswith("*.")}
        self.domains = tuple(p[1:] for p in patterns if p.startswith("*."))  # ".example.org"
        self.trusted = set(trusted_proxies)

    def allowed(self, host: str) -> bool:
        """Whether ``host`` (as in a Host header, with or without its port) is served."""
        name = host.strip().lower()
        name = name[: name.index("]") + 1] if name.startswith("[") else name.split(":")[0]
        return name in self.names or (bool(name) and name.endswith(self.domains))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCHECKED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        hosts = [headers.get(b"host", b"").decode("latin-1")]
        peer = (scope.get("client") or ("",))[0]
        forwarded = headers.get(b"x-forwarded-host")
        if forwarded and peer in self.trusted:
            hosts.append(forwarded.decode("latin-1").split(",")[0])
        refused = next((h for h in hosts if not self.allowed(h)), None)
        if refused is None:
            await self.app(scope, receive, send)
            return
        response = error_response(
            400,
            f"this server does not answer for the host {refused.strip()[:200]!r} (allowed_hosts)",
            headers.get(b"accept", b"").decode("latin-1"),
        )
        await response(scope, receive, send)
