"""A throwaway redis-server (Debian's package) on 127.0.0.1 at a free port, for tests and benchmarks.

Its data lives in a temp dir with an append-only file (fsynced on every write by default), so
`restart()` (a clean SHUTDOWN, then the same port and dir) keeps streams, groups and pending entries,
as a production Redis with persistence would. `stop()` deletes the dir.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from complaint_radar.errors import ConfigurationError

BINARY_ENV = "COMPLAINT_RADAR_REDIS_SERVER"
_START_ATTEMPTS = 3
_START_TIMEOUT_S = 20.0


class RedisUnavailableError(ConfigurationError):
    """redis-server is missing or did not start."""


def find_redis_server() -> Path:
    """The redis-server binary: $COMPLAINT_RADAR_REDIS_SERVER, PATH, or Debian's /usr/bin."""
    candidates = [os.environ.get(BINARY_ENV), shutil.which("redis-server"), "/usr/bin/redis-server"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RedisUnavailableError(
        f"redis-server not found on PATH, in /usr/bin or ${BINARY_ENV}. Install Debian's package: "
        "`apt-get install -y --no-install-recommends redis-server` (`make redis-server` does it)."
    )


@dataclass
class RedisServer:
    """A running redis-server; `url` for clients, `restart()` to bounce it, `stop()` when done."""

    binary: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    appendfsync: str = "always"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def log_file(self) -> Path:
        return self.root / "redis.log"

    def start(self) -> None:
        argv = [
            str(self.binary),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.root),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--logfile", str(self.log_file),
        ]  # fmt: skip
        self.process = subprocess.Popen(argv, cwd=self.root, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _answers(self.host, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RedisUnavailableError(f"redis-server did not start; its log:\n{self._tail()}")
            time.sleep(0.02)

    def shutdown(self) -> None:
        """Stop the server cleanly (SIGTERM: Redis flushes its append-only file and exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, down_for_s: float = 0.0) -> None:
        """Shut down, stay down `down_for_s`, and start again on the same port with the same data."""
        self.shutdown()
        time.sleep(down_for_s)
        self.start()

    def stop(self) -> None:
        """Stop the server and delete its directory (safe to call twice)."""
        self.shutdown()
        shutil.rmtree(self.root, ignore_errors=True)

    def _tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_redis(appendfsync: str = "always") -> RedisServer:
    """A redis-server on a free 127.0.0.1 port with its data in a new temp dir; `appendfsync` is
    `always` (every write on disk before the reply: restarts lose nothing) or `everysec` (benchmarks:
    a slow disk does not stall every XADD)."""
    binary = find_redis_server()
    root = Path(tempfile.mkdtemp(prefix="complaint-radar-redis-"))
    last: RedisUnavailableError | None = None
    for _ in range(_START_ATTEMPTS):
        server = RedisServer(binary=binary, root=root, port=_free_port(), appendfsync=appendfsync)
        try:
            server.start()
        except RedisUnavailableError as exc:  # most likely another process took the port
            last = exc
            continue
        atexit.register(server.stop)
        return server
    shutil.rmtree(root, ignore_errors=True)
    raise last or RedisUnavailableError("redis-server did not start")


def _answers(host: str, port: int) -> bool:
    """Whether a Redis on host:port answers PING (and has finished loading its data)."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
