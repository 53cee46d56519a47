"""How each kind of report value reads: as text in HTML and as a number format in Excel."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any, Literal

ValueKind = Literal["text", "id", "int", "number", "percent", "change", "pvalue", "date", "flag"]

MISSING = "—"
"""Shown for a value the analysis could not compute (`null` in the report)."""

EXCEL_FORMATS: dict[ValueKind, str] = {
    "id": "0",
    "int": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
    "change": "+0.0%;-0.0%;0.0%",
    "pvalue": "0.0000",
    "date": "yyyy-mm-dd",
}
SMALL_P_FORMAT = "0.0E+00"
SMALL_P = 1e-4


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number_or_none(value: Any) -> float | None:
    return float(value) if is_number(value) else None


def format_value(value: Any, kind: ValueKind) -> str:
    """Text of `value` for a reader; `null` (or a number that is not finite) reads as '—'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if kind == "flag":
        return "✔" if value else ""
    if not is_number(value):
        return str(value)
    number = float(value)
    if kind == "id":
        return str(value)
    if kind == "int":
        return f"{round(number):,}"
    if kind == "percent":
        return f"{number:.1%}"
    if kind == "change":
        return f"{number:+.1%}"
    if kind == "pvalue":
        return f"{number:.1e}" if number < SMALL_P else f"{number:.4f}"
    if kind == "number":
        return f"{number:,.2f}"
    return str(value)


def excel_value(value: Any, kind: ValueKind) -> Any:
    """The cell value: numbers stay numbers, ISO dates become dates, `null` an empty cell."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if kind == "date" and isinstance(value, str):
        return parse_date(value) or value
    if kind == "flag":
        return bool(value)
    if kind in EXCEL_FORMATS and not is_number(value) and kind != "date":
        return str(value)
    return value


def excel_format(value: Any, kind: ValueKind) -> str | None:
    if kind == "pvalue" and is_number(value) and 0 < float(value) < SMALL_P:
        return SMALL_P_FORMAT
    return EXCEL_FORMATS.get(kind)


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def format_timestamp(text: Any) -> str:
    """'2026-11-27T03:12:00Z' → '2026-11-27 03:12 UTC' (any other value as it is)."""
    if not isinstance(text, str):
        return format_value(text, "text")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
