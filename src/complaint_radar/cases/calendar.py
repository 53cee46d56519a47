"""Business-hours arithmetic for SLA clocks: elapsed business time and the instant a budget runs out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from complaint_radar.errors import ConfigurationError


def seconds_between(start: datetime, end: datetime) -> float:
    """Real seconds from `start` to `end` (through UTC, so a DST change in between counts)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


class Clock(Protocol):
    """How an SLA target counts time: the wall clock (24×7) or a business calendar."""

    def elapsed_seconds(self, start: datetime, end: datetime) -> float: ...

    def add_seconds(self, start: datetime, seconds: float) -> datetime: ...


class WallClock:
    """Every second counts (critical cases, and targets written in m/h/d)."""

    def elapsed_seconds(self, start: datetime, end: datetime) -> float:
        return max(0.0, seconds_between(start, end))

    def add_seconds(self, start: datetime, seconds: float) -> datetime:
        return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(start.tzinfo)


WALL_CLOCK = WallClock()


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Opening hours on working weekdays in one timezone, minus holidays, plus make-up workdays (调休)."""

    timezone: str = "Asia/Shanghai"
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    weekdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(
                f"business calendar timezone {self.timezone!r} is unknown; use an IANA name (Asia/Shanghai)."
            ) from exc
        if not self.opens < self.closes:
            raise ConfigurationError(
                f"business calendar opens at {self.opens} but closes at {self.closes}; closing must be later."
            )
        if not self.weekdays and not self.extra_workdays:
            raise ConfigurationError("business calendar has no working days; list weekdays such as mon..fri.")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_seconds(self) -> float:
        """Length of one business day, the unit of targets written in business days."""
        opens = datetime.combine(date(2000, 1, 3), self.opens)
        return (datetime.combine(date(2000, 1, 3), self.closes) - opens).total_seconds()

    def is_business_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The day's opening hours in UTC (UTC arithmetic stays right across DST changes)."""
        tz = self.tz
        opens, closes = (
            datetime.combine(day, self.opens, tzinfo=tz),
            datetime.combine(day, self.closes, tzinfo=tz),
        )
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def elapsed_seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds in `[start, end)`."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        total = 0.0
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            if self.is_business_day(day):
                w_start, w_end = self._window(day)
                overlap = (min(end, w_end) - max(start, w_start)).total_seconds()
                total += max(0.0, overlap)
            day += timedelta(days=1)
        return total

    def add_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when `seconds` of business time have passed since `start`."""
        remaining = max(0.0, seconds)
        zone, start = start.tzinfo, start.astimezone(UTC)
        day = self.local_date(start)
        # A year of consecutive non-working days means a broken calendar, not a long weekend.
        for _ in range(366 * 50):
            if self.is_business_day(day):
                w_start, w_end = self._window(day)
                begin = max(start, w_start)
                if begin < w_end or (remaining == 0 and begin <= w_end):
                    available = (w_end - begin).total_seconds()
                    if remaining <= available:
                        return (begin + timedelta(seconds=remaining)).astimezone(zone)
                    remaining -= available
            day += timedelta(days=1)
        raise ConfigurationError("business calendar has no working time left; check weekdays and holidays.")
