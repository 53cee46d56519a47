"""One HTML section per top-level key of the report: charts first, then the tables behind them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from complaint_radar.reports import charts
from complaint_radar.reports.columns import (
    ACTION_SUMMARY_COLUMNS,
    CAUSE_CSAT_COLUMNS,
    EMERGING_COLUMNS,
    NEGATIVE_GAP_COLUMNS,
    SERVQUAL_DIMENSION_COLUMNS,
    SERVQUAL_ITEM_COLUMNS,
    SHARE_COLUMNS,
    TEAM_CSAT_COLUMNS,
    pareto_columns,
    volume_columns,
)
from complaint_radar.reports.html_parts import (
    figure,
    heading,
    key_value_table,
    no_data,
    section_block,
    table,
    tiles,
)
from complaint_radar.reports.labels import bilingual, key_label, label, metric_label, row_label, section_title
from complaint_radar.reports.series import pareto_series, peak_bands, values_of, verdict_color, volume_lines
from complaint_radar.reports.summary import operations_rows, rows, satisfaction_rows, section, share_rows
from complaint_radar.reports.svg import esc
from complaint_radar.reports.values import format_timestamp, format_value, number_or_none

Report = Mapping[str, Any]


def volumes(report: Report) -> str:
    data = section(report, "volumes")
    series = rows(data, "series")
    totals = section(data, "totals")
    parts = []
    denominator = section(data, "denominator")
    if denominator:
        parts.append(
            f'<p class="note">分母 / Denominator: {esc(denominator.get("metric"))}'
            f" ({esc(denominator.get('source'))})</p>"
        )
    if series:
        granularity = str(data.get("granularity") or "")
        periods = [str(row.get("period") or row.get("start") or "") for row in series]
        lines, units = volume_lines(series, granularity)
        bands = peak_bands(series)
        title = "投诉量与 7 日移动平均 / Complaints and 7-day moving average"
        parts.append(figure(charts.line_chart(title, periods, lines, bands, units), title))
        rates = values_of(series, "rate_per_1000")
        if any(rate is not None for rate in rates):
            title = "每千投诉率 / Complaints per 1,000"
            line = charts.Series("每千投诉 / per 1,000", rates, charts.NAVY)
            parts.append(figure(charts.line_chart(title, periods, [line], bands, ("‰", "")), title))
    else:
        parts.append(no_data())
    parts.append(
        '<div class="columns"><div>'
        + heading(("按阶段", "By stage"), 3)
        + table(SHARE_COLUMNS, share_rows(section(totals, "by_stage"), "stage"))
        + "</div><div>"
        + heading(("按渠道", "By channel"), 3)
        + table(SHARE_COLUMNS, share_rows(section(totals, "by_channel"), "channel"))
        + "</div></div>"
    )
    if series:
        parts += [
            heading(("分期明细", "Per period"), 3),
            table(volume_columns(series, with_dates=False), series),
        ]
    return section_block("volumes", section_title("volumes"), *parts)


def pareto(report: Report) -> str:
    data = section(report, "pareto")
    by = str(data.get("by") or "cause")
    weighting = str(data.get("weighting") or "count")
    items = rows(data, "rows")
    caption = f"{bilingual(label('dimension', by))} · {bilingual(label('weighting', weighting))}"
    parts = [f'<p class="note">{esc(caption)}</p>']
    if not items:
        parts.append(no_data())
    else:
        shown = items[:20]
        labels, values, cumulative, vital, value_name = pareto_series(shown, by, weighting)
        title = f"帕累托图 / Pareto chart ({caption})"
        note = title if len(items) <= 20 else f"{title} — 前 20 项 / top 20 of {len(items)}"
        parts.append(figure(charts.pareto_chart(title, labels, values, cumulative, vital, value_name), note))
        parts.append(table(pareto_columns(by), items, lambda row: "vital" if row.get("vital_few") else ""))
    return section_block("pareto", section_title("pareto"), *parts)


def emerging_issues(report: Report) -> str:
    issues = rows(report, "emerging_issues")
    if not issues:
        return section_block("emerging_issues", section_title("emerging_issues"), no_data())
    parts = [table(EMERGING_COLUMNS, issues)]
    parts += [_issue(issue) for issue in issues]
    return section_block("emerging_issues", section_title("emerging_issues"), *parts)


def _issue(issue: Mapping[str, Any]) -> str:
    zh, en = key_label(section(issue, "key"))
    facts = (
        f"{format_value(issue.get('window_start'), 'text')} – "
        f"{format_value(issue.get('window_end'), 'text')} · "
        f"观测 / observed {format_value(issue.get('observed'), 'int')} · "
        f"期望 / expected {format_value(issue.get('expected'), 'number')} · "
        f"{bilingual(label('issue_status', issue.get('status')))}"
    )
    terms = "".join(f'<span class="chip">{esc(term)}</span>' for term in issue.get("top_terms") or [])
    examples = [
        '<li><blockquote>{}</blockquote><span class="meta">{}</span></li>'.format(
            esc(example.get("text") or ""),
            esc(
                " · ".join(
                    [
                        str(example.get("message_id") or ""),
                        bilingual(label("channel", example.get("channel"))),
                        format_timestamp(example.get("occurred_at")),
                    ]
                )
            ),
        )
        for example in rows(issue, "examples")
    ]
    listing = (
        f'<ul class="examples">{"".join(examples)}</ul>'
        if examples
        else no_data("无示例消息 / No example messages")
    )
    title = heading((f"#{issue.get('id')} {zh}", en), 3)
    return (
        f'<div class="issue">{title}<p class="note">{esc(facts)}</p>'
        f'<p class="terms">{terms}</p>{listing}</div>'
    )


def actions(report: Report) -> str:
    items = rows(report, "actions")
    if not items:
        return section_block("actions", section_title("actions"), no_data())
    minis = []
    for action in items:
        baseline = number_or_none(section(action, "baseline").get("rate"))
        evaluation = number_or_none(section(action, "evaluation").get("rate"))
        verdict = bilingual(label("verdict", action.get("verdict")))
        subtitle = (
            f"{metric_label(action.get('target_metric'))[0]} · "
            f"{format_value(action.get('change_rel'), 'change')} · "
            f"p = {format_value(action.get('p_value'), 'pvalue')}"
        )
        title = f"#{action.get('id')} {action.get('title') or ''}"
        svg = charts.before_after_chart(
            title, subtitle, baseline, evaluation, verdict, verdict_color(action.get("verdict"))
        )
        minis.append(f"<figure>{svg}</figure>")
    parts = [
        '<div class="minis">' + "".join(minis) + "</div>",
        table(ACTION_SUMMARY_COLUMNS, items, lambda row: "negative" if row.get("verdict") == "worse" else ""),
        '<p class="note">置信区间为变化量（评估 − 基线）的区间 / '
        "The confidence interval is that of the change (evaluation − baseline).</p>",
    ]
    return section_block("actions", section_title("actions"), *parts)


def satisfaction(report: Report) -> str:
    data = section(report, "satisfaction")
    csat, nps = section(data, "csat"), section(data, "nps")
    parts = [tiles(satisfaction_rows(report)), '<div class="columns">']
    for name, block, field, scale in (
        ("CSAT", csat, "mean", (1.0, 5.0)),
        ("NPS", nps, "score", (-100.0, 100.0)),
    ):
        points = rows(block, "series")
        parts.append("<div>" + heading((f"{name} 趋势", f"{name} trend"), 3))
        values = values_of(points, field)
        if any(value is not None for value in values):
            periods = [str(point.get("period") or "") for point in points]
            line = charts.Series(name, values, charts.NAVY if name == "CSAT" else charts.ORANGE)
            parts.append(
                figure(charts.line_chart(f"{name} trend", periods, [line], fixed_range=scale, width=520))
            )
        else:
            parts.append(no_data())
        parts.append("</div>")
    parts.append("</div>")
    post = section(data, "post_resolution_csat")
    parts += [
        heading(("解决后满意度（按班组）", "Post-resolution CSAT by team"), 3),
        table(TEAM_CSAT_COLUMNS, rows(post, "by_team")),
        heading(("解决后满意度（按原因）", "Post-resolution CSAT by cause"), 3),
        table(CAUSE_CSAT_COLUMNS, rows(post, "by_cause")),
    ]
    return section_block("satisfaction", section_title("satisfaction"), *parts)


def servqual(report: Report) -> str:
    data = section(report, "servqual")
    dimensions = rows(data, "dimensions")
    parts = []
    if dimensions:
        labels = [bilingual(row_label(row, "servqual_dimension", "dimension")) for row in dimensions]
        gaps = values_of(dimensions, "gap")
        title = "SERVQUAL 各维度差距 / Gap by dimension"
        parts.append(figure(charts.gap_chart(title, labels, gaps), title))
    parts += [
        table(SERVQUAL_DIMENSION_COLUMNS, dimensions, _negative_gap),
        heading(("负差距排名", "Negative gaps ranked"), 3),
        table(NEGATIVE_GAP_COLUMNS, rows(data, "negative_gaps_ranked")),
        heading(("题项", "Items"), 3),
        table(SERVQUAL_ITEM_COLUMNS, rows(data, "items"), _negative_gap),
    ]
    return section_block("servqual", section_title("servqual"), *parts)


def _negative_gap(row: Mapping[str, Any]) -> str:
    gap = number_or_none(row.get("gap"))
    return "negative" if gap is not None and gap < 0 else ""


def operations(report: Report) -> str:
    return section_block("operations", section_title("operations"), key_value_table(operations_rows(report)))
