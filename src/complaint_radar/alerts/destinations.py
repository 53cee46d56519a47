"""Where alerts go: signed webhooks, and e-mail through an SMTP server, as a rules file declares them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from complaint_radar.alerts.parsing import AlertConfigError, read_flag, read_mapping, read_names


@dataclass(frozen=True, slots=True)
class WebhookDestination:
    name: str
    url: str
    secret: str = field(repr=False)
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 25
    sender: str = "complaint-radar@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class EmailDestination:
    name: str
    to: tuple[str, ...]


def _secret(item: Mapping[str, Any], key: str, where: str, env: Mapping[str, str]) -> str | None:
    """`key` given inline, or `key_env` naming an environment variable that holds it."""
    if item.get(f"{key}_env") is not None:
        variable = str(item[f"{key}_env"])
        if not env.get(variable):
            raise AlertConfigError(f"{where}: {key}_env names ${variable}, which is not set")
        return env[variable]
    value = item.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise AlertConfigError(f"{where}: {key} must be a non-empty string")
    return value


def parse_webhook(data: Any, where: str, env: Mapping[str, str]) -> WebhookDestination:
    item = read_mapping(data, where, frozenset({"name", "url", "secret", "secret_env", "timeout_s"}))
    name, url = item.get("name"), item.get("url")
    if not isinstance(name, str) or not name.strip():
        raise AlertConfigError(f"{where}: a webhook needs a `name`")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise AlertConfigError(f"{where} ({name}): url must start with http:// or https://, got {url!r}")
    secret = _secret(item, "secret", f"{where} ({name})", env)
    if secret is None:
        raise AlertConfigError(f"{where} ({name}): a webhook needs a `secret` (or `secret_env`) to sign with")
    timeout = item.get("timeout_s", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise AlertConfigError(f"{where} ({name}): timeout_s must be a number of seconds in (0, 120]")
    return WebhookDestination(name=name.strip(), url=url, secret=secret, timeout_s=float(timeout))


def parse_email(data: Any, where: str) -> EmailDestination:
    item = read_mapping(data, where, frozenset({"name", "to"}))
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AlertConfigError(f"{where}: an email destination needs a `name`")
    to = read_names(item.get("to"), f"{where} ({name}).to")
    if not to or not all("@" in address for address in to):
        raise AlertConfigError(f"{where} ({name}): `to` must list e-mail addresses")
    return EmailDestination(name=name.strip(), to=tuple(to))


def parse_smtp(data: Any, where: str, env: Mapping[str, str]) -> SmtpServer:
    keys = {"host", "port", "sender", "starttls", "username", "password", "password_env", "timeout_s"}
    item = read_mapping(data, where, frozenset(keys))
    host, port = item.get("host"), item.get("port", 25)
    if not isinstance(host, str) or not host:
        raise AlertConfigError(f"{where}: `host` is required")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise AlertConfigError(f"{where}: port must be a TCP port number")
    return SmtpServer(
        host=host,
        port=port,
        sender=str(item.get("sender", "complaint-radar@localhost")),
        starttls=read_flag(item.get("starttls"), f"{where}.starttls"),
        username=item.get("username"),
        password=_secret(item, "password", where, env),
        timeout_s=float(item.get("timeout_s", 10.0)),
    )
