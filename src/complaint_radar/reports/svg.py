"""SVG drawing primitives for the report charts: a canvas, linear scales, nice ticks, escaped text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

FONT_STACK = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif'
INK = "#263238"
MUTED = "#78909c"
GRID = "#e3e7ea"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _is_wide(char: str) -> bool:
    return ord(char) >= 0x2E80


def text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK glyphs are one em wide, Latin ones a little over half."""
    return sum(size if _is_wide(char) else size * 0.58 for char in text)


def truncate(text: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so that it fits in `width`."""
    if text_width(text, size) <= width:
        return text
    kept = ""
    for char in text:
        if text_width(kept + char + "…", size) > width:
            break
        kept += char
    return kept + "…"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (at least two ticks, even for a flat series)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return [round(tick, 10) for tick in ticks]


def tick_text(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class Scale:
    """Linear map from data values (domain) to pixels (range)."""

    domain_low: float
    domain_high: float
    range_low: float
    range_high: float

    def __call__(self, value: float) -> float:
        span = self.domain_high - self.domain_low or 1.0
        return self.range_low + (value - self.domain_low) / span * (self.range_high - self.range_low)


@dataclass
class Canvas:
    """An SVG document built element by element; every text goes through `esc`."""

    width: float
    height: float
    title: str
    parts: list[str] = field(default_factory=list)

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, dash: str = ""
    ) -> None:
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"'
            f' stroke-width="{width}"{dashed}/>'
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        tip: str = "",
        opacity: float = 1.0,
        stroke: str = "",
    ) -> None:
        extra = f' fill-opacity="{opacity}"' if opacity < 1 else ""
        extra += f' stroke="{stroke}" stroke-dasharray="4 3"' if stroke else ""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}"'
            f' fill="{fill}"{extra}>{body}</rect>'
        )

    def circle(self, x: float, y: float, r: float, fill: str, tip: str = "") -> None:
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}">{body}</circle>')

    def polyline(
        self, points: Sequence[tuple[float, float]], stroke: str, width: float = 2, dash: str = ""
    ) -> None:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{width}"'
            f' stroke-linejoin="round"{dashed}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float = 12,
        anchor: str = "start",
        fill: str = INK,
        bold: bool = False,
        rotate: float = 0,
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        turn = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate else ""
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f"{weight}{turn}>{esc(content)}</text>"
        )

    def legend(self, entries: Sequence[tuple[str, str, str]], x: float, y: float) -> None:
        """A row of (name, colour, dash) swatches starting at (x, y)."""
        for name, color, dash in entries:
            self.line(x, y - 4, x + 20, y - 4, color, 3, dash)
            self.text(x + 26, y, name, 12)
            x += 26 + text_width(name, 12) + 22

    def y_axis(self, scale: Scale, ticks: Sequence[float], x: float, right: bool, fmt: str = "") -> None:
        """Tick labels beside the plot; the left axis also draws the horizontal grid lines."""
        for tick in ticks:
            y = scale(tick)
            label = f"{tick:.0%}" if fmt == "percent" else tick_text(tick)
            if right:
                self.text(x + 6, y + 4, label, 11, "start", MUTED)
            else:
                self.text(x - 6, y + 4, label, 11, "end", MUTED)

    def grid(self, scale: Scale, ticks: Sequence[float], x1: float, x2: float) -> None:
        for tick in ticks:
            self.line(x1, scale(tick), x2, scale(tick), INK if tick == 0 else GRID, 1)

    def x_labels(self, labels: Sequence[str], xs: Sequence[float], y: float, room: float, turn: bool) -> None:
        """Category labels under the plot; when crowded, turned (`turn`: bars keep every label) or thinned."""
        widest = max((text_width(text, 11) for text in labels), default=0.0)
        if labels_fit(labels, room):
            for text, x in zip(labels, xs, strict=True):
                self.text(x, y + 14, text, 11, "middle", MUTED)
        elif turn:
            for text, x in zip(labels, xs, strict=True):
                self.text(x + 4, y + 12, truncate(text, 11, 96), 11, "end", MUTED, rotate=-35)
        else:
            every = math.ceil((widest + 12) / max(room, 1))
            for index, (text, x) in enumerate(zip(labels, xs, strict=True)):
                if index % every == 0:
                    self.text(x, y + 14, text, 11, "middle", MUTED)

    def render(self) -> str:
        body = "".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:.0f} {self.height:.0f}"'
            f' width="100%" role="img" font-family="{esc(FONT_STACK)}"'
            f' preserveAspectRatio="xMidYMid meet"><title>{esc(self.title)}</title>{body}</svg>'
        )


def labels_fit(labels: Sequence[str], room: float) -> bool:
    """Whether every category label fits level in its `room` pixels (else it is turned or thinned)."""
    return max((text_width(text, 11) for text in labels), default=0.0) <= room * 0.95


def finite(values: Sequence[float | None]) -> list[float]:
    return [value for value in values if value is not None and math.isfinite(value)]


def segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive known points: a null value breaks the line instead of drawing it at 0."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]
