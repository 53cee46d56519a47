"""/v1/issues and /v1/actions: emerging issues (status, root-cause records) and improvement actions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from complaint_radar.api.deps import AnalysisDeskDep, ManagingActions, ReadingAnalysis, WorkingIssues
from complaint_radar.api.redaction import plain_for_caller
from complaint_radar.api.routers.analysis import ScopeDep
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody, StoredText
from complaint_radar.types import FishboneCategory

router = APIRouter(prefix="/v1", tags=["issues and actions"], responses=ERROR_RESPONSES)
MAX_PAGE = 500
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such record."}}
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
IssueStatus = Literal["new", "investigating", "actioned", "dismissed"]
ActionStatus = Literal["planned", "in_progress", "completed", "cancelled"]
ActionType = Literal[
    "training", "incentive", "process", "quality_control", "communication", "system", "product"
]


@router.get("/issues", summary="Emerging issues, most recently detected first")
def get_issues(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    scope: ScopeDep,
    status: Annotated[list[IssueStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Issues whose window overlaps `from`..`to`; `product`, `branch`, `region`, `cause` filters keep
    issues of those values (and issues whose key does not name that dimension)."""
    items = desk.list_issues(
        status=tuple(status or ()),
        since=scope.start,
        until=scope.end,
        filters=dict(scope.filters),
        limit=limit + 1,
        offset=offset,
    )
    page = {"limit": limit, "offset": offset, "next_offset": offset + limit if len(items) > limit else None}
    return dict(plain_for_caller({"items": items[:limit], "page": page}, principal))


@router.get(
    "/issues/{issue_id}", summary="One issue with examples, root causes, history", responses=NOT_FOUND
)
def get_issue(issue_id: Id, principal: ReadingAnalysis, desk: AnalysisDeskDep) -> dict[str, Any]:
    return dict(plain_for_caller(desk.issue(issue_id), principal))


class IssuePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: IssueStatus
    reason: StoredText | None = Field(default=None, max_length=2000)


@router.patch("/issues/{issue_id}", summary="Change an issue's status (audited)", responses=NOT_FOUND)
def patch_issue(
    issue_id: Id, body: IssuePatch, principal: WorkingIssues, desk: AnalysisDeskDep
) -> dict[str, Any]:
    issue = desk.set_issue_status(
        issue_id, body.status, actor=principal.username, role=principal.role.value, reason=body.reason
    )
    return dict(plain_for_caller(issue, principal))


class RootCauseIn(BaseModel):
    """`kind` fishbone: `{"problem", "causes": [{"category": man|machine|material|method|environment|
    measurement, "cause", "evidence": [{"kind": "message"|"case", "id"}]}]}`; five_whys: `{"problem",
    "whys": [3 to 7 answers], "root_cause", "verifier", "evidence"?, "linked_cases"?}`; note: `{"text",
    "source": interview|focus_group|observation|survey|data|other}`."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["fishbone", "five_whys", "note"]
    record: dict[str, Any]


@router.post(
    "/issues/{issue_id}/root-causes",
    summary="Attach a root-cause record",
    status_code=201,
    responses=NOT_FOUND,
)
def post_root_cause(
    issue_id: Id, body: RootCauseIn, principal: WorkingIssues, desk: AnalysisDeskDep
) -> dict[str, Any]:
    record = desk.add_root_cause(
        issue_id, body.kind, body.record, author=principal.username, role=principal.role.value
    )
    return dict(plain_for_caller(record, principal))


class ActionIn(BaseModel):
    """An improvement action (SPEC.md §7.9). Baseline: default the 28 days before `start_date`; the
    evaluation window has the same length and starts `ramp_up_days` (default 14) after `start_date`.
    `target_metric`: complaint_rate, dissatisfaction_rate, csat or cause_rate:<cause>; `filters` narrow
    it (e.g. `{"product": ["X手机"]}`)."""

    model_config = ConfigDict(extra="forbid")

    title: StoredText = Field(min_length=1, max_length=256)
    description: StoredText | None = Field(default=None, max_length=4000)
    type: ActionType
    owner: StoredText = Field(min_length=1, max_length=128)
    start_date: date
    target_metric: StoredText = Field(min_length=1, max_length=64)
    target_value: float | None = Field(default=None, allow_inf_nan=False)
    baseline_start: date | None = None
    baseline_end: date | None = None
    ramp_up_days: int = Field(default=14, ge=0, le=365)
    issue_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    root_cause_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    fishbone_category: FishboneCategory | None = None
    status: ActionStatus = "planned"
    filters: dict[str, list[Annotated[StoredText, Field(min_length=1, max_length=128)]]] = Field(
        default_factory=dict
    )


@router.post("/actions", summary="Create an improvement action", status_code=201)
def post_action(body: ActionIn, principal: ManagingActions, desk: AnalysisDeskDep) -> dict[str, Any]:
    fields = body.model_dump(exclude_none=True)
    if body.fishbone_category is not None:
        fields["fishbone_category"] = body.fishbone_category.value
    return dict(
        plain_for_caller(
            desk.create_action(fields, actor=principal.username, role=principal.role.value), principal
        )
    )


@router.get("/actions", summary="Improvement actions with their before/after evaluation")
def get_actions(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    as_of: Annotated[date | None, Query(description="Evaluate as of this day (default: today).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    items = desk.list_actions(as_of=as_of, limit=limit + 1, offset=offset)
    page = {"limit": limit, "offset": offset, "next_offset": offset + limit if len(items) > limit else None}
    return dict(plain_for_caller({"items": items[:limit], "page": page}, principal))


@router.get("/actions/{action_id}", summary="One action and its before/after evaluation", responses=NOT_FOUND)
def get_action(
    action_id: Id,
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    as_of: Annotated[date | None, Query()] = None,
) -> dict[str, Any]:
    return dict(plain_for_caller(desk.action(action_id, as_of), principal))


class ActionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ActionStatus


@router.patch("/actions/{action_id}", summary="Change an action's status (audited)", responses=NOT_FOUND)
def patch_action(
    action_id: Id, body: ActionPatch, principal: ManagingActions, desk: AnalysisDeskDep
) -> dict[str, Any]:
    changed = desk.set_action_status(
        action_id, body.status, actor=principal.username, role=principal.role.value
    )
    return dict(plain_for_caller(changed, principal))
