"""Security headers on every response (errors included): no sniffing, no framing, no referrer, no caching.

A pure ASGI middleware, so it costs one header merge per response and sees responses that error
handlers and other middleware produce; the handler of unexpected errors, which Starlette runs outside
every middleware, adds them itself (`headers_for`). Headers a route set itself win (a page's own CSP).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_RESPONSE = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
)
DATA_RESPONSE = (
    # JSON is never a document to render: no scripts, no styles, no frames; never cached on the way.
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("cache-control", "no-store"),
)
DATA_PREFIX = "/v1/"


def headers_for(path: str) -> tuple[tuple[str, str], ...]:
    """The headers a response to `path` gets (data responses: also no caching and no content at all)."""
    return (*DATA_RESPONSE, *EVERY_RESPONSE) if path.startswith(DATA_PREFIX) else EVERY_RESPONSE


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
