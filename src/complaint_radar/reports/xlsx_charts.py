"""Native Excel charts over the tables of the report workbook (volumes, Pareto, SERVQUAL, CSAT/NPS)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.worksheet.worksheet import Worksheet

from complaint_radar.reports.xlsx_tables import Placed

RED, PALE_RED, NAVY, ORANGE, GREEN, GREY = "C0392B", "EAB5AE", "1F4E79", "E67E22", "2E7D32", "90A4AE"
SECONDARY_AXIS = 200


def _column(sheet: Worksheet, placed: Placed, offset: int, with_header: bool = True) -> Reference:
    column = placed.first_column + offset
    first = placed.header_row if with_header else placed.first_row
    return Reference(sheet, min_col=column, min_row=first, max_row=placed.last_row)


def _style(chart: LineChart | BarChart, title: str, y_title: str, x_title: str = "") -> None:
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = x_title or None
    chart.width, chart.height = 24.0, 10.0
    # openpyxl 3.1 leaves axes' `delete` unset, which Excel and LibreOffice read as hidden axes.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend.position = "b"


def _line(chart: LineChart, index: int, color: str, dashed: bool = False) -> None:
    series = chart.series[index]
    series.graphicalProperties.line.solidFill = color
    series.graphicalProperties.line.width = 22_000
    if dashed:
        series.graphicalProperties.line.dashStyle = "dash"
    series.smooth = False


def _secondary(chart: LineChart, title: str, number_format: str = "General") -> None:
    chart.y_axis.axId = SECONDARY_AXIS
    chart.y_axis.title = title
    chart.y_axis.crosses = "max"
    chart.y_axis.number_format = number_format
    chart.y_axis.majorGridlines = None
    chart.y_axis.delete = False


def trend_chart(
    sheet: Worksheet,
    placed: Placed,
    category: int,
    lines: Sequence[tuple[int, str, bool]],
    title: str,
    y_title: str,
    secondary: tuple[int, str] | None = None,
) -> LineChart:
    """Lines (column offset, colour, dashed) over the category column; one more on a right-hand axis."""
    chart = LineChart()
    _style(chart, title, y_title)
    for index, (offset, color, dashed) in enumerate(lines):
        chart.add_data(_column(sheet, placed, offset), titles_from_data=True)
        _line(chart, index, color, dashed)
    chart.set_categories(_column(sheet, placed, category, with_header=False))
    if secondary is not None:
        offset, axis_title = secondary
        right = LineChart()
        right.add_data(_column(sheet, placed, offset), titles_from_data=True)
        _line(right, 0, NAVY, dashed=True)
        _secondary(right, axis_title)
        chart += right
    return chart


def pareto_chart(
    sheet: Worksheet,
    placed: Placed,
    label: int,
    value: int,
    cumulative: int,
    cut: Placed,
    title: str,
    vital: int,
) -> BarChart:
    """Bars by value (vital few darker), the cumulative share and the 80 % cut as lines on a 0–100 % axis."""
    bars = BarChart()
    _style(bars, title, "数量 / count")
    bars.add_data(_column(sheet, placed, value), titles_from_data=True)
    bars.set_categories(_column(sheet, placed, label, with_header=False))
    bars.series[0].graphicalProperties.solidFill = PALE_RED
    for index in range(vital):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = RED
        bars.series[0].dPt.append(point)
    lines = LineChart()
    lines.add_data(_column(sheet, placed, cumulative), titles_from_data=True)
    lines.add_data(_column(sheet, cut, 0), titles_from_data=True)
    _line(lines, 0, NAVY)
    _line(lines, 1, ORANGE, dashed=True)
    _secondary(lines, "累计占比 / cumulative share", "0%")
    lines.y_axis.scaling.min, lines.y_axis.scaling.max = 0.0, 1.0
    bars += lines
    return bars


def gap_chart(
    sheet: Worksheet, placed: Placed, label: int, gap: int, gaps: Sequence[float | None]
) -> BarChart:
    """Horizontal SERVQUAL gap bars by dimension: negative gaps red, others green."""
    chart = BarChart()
    chart.type = "bar"
    _style(chart, "SERVQUAL 各维度差距 / Gap by dimension", "差距 = 感知 − 期望 / gap = P − E")
    chart.add_data(_column(sheet, placed, gap), titles_from_data=True)
    chart.set_categories(_column(sheet, placed, label, with_header=False))
    # Dimension names beside the plot (not on the zero line), the first dimension on top.
    chart.x_axis.tickLblPos = "low"
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    for index, value in enumerate(gaps):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = RED if value is not None and value < 0 else GREEN
        chart.series[0].dPt.append(point)
    chart.legend = None
    return chart


def before_after_chart(
    sheet: Worksheet, placed: Placed, label: int, baseline: int, evaluation: int
) -> BarChart:
    """Baseline beside evaluation value for every improvement action."""
    chart = BarChart()
    _style(chart, "改进前后对比 / Before and after", "目标指标值 / target metric")
    chart.add_data(_column(sheet, placed, baseline), titles_from_data=True)
    chart.add_data(_column(sheet, placed, evaluation), titles_from_data=True)
    chart.set_categories(_column(sheet, placed, label, with_header=False))
    chart.series[0].graphicalProperties.solidFill = GREY
    chart.series[1].graphicalProperties.solidFill = NAVY
    return chart
