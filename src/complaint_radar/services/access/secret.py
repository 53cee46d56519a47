"""The server secret API keys are hashed under (HMAC-SHA256), created on first start, and the key hasher.

Keys are 256-bit random tokens, so a slow password KDF (scrypt, Argon2) would add cost to every uncached
request and no strength: nobody can guess a 256-bit key. What a plain hash lacks is protection when the
database leaks (hashes can be checked offline against stolen or logged keys); a keyed hash whose secret is
kept outside the database closes that. The secret comes from `COMPLAINT_RADAR_API_KEY_SECRET`, else from
the file `<data_dir>/api_key_secret`, created with mode 0600 on first use. Rotating it: see docs/api.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import Settings, get_settings

log = logging.getLogger(__name__)

SECRET_FILE_NAME = "api_key_secret"
HMAC_SCHEME = "hmac-sha256"
LEGACY_SCHEME = "sha256"
"""Keys issued before the keyed hash: plain SHA-256, re-hashed under the secret when next used."""
_MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class KeyHasher:
    """Hashes raw API keys under the current secret; knows the older ways a stored key may be hashed."""

    secret: bytes
    previous: tuple[bytes, ...] = ()

    def digest(self, raw_key: str) -> str:
        """The stored form of a key issued now: HMAC-SHA256 under the current secret, hex."""
        return _hmac(self.secret, raw_key)

    def older_digests(self, raw_key: str) -> list[str]:
        """How the key may be stored if it was hashed under an earlier secret or before keyed hashes."""
        return [*(_hmac(old, raw_key) for old in self.previous), legacy_digest(raw_key)]


def legacy_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _hmac(secret: bytes, raw_key: str) -> str:
    return hmac.new(secret, raw_key.encode("utf-8"), hashlib.sha256).hexdigest()


def key_hasher(settings: Settings | None = None) -> KeyHasher:
    """The hasher for `settings` (default: the process settings), creating the secret file if needed."""
    settings = settings or get_settings()
    configured = settings.api_key_secret.get_secret_value() if settings.api_key_secret else None
    previous = tuple(s.get_secret_value() for s in settings.api_key_previous_secrets)
    return _cached_hasher(configured, Path(settings.data_dir).resolve() / SECRET_FILE_NAME, previous)


@lru_cache(maxsize=16)
def _cached_hasher(configured: str | None, path: Path, previous: tuple[str, ...]) -> KeyHasher:
    secret = configured if configured is not None else _secret_from_file(path)
    for value, where in (
        (secret, "the API key secret"),
        *((p, "a previous API key secret") for p in previous),
    ):
        if len(value.encode("utf-8")) < _MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"{where} is shorter than {_MIN_SECRET_BYTES} bytes; use a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
    return KeyHasher(secret.encode("utf-8"), tuple(p.encode("utf-8") for p in previous))


def _secret_from_file(path: Path) -> str:
    """The secret in `path`; a new random one written there (mode 0600, atomically) when it is missing."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(staged, path)  # fails when another process created it first: then theirs counts
        except FileExistsError:
            pass
        finally:
            staged.unlink()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the API key secret {path}: {exc.strerror or exc}; make the data directory "
            "writable (COMPLAINT_RADAR_DATA_DIR) or set COMPLAINT_RADAR_API_KEY_SECRET"
        ) from None
    log.warning("created a new API key secret in %s (mode 0600); back it up beside the database", path)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the API key secret {path}: {exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
        log.warning("the API key secret %s was readable by others; its mode is now 0600", path)
    return value
