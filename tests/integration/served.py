"""`complaint-radar serve` run as a subprocess by a test: a free loopback port, and waiting until it is
ready."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(base: str, server: subprocess.Popen[bytes], *, where_output: str = "") -> None:
    """Until `base`/readyz answers 200 (at most 180 s); fails at once if the server exits."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server exited{where_output}"
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the server did not become ready within 180 s")
