"""HTML building blocks of the report: bilingual headings, tables from column definitions, tiles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from complaint_radar.reports.columns import KEY_VALUE_COLUMNS, Column
from complaint_radar.reports.labels import Label
from complaint_radar.reports.summary import kpi_rows
from complaint_radar.reports.svg import esc
from complaint_radar.reports.values import MISSING, format_value

NO_DATA = "本期无数据 / No data for this period"
NUMERIC = frozenset({"int", "number", "percent", "change", "pvalue"})


def heading(title: Label, level: int = 2) -> str:
    zh, en = title
    english = f' <span class="en">/ {esc(en)}</span>' if en and en != zh else ""
    return f"<h{level}>{esc(zh)}{english}</h{level}>"


def section_block(key: str, title: Label, *parts: str) -> str:
    return f'<section id="{esc(key)}">{heading(title)}{"".join(parts)}</section>\n'


def no_data(message: str = NO_DATA) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def figure(svg: str, caption: str = "") -> str:
    note = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{note}</figure>"


def cell(column: Column, row: Mapping[str, Any]) -> str:
    value = column.value(row)
    kind = column.kind_for(row)
    text = format_value(value, kind)
    if text == MISSING:
        return f'<td class="missing" title="无法计算 / not computable">{MISSING}</td>'
    css = ' class="num"' if kind in NUMERIC else ' class="date"' if kind == "date" else ""
    return f"<td{css}>{esc(text)}</td>"


def table(
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    row_class: Callable[[Mapping[str, Any]], str] | None = None,
    empty: str = NO_DATA,
) -> str:
    """A table of `rows`; a reader sees both the Chinese and the English header of each column."""
    if not rows:
        return no_data(empty)
    head = "".join(f'<th>{esc(c.zh)}<span class="en">{esc(c.en)}</span></th>' for c in columns)
    body = []
    for row in rows:
        css = row_class(row) if row_class else ""
        attribute = f' class="{esc(css)}"' if css else ""
        body.append(f"<tr{attribute}>" + "".join(cell(column, row) for column in columns) + "</tr>")
    rows_html = "".join(body)
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows_html}</tbody></table></div>"
    )


def key_value_table(rows: Sequence[Mapping[str, Any]]) -> str:
    return table(KEY_VALUE_COLUMNS, rows)


def tiles(rows: Sequence[Mapping[str, Any]]) -> str:
    cards = "".join(
        f'<div class="kpi"><div class="value">{esc(format_value(row["value"], row["kind"]))}</div>'
        f'<div class="label">{esc(row["zh"])}<span class="en">{esc(row["en"])}</span></div></div>'
        for row in rows
    )
    return f'<div class="kpis">{cards}</div>'


def kpi_tiles(report: Mapping[str, Any]) -> str:
    return tiles(kpi_rows(report))
