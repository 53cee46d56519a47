"""The one logging setup, used by the CLI and any embedding application."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from complaint_radar.settings import get_settings

_CONFIGURED = False


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str | None = None) -> None:
    """Configure the `complaint_radar` logger once: stderr, plain text or JSON lines."""
    global _CONFIGURED
    settings = get_settings()
    logger = logging.getLogger("complaint_radar")
    logger.setLevel((level or settings.log_level).upper())
    if _CONFIGURED:
        return
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    _CONFIGURED = True
