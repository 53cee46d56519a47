"""Improvement actions over the store (SPEC.md §7.9): create, list, change status, evaluate before/after.

The target metric is counted over the action's filters (e.g. one product) in the baseline and evaluation
windows: complaints, dissatisfied messages or one cause's messages per 1,000 of the denominator metric
(Poisson rate test), or per 1,000 messages when no denominator is stored for the filters (two-proportion
z-test); CSAT as the share of answers ≥ 4 (two-proportion z-test). Other actions on the same metric whose
windows overlap are listed as concurrent: the change is not this action's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar.analysis.actions import (
    ACTION_STATUSES,
    DEFAULT_BASELINE_DAYS,
    DEFAULT_RAMP_UP_DAYS,
    ActionWindows,
    TargetMetric,
    WindowCounts,
    action_windows,
    evaluate,
    overlaps,
    target_metric,
)
from complaint_radar.analysis.codes import analysis_codes
from complaint_radar.errors import InputError, NotFoundError
from complaint_radar.services.analysis.cube import CubeSource
from complaint_radar.services.analysis.filters import Scope, check_filters, parse_day
from complaint_radar.services.analysis.metrics import metric_frame
from complaint_radar.services.analysis.status import change_status
from complaint_radar.services.analysis.surveys import _answers
from complaint_radar.store import ImprovementAction, Issue, RootCauseRecord, append_audit
from complaint_radar.types import Cause, FishboneCategory

ACTION_ENTITY = "improvement_action"
DEFAULT_DENOMINATOR = "orders"


def windows_of(row: ImprovementAction) -> ActionWindows:
    return action_windows(row.start_date, row.baseline_start, row.baseline_end, row.ramp_up_days)


def create_action(
    session: Session, fields: Mapping[str, Any], *, actor: str, role: str | None
) -> ImprovementAction:
    """A checked new action; baseline defaults to the 28 days before `start_date`, ramp-up to 14 days."""
    title = str(fields.get("title") or "").strip()
    if not title or len(title) > 256:
        raise InputError("an action needs a `title` of 1 to 256 characters")
    kind = fields.get("type")
    if kind not in analysis_codes().action_types:
        raise InputError(f"action type {kind!r} is not one of {', '.join(analysis_codes().action_types)}")
    owner = str(fields.get("owner") or "").strip()
    if not owner:
        raise InputError("an action needs an `owner` (who is responsible)")
    start = parse_day(fields.get("start_date") or "", "start_date")
    baseline_end = parse_day(fields.get("baseline_end") or (start - timedelta(days=1)), "baseline_end")
    baseline_start = parse_day(
        fields.get("baseline_start") or (baseline_end - timedelta(days=DEFAULT_BASELINE_DAYS - 1)),
        "baseline_start",
    )
    ramp_up = fields.get("ramp_up_days", DEFAULT_RAMP_UP_DAYS)
    if not isinstance(ramp_up, int) or isinstance(ramp_up, bool) or not 0 <= ramp_up <= 365:
        raise InputError("ramp_up_days must be a whole number of days from 0 to 365")
    action_windows(start, baseline_start, baseline_end, ramp_up)
    metric = target_metric(str(fields.get("target_metric") or ""), [c.value for c in Cause])
    fishbone = fields.get("fishbone_category")
    if fishbone is not None and fishbone not in {c.value for c in FishboneCategory}:
        raise InputError(
            f"fishbone_category {fishbone!r} is not one of {', '.join(c.value for c in FishboneCategory)}"
        )
    status = fields.get("status") or "planned"
    if status not in ACTION_STATUSES:
        raise InputError(f"action status {status!r} is not one of {', '.join(ACTION_STATUSES)}")
    issue_id, root_cause_id = fields.get("issue_id"), fields.get("root_cause_id")
    if issue_id is not None and session.get(Issue, issue_id) is None:
        raise NotFoundError(f"issue {issue_id} not found")
    if root_cause_id is not None and session.get(RootCauseRecord, root_cause_id) is None:
        raise NotFoundError(f"root-cause record {root_cause_id} not found")
    target_value = fields.get("target_value")
    if target_value is not None and not isinstance(target_value, int | float):
        raise InputError("target_value must be a number")
    row = ImprovementAction(
        title=title,
        description=fields.get("description"),
        issue_id=issue_id,
        root_cause_id=root_cause_id,
        fishbone_category=fishbone,
        type=kind,
        owner=owner,
        status=status,
        start_date=start,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        ramp_up_days=ramp_up,
        target_metric=metric.code,
        target_value=None if target_value is None else float(target_value),
        filters={k: list(v) for k, v in check_filters(fields.get("filters") or {}).items()},
        created_by=actor,
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        entity_type=ACTION_ENTITY,
        entity_id=str(row.id),
        action="create",
        actor=actor,
        role=role,
        new_values={"title": title, "target_metric": metric.code},
    )
    return row


def set_action_status(
    session: Session, action_id: int, status: str, *, actor: str, role: str | None
) -> ImprovementAction:
    if status not in ACTION_STATUSES:
        raise InputError(f"action status {status!r} is not one of {', '.join(ACTION_STATUSES)}")
    row = get_action(session, action_id)
    change_status(session, row, status, entity_type=ACTION_ENTITY, actor=actor, role=role)
    return row


def get_action(session: Session, action_id: int) -> ImprovementAction:
    row = session.get(ImprovementAction, action_id)
    if row is None:
        raise NotFoundError(f"action {action_id} not found; list them with `complaint-radar actions list`")
    return row


def list_actions(
    session: Session,
    *,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ImprovementAction]:
    statement = select(ImprovementAction).order_by(ImprovementAction.start_date, ImprovementAction.id)
    rows = list(session.scalars(statement))
    if since is not None or until is not None:
        lo, hi = since or date.min, until or date.max
        rows = [r for r in rows if r.baseline_start <= hi and lo <= windows_of(r).evaluation_end]
    return rows[offset : offset + limit]


def window_counts(
    session: Session, cube: CubeSource, metric: TargetMetric, scope: Scope, denominator: str
) -> WindowCounts:
    """Events and exposure of `metric` in `scope` (see the module docstring)."""
    if metric.kind == "csat":
        answers = _answers(session, scope, "survey_csat")
        return WindowCounts(float((answers["value"] >= 4).sum()), float(len(answers)), "units")
    if metric.kind == "cause_rate":
        counts = cube.cause_counts(scope, ["cause"])
        events = (
            float(counts.loc[counts["cause"] == metric.cause, "messages"].sum()) if not counts.empty else 0.0
        )
    else:
        stages = cube.message_counts(scope, ["stage"])
        wanted = ("potential_complaint", "formal_complaint") if metric.kind == "complaint_rate" else None
        mask = stages["stage"].isin(wanted) if wanted else stages["stage"] != "none"
        events = float(stages.loc[mask, "messages"].sum()) if not stages.empty else 0.0
    exposure = metric_frame(session, denominator, scope)
    if not exposure.empty:
        return WindowCounts(events, float(exposure["value"].sum()), "metric")
    messages = cube.message_counts(scope, ["day"])
    return WindowCounts(events, float(messages["messages"].sum()) if not messages.empty else 0.0, "units")


def action_report(
    session: Session,
    cube: CubeSource,
    row: ImprovementAction,
    as_of: date,
    others: list[ImprovementAction],
    denominator: str = DEFAULT_DENOMINATOR,
) -> dict[str, Any]:
    """The report's `actions[]` entry: fields, windows, before/after, test, verdict, concurrent actions."""
    windows = windows_of(row)
    metric = target_metric(row.target_metric, [c.value for c in Cause])
    filters = {k: tuple(v) for k, v in (row.filters or {}).items()}
    before = window_counts(
        session, cube, metric, Scope(windows.baseline_start, windows.baseline_end, filters), denominator
    )
    after = (
        window_counts(
            session,
            cube,
            metric,
            Scope(windows.evaluation_start, windows.evaluation_end, filters),
            denominator,
        )
        if windows.evaluation_start <= as_of
        else WindowCounts(0.0, None, before.exposure_kind)
    )
    concurrent = [
        {"id": o.id, "title": o.title}
        for o in others
        if o.id != row.id
        and o.target_metric == row.target_metric
        and o.status != "cancelled"
        and overlaps(windows, windows_of(o))
    ]
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description,
        "type": row.type,
        "owner": row.owner,
        "status": row.status,
        "issue_id": row.issue_id,
        "root_cause_id": row.root_cause_id,
        "fishbone_category": row.fishbone_category,
        "target_metric": row.target_metric,
        "target_value": row.target_value,
        "filters": dict(row.filters or {}),
        "start_date": row.start_date.isoformat(),
        "ramp_up_days": row.ramp_up_days,
        **evaluate(metric, windows, before, after, as_of),
        "concurrent_actions": concurrent,
    }
