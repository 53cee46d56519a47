"""Commands for running the REST API: `serve`, and `keys create|list|rotate|revoke` to manage its API keys."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from complaint_radar.cli.worker import RulesFile

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from complaint_radar.services.access import IssuedKey

console = Console()
err = Console(stderr=True)

keys_app = typer.Typer(
    name="keys",
    help="Manage API keys (stored as keyed hashes; a new key is printed once). Needs no running server.",
    no_args_is_help=True,
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (0.0.0.0: all).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (each loads the models).", min=1)] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    rules: RulesFile = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Load the demo history unless the store holds it, and print a ready admin key and the "
            "dashboard's URL.",
        ),
    ] = False,
) -> None:
    """Serve the dashboard (/) and the REST API (/v1, OpenAPI docs at /docs) with uvicorn.

    The database is COMPLAINT_RADAR_DATABASE_URL, else SQLite under COMPLAINT_RADAR_DATA_DIR; it is
    migrated at startup. Create the first key with `complaint-radar keys create --role admin --name ops`
    and sign in with it at http://HOST:PORT/, or start with `--demo`.
    """
    import uvicorn
    import uvicorn.config

    from complaint_radar.services.alerts.rulebook import load_rules_file
    from complaint_radar.settings import get_settings

    if rules is not None:  # the app (and each --workers process) reads the settings
        os.environ["COMPLAINT_RADAR_ALERT_RULES"] = str(rules.resolve())
        get_settings.cache_clear()
    path = get_settings().alert_rules
    if path is not None:
        load_rules_file(path)  # a broken file stops here with its reason, not inside uvicorn

    from complaint_radar.logs import server_log_config
    from complaint_radar.services.access import key_hasher
    from complaint_radar.services.allocator import limit_arenas_for_server
    from complaint_radar.services.runtime import open_database

    _check_can_listen(host, port)
    limit_arenas_for_server()  # before the workers start: they inherit MALLOC_ARENA_MAX
    if demo:
        _prepare_demo(host, port)
    open_database().close()  # migrate once, and fail in one line when the database cannot be used
    key_hasher()  # create the API key secret once, before the workers start
    config = uvicorn.Config(
        "complaint_radar.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=server_log_config(uvicorn.config.LOGGING_CONFIG),
        server_header=False,  # the server's name and version help nobody but an attacker
    )
    if workers == 1:
        uvicorn.Server(config).run()
        return
    from uvicorn.supervisors.multiprocess import Multiprocess

    # What uvicorn.run does for several workers, but with a socket created as TCP: uvicorn's own has
    # protocol 0, so asyncio leaves Nagle on for every connection and each response waits ~40 ms
    # for the client's delayed ACK (measured: 48 ms per /v1/assess with 2 workers, 5 ms with 1).
    Multiprocess(config, sockets=[_listening_socket(host, port)]).run()


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _check_can_listen(host: str, port: int) -> None:
    """Fail in a line, before the models load, when the address cannot be listened on."""

    from complaint_radar.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(
            f"cannot listen on {host}: {exc.strerror}; give an address of this machine"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            fix = (
                "another server uses it; stop it or pick another --port"
                if taken
                else (
                    "use an address of this machine (--host 127.0.0.1, or 0.0.0.0 for all)"
                    if exc.errno == errno.EADDRNOTAVAIL
                    else "ports below 1024 need privileges; pick another --port"
                )
            )
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}; {fix}") from None


def _prepare_demo(host: str, port: int) -> None:
    """Load the demo history the store does not hold yet and issue an admin key for the dashboard."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import OperationalError

    from complaint_radar.errors import ConfigurationError
    from complaint_radar.services.access import issue_key, key_hasher
    from complaint_radar.services.assessment.assessing import Assessor
    from complaint_radar.services.demo_store import load_demo_store
    from complaint_radar.services.runtime import open_database, unit_of_work
    from complaint_radar.settings import get_settings
    from complaint_radar.types import Role

    settings = get_settings()
    try:
        database = open_database(settings)
    except (OperationalError, OSError) as exc:
        where = (
            make_url(settings.database_url).render_as_string(hide_password=True)
            if settings.database_url
            else f"SQLite under {settings.data_dir}"
        )
        raise ConfigurationError(
            f"cannot open the store ({where}): {str(exc).splitlines()[0]}; check "
            "COMPLAINT_RADAR_DATABASE_URL and COMPLAINT_RADAR_DATA_DIR"
        ) from exc
    try:
        err.print("Loading the demo history unless the store holds it already (about a minute) …")
        loaded = load_demo_store(database.sessions, Assessor.load(settings), settings)
        err.print(
            f"{loaded.history_rows:,} history rows and {loaded.live_messages} live messages loaded "
            f"({loaded.cases_opened} cases opened)"
        )
        with unit_of_work(database.sessions) as session:
            issued = issue_key(
                session,
                username="demo-admin",
                role=Role.ADMIN,
                label="serve --demo",
                now=datetime.now(UTC),
                hasher=key_hasher(settings),
            )
    finally:
        database.close()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    err.print(f"Open http://{shown}:{port}/ and sign in with this admin key (shown once):")
    print(issued.raw_key, flush=True)


@keys_app.command("create")
def create_key(
    name: Annotated[str, typer.Option(help="User the key is for; created on first use.")],
    role: Annotated[
        str,
        typer.Option(
            help="frontline_agent (agent), supervisor, quality_analyst (analyst), manager or admin."
        ),
    ],
    team: Annotated[str | None, typer.Option(help="Team (supervisors see their team's cases).")] = None,
    label: Annotated[str | None, typer.Option(help="What the key is for.")] = None,
    rate_limit: Annotated[
        int | None, typer.Option(help="Requests per minute for this key (default: by role).", min=1)
    ] = None,
    expires_in: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 90d, 12h, 2w (default: until revoked).")
    ] = None,
) -> None:
    """Issue an API key and print it once (only its keyed hash is stored)."""
    from complaint_radar.services.access import issue_key, parse_duration, parse_role

    now = datetime.now(UTC)
    expires_at = now + parse_duration(expires_in) if expires_in else None
    with _session() as session:
        issued = issue_key(
            session,
            username=name,
            role=parse_role(role),
            team=team,
            label=label,
            rate_limit_per_minute=rate_limit,
            expires_at=expires_at,
            now=now,
        )
    _print_issued(issued, f"for {issued.info.username} ({issued.info.role.value})")


@keys_app.command("rotate")
def rotate_key_cmd(
    key_id: Annotated[int, typer.Argument(help="Key id (see `keys list`).")],
    grace: Annotated[
        str, typer.Option(help="How long the old key keeps working, e.g. 7d, 12h (0s: stop it now).")
    ] = "7d",
) -> None:
    """Issue a successor of a key (printed once); the old key works until the grace period ends."""
    from complaint_radar.services.access import parse_duration, rotate_key

    with _session() as session:
        issued = rotate_key(session, key_id, grace=parse_duration(grace), now=datetime.now(UTC))
    _print_issued(issued, f"replaces key {key_id} (which works for {grace} more)")


def _print_issued(issued: IssuedKey, what: str) -> None:
    expiry = issued.info.expires_at
    until = f", expires {expiry.isoformat(timespec='seconds')}" if expiry else ""
    err.print(f"key {issued.info.id} {what}{until}; store it now, it is not shown again:")
    print(issued.raw_key)


@contextmanager
def _session() -> Iterator[Session]:
    """A unit of work on the configured database (migrated first)."""
    from complaint_radar.services.runtime import open_database, unit_of_work

    database = open_database()
    try:
        with unit_of_work(database.sessions) as session:
            yield session
    finally:
        database.close()


@keys_app.command("list")
def list_keys_cmd(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """List keys: id, prefix, user, role, team, state, expiry (never the keys themselves)."""
    from complaint_radar.services.access import list_keys

    with _session() as session:
        keys = list_keys(session, include_revoked=all_keys)
    table = Table(title=f"{len(keys)} API keys")
    columns = ("id", "prefix", "user", "role", "team", "label", "active", "per min", "created", "expires")
    for column in columns:
        table.add_column(column)
    for key in keys:
        table.add_row(
            str(key.id),
            key.prefix,
            key.username,
            key.role.value,
            key.team or "",
            key.label or "",
            "yes" if key.active else "revoked",
            str(key.rate_limit_per_minute or ""),
            key.created_at.isoformat(timespec="seconds"),
            key.expires_at.isoformat(timespec="seconds") if key.expires_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke_key_cmd(key_id: Annotated[int, typer.Argument(help="Key id (see `keys list`).")]) -> None:
    """Revoke a key: it stops working at once."""
    from complaint_radar.services.access import revoke_key

    with _session() as session:
        info = revoke_key(session, key_id)
    err.print(f"key {info.id} ({info.prefix}…, {info.username}) revoked")
