"""Writing report rows into a worksheet as an Excel table: typed cells, number formats, widths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from complaint_radar.reports.columns import Column
from complaint_radar.reports.svg import text_width
from complaint_radar.reports.values import excel_format, excel_value

NO_DATA = "本期无数据 / No data for this period"
EXCEL_TEXT_LIMIT = 32_767
TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
SUBTITLE_FONT = Font(bold=True, size=11, color="1F4E79")
NOTE_FONT = Font(italic=True, color="78909C")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a table landed: header row, first data row, last data row, first column (1-based)."""

    header_row: int
    first_row: int
    last_row: int
    first_column: int

    @property
    def next_row(self) -> int:
        """The first free row below the table, one blank row left between."""
        return self.last_row + 2


def safe_text(value: Any) -> Any:
    """Text as Excel will keep it: no control characters (which openpyxl refuses), within the cell limit."""
    if not isinstance(value, str):
        return value
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cleaned if len(cleaned) <= EXCEL_TEXT_LIMIT else cleaned[: EXCEL_TEXT_LIMIT - 1] + "…"


def put(sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> None:
    """One cell; text stays text even when it starts with '=' (a message is never run as a formula)."""
    cell = sheet.cell(row=row, column=column)
    cell.value = safe_text(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format


def title(sheet: Worksheet, row: int, column: int, text: str, top: bool = False) -> None:
    put(sheet, row, column, text)
    sheet.cell(row=row, column=column).font = TITLE_FONT if top else SUBTITLE_FONT


def write_table(
    sheet: Worksheet,
    name: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    row: int,
    column: int = 1,
) -> Placed:
    """`rows` as an Excel table whose header is at (row, column); without rows, the header and a note."""
    for offset, spec in enumerate(columns):
        put(sheet, row, column + offset, spec.header)
        header = sheet.cell(row=row, column=column + offset)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
    # Headers read '中文 / English' and wrap onto a second line in narrow columns.
    sheet.row_dimensions[row].height = max(sheet.row_dimensions[row].height or 0, 32)
    for index, item in enumerate(rows, start=row + 1):
        for offset, spec in enumerate(columns):
            kind = spec.kind_for(item)
            raw = spec.value(item)
            put(sheet, index, column + offset, excel_value(raw, kind), excel_format(raw, kind))
    _fit_widths(sheet, columns, rows, column)
    if not rows:
        for offset in range(len(columns)):
            sheet.cell(row=row, column=column + offset).fill = HEADER_FILL
        put(sheet, row + 1, column, NO_DATA)
        sheet.cell(row=row + 1, column=column).font = NOTE_FONT
        return Placed(row, row + 1, row + 1, column)
    ref = f"{get_column_letter(column)}{row}:{get_column_letter(column + len(columns) - 1)}{row + len(rows)}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    return Placed(row, row + 1, row + len(rows), column)


def _fit_widths(
    sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], first: int
) -> None:
    """Column widths from the longest text they hold (CJK counted double), within sensible bounds."""
    for offset, spec in enumerate(columns):
        letter = get_column_letter(first + offset)
        shown = [str(spec.value(item) or "") for item in rows[:200]]
        header = max(text_width(part, 1) for part in spec.header.split(" / "))
        widest = max([header, *(text_width(text, 1) for text in shown)])
        width = min(max(8.0, widest * 1.9 + 2), 60.0)
        current = sheet.column_dimensions[letter].width or 0
        sheet.column_dimensions[letter].width = max(width, current)
