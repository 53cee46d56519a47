"""Volumes and rates over time (SPEC.md §7.3): counts by stage, rate per 1,000, 7-day average, change, peaks.

Input is a daily count table (`day, channel, stage, messages`, one row per combination that occurred);
days before the period may be included so that the first days' moving average is a full 7 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from complaint_radar.analysis.calendar import Granularity, PeakCalendar, periods
from complaint_radar.types import Stage

COMPLAINT_STAGES = frozenset({Stage.POTENTIAL_COMPLAINT.value, Stage.FORMAL_COMPLAINT.value})
"""Complaints: potential or formal (stage ≥ potential_complaint)."""
STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
MOVING_DAYS = 7


@dataclass(frozen=True, slots=True)
class DailyTotals:
    """Per-day totals of a scope, one row per day of the period and the days before it that were given."""

    frame: pd.DataFrame  # index: day; columns: messages, dissatisfied, complaints, one per stage


def daily_totals(daily: pd.DataFrame, first: date, last: date) -> DailyTotals:
    """Totals per day from `day, stage, messages` rows (other columns summed over), zero-filled."""
    days = pd.Index([first + timedelta(days=i) for i in range((last - first).days + 1)], name="day")
    if daily.empty:
        by_stage = pd.DataFrame(0, index=days, columns=list(STAGES))
    else:
        by_stage = (
            daily.groupby(["day", "stage"])["messages"]
            .sum()
            .unstack("stage", fill_value=0)
            .reindex(index=days, columns=list(STAGES), fill_value=0)
        )
    frame = by_stage.astype("int64").copy()
    frame["messages"] = by_stage.sum(axis=1)
    frame["dissatisfied"] = frame["messages"] - by_stage[Stage.NONE.value]
    frame["complaints"] = by_stage[sorted(COMPLAINT_STAGES)].sum(axis=1)
    return DailyTotals(frame)


def volume_series(
    daily: pd.DataFrame,
    start: date,
    end: date,
    granularity: Granularity,
    *,
    denominators: pd.DataFrame | None = None,
    calendar: PeakCalendar | None = None,
) -> list[dict[str, Any]]:
    """The trend of `start`..`end` by period (see the report's `volumes.series`).

    `denominators` (`day, value`) gives the rate per 1,000; a period without any denominator has
    `denominator` and `rate_per_1000` null. `moving_avg_7d` is the mean daily complaints of the 7 days
    ending on the period's last day; `change_pct` compares complaints with the previous period (null
    for the first, or when that one had none).
    """
    history_start = min(start - timedelta(days=MOVING_DAYS - 1), _first_day(daily, start))
    totals = daily_totals(daily, history_start, end).frame
    moving = totals["complaints"].rolling(MOVING_DAYS, min_periods=1).mean()
    denominator = _denominator(denominators)
    series: list[dict[str, Any]] = []
    previous: int | None = None
    for period in periods(start, end, granularity):
        window = totals.loc[period.start : period.end]
        complaints = int(window["complaints"].sum())
        denom_days = [d for d in denominator.index if period.start <= d <= period.end]
        denom = float(denominator.loc[denom_days].sum()) if denom_days else None
        series.append(
            {
                "period": period.label,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "partial": period.partial,
                "messages": int(window["messages"].sum()),
                "dissatisfied": int(window["dissatisfied"].sum()),
                "complaints": complaints,
                "by_stage": {s: int(window[s].sum()) for s in STAGES},
                "denominator": denom,
                "rate_per_1000": rate_per_1000(complaints, denom),
                "moving_avg_7d": round(float(moving.loc[period.end]), 3),
                "change_pct": change(previous, complaints),
                "peak": calendar.peak_on(period.start, period.end) if calendar else None,
            }
        )
        previous = complaints
    return series


def volume_totals(daily: pd.DataFrame, start: date, end: date) -> dict[str, Any]:
    """Totals of the period: messages, dissatisfied, complaints, by stage and by channel."""
    inside = daily[(daily["day"] >= start) & (daily["day"] <= end)] if not daily.empty else daily
    totals = daily_totals(inside, start, end).frame
    by_channel: dict[str, int] = {}
    if not inside.empty and "channel" in inside:
        by_channel = {str(k): int(v) for k, v in inside.groupby("channel")["messages"].sum().items()}
    return {
        "messages": int(totals["messages"].sum()),
        "dissatisfied": int(totals["dissatisfied"].sum()),
        "complaints": int(totals["complaints"].sum()),
        "by_stage": {s: int(totals[s].sum()) for s in STAGES},
        "by_channel": dict(sorted(by_channel.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def moving_average(values: Sequence[float], window: int = MOVING_DAYS) -> list[float]:
    """Trailing mean over up to `window` values (fewer at the start)."""
    return [float(x) for x in pd.Series(list(values), dtype="float64").rolling(window, min_periods=1).mean()]


def rate_per_1000(events: float, exposure: float | None) -> float | None:
    if exposure is None or exposure <= 0:
        return None
    return round(events / exposure * 1000.0, 4)


def change(previous: float | None, current: float) -> float | None:
    """Relative change from `previous` (null when there is none or it was 0)."""
    if previous is None or previous == 0:
        return None
    return round((current - previous) / previous, 4)


def _denominator(frame: pd.DataFrame | None) -> pd.Series:
    if frame is None or frame.empty:
        return pd.Series(dtype="float64")
    return frame.groupby("day")["value"].sum()


def _first_day(daily: pd.DataFrame, default: date) -> date:
    if daily.empty:
        return default
    first = daily["day"].min()
    return min(first, default) if isinstance(first, date) else default
