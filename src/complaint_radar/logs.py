"""The one logging setup, used by the CLI and any embedding application."""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from typing import Any, TextIO
from urllib.parse import unquote

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


API_KEY_PATTERN = re.compile(r"\bcr_[A-Za-z0-9_-]{12,}")
"""A raw API key (`cr_` and a random token), wherever it would end up in a log line."""


def mask_for_log(text: str) -> str:
    """`text` with PII masked and API keys cut to their prefix (URL-encoded text is decoded first)."""
    if "%" in text and (decoded := unquote(text)) != text and mask_text(decoded) != decoded:
        text = decoded
    return API_KEY_PATTERN.sub(lambda m: m[0][:9] + "…", mask_text(text))


class PiiMaskingFilter(logging.Filter):
    """Mask phone numbers, ID and bank cards, e-mails and API keys in a record before any handler formats it.

    Installed on the handler `configure_logging` creates while `Settings.mask_pii` is on, and on the
    server's handlers by `server_log_config`; an embedding application with its own handlers can add it to
    them. The message, its string arguments (kept as arguments where masking them suffices, so formatters
    that read them, like uvicorn's access log, still work), the traceback text and the stack are masked;
    the record is changed in place, so every later handler sees the masked form.
    """

    _tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is reported by the handler, as without the filter
            return True
        masked = mask_for_log(message)
        if masked != message:
            record.msg = mask_for_log(str(record.msg))
            if isinstance(record.args, tuple):
                record.args = tuple(mask_for_log(a) if isinstance(a, str) else a for a in record.args)
            if _formatted(record) != masked:  # the PII spanned a placeholder, or sat in a non-string
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_for_log(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_for_log(record.stack_info)
        return True


def _formatted(record: logging.LogRecord) -> str | None:
    try:
        return mask_for_log(record.getMessage())
    except Exception:
        return None


def server_log_config(base: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """uvicorn's logging config `base` with the PII filter on its handlers (the access log shows paths and
    query strings) and the `complaint_radar` logger routed to its default handler, so that records of
    worker processes (which never run `configure_logging`) are formatted and masked the same way."""
    settings = settings or get_settings()
    config = copy.deepcopy(base)
    if settings.mask_pii:
        config.setdefault("filters", {})["pii"] = {"()": f"{__name__}.PiiMaskingFilter"}
        for handler in config.get("handlers", {}).values():
            handler.setdefault("filters", []).append("pii")
    config.setdefault("loggers", {})["complaint_radar"] = {
        "handlers": ["default"],
        "level": settings.log_level.upper(),
        "propagate": False,
    }
    return config


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
