"""A webhook receiver on loopback (stdlib only) that checks signatures: for tests, benchmarks, trying rules.

    with WebhookReceiver("s3cret") as receiver:      # http://127.0.0.1:<free port>/hook
        ...
        receiver.wait_for(1, timeout_s=10)
        receiver.received[0].body["alert_id"], receiver.received[0].valid

`failures` makes the first N requests answer 500; `stop()` then `start()` takes it down and brings it
back on the same port (a receiver that was away for a while).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from complaint_radar.alerts.signing import verify


@dataclass(frozen=True, slots=True)
class Received:
    """One request the receiver answered: when, what status, the body and whether its signature held."""

    at: float
    status: int
    raw: bytes
    headers: dict[str, str]
    valid: bool

    @property
    def body(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.raw)
        return parsed


@dataclass
class WebhookReceiver:
    secret: str
    failures: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    @property
    def received(self) -> list[Received]:
        """The requests it accepted (answered 2xx)."""
        with self._changed:
            return [r for r in self.requests if r.status < 300]

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: senders reuse their connections

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = dict(self.headers.items())
                valid = verify(receiver.secret, headers, raw, now=time.time())
                with receiver._changed:
                    status = 500 if receiver.failures > 0 else (200 if valid else 401)
                    receiver.failures = max(0, receiver.failures - 1)
                    receiver.requests.append(Received(time.time(), status, raw, headers, valid))
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop answering (connections are refused) until `start()` again on the same port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout_s: float) -> list[Received]:
        """The accepted requests once there are `count` of them (or what there is after `timeout_s`)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while sum(r.status < 300 for r in self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return [r for r in self.requests if r.status < 300]

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
