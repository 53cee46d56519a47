"""CSRF protection: every form carries a token bound to the session (or, before sign-in, to a random
pre-session cookie), and every POST a browser makes with its cookie must send it back.

Requests that authenticate with an `X-API-Key` header need no token: a browser never adds that header
to a cross-site request by itself.
"""

from __future__ import annotations

import hmac
import secrets

from complaint_radar.errors import PermissionDeniedError
from complaint_radar.web.session import sign

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PRESESSION_COOKIE = "cr_presession"


def new_binding() -> str:
    """A random value for the pre-session cookie (the login form's token is bound to it)."""
    return secrets.token_hex(16)


def csrf_token(secret: bytes, binding: str) -> str:
    return sign(secret, "csrf", binding)


def check_csrf(secret: bytes, binding: str | None, submitted: str | None) -> None:
    """Raise PermissionDeniedError unless `submitted` is the token for `binding`."""
    if not binding or not submitted or not hmac.compare_digest(submitted, csrf_token(secret, binding)):
        raise PermissionDeniedError(
            "the form's security token is missing or stale (CSRF check); reload the page and try again"
        )
