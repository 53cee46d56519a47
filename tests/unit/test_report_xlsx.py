"""The XLSX report: every sheet, Excel tables with the right headers and rows, native charts, the numbers."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from complaint_radar.errors import InputError
from complaint_radar.reports import write_xlsx
from complaint_radar.reports.columns import (
    ACTION_COLUMNS,
    EMERGING_COLUMNS,
    EXAMPLE_COLUMNS,
    SERVQUAL_DIMENSION_COLUMNS,
    pareto_columns,
    volume_columns,
)
from report_samples import empty_report, sample_report

SHEETS = ["Summary", "Volumes", "Pareto", "Emerging", "Actions", "Satisfaction", "SERVQUAL", "Operations"]


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return sample_report()


@pytest.fixture(scope="module")
def xlsx_path(sample: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    write_xlsx(sample, path)
    return path


@pytest.fixture(scope="module")
def workbook(xlsx_path: Path) -> Workbook:
    return openpyxl.load_workbook(xlsx_path)


def table_rows(sheet: Worksheet, name: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows (header → cell value) of the Excel table `name`."""
    low_col, low_row, high_col, high_row = range_boundaries(sheet.tables[name].ref)
    cells = list(sheet.iter_rows(min_row=low_row, max_row=high_row, min_col=low_col, max_col=high_col))
    header = [str(cell.value) for cell in cells[0]]
    return header, [dict(zip(header, (cell.value for cell in row), strict=True)) for row in cells[1:]]


def headers(columns: Sequence[Any]) -> list[str]:
    return [column.header for column in columns]


def test_every_sheet_is_there_with_a_frozen_header(workbook: Workbook) -> None:
    assert workbook.sheetnames == SHEETS
    for sheet in workbook:
        assert sheet.freeze_panes == "A4", sheet.title


def test_tables_have_the_report_columns_and_one_row_per_item(
    workbook: Workbook, sample: dict[str, Any]
) -> None:
    series = sample["volumes"]["series"]
    expected = {
        ("Volumes", "Volumes"): (headers(volume_columns(series)), len(series)),
        ("Pareto", "Pareto"): (headers(pareto_columns("cause")), len(sample["pareto"]["rows"])),
        ("Emerging", "EmergingIssues"): (headers(EMERGING_COLUMNS), len(sample["emerging_issues"])),
        ("Emerging", "IssueExamples"): (headers(EXAMPLE_COLUMNS), 3),
        ("Actions", "Actions"): (headers(ACTION_COLUMNS), len(sample["actions"])),
        ("SERVQUAL", "ServqualDimensions"): (headers(SERVQUAL_DIMENSION_COLUMNS), 5),
        ("SERVQUAL", "ServqualItems"): (None, len(sample["servqual"]["items"])),
        ("SERVQUAL", "NegativeGaps"): (None, len(sample["servqual"]["negative_gaps_ranked"])),
        ("Satisfaction", "CsatTrend"): (None, len(sample["satisfaction"]["csat"]["series"])),
        ("Satisfaction", "PostResolutionByTeam"): (None, 3),
        ("Operations", "Operations"): (None, len(sample["operations"])),
        ("Summary", "StageTotals"): (None, 5),
        ("Summary", "ChannelTotals"): (None, 5),
    }
    for (sheet, name), (header, count) in expected.items():
        found_header, found_rows = table_rows(workbook[sheet], name)
        if header is not None:
            assert found_header == header, name
        assert len(found_rows) == count, name
    assert "无不满 / no dissatisfaction" in headers(volume_columns(series))
    # Empty sections get their header and a note, not an Excel table without rows.
    assert "NpsTrend" not in workbook["Satisfaction"].tables
    assert "PostResolutionByCause" not in workbook["Satisfaction"].tables


def test_cells_hold_the_numbers_of_the_report(workbook: Workbook, sample: dict[str, Any]) -> None:
    _, volumes = table_rows(workbook["Volumes"], "Volumes")
    for cells, row in zip(volumes, sample["volumes"]["series"], strict=True):
        assert cells["期间 / Period"] == row["period"]
        assert cells["投诉数 / Complaints"] == row["complaints"]
        assert cells["潜在投诉 / potential complaint"] == row["by_stage"]["potential_complaint"]
        assert cells["每千投诉 / Complaints per 1,000"] == row["rate_per_1000"]
        assert cells["环比 / Change vs previous"] == row["change_pct"]
        assert cells["开始 / Start"] == datetime.fromisoformat(row["start"])
    _, pareto = table_rows(workbook["Pareto"], "Pareto")
    for cells, row in zip(pareto, sample["pareto"]["rows"], strict=True):
        assert (cells["数量 / Count"], cells["占比 / Share"]) == (row["count"], row["share"])
        assert cells["累计占比 / Cumulative share"] == row["cumulative_share"]
        assert cells["关键少数 / Vital few"] is row["vital_few"]
    _, actions = table_rows(workbook["Actions"], "Actions")
    for cells, row in zip(actions, sample["actions"], strict=True):
        assert cells["p 值 / p-value"] == row["p_value"]
        assert (cells["置信区间下限 / CI low"], cells["置信区间上限 / CI high"]) == (
            row["ci_low"],
            row["ci_high"],
        )
        assert cells["基线值 / Baseline rate"] == row["baseline"]["rate"]
        assert cells["评估值 / Evaluation rate"] == (row["evaluation"] or {}).get("rate")
    _, operations = table_rows(workbook["Operations"], "Operations")
    assert {cells["代码 / Code"]: cells["数值 / Value"] for cells in operations} == sample["operations"]
    _, gaps = table_rows(workbook["SERVQUAL"], "ServqualDimensions")
    assert [cells["差距 / Gap (P − E)"] for cells in gaps] == [
        row["gap"] for row in sample["servqual"]["dimensions"]
    ]
    _, summary = table_rows(workbook["Summary"], "Summary")
    values = {cells["Metric / Metric (en)"]: cells["数值 / Value"] for cells in summary}
    assert values["Complaints"] == sample["volumes"]["totals"]["complaints"]
    assert values["NPS"] is None


def test_number_formats_read_as_percent_and_decimals(workbook: Workbook) -> None:
    pareto = workbook["Pareto"]
    header = [cell.value for cell in pareto[3]]
    share = pareto.cell(row=4, column=header.index("占比 / Share") + 1)
    weighted = pareto.cell(row=4, column=header.index("加权数 / Weighted") + 1)
    assert share.number_format == "0.0%" and weighted.number_format == "#,##0.00"
    emerging = workbook["Emerging"]
    header = [cell.value for cell in emerging[3]]
    assert emerging.cell(row=4, column=header.index("p 值 / p-value") + 1).number_format == "0.0E+00"
    assert workbook["Pareto"].column_dimensions["B"].width >= 12


def test_chinese_text_and_messages_stay_intact(workbook: Workbook, sample: dict[str, Any]) -> None:
    _, examples = table_rows(workbook["Emerging"], "IssueExamples")
    texts = [example["text"] for issue in sample["emerging_issues"] for example in issue["examples"]]
    assert [row["消息内容 / Message text"] for row in examples] == texts
    _, issues = table_rows(workbook["Emerging"], "EmergingIssues")
    assert issues[0]["问题键 / Key (zh)"] == "原因：产品质量 × 产品：X手机"
    assert issues[0]["高频词 / Top terms"] == "自动关机、发烫、充电"
    _, summary = table_rows(workbook["Summary"], "Summary")
    filters = next(row["数值 / Value"] for row in summary if row["Metric / Metric (en)"] == "Filters")
    assert "华东" in filters and "在线客服" in filters


def chart_xml(path: Path, sheet_index: int) -> list[str]:
    """The chart parts drawn on the sheet at `sheet_index` (1-based), read from the file itself."""

    def targets(archive: zipfile.ZipFile, rels: str, kind: str) -> list[str]:
        if rels not in archive.namelist():
            return []
        found = re.findall(rf'Type="[^"]*/{kind}" Target="/?([^"]+)"', archive.read(rels).decode())
        return [name.removeprefix("/") for name in found]

    with zipfile.ZipFile(path) as archive:
        charts = []
        for drawing in targets(archive, f"xl/worksheets/_rels/sheet{sheet_index}.xml.rels", "drawing"):
            rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
            charts += [archive.read(chart).decode() for chart in targets(archive, rels, "chart")]
        return charts


def test_native_charts_on_the_chart_sheets(workbook: Workbook, xlsx_path: Path) -> None:
    counts = {sheet.title: len(sheet._charts) for sheet in workbook}
    assert counts == {
        "Summary": 0,
        "Volumes": 2,
        "Pareto": 1,
        "Emerging": 0,
        "Actions": 1,
        "Satisfaction": 1,
        "SERVQUAL": 1,
        "Operations": 0,
    }
    (pareto,) = chart_xml(xlsx_path, SHEETS.index("Pareto") + 1)
    assert "<barChart>" in pareto and "<lineChart>" in pareto, "bars plus lines"
    assert pareto.count("<valAx>") == 2 and '<crosses val="max" />' in pareto, "shares on a second axis"
    line_titles = re.findall(r"<f>'Pareto'!([A-Z]+3)</f>", pareto.split("<lineChart>")[1])
    sheet = workbook["Pareto"]
    assert [sheet[cell].value for cell in line_titles] == ["累计占比 / Cumulative share", "80 % 截断 / cut"]
    cut_column = line_titles[1][:-1]
    assert {sheet[f"{cut_column}{row}"].value for row in range(4, 12)} == {0.8}
    (servqual,) = chart_xml(xlsx_path, SHEETS.index("SERVQUAL") + 1)
    assert '<barDir val="bar" />' in servqual
    assert servqual.count('<a:srgbClr val="C0392B" />') == 4, "the four negative gaps in red"
    assert len(chart_xml(xlsx_path, SHEETS.index("Volumes") + 1)) == 2


def test_a_report_with_empty_sections_still_writes_every_sheet(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    write_xlsx(empty_report(), path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == SHEETS
    assert all(len(sheet._charts) == 0 for sheet in workbook)
    assert workbook["Pareto"]["A4"].value == "本期无数据 / No data for this period"
    _, operations = table_rows(workbook["Operations"], "Operations")
    assert all(row["数值 / Value"] is None for row in operations)


def test_message_text_is_never_a_formula_and_control_characters_go(tmp_path: Path) -> None:
    report = sample_report()
    report["emerging_issues"][0]["examples"] = [
        {"message_id": "m1", "channel": "chat", "occurred_at": None, "text": '=HYPERLINK("http://x","点我")'},
        {"message_id": "m2", "channel": "chat", "occurred_at": None, "text": "响铃\x07了"},
    ]
    path = tmp_path / "tricky.xlsx"
    write_xlsx(report, path)
    _, examples = table_rows(openpyxl.load_workbook(path)["Emerging"], "IssueExamples")
    assert [row["消息内容 / Message text"] for row in examples[:2]] == [
        '=HYPERLINK("http://x","点我")',
        "响铃了",
    ]
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet4.xml").decode()


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot write the XLSX report to .*folder exists"):
        write_xlsx(empty_report(), tmp_path / "missing" / "report.xlsx")
