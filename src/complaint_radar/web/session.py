"""Signed-in browser sessions: a cookie holding the key's id, signed with the server's secret (HMAC-SHA256).

The cookie never holds the API key itself. Each request re-reads the key by id, so revoking the key,
deactivating its user or changing its role takes effect on the next page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import Settings

SESSION_COOKIE = "cr_session"
SECRET_FILE = "web_secret"


def load_secret(settings: Settings) -> bytes:
    """`web_session_secret`, else a random secret kept in data_dir (created on first use, mode 0600)."""
    if settings.web_session_secret:
        return settings.web_session_secret.encode("utf-8")
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text("utf-8").strip().encode("utf-8")
    except FileExistsError:  # another worker created it a moment ago
        return path.read_text("utf-8").strip().encode("utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"cannot keep the dashboard's session secret in {path}: {exc.strerror}; "
            "set COMPLAINT_RADAR_WEB_SESSION_SECRET or make the data directory writable"
        ) from exc


def sign(secret: bytes, purpose: str, message: str) -> str:
    """A hex HMAC of `message` for one `purpose` (session, csrf): a signature never passes for another."""
    return hmac.new(secret, f"{purpose}\x00{message}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class WebSession:
    """`sid` is random per sign-in (CSRF tokens are bound to it); `key_id` is the key that signed in."""

    sid: str
    key_id: int
    expires_at: float

    @classmethod
    def new(cls, key_id: int, hours: float) -> WebSession:
        return cls(sid=secrets.token_hex(16), key_id=key_id, expires_at=time.time() + hours * 3600)

    def encode(self, secret: bytes) -> str:
        body = json.dumps({"sid": self.sid, "kid": self.key_id, "exp": int(self.expires_at)})
        payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{payload}.{sign(secret, 'session', payload)}"

    @classmethod
    def decode(cls, secret: bytes, cookie: str | None) -> WebSession | None:
        """The session in a cookie, or None when it is missing, tampered with or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature, sign(secret, "session", payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = cls(sid=str(data["sid"]), key_id=int(data["kid"]), expires_at=float(data["exp"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires_at > time.time() else None
