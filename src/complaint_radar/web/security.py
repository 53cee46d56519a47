"""Headers on every page and static file: security (a CSP without inline scripts or styles, no framing,
no MIME sniffing, no referrer leaks) and `Server-Timing` (the app's time, shown by browser devtools and
read by bench/web_speed.py). The API and its Swagger UI (/docs) are left as they are."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/docs", "/openapi.json", "/redoc")
"""Paths of the JSON API (and its docs), which keep the API's headers and error bodies."""


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


class PageHeaders:
    """Pure ASGI middleware (no body buffering): adds PAGE_HEADERS and the server time to responses
    outside the API."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_api_path(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                timing = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                # The page's headers replace what inner layers set (the API's own security headers).
                ours = {name for name, _ in PAGE_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in ours]
                message["headers"] = [*kept, *PAGE_HEADERS, (b"server-timing", timing)]
            await send(message)

        await self.app(scope, receive, with_headers)
