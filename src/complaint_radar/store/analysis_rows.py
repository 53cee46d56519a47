"""What the analysis columns of a stored message hold: local day, severity weight, cause rows, dimensions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import get_settings

DIMENSIONS: tuple[str, ...] = ("product", "sku", "branch", "region", "team", "agent_id", "segment")
"""Text dimensions of messages, events and metrics (SPEC.md §7.2), stored as indexed columns."""
CUSTOMER_DIMENSIONS: tuple[str, ...] = ("tenure_days", "new_or_returning")
"""The customer's tenure and new/returning status when the message or event happened, where known."""

SEVERITY_WEIGHTS: Mapping[str, int] = {"critical": 4, "high": 3, "medium": 2, "low": 1}
"""SPEC.md §7.4 severity weights by risk level."""


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"analysis_timezone {name!r} is not an IANA time zone; use e.g. Asia/Shanghai or UTC"
        ) from exc


def local_day(at: datetime, zone: str | None = None) -> date:
    """The calendar day of `at` in the reporting time zone (Settings.analysis_timezone by default)."""
    return at.astimezone(_zone(zone or get_settings().analysis_timezone)).date()


def severity_weight(risk_level: str | None) -> int | None:
    return None if risk_level is None else SEVERITY_WEIGHTS.get(risk_level)


def cause_rows(
    message_pk: int, assessment: Mapping[str, Any] | None, day: date | None
) -> Iterator[dict[str, Any]]:
    """The `message_causes` rows of a stored Assessment (as its JSON dict): one per distinct cause code."""
    if not assessment or assessment.get("valid") is False:
        return
    seen: set[str] = set()
    for cause in assessment.get("causes") or ():
        code = cause.get("code") if isinstance(cause, Mapping) else None
        if isinstance(code, str) and code not in seen:
            seen.add(code)
            confidence = cause.get("confidence")
            yield {
                "message_id": message_pk,
                "cause": code,
                "confidence": float(confidence) if isinstance(confidence, int | float) else None,
                "day": day,
            }
