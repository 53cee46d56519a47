"""What the alert parsers share: the error, and strict readers of mappings, name lists and flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from complaint_radar.errors import ConfigurationError


class AlertConfigError(ConfigurationError):
    """A rules file, rule or destination is malformed; the message says where and how to fix it."""


def read_mapping(data: Any, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise AlertConfigError(f"{where}: expected a mapping (key: value), got {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise AlertConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    return {str(k): v for k, v in data.items()}


def read_names(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(_printable(v) for v in value):
        raise AlertConfigError(f"{where}: expected a list of names (printable, at most 256 characters)")
    return [v.strip() for v in value]


def _printable(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= 256 and value.isprintable()


def read_flag(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise AlertConfigError(f"{where}: must be true or false")
    return value
