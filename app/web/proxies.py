"""Who is asking, and at which address: trusted proxies, allowed hosts, the public address.

Outermost first, as `install` stacks them:

- X-Forwarded-For / X-Forwarded-Proto are believed only from TRUSTED_PROXIES (uvicorn's
  ProxyHeadersMiddleware): the client address the sign-in limit counts and the scheme the
  cookies' Secure flag follows cannot be set by whoever sends the header.
- With ALLOWED_HOSTS, a request addressed to another host gets 400 (Starlette's
  TrustedHostMiddleware).
- With SITE_URL, every request is seen at that scheme and host, so each absolute link the app
  builds from the request (`url_for`, the API's `next`, the CSV's `url`, the feed) names the
  public address, never the Host header.
"""

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import Settings


class PublicAddress:
    """Pure ASGI middleware: the request's scheme and Host become those of `site_url`."""

    def __init__(self, app: ASGIApp, site_url: str) -> None:
        self.app = app
        parts = urlsplit(site_url)
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("latin-1")
        default_port = 443 if parts.scheme == "https" else 80
        self.server = (parts.hostname or "", parts.port or default_port)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["scheme"] = self.scheme
            scope["server"] = self.server
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
            scope["headers"] = [*headers, (b"host", self.host)]
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware the settings ask for (each added one wraps those before it)."""
    if settings.site_url:
        app.add_middleware(PublicAddress, site_url=settings.site_url)
    if settings.allowed_hosts:
        app.add_middleware(
            TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False
        )
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
