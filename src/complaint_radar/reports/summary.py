"""Rows derived from the report dict for the headline figures and the key/value tables of both formats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from complaint_radar.reports.columns import STAGES, ordered_keys
from complaint_radar.reports.labels import bilingual, label, operations_metric
from complaint_radar.reports.values import ValueKind, is_number
from complaint_radar.types import Channel

Row = Mapping[str, Any]


def section(report: Row, key: str) -> Mapping[str, Any]:
    """A top-level (or nested) object of the report, `{}` when it is null or missing."""
    value = report.get(key)
    return value if isinstance(value, Mapping) else {}


def rows(container: Row, key: str) -> list[Row]:
    """A list of row objects, `[]` when it is null or missing; anything that is not an object is dropped."""
    value = container.get(key)
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def metric(zh: str, en: str, value: Any, kind: ValueKind) -> dict[str, Any]:
    return {"zh": zh, "en": en, "value": value, "kind": kind}


def filter_parts(filters: Mapping[str, Any]) -> list[str]:
    """['渠道 / channel: 在线客服, 电话', '地区 / region: 华东'] ([] when the report is unfiltered)."""
    parts = []
    for dimension, values in filters.items():
        shown = values if isinstance(values, list) else [values]
        names = ", ".join(label(dimension, value)[0] for value in shown)
        parts.append(f"{bilingual(label('dimension', dimension))}: {names}")
    return parts


def peaks_text(peaks: Sequence[Row]) -> str:
    return "; ".join(f"{peak.get('name')} ({peak.get('start')} – {peak.get('end')})" for peak in peaks)


def kpi_rows(report: Row) -> list[dict[str, Any]]:
    """The headline figures shown as tiles in HTML and on the Summary sheet."""
    totals = section(section(report, "volumes"), "totals")
    operations = section(report, "operations")
    satisfaction = section(report, "satisfaction")
    csat, nps = section(satisfaction, "csat"), section(satisfaction, "nps")

    def operation(code: str) -> dict[str, Any]:
        zh, en, kind = operations_metric(code)
        return metric(zh, en, operations.get(code), kind)

    return [
        metric("消息数", "Messages", totals.get("messages"), "int"),
        metric("不满数", "Dissatisfied", totals.get("dissatisfied"), "int"),
        metric("投诉数", "Complaints", totals.get("complaints"), "int"),
        operation("complaint_rate_per_1000"),
        operation("potential_to_formal_conversion"),
        operation("sla_compliance"),
        operation("first_contact_resolution"),
        operation("median_hours_to_resolve"),
        metric("CSAT 均值", "CSAT mean (1–5)", csat.get("mean"), "number"),
        metric("NPS", "NPS", nps.get("score"), "number"),
    ]


def summary_rows(report: Row) -> list[dict[str, Any]]:
    """What the Summary sheet lists: the report, its period and filters, the headline figures."""
    period = section(report, "period")
    denominator = section(section(report, "volumes"), "denominator")
    return [
        metric("报告版本", "Report version", report.get("report_version"), "int"),
        metric("生成时间", "Generated at", report.get("generated_at"), "text"),
        metric("开始日期", "From", period.get("from"), "date"),
        metric("结束日期", "To", period.get("to"), "date"),
        metric("截至日期", "As of", period.get("as_of"), "date"),
        metric("时间粒度", "Granularity", bilingual(label("granularity", period.get("granularity"))), "text"),
        metric("筛选条件", "Filters", "; ".join(filter_parts(section(period, "filters"))) or "—", "text"),
        metric("高峰期", "Peak periods", peaks_text(rows(period, "peaks")) or "—", "text"),
        metric("分母指标", "Denominator", denominator.get("metric"), "text"),
        *kpi_rows(report),
    ]


def satisfaction_rows(report: Row) -> list[dict[str, Any]]:
    """CSAT and NPS headline figures with their response counts and rates."""
    satisfaction = section(report, "satisfaction")
    csat, nps = section(satisfaction, "csat"), section(satisfaction, "nps")
    return [
        metric("CSAT 均值", "CSAT mean (1–5)", csat.get("mean"), "number"),
        metric("CSAT 回复数", "CSAT responses", csat.get("responses"), "int"),
        metric("CSAT 发放数", "CSAT surveys sent", csat.get("surveys_sent"), "int"),
        metric("CSAT 回复率", "CSAT response rate", csat.get("response_rate"), "percent"),
        metric("满意占比", "Share satisfied", csat.get("share_satisfied"), "percent"),
        metric("NPS", "NPS", nps.get("score"), "number"),
        metric("推荐者", "Promoters", nps.get("promoters"), "percent"),
        metric("中立者", "Passives", nps.get("passives"), "percent"),
        metric("贬损者", "Detractors", nps.get("detractors"), "percent"),
        metric("NPS 回复数", "NPS responses", nps.get("responses"), "int"),
        metric("NPS 回复率", "NPS response rate", nps.get("response_rate"), "percent"),
    ]


def operations_rows(report: Row) -> list[dict[str, Any]]:
    """Every operational metric of the report (known ones labelled, new ones shown by their code)."""
    rows_ = []
    for code, value in section(report, "operations").items():
        zh, en, kind = operations_metric(code)
        rows_.append(metric(zh, en, value, kind) | {"code": code})
    return rows_


def share_rows(counts: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """Counts by stage or channel with their share of the total (null when the total is 0)."""
    canonical = STAGES if kind == "stage" else [channel.value for channel in Channel]
    numbers = {key: value for key, value in counts.items() if is_number(value)}
    total = sum(numbers.values())
    return [
        {
            "code": key,
            "zh": label(kind, key)[0],
            "en": label(kind, key)[1],
            "count": numbers[key],
            "share": numbers[key] / total if total else None,
        }
        for key in ordered_keys(numbers, canonical)
    ]


def example_rows(report: Row) -> list[dict[str, Any]]:
    """The example messages of every emerging issue, one row each, with the issue's id."""
    return [
        dict(example) | {"issue_id": issue.get("id")}
        for issue in rows(report, "emerging_issues")
        for example in rows(issue, "examples")
    ]
