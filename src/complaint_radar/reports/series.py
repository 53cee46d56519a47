"""Chart inputs read from the report dict: the lines, bands and bars the SVG charts draw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from complaint_radar.reports import charts
from complaint_radar.reports.labels import bilingual, label, row_label
from complaint_radar.reports.values import number_or_none

Row = Mapping[str, Any]

VERDICT_COLORS = {"improved": charts.GREEN, "worse": charts.RED, "no_change": charts.GREY}


def values_of(points: Sequence[Row], field: str) -> list[float | None]:
    """The numbers of one field across rows; null (or anything that is not a number) stays None."""
    return [number_or_none(point.get(field)) for point in points]


def volume_lines(series: Sequence[Row], granularity: str) -> tuple[list[charts.Series], tuple[str, str]]:
    """Complaints per period and the 7-day moving average of daily complaints.

    The moving average counts complaints per day: with weekly or monthly periods it is drawn against its
    own right-hand axis rather than beside per-period counts it cannot be compared with.
    """
    per_day = granularity != "day"
    unit = "投诉数 / complaints"
    lines = [
        charts.Series("投诉数 / Complaints", values_of(series, "complaints"), charts.RED),
        charts.Series(
            "7 日移动平均（每日）/ 7-day moving average (per day)",
            values_of(series, "moving_avg_7d"),
            charts.NAVY,
            "6 4",
            right=per_day,
        ),
    ]
    return lines, (unit, "每日 / per day" if per_day else "")


def peak_bands(series: Sequence[Row]) -> list[charts.Band]:
    """Runs of consecutive periods marked with the same peak name."""
    bands: list[charts.Band] = []
    for index, row in enumerate(series):
        name = row.get("peak")
        if not name:
            continue
        if bands and bands[-1].name == str(name) and bands[-1].last == index - 1:
            bands[-1] = charts.Band(bands[-1].first, index, bands[-1].name)
        else:
            bands.append(charts.Band(index, index, str(name)))
    return bands


def pareto_series(
    items: Sequence[Row], by: str, weighting: str
) -> tuple[list[str], list[float], list[float | None], list[bool], str]:
    """Bar labels, bar heights (weighted count when severity-weighted), cumulative shares, vital-few flags."""
    field = "weighted" if weighting == "severity" else "count"
    labels = [row_label(row, by, "key")[0] for row in items]
    values = [value or 0.0 for value in values_of(items, field)]
    name = bilingual(label("weighting", weighting)) if weighting == "severity" else "数量 / count"
    return (
        labels,
        values,
        values_of(items, "cumulative_share"),
        [bool(row.get("vital_few")) for row in items],
        name,
    )


def verdict_color(verdict: Any) -> str:
    return VERDICT_COLORS.get(str(verdict), charts.ORANGE)
