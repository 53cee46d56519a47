"""`serve --workers N` listens on a socket created as TCP, so that asyncio turns Nagle off for every
connection (uvicorn's own multi-worker socket has protocol 0: each response then waited ~40 ms for the
client's delayed ACK; docs/benchmarks_load.md)."""

from __future__ import annotations

import socket

from complaint_radar.cli.server import _listening_socket


def test_the_multi_worker_socket_is_tcp_so_connections_get_nodelay() -> None:
    sock = _listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()
    finally:
        sock.close()
