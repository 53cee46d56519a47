"""The analysis report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from complaint_radar.reports import html_sections as sections
from complaint_radar.reports.html_parts import kpi_tiles, no_data, section_block
from complaint_radar.reports.html_style import STYLESHEET
from complaint_radar.reports.labels import bilingual, label, section_title
from complaint_radar.reports.summary import filter_parts, rows, section
from complaint_radar.reports.svg import esc

SECTIONS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "volumes": sections.volumes,
    "pareto": sections.pareto,
    "emerging_issues": sections.emerging_issues,
    "actions": sections.actions,
    "satisfaction": sections.satisfaction,
    "servqual": sections.servqual,
    "operations": sections.operations,
}
METADATA = ("report_version", "generated_at", "period")


def render_html(report: Mapping[str, Any]) -> str:
    """The report dict (REPORT_SCHEMA.md) as a UTF-8 HTML document that opens offline."""
    extra = [key for key in report if key not in SECTIONS and key not in METADATA]
    toc = [(key, section_title(key)) for key in SECTIONS] + [(key, (key, key)) for key in extra]
    body = [
        _header(report),
        '<nav class="toc">'
        + "".join(f'<a href="#{esc(key)}">{esc(title[0])}</a>' for key, title in toc)
        + "</nav>",
        kpi_tiles(report),
        *(render(report) for render in SECTIONS.values()),
        *(_other(key, report[key]) for key in extra),
        _footer(report),
    ]
    title = "投诉分析报告 / Complaint analysis report"
    period = section(report, "period")
    if period.get("from") or period.get("to"):
        title += f" {period.get('from') or '…'} – {period.get('to') or '…'}"
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n"
        f"<body>\n<main>\n{''.join(body)}\n</main>\n</body>\n</html>\n"
    )


def _header(report: Mapping[str, Any]) -> str:
    period = section(report, "period")
    filters = section(period, "filters")
    facts: list[tuple[str, str]] = [
        ("期间 / Period", esc(f"{period.get('from') or '—'} – {period.get('to') or '—'}")),
        ("截至 / As of", esc(period.get("as_of") or "—")),
        ("粒度 / Granularity", esc(bilingual(label("granularity", period.get("granularity"))) or "—")),
        ("筛选 / Filters", _filter_chips(filters) if filters else "全部 / all data"),
    ]
    peaks = rows(period, "peaks")
    if peaks:
        chips = (f"{peak.get('name')} ({peak.get('start')} – {peak.get('end')})" for peak in peaks)
        facts.append(
            ("高峰期 / Peak periods", "".join(f'<span class="chip">{esc(chip)}</span>' for chip in chips))
        )
    listing = "".join(f"<dt>{esc(name)}</dt><dd>{value}</dd>" for name, value in facts)
    return (
        '<header class="report"><h1>投诉分析报告 <span class="en">/ Complaint analysis report</span></h1>'
        f'<dl class="period">{listing}</dl></header>'
    )


def _filter_chips(filters: Mapping[str, Any]) -> str:
    return "".join(f'<span class="chip">{esc(part)}</span>' for part in filter_parts(filters))


def _other(key: str, value: Any) -> str:
    """A top-level key this renderer does not know yet (the schema may grow): shown as JSON, not dropped."""
    shown = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    body = no_data() if value in (None, [], {}) else f"<pre>{esc(shown)}</pre>"
    return section_block(key, (key, key), body)


def _footer(report: Mapping[str, Any]) -> str:
    generated = report.get("generated_at") or "—"
    version = report.get("report_version")
    notes: Sequence[str] = (
        f"生成时间 / Generated at {generated} · 报告版本 / report version {version}",
        "“—” 表示无法计算（无分母或无回复）/ "
        "“—” marks a figure that cannot be computed (no denominator or no responses).",
    )
    return "<footer>" + "".join(f"<p>{esc(note)}</p>" for note in notes) + "</footer>"
