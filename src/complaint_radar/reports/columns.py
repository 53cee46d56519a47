"""The report's tables, column by column: one definition that the HTML and the XLSX renderers share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from complaint_radar.reports.labels import bilingual, key_label, label, metric_label, row_label
from complaint_radar.reports.values import ValueKind, format_timestamp, format_value
from complaint_radar.types import Stage

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Column:
    zh: str
    en: str
    kind: ValueKind
    value: Callable[[Row], Any]
    kind_field: str | None = None
    """Name of a row field that holds this cell's kind (tables whose rows mix percents and numbers)."""

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    def kind_for(self, row: Row) -> ValueKind:
        if self.kind_field is not None:
            kind: ValueKind = row.get(self.kind_field) or self.kind
            return kind
        return self.kind


def path(dotted: str) -> Callable[[Row], Any]:
    """Getter of a (nested) field; a missing or null parent reads as null."""
    parts = dotted.split(".")

    def get(row: Row) -> Any:
        value: Any = row
        for part in parts:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return get


def col(field: str, zh: str, en: str, kind: ValueKind = "text") -> Column:
    return Column(zh, en, kind, path(field))


def coded(field: str, kind: str, zh: str, en: str) -> Column:
    """A code shown by its bilingual display label."""
    return Column(
        zh, en, "text", lambda row: bilingual(label(kind, row.get(field))) if row.get(field) else None
    )


def label_columns(kind: str, code_field: str) -> list[Column]:
    """Chinese and English display-name columns for a row's code (its own labels first)."""
    return [
        Column("名称", "Name (zh)", "text", lambda row: row_label(row, kind, code_field)[0]),
        Column("英文名称", "Name (en)", "text", lambda row: row_label(row, kind, code_field)[1]),
    ]


def joined(values: Iterable[Any], separator: str = "、") -> str:
    return separator.join(str(value) for value in values)


def window(prefix: str) -> Column:
    """'2026-09-01 – 2026-09-30' of a baseline or evaluation window."""

    def get(row: Row) -> str | None:
        part = row.get(prefix)
        if not isinstance(part, Mapping) or not part.get("start"):
            return None
        return f"{part.get('start')} – {part.get('end')}"

    zh, en = ("基线窗口", "Baseline window") if prefix == "baseline" else ("评估窗口", "Evaluation window")
    return Column(zh, en, "text", get)


def ordered_keys(found: Iterable[str], canonical: Sequence[str]) -> list[str]:
    """Keys in their canonical order, then any others in the order first seen."""
    seen = list(dict.fromkeys(found))
    return [key for key in canonical if key in seen] + [key for key in seen if key not in canonical]


STAGES = [stage.value for stage in Stage]


def volume_columns(series: Sequence[Row], with_dates: bool = True) -> list[Column]:
    """Columns of the per-period table; `with_dates` adds each period's first and last day."""
    stages = ordered_keys((key for row in series for key in (row.get("by_stage") or {})), STAGES)
    stage_columns = [
        Column(label("stage", stage)[0], label("stage", stage)[1], "int", path(f"by_stage.{stage}"))
        for stage in stages
    ]
    dates = [col("start", "开始", "Start", "date"), col("end", "结束", "End", "date")] if with_dates else []
    return [
        col("period", "期间", "Period"),
        *dates,
        col("messages", "消息数", "Messages", "int"),
        col("dissatisfied", "不满数", "Dissatisfied", "int"),
        col("complaints", "投诉数", "Complaints", "int"),
        *stage_columns,
        col("denominator", "分母", "Denominator", "int"),
        col("rate_per_1000", "每千投诉", "Complaints per 1,000", "number"),
        col("moving_avg_7d", "7日移动平均", "7-day moving average", "number"),
        col("change_pct", "环比", "Change vs previous", "change"),
        col("peak", "高峰期", "Peak period"),
    ]


def pareto_columns(by: str) -> list[Column]:
    return [
        col("key", "代码", "Code"),
        *label_columns(by, "key"),
        col("count", "数量", "Count", "int"),
        col("weighted", "加权数", "Weighted", "number"),
        col("share", "占比", "Share", "percent"),
        col("cumulative_share", "累计占比", "Cumulative share", "percent"),
        col("vital_few", "关键少数", "Vital few", "flag"),
    ]


EMERGING_COLUMNS = [
    col("id", "编号", "ID", "id"),
    Column("问题键", "Key (zh)", "text", lambda row: key_label(row.get("key") or {})[0]),
    Column("问题键（英文）", "Key (en)", "text", lambda row: key_label(row.get("key") or {})[1]),
    col("window_start", "窗口开始", "Window start", "date"),
    col("window_end", "窗口结束", "Window end", "date"),
    col("observed", "观测数", "Observed", "int"),
    col("expected", "期望数", "Expected", "number"),
    col("ratio", "倍数", "Ratio", "number"),
    col("p_value", "p 值", "p-value", "pvalue"),
    coded("status", "issue_status", "状态", "Status"),
    col("first_detected", "首次发现", "First detected", "date"),
    Column("高频词", "Top terms", "text", lambda row: joined(row.get("top_terms") or []) or None),
    Column(
        "合并的键",
        "Merged keys",
        "text",
        lambda row: joined((key_label(key)[0] for key in row.get("merged_keys") or []), "；") or None,
    ),
]

EXAMPLE_COLUMNS = [
    col("issue_id", "问题编号", "Issue ID", "id"),
    col("message_id", "消息编号", "Message ID"),
    Column("时间", "Occurred at", "text", lambda row: format_timestamp(row.get("occurred_at"))),
    coded("channel", "channel", "渠道", "Channel"),
    col("text", "消息内容", "Message text"),
]


def ci_text(row: Row) -> str | None:
    low, high = row.get("ci_low"), row.get("ci_high")
    if low is None and high is None:
        return None
    level = format_value(row.get("ci_level"), "percent")
    return f"[{format_value(low, 'number')}, {format_value(high, 'number')}] ({level})"


def concurrent_text(row: Row) -> str | None:
    others = row.get("concurrent_actions") or []
    return (
        joined((f"#{other.get('id')} {other.get('title') or ''}".strip() for other in others), "；") or None
    )


_ACTION_ID = col("id", "编号", "ID", "id")
_ACTION_TITLE = col("title", "措施", "Action")
_ACTION_OWNER = col("owner", "负责人", "Owner")
_ACTION_METRIC = Column(
    "目标指标", "Target metric", "text", lambda row: bilingual(metric_label(row.get("target_metric")))
)
_ACTION_METRIC_ZH = Column(
    "目标指标", "Target metric", "text", lambda row: metric_label(row.get("target_metric"))[0]
)
_ACTION_CHANGE_ABS = col("change_abs", "绝对变化", "Absolute change", "number")
_ACTION_CHANGE_REL = col("change_rel", "相对变化", "Relative change", "change")
_ACTION_TEST = coded("test", "test", "检验方法", "Test")
_ACTION_P = col("p_value", "p 值", "p-value", "pvalue")
_ACTION_VERDICT = coded("verdict", "verdict", "结论", "Verdict")

ACTION_COLUMNS = [
    _ACTION_ID,
    _ACTION_TITLE,
    coded("type", "action_type", "类型", "Type"),
    _ACTION_OWNER,
    col("status", "状态", "Status"),
    col("issue_id", "关联问题", "Issue ID", "id"),
    coded("fishbone_category", "fishbone", "鱼骨类别", "Fishbone category"),
    _ACTION_METRIC,
    col("target_value", "目标值", "Target value", "number"),
    window("baseline"),
    col("baseline.events", "基线事件数", "Baseline events", "int"),
    col("baseline.exposure", "基线暴露量", "Baseline exposure", "int"),
    col("baseline.rate", "基线值", "Baseline rate", "number"),
    window("evaluation"),
    col("evaluation.events", "评估事件数", "Evaluation events", "int"),
    col("evaluation.exposure", "评估暴露量", "Evaluation exposure", "int"),
    col("evaluation.rate", "评估值", "Evaluation rate", "number"),
    _ACTION_CHANGE_ABS,
    _ACTION_CHANGE_REL,
    _ACTION_TEST,
    _ACTION_P,
    col("ci_low", "置信区间下限", "CI low", "number"),
    col("ci_high", "置信区间上限", "CI high", "number"),
    col("ci_level", "置信水平", "CI level", "percent"),
    Column("同期措施", "Concurrent actions", "text", concurrent_text),
    _ACTION_VERDICT,
]

ACTION_SUMMARY_COLUMNS = [
    _ACTION_ID,
    _ACTION_TITLE,
    _ACTION_OWNER,
    _ACTION_METRIC_ZH,
    col("baseline.rate", "基线值", "Baseline", "number"),
    col("evaluation.rate", "评估值", "After", "number"),
    _ACTION_CHANGE_ABS,
    _ACTION_CHANGE_REL,
    _ACTION_TEST,
    _ACTION_P,
    Column("置信区间", "Confidence interval", "text", ci_text),
    Column("同期措施", "Concurrent actions", "text", concurrent_text),
    _ACTION_VERDICT,
]

CSAT_SERIES_COLUMNS = [
    col("period", "期间", "Period"),
    col("mean", "CSAT 均值", "CSAT mean", "number"),
    col("responses", "回复数", "Responses", "int"),
]
NPS_SERIES_COLUMNS = [
    col("period", "期间", "Period"),
    col("score", "NPS", "NPS", "number"),
    col("responses", "回复数", "Responses", "int"),
]
TEAM_CSAT_COLUMNS = [
    col("team", "班组", "Team"),
    col("mean", "解决后 CSAT", "Post-resolution CSAT", "number"),
    col("responses", "回复数", "Responses", "int"),
]
CAUSE_CSAT_COLUMNS = [
    col("cause", "原因代码", "Cause code"),
    *label_columns("cause", "cause"),
    col("mean", "解决后 CSAT", "Post-resolution CSAT", "number"),
    col("responses", "回复数", "Responses", "int"),
]

_GAP = col("gap", "差距", "Gap (P − E)", "number")
_DIMENSION = coded("dimension", "servqual_dimension", "维度", "Dimension")

SERVQUAL_DIMENSION_COLUMNS = [
    col("dimension", "维度代码", "Dimension code"),
    *label_columns("servqual_dimension", "dimension"),
    col("expectation", "期望", "Expectation", "number"),
    col("perception", "感知", "Perception", "number"),
    _GAP,
    col("weighted_gap", "加权差距", "Weighted gap", "number"),
    col("items", "题项数", "Items", "int"),
    col("responses", "回复数", "Responses", "int"),
    col("complaint_share", "投诉占比", "Complaint share", "percent"),
]
SERVQUAL_ITEM_COLUMNS = [
    col("item", "题项", "Item"),
    _DIMENSION,
    col("expectation", "期望", "Expectation", "number"),
    col("perception", "感知", "Perception", "number"),
    _GAP,
]
NEGATIVE_GAP_COLUMNS = [col("item", "题项", "Item"), _DIMENSION, _GAP]

# Rows of the key/value tables (summary, operations, totals) carry their own kind.
KEY_VALUE_COLUMNS = [
    col("zh", "指标", "Metric (zh)"),
    col("en", "Metric", "Metric (en)"),
    Column("数值", "Value", "number", path("value"), kind_field="kind"),
]
OPERATIONS_COLUMNS = [col("code", "代码", "Code"), *KEY_VALUE_COLUMNS]
SHARE_COLUMNS = [
    col("code", "代码", "Code"),
    col("zh", "名称", "Name (zh)"),
    col("en", "英文名称", "Name (en)"),
    col("count", "数量", "Count", "int"),
    col("share", "占比", "Share", "percent"),
]
