"""`serve --workers 2` starts its workers with glibc's arenas capped (MALLOC_ARENA_MAX=2, read by glibc
when a process starts), unless the operator set the variable: docs/reliability.md, memory over the
soak."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from served import free_port, wait_until_ready

from complaint_radar.services import allocator

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


def _environ(pid: int) -> dict[str, str]:
    raw = (Path("/proc") / str(pid) / "environ").read_bytes()
    return dict(entry.split("=", 1) for entry in raw.decode(errors="replace").split("\0") if "=" in entry)


def _workers(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(allocator._libc() is None, reason="needs Linux with glibc")
@pytest.mark.parametrize(("operator", "expected"), [(None, "2"), ("3", "3")])
def test_serve_workers_start_with_capped_arenas(tmp_path: Path, operator: str | None, expected: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    env["COMPLAINT_RADAR_DATA_DIR"] = str(tmp_path / "data")
    if operator is not None:
        env["MALLOC_ARENA_MAX"] = operator
    port = free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", server)
        workers = _workers(server.pid)
        assert len(workers) == 2, workers
        assert [_environ(pid).get("MALLOC_ARENA_MAX") for pid in workers] == [expected, expected]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
