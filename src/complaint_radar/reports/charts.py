"""The report's chart types as inline SVG: trend lines, Pareto, before/after bars, SERVQUAL gap bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from complaint_radar.reports.svg import (
    INK,
    MUTED,
    Canvas,
    Scale,
    finite,
    labels_fit,
    nice_ticks,
    segments,
    text_width,
    truncate,
)

RED = "#c0392b"
PALE_RED = "#eab5ae"
NAVY = "#1f4e79"
ORANGE = "#e67e22"
GREEN = "#2e7d32"
GREY = "#90a4ae"
BAND = "#fdebd0"
WIDTH = 960


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str
    dash: str = ""
    right: bool = False
    """Plotted against the right-hand axis (a different unit from the left one)."""


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded run of categories (a peak period such as 双十一), first and last index included."""

    first: int
    last: int
    name: str


def _value_scale(
    values: Sequence[float], low: float, high: float, fixed: tuple[float, float] | None
) -> tuple[Scale, list[float]]:
    ticks = nice_ticks(*fixed) if fixed else nice_ticks(min([0.0, *values]), max([0.0, *values]))
    return Scale(ticks[0], ticks[-1], low, high), ticks


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    bands: Sequence[Band] = (),
    units: tuple[str, str] = ("", ""),
    fixed_range: tuple[float, float] | None = None,
    width: float = WIDTH,
) -> str:
    """Lines over categories (periods), with shaded bands and an optional right-hand axis."""
    has_right = any(item.right for item in series)
    left, right, top, bottom = 60.0, width - (64.0 if has_right else 24.0), 48.0, 262.0
    canvas = Canvas(width, 300.0, title)
    step = (right - left) / max(len(categories), 1)
    xs = [left + step * (index + 0.5) for index in range(len(categories))]
    left_scale, left_ticks = _value_scale(
        finite([v for item in series if not item.right for v in item.values]), bottom, top, fixed_range
    )
    right_scale, right_ticks = _value_scale(
        finite([v for item in series if item.right for v in item.values]), bottom, top, None
    )
    for band in bands:
        x0, x1 = xs[band.first] - step / 2, xs[band.last] + step / 2
        canvas.rect(x0, top, x1 - x0, bottom - top, BAND, tip=band.name)
        canvas.text((x0 + x1) / 2, top + 14, truncate(band.name, 11, max(x1 - x0, 40)), 11, "middle", ORANGE)
    canvas.grid(left_scale, left_ticks, left, right)
    canvas.y_axis(left_scale, left_ticks, left, right=False)
    if has_right:
        canvas.y_axis(right_scale, right_ticks, right, right=True)
    canvas.text(left - 6, top - 12, units[0], 11, "start", MUTED)
    canvas.text(right + 6, top - 12, units[1], 11, "end", MUTED)
    for item in series:
        scale = right_scale if item.right else left_scale
        points = [
            None if value is None else (x, scale(value)) for x, value in zip(xs, item.values, strict=True)
        ]
        for run in segments(points):
            canvas.polyline(run, item.color, 2.5 if not item.dash else 2, item.dash)
        if len(categories) <= 40:
            for category, point, value in zip(categories, points, item.values, strict=True):
                if point is not None:
                    canvas.circle(*point, 3, item.color, f"{item.name} · {category}: {value:g}")
    canvas.legend([(item.name, item.color, item.dash) for item in series], left, 18)
    canvas.x_labels(categories, xs, bottom, step, turn=False)
    return canvas.render()


def pareto_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    cumulative: Sequence[float | None],
    vital: Sequence[bool],
    value_name: str,
    cut: float = 0.8,
) -> str:
    """Bars in falling order, the cumulative share as a line on a 0–100 % axis, the 80 % cut marked."""
    left, right, top, bottom = 60.0, WIDTH - 64.0, 48.0, 250.0
    step = (right - left) / max(len(labels), 1)
    canvas = Canvas(WIDTH, bottom + (32.0 if labels_fit(labels, step) else 90.0), title)
    xs = [left + step * (index + 0.5) for index in range(len(labels))]
    scale, ticks = _value_scale(list(values), bottom, top, None)
    share_scale = Scale(0.0, 1.0, bottom, top)
    canvas.grid(scale, ticks, left, right)
    canvas.y_axis(scale, ticks, left, right=False)
    canvas.y_axis(share_scale, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], right, right=True, fmt="percent")
    for label, x, value, is_vital in zip(labels, xs, values, vital, strict=True):
        canvas.rect(
            x - step * 0.35,
            scale(value),
            step * 0.7,
            scale(0) - scale(value),
            RED if is_vital else PALE_RED,
            f"{label}: {value:g}",
        )
        if len(labels) <= 20:
            canvas.text(x, scale(value) - 4, f"{value:g}", 10, "middle", MUTED)
    points = [
        None if share is None else (x, share_scale(share)) for x, share in zip(xs, cumulative, strict=True)
    ]
    for run in segments(points):
        canvas.polyline(run, NAVY, 2)
    for label, point, share in zip(labels, points, cumulative, strict=True):
        if point is not None and share is not None:
            canvas.circle(*point, 3.5, NAVY, f"{label}: {share:.1%}")
    canvas.line(left, share_scale(cut), right, share_scale(cut), ORANGE, 1.5, "6 4")
    canvas.text(right - 4, share_scale(cut) - 5, f"{cut:.0%} 截断 / cut", 11, "end", ORANGE, bold=True)
    vital_count = sum(1 for flag in vital if flag)
    if 0 < vital_count < len(labels):
        x_cut = left + step * vital_count
        canvas.line(x_cut, top, x_cut, bottom, ORANGE, 1.5, "6 4")
        canvas.text(x_cut - 6, top + 12, "关键少数 / vital few", 11, "end", ORANGE)
    canvas.legend(
        [
            (value_name, RED, ""),
            ("累计占比 / cumulative share", NAVY, ""),
            ("80 % 截断 / cut", ORANGE, "6 4"),
        ],
        left,
        18,
    )
    canvas.x_labels(labels, xs, bottom, step, turn=True)
    return canvas.render()


def before_after_chart(
    title: str,
    subtitle: str,
    baseline: float | None,
    evaluation: float | None,
    verdict: str,
    verdict_color: str,
) -> str:
    """Two bars, baseline and evaluation window, of one improvement action, with its verdict."""
    width, height, top, bottom = 320.0, 236.0, 62.0, 180.0
    canvas = Canvas(width, height, f"{title} — {verdict}")
    canvas.text(12, 20, truncate(title, 13, width - 24), 13, bold=True)
    canvas.text(12, 38, truncate(subtitle, 11, width - 24), 11, fill=MUTED)
    known = finite([baseline, evaluation])
    scale = Scale(0.0, max(known, default=1.0) * 1.15 or 1.0, bottom, top)
    canvas.line(24, bottom, width - 24, bottom, INK)
    bars = (("基线 / Baseline", baseline, GREY, 110.0), ("评估 / After", evaluation, verdict_color, 210.0))
    for name, value, color, x in bars:
        if value is None:
            canvas.rect(x - 30, top + 30, 60, bottom - top - 30, "none", name, stroke=MUTED)
            canvas.text(x, top + 24, "—", 12, "middle", MUTED)
        else:
            canvas.rect(x - 30, scale(value), 60, bottom - scale(value), color, f"{name}: {value:g}")
            canvas.text(x, scale(value) - 6, f"{value:,.2f}", 12, "middle", INK, bold=True)
        canvas.text(x, bottom + 16, name, 11, "middle", MUTED)
    canvas.text(width / 2, height - 14, verdict, 13, "middle", verdict_color, bold=True)
    return canvas.render()


def gap_chart(title: str, labels: Sequence[str], gaps: Sequence[float | None]) -> str:
    """Horizontal bars from zero, one per dimension: negative gaps (perception below expectation) in red."""
    label_room = min(max((text_width(label, 12) for label in labels), default=60.0) + 16, 260.0)
    left, right, top, row = label_room, WIDTH - 60.0, 24.0, 34.0
    bottom = top + row * len(labels)
    canvas = Canvas(WIDTH, bottom + 40, title)
    known = finite(gaps)
    ticks = nice_ticks(min([0.0, *known]), max([0.0, *known]))
    scale = Scale(ticks[0], ticks[-1], left + 56, right - 56)
    for tick in ticks:
        canvas.line(scale(tick), top, scale(tick), bottom, INK if tick == 0 else "#e3e7ea")
        canvas.text(scale(tick), bottom + 16, f"{tick:g}", 11, "middle", MUTED)
    canvas.text(right, bottom + 32, "差距 = 感知 − 期望 / gap = perception − expectation", 11, "end", MUTED)
    for index, (label, gap) in enumerate(zip(labels, gaps, strict=True)):
        y = top + row * index
        canvas.text(left - 10, y + row / 2 + 4, truncate(label, 12, label_room - 16), 12, "end")
        if gap is None:
            canvas.text(scale(0) + 6, y + row / 2 + 4, "—", 12, "start", MUTED)
            continue
        x0, x1 = sorted((scale(0), scale(gap)))
        canvas.rect(x0, y + 7, x1 - x0, row - 14, RED if gap < 0 else GREEN, f"{label}: {gap:+g}")
        anchor, x_text = ("end", x0 - 6) if gap < 0 else ("start", x1 + 6)
        canvas.text(
            x_text, y + row / 2 + 4, f"{gap:+.2f}", 12, anchor, RED if gap < 0 else GREEN, bold=gap < 0
        )
    return canvas.render()
