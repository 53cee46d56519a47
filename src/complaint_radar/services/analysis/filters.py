"""The one filter every analysis query takes: a date range (local days, inclusive) and dimension values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from complaint_radar.errors import InputError
from complaint_radar.store.analysis_rows import DIMENSIONS
from complaint_radar.types import Channel, RiskLevel, Stage

MESSAGE_FILTERS: tuple[str, ...] = (
    "channel",
    "stage",
    "risk_level",
    "cause",
    *DIMENSIONS,
    "new_or_returning",
)
"""Dimensions a report, a trend or a Pareto can be filtered by (each takes one or more values)."""
GROUPINGS: tuple[str, ...] = ("cause", "channel", "stage", "risk_level", *DIMENSIONS, "new_or_returning")
"""What a Pareto or a breakdown can rank by."""
MAX_DAYS = 3 * 366
_CODES: Mapping[str, frozenset[str]] = {
    "channel": frozenset(c.value for c in Channel),
    "stage": frozenset(s.value for s in Stage),
    "risk_level": frozenset(r.value for r in RiskLevel),
    "new_or_returning": frozenset({"new", "returning"}),
}


@dataclass(frozen=True, slots=True)
class Scope:
    """Local days `start`..`end` (both included) and, per dimension, the values kept (empty: all)."""

    start: date
    end: date
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, start: date, end: date) -> Scope:
        return Scope(start, end, self.filters)

    def without(self, *names: str) -> Scope:
        return Scope(self.start, self.end, {k: v for k, v in self.filters.items() if k not in names})

    def plain_filters(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.filters.items() if v}


FIRST_YEAR, LAST_YEAR = 1970, 2199
"""Days outside these years are refused (windows reach months before and after a day)."""


def parse_day(value: str | date, what: str) -> date:
    """An ISO date (YYYY-MM-DD) between FIRST_YEAR and LAST_YEAR; InputError naming `what` otherwise."""
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(f"{what} {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-07-01") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"{what} {day} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return day


def make_scope(
    start: str | date, end: str | date, filters: Mapping[str, Iterable[Any] | None] | None = None
) -> Scope:
    """A checked Scope: dates in order and at most three years apart, known filter names and codes."""
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise InputError(f"--to {last} is before --from {first}; give the earlier date first")
    if (last - first).days + 1 > MAX_DAYS:
        raise InputError(
            f"the period {first}..{last} is longer than {MAX_DAYS} days; report on a shorter one"
        )
    return Scope(first, last, check_filters(filters or {}))


def check_filters(filters: Mapping[str, Iterable[Any] | None]) -> dict[str, tuple[str, ...]]:
    checked: dict[str, tuple[str, ...]] = {}
    for name, values in filters.items():
        if values is None:
            continue
        if name not in MESSAGE_FILTERS:
            raise InputError(f"unknown filter {name!r}; filters are {', '.join(MESSAGE_FILTERS)}")
        kept = tuple(dict.fromkeys(str(v).strip() for v in values if str(v).strip()))
        allowed = _CODES.get(name)
        bad = [v for v in kept if allowed is not None and v not in allowed]
        if bad:
            raise InputError(
                f"{name} {bad[0]!r} is not a known code; use one of {', '.join(sorted(allowed or ()))}"
            )
        if kept:
            checked[name] = kept
    return checked


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise InputError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)}")
    return by


def day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
