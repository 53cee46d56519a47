"""The one logging setup, used by the CLI and any embedding application."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO

from complaint_radar.settings import Settings, get_settings
from complaint_radar.text.pii import mask_text

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
            payload["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class PiiMaskingFilter(logging.Filter):
    """Mask phone numbers, ID and bank cards and e-mails in a record before any handler formats it.

    Installed on the handler `configure_logging` creates while `Settings.mask_pii` is on; an embedding
    application with its own handlers can add it to them.  The message, the traceback text and the
    stack are masked; the record is changed in place, so every later handler sees the masked form.
    """

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is reported by the handler, as without the filter
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def build_handler(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """The handler `configure_logging` installs: plain text or JSON lines, PII masked unless turned off."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if settings.mask_pii:
        handler.addFilter(PiiMaskingFilter())
    return handler


def configure_logging(level: str | None = None) -> None:
    """Configure the `complaint_radar` logger once: stderr, plain text or JSON lines, PII masked."""
    global _CONFIGURED
    settings = get_settings()
    logger = logging.getLogger("complaint_radar")
    logger.setLevel((level or settings.log_level).upper())
    if _CONFIGURED:
        return
    logger.addHandler(build_handler(settings))
    logger.propagate = False
    _CONFIGURED = True
