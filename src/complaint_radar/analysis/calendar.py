"""Peak periods (双十一, 618, Spring Festival …) from an editable YAML calendar; the periods of a trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from complaint_radar.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Peak:
    """One occurrence of a peak period: both ends included."""

    name: str
    start: date
    end: date
    name_en: str = ""

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "name_en": self.name_en,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PeakCalendar:
    """Rules that expand to `Peak`s for any year."""

    rules: tuple[dict[str, Any], ...]

    def peaks_between(self, start: date, end: date) -> list[Peak]:
        """Every peak occurrence overlapping `start`..`end`, in time order."""
        found: list[Peak] = []
        for year in range(start.year - 1, end.year + 2):
            for rule in self.rules:
                found.extend(p for p in _expand(rule, year) if p.overlaps(start, end))
        return sorted(set(found), key=lambda p: (p.start, p.name))

    def peak_on(self, start: date, end: date) -> str | None:
        """The name of the first peak overlapping `start`..`end`, or None."""
        peaks = self.peaks_between(start, end)
        return peaks[0].name if peaks else None


def _expand(rule: dict[str, Any], year: int) -> list[Peak]:
    name, name_en = str(rule["name"]), str(rule.get("name_en", ""))
    if "every_year" in rule:
        spec = rule["every_year"]
        start = date.fromisoformat(f"{year}-{spec['start']}")
        end = date.fromisoformat(f"{year}-{spec['end']}")
        return [Peak(name, start, end, name_en)]
    dates = rule.get("dates") or {}
    day = dates.get(year, dates.get(str(year)))
    if day is None:
        return []
    anchor = day if isinstance(day, date) else date.fromisoformat(str(day))
    before, after = int(rule.get("before_days", 0)), int(rule.get("after_days", 0))
    return [Peak(name, anchor - timedelta(days=before), anchor + timedelta(days=after), name_en)]


def load_calendar(path: Path | None = None) -> PeakCalendar:
    """The bundled calendar (analysis/data/calendar.yaml), or the YAML file at `path`."""
    return _load(str(path) if path else None)


@lru_cache(maxsize=4)
def _load(path: str | None) -> PeakCalendar:
    try:
        if path is None:
            text = (
                resources.files("complaint_radar.analysis").joinpath("data/calendar.yaml").read_text("utf-8")
            )
        else:
            text = Path(path).read_text("utf-8")
        raw = yaml.safe_load(text)
        rules = tuple(dict(r) for r in raw["peaks"])
        for rule in rules:  # fail on load, not on the first report that reaches the bad rule
            _expand(rule, 2026)
            if "every_year" not in rule and "dates" not in rule:
                raise ValueError(f"peak {rule.get('name')!r} has neither every_year nor dates")
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise ConfigurationError(
            f"peak calendar {path or 'analysis/data/calendar.yaml'} is unusable ({exc}); "
            "see the bundled file for its format"
        ) from exc
    return PeakCalendar(rules)


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def auto_granularity(days: int) -> Granularity:
    """Days for up to a month, weeks up to half a year, months beyond."""
    if days <= 31:
        return Granularity.DAY
    if days <= 184:
        return Granularity.WEEK
    return Granularity.MONTH


@dataclass(frozen=True, slots=True)
class Period:
    """One point of a trend: its label and its days within the report (clipped at the report's ends)."""

    label: str
    start: date
    end: date
    partial: bool


def period_of(day: date, granularity: Granularity) -> tuple[str, date, date]:
    """(label, first day, last day) of the calendar period holding `day`."""
    if granularity is Granularity.DAY:
        return day.isoformat(), day, day
    if granularity is Granularity.WEEK:
        year, week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return f"{year}-W{week:02d}", start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return f"{day.year}-{day.month:02d}", start, following - timedelta(days=1)


def periods(start: date, end: date, granularity: Granularity) -> list[Period]:
    """The periods covering `start`..`end`, in order, clipped to it."""
    found: list[Period] = []
    day = start
    while day <= end:
        label, first, last = period_of(day, granularity)
        clipped = Period(label, max(first, start), min(last, end), first < start or last > end)
        found.append(clipped)
        day = last + timedelta(days=1)
    return found


def labels_by_day(days: Sequence[date], granularity: Granularity) -> list[str]:
    return [period_of(d, granularity)[0] for d in days]
