"""A throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir) for tests and benchmarks.

It listens on 127.0.0.1 at a free port with its socket in the temp dir, runs with fsync off, trusts
local connections, and is deleted on `stop()`. Run as root it drops to the `postgres` user (initdb
refuses root). The binaries come from Debian's `postgresql` package (`/usr/lib/postgresql/*/bin`),
from `COMPLAINT_RADAR_PG_BINDIR`, or from PATH.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from complaint_radar.errors import ConfigurationError
from complaint_radar.store.backup import BINDIR_ENV, pg_bindirs

SUPERUSER = "postgres"
FAST_UNSAFE_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}
_START_ATTEMPTS = 3


class PostgresUnavailableError(ConfigurationError):
    """The PostgreSQL server binaries are missing or the throwaway cluster did not start."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl (newest Debian version first)."""
    for bindir in pg_bindirs():
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise PostgresUnavailableError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin, "
        f"${BINDIR_ENV} or PATH. Install Debian's server package: "
        "`apt-get install -y --no-install-recommends postgresql` (`make install-test` does it)."
    )


@dataclass
class PostgresCluster:
    """A running throwaway cluster; `url(db)` gives SQLAlchemy URLs for its databases."""

    bindir: Path
    root: Path
    port: int
    run_as: str | None
    host: str = "127.0.0.1"
    server_options: str = ""

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={database}"

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a database (copied from `template` when given) and return its name."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
        self._admin(statement)
        return name

    def drop_database(self, name: str) -> None:
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        """Stop the server and delete its directory (safe to call twice)."""
        if self.root.exists():
            if (self.data_dir / "postmaster.pid").exists():
                _run(
                    self.bindir, ["pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w"], self.run_as
                )
            shutil.rmtree(self.root, ignore_errors=True)

    def pause(self) -> None:
        """Stop the server, keeping its data and port (fault tests: the database goes away)."""
        _run(self.bindir, ["pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w"], self.run_as)

    def resume(self) -> None:
        """Start a paused server again, on the same port with the same settings."""
        log = str(self.root / "server.log")
        command = ["pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", log]
        _run(self.bindir, [*command, "-o", self.server_options], self.run_as)

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.conninfo(), autocommit=True) as connection:
            connection.execute(statement)


def start_cluster(settings: Mapping[str, str] | None = None) -> PostgresCluster:
    """initdb a temp dir and start a server on a free 127.0.0.1 port; `stop()` it when done."""
    bindir = find_bindir()
    run_as = _unprivileged_user()
    root = Path(tempfile.mkdtemp(prefix="complaint-radar-pg-", dir="/tmp" if run_as else None))
    try:
        if run_as:
            record = pwd.getpwnam(run_as)
            os.chown(root, record.pw_uid, record.pw_gid)
        data = root / "data"
        initdb = ["initdb", "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale"]
        _run(bindir, [*initdb, "--no-sync"], run_as)
        options = {**FAST_UNSAFE_SETTINGS, **(settings or {})}
        cluster = _start_server(bindir, root, options, run_as)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    atexit.register(cluster.stop)
    return cluster


@contextmanager
def running_cluster(settings: Mapping[str, str] | None = None) -> Iterator[PostgresCluster]:
    cluster = start_cluster(settings)
    try:
        yield cluster
    finally:
        cluster.stop()


def _start_server(
    bindir: Path, root: Path, options: Mapping[str, str], run_as: str | None
) -> PostgresCluster:
    log = root / "server.log"
    for _ in range(_START_ATTEMPTS):
        port = _free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(root),
            **options,
        }
        server_options = " ".join(f"-c {key}={value}" for key, value in settings.items())
        command = ["pg_ctl", "start", "-w", "-t", "60", "-D", str(root / "data"), "-l", str(log)]
        try:
            _run(bindir, [*command, "-o", server_options], run_as)
        except PostgresUnavailableError:
            if "could not bind" in _tail(log):  # another process took the port: try another
                continue
            raise
        return PostgresCluster(
            bindir=bindir, root=root, port=port, run_as=run_as, server_options=server_options
        )
    raise PostgresUnavailableError(f"PostgreSQL did not find a free port; server log:\n{_tail(log)}")


def _run(bindir: Path, argv: list[str], run_as: str | None) -> None:
    user = group = None
    extra_groups: list[int] | None = None
    if run_as:
        record = pwd.getpwnam(run_as)
        user, group, extra_groups = record.pw_uid, record.pw_gid, []
    result = subprocess.run(
        [str(bindir / argv[0]), *argv[1:]],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
        check=False,
        user=user,
        group=group,
        extra_groups=extra_groups,
    )
    if result.returncode != 0:
        log = argv[argv.index("-l") + 1] if "-l" in argv else None
        detail = _tail(Path(log)) if log else ""
        raise PostgresUnavailableError(
            f"{' '.join(argv[:2])} failed (exit {result.returncode}): {result.stderr.strip()}\n{detail}"
        )


def _unprivileged_user() -> str | None:
    """None when not root; else `postgres` (Debian's package creates it) or `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise PostgresUnavailableError("running as root, and neither a `postgres` nor a `nobody` user exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
