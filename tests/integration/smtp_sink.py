"""A local SMTP server (aiosmtpd) on a free loopback port that keeps what it receives, for tests."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.sink.changed:
            self.sink.messages.append(parsed)  # type: ignore[arg-type]
            self.sink.changed.notify_all()
        return "250 OK"


class SmtpSink:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.messages: list[EmailMessage] = []
        self.changed = threading.Condition()
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port)

    def wait_for(self, count: int, timeout_s: float) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.changed.wait(deadline - time.monotonic())
            return list(self.messages)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._controller.stop()
