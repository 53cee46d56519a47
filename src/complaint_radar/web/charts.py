"""ECharts options built on the server (rendered into `data-chart`, drawn by static/app.js).

A data point may carry `href`: clicking it opens that URL (the messages behind the point). Colours and
fonts are the stylesheet's, so charts and pages look like one product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FONT = (
    '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", '
    '"Noto Sans CJK SC", Arial, sans-serif'
)
PALETTE = ["#1d4ed8", "#e0761a", "#0f9d75", "#a51818", "#7c3aed", "#64748b", "#d4a20b", "#0e7490"]
LEVEL_COLOURS = {"low": "#2f9e55", "medium": "#d08a19", "high": "#d9531e", "critical": "#a51818"}


def base(**extra: Any) -> dict[str, Any]:
    option: dict[str, Any] = {
        "color": PALETTE,
        "textStyle": {"fontFamily": FONT, "color": "#1c2430"},
        "grid": {"left": 40, "right": 40, "top": 40, "bottom": 44, "containLabel": True},
        "tooltip": {"trigger": "axis", "confine": True},
        "animationDuration": 300,
    }
    option.update(extra)
    return option


def point(value: float | int | None, href: str | None = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"value": value, **extra}
    if href:
        item["href"] = href
    return item


def risk_curve(times: Sequence[str], scores: Sequence[dict[str, Any]], *, name: str) -> dict[str, Any]:
    """Risk 0–100 over time, the level bands shaded (medium 30, high 60, critical 80)."""
    bands = [
        [{"yAxis": 30, "itemStyle": {"color": "rgba(208,138,25,0.08)"}}, {"yAxis": 60}],
        [{"yAxis": 60, "itemStyle": {"color": "rgba(217,83,30,0.10)"}}, {"yAxis": 80}],
        [{"yAxis": 80, "itemStyle": {"color": "rgba(165,24,24,0.10)"}}, {"yAxis": 100}],
    ]
    return base(
        xAxis={"type": "category", "data": list(times), "boundaryGap": False},
        yAxis={"type": "value", "min": 0, "max": 100},
        series=[
            {
                "name": name,
                "type": "line",
                "step": "end",
                "data": list(scores),
                "symbolSize": 7,
                "lineStyle": {"width": 2},
                "markArea": {"silent": True, "data": bands},
            }
        ],
    )


def bars(
    categories: Sequence[str],
    series: Sequence[dict[str, Any]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    legend: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Bar series over categories (each series: name, data points); optional stacking and legend."""
    category_axis = {"type": "category", "data": list(categories), "axisLabel": {"interval": 0}}
    value_axis = {"type": "value"}
    shaped = [{"type": "bar", **s} for s in series]
    if stacked:  # bars stack; a line drawn over them (a total, a rate) keeps its own values
        shaped = [{**s, "stack": "all"} if s["type"] == "bar" else s for s in shaped]
    return base(
        xAxis=value_axis if horizontal else category_axis,
        yAxis=category_axis if horizontal else value_axis,
        series=shaped,
        legend={"bottom": 0} if legend else {"show": False},
        **extra,
    )


def lines(times: Sequence[str], series: Sequence[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Line series over a time category axis (each series: name, data points, optional markArea …)."""
    return base(
        xAxis={"type": "category", "data": list(times), "boundaryGap": False},
        yAxis={"type": "value"},
        series=[{"type": "line", "symbolSize": 5, **s} for s in series],
        legend={"bottom": 0},
        **extra,
    )
