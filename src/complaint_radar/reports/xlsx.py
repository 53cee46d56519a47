"""The analysis report as an XLSX workbook: one sheet per section, Excel tables and native charts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from complaint_radar.errors import InputError
from complaint_radar.reports import xlsx_charts as charts
from complaint_radar.reports.columns import (
    ACTION_COLUMNS,
    CAUSE_CSAT_COLUMNS,
    CSAT_SERIES_COLUMNS,
    EMERGING_COLUMNS,
    EXAMPLE_COLUMNS,
    KEY_VALUE_COLUMNS,
    NEGATIVE_GAP_COLUMNS,
    NPS_SERIES_COLUMNS,
    OPERATIONS_COLUMNS,
    SERVQUAL_DIMENSION_COLUMNS,
    SERVQUAL_ITEM_COLUMNS,
    SHARE_COLUMNS,
    TEAM_CSAT_COLUMNS,
    Column,
    pareto_columns,
    volume_columns,
)
from complaint_radar.reports.labels import bilingual, section_title
from complaint_radar.reports.series import values_of
from complaint_radar.reports.summary import (
    example_rows,
    operations_rows,
    rows,
    satisfaction_rows,
    section,
    share_rows,
    summary_rows,
)
from complaint_radar.reports.xlsx_tables import Placed, put, title, write_table

Report = Mapping[str, Any]
SHEETS = ("Summary", "Volumes", "Pareto", "Emerging", "Actions", "Satisfaction", "SERVQUAL", "Operations")
FIRST_TABLE_ROW = 3
PARETO_CUT = 0.8


def write_xlsx(report: Report, path: Path) -> None:
    """Write the report dict (REPORT_SCHEMA.md) to `path` as an .xlsx workbook."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    writers = (_summary, _volumes, _pareto, _emerging, _actions, _satisfaction, _servqual, _operations)
    for name, write in zip(SHEETS, writers, strict=True):
        sheet = workbook.create_sheet(name)
        heading = section_title("summary" if name == "Summary" else _SECTION_OF[name])
        title(sheet, 1, 1, bilingual(heading), top=True)
        write(sheet, report)
        sheet.freeze_panes = f"A{FIRST_TABLE_ROW + 1}"
        # Printed, each sheet is as wide as one landscape page (tables and charts side by side stay whole).
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    try:
        workbook.save(path)
    except OSError as exc:
        raise InputError(
            f"cannot write the XLSX report to {path}: {exc.strerror or exc}; "
            "check that the folder exists and is writable"
        ) from exc


_SECTION_OF = {
    "Volumes": "volumes",
    "Pareto": "pareto",
    "Emerging": "emerging_issues",
    "Actions": "actions",
    "Satisfaction": "satisfaction",
    "SERVQUAL": "servqual",
    "Operations": "operations",
}


def _anchor(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _index(columns: Sequence[Column], header: str) -> int:
    """Offset of the column whose English header is `header` (charts refer to columns by name)."""
    return next(offset for offset, column in enumerate(columns) if column.en == header)


def _summary(sheet: Worksheet, report: Report) -> None:
    write_table(sheet, "Summary", KEY_VALUE_COLUMNS, summary_rows(report), FIRST_TABLE_ROW)
    totals = section(section(report, "volumes"), "totals")
    side = len(KEY_VALUE_COLUMNS) + 2
    title(sheet, FIRST_TABLE_ROW - 1, side, "按阶段 / By stage")
    stages = write_table(
        sheet,
        "StageTotals",
        SHARE_COLUMNS,
        share_rows(section(totals, "by_stage"), "stage"),
        FIRST_TABLE_ROW,
        side,
    )
    title(sheet, stages.next_row + 1, side, "按渠道 / By channel")
    channels = share_rows(section(totals, "by_channel"), "channel")
    write_table(sheet, "ChannelTotals", SHARE_COLUMNS, channels, stages.next_row + 2, side)


def _volumes(sheet: Worksheet, report: Report) -> None:
    data = section(report, "volumes")
    series = rows(data, "series")
    columns = volume_columns(series)
    placed = write_table(sheet, "Volumes", columns, series, FIRST_TABLE_ROW)
    denominator = section(data, "denominator")
    if denominator:
        put(sheet, 2, 1, f"分母 / Denominator: {denominator.get('metric')} ({denominator.get('source')})")
    if not series:
        return
    period, complaints = _index(columns, "Period"), _index(columns, "Complaints")
    moving = _index(columns, "7-day moving average")
    per_day = data.get("granularity") != "day"
    lines = [(complaints, charts.RED, False)] + ([] if per_day else [(moving, charts.NAVY, True)])
    chart = charts.trend_chart(
        sheet,
        placed,
        period,
        lines,
        "投诉量与 7 日移动平均 / Complaints and 7-day moving average",
        "投诉数 / complaints",
        (moving, "每日 / per day") if per_day else None,
    )
    sheet.add_chart(chart, _anchor(1, placed.next_row + 1))
    if any(value is not None for value in values_of(series, "rate_per_1000")):
        rate = _index(columns, "Complaints per 1,000")
        rate_chart = charts.trend_chart(
            sheet, placed, period, [(rate, charts.NAVY, False)], "每千投诉率 / Complaints per 1,000", "‰"
        )
        sheet.add_chart(rate_chart, _anchor(1, placed.next_row + 23))


def _pareto(sheet: Worksheet, report: Report) -> None:
    data = section(report, "pareto")
    by, weighting = str(data.get("by") or "cause"), str(data.get("weighting") or "count")
    items = rows(data, "rows")
    columns = pareto_columns(by)
    put(sheet, 2, 1, f"{by} · {weighting}")
    placed = write_table(sheet, "Pareto", columns, items, FIRST_TABLE_ROW)
    if not items:
        return
    # The 80 % cut as its own column beside the table, so that the chart can draw it as a line.
    cut_column = len(columns) + 2
    cut = Placed(FIRST_TABLE_ROW, FIRST_TABLE_ROW + 1, placed.last_row, cut_column)
    put(sheet, FIRST_TABLE_ROW, cut_column, "80 % 截断 / cut")
    for row in range(cut.first_row, cut.last_row + 1):
        put(sheet, row, cut_column, PARETO_CUT, "0%")
    value = _index(columns, "Weighted" if weighting == "severity" else "Count")
    vital = sum(1 for item in items if item.get("vital_few"))
    chart = charts.pareto_chart(
        sheet,
        placed,
        _index(columns, "Name (zh)"),
        value,
        _index(columns, "Cumulative share"),
        cut,
        "帕累托图 / Pareto chart",
        vital,
    )
    sheet.add_chart(chart, _anchor(1, placed.next_row + 1))


def _emerging(sheet: Worksheet, report: Report) -> None:
    placed = write_table(
        sheet, "EmergingIssues", EMERGING_COLUMNS, rows(report, "emerging_issues"), FIRST_TABLE_ROW
    )
    title(sheet, placed.next_row, 1, "示例消息 / Example messages")
    write_table(sheet, "IssueExamples", EXAMPLE_COLUMNS, example_rows(report), placed.next_row + 1)


def _actions(sheet: Worksheet, report: Report) -> None:
    items = rows(report, "actions")
    placed = write_table(sheet, "Actions", ACTION_COLUMNS, items, FIRST_TABLE_ROW)
    if items:
        chart = charts.before_after_chart(
            sheet,
            placed,
            _index(ACTION_COLUMNS, "Action"),
            _index(ACTION_COLUMNS, "Baseline rate"),
            _index(ACTION_COLUMNS, "Evaluation rate"),
        )
        sheet.add_chart(chart, _anchor(1, placed.next_row + 1))


def _satisfaction(sheet: Worksheet, report: Report) -> None:
    data = section(report, "satisfaction")
    csat, nps = section(data, "csat"), section(data, "nps")
    post = section(data, "post_resolution_csat")
    headline = satisfaction_rows(report)
    blocks: list[tuple[str, str, Sequence[Column], Sequence[Mapping[str, Any]]]] = [
        ("SatisfactionSummary", "概览 / Overview", KEY_VALUE_COLUMNS, headline),
        ("CsatTrend", "CSAT 趋势 / CSAT trend", CSAT_SERIES_COLUMNS, rows(csat, "series")),
        ("NpsTrend", "NPS 趋势 / NPS trend", NPS_SERIES_COLUMNS, rows(nps, "series")),
        ("PostResolutionByTeam", "解决后满意度（按班组）/ by team", TEAM_CSAT_COLUMNS, rows(post, "by_team")),
        (
            "PostResolutionByCause",
            "解决后满意度（按原因）/ by cause",
            CAUSE_CSAT_COLUMNS,
            rows(post, "by_cause"),
        ),
    ]
    column, lowest = 1, FIRST_TABLE_ROW
    placed_by_name: dict[str, Placed] = {}
    for name, heading, columns, items in blocks:
        title(sheet, FIRST_TABLE_ROW - 1, column, heading)
        placed = write_table(sheet, name, columns, items, FIRST_TABLE_ROW, column)
        placed_by_name[name] = placed
        lowest = max(lowest, placed.next_row)
        column += len(columns) + 1
    for offset, (name, label, value_column) in enumerate((("CsatTrend", "CSAT", 1), ("NpsTrend", "NPS", 1))):
        items = rows(csat if label == "CSAT" else nps, "series")
        if not items:
            continue
        chart = charts.trend_chart(
            sheet,
            placed_by_name[name],
            0,
            [(value_column, charts.NAVY, False)],
            f"{label} 趋势 / trend",
            label,
        )
        sheet.add_chart(chart, _anchor(1 + offset * 14, lowest + 1))


def _servqual(sheet: Worksheet, report: Report) -> None:
    data = section(report, "servqual")
    dimensions = rows(data, "dimensions")
    placed = write_table(sheet, "ServqualDimensions", SERVQUAL_DIMENSION_COLUMNS, dimensions, FIRST_TABLE_ROW)
    side = len(SERVQUAL_DIMENSION_COLUMNS) + 2
    title(sheet, FIRST_TABLE_ROW - 1, side, "负差距排名 / Negative gaps ranked")
    ranked = rows(data, "negative_gaps_ranked")
    write_table(sheet, "NegativeGaps", NEGATIVE_GAP_COLUMNS, ranked, FIRST_TABLE_ROW, side)
    title(sheet, placed.next_row, 1, "题项 / Items")
    items = write_table(
        sheet, "ServqualItems", SERVQUAL_ITEM_COLUMNS, rows(data, "items"), placed.next_row + 1
    )
    if dimensions:
        columns = SERVQUAL_DIMENSION_COLUMNS
        chart = charts.gap_chart(
            sheet,
            placed,
            _index(columns, "Name (zh)"),
            _index(columns, "Gap (P − E)"),
            values_of(dimensions, "gap"),
        )
        sheet.add_chart(chart, _anchor(1, items.next_row + 1))


def _operations(sheet: Worksheet, report: Report) -> None:
    write_table(sheet, "Operations", OPERATIONS_COLUMNS, operations_rows(report), FIRST_TABLE_ROW)
