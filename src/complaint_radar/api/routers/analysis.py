"""/v1/analysis/*, /v1/satisfaction, /v1/servqual, /v1/outreach, /v1/metrics: aggregate analysis (§7).

Every read takes the same filters: `from`, `to` (local days, both included; default the 28 days up to
today), and any of `channel, stage, risk_level, cause, product, sku, branch, region, team, agent_id,
segment, new_or_returning` (repeat a parameter for several values).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from complaint_radar.analysis.calendar import Granularity
from complaint_radar.analysis.pareto import Weighting
from complaint_radar.api.deps import AnalysisDeskDep, ReadingAnalysis, WritingMetrics
from complaint_radar.api.redaction import plain_for_caller
from complaint_radar.api.schemas.common import ERROR_RESPONSES, StoredText
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import GROUPINGS, Scope, make_scope, parse_day
from complaint_radar.types import Cause, Channel, RiskLevel, Stage

router = APIRouter(prefix="/v1", tags=["analysis"], responses=ERROR_RESPONSES)
MAX_PAGE = 500

Value = Annotated[StoredText, StringConstraints(min_length=1, max_length=128)]
Values = Annotated[list[Value] | None, Query()]
Metric = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_:.-]*$")]


def analysis_scope(
    desk: AnalysisDeskDep,
    from_: Annotated[
        date | None, Query(alias="from", description="First day (default: 27 days before `to`).")
    ] = None,
    to: Annotated[date | None, Query(description="Last day, included (default: today).")] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    stage: Annotated[list[Stage] | None, Query()] = None,
    risk_level: Annotated[list[RiskLevel] | None, Query()] = None,
    cause: Annotated[list[Cause] | None, Query()] = None,
    product: Values = None,
    sku: Values = None,
    branch: Values = None,
    region: Values = None,
    team: Values = None,
    agent_id: Values = None,
    segment: Values = None,
    new_or_returning: Annotated[list[Literal["new", "returning"]] | None, Query()] = None,
) -> Scope:
    last = parse_day(to or desk.today(), "to")
    first = from_ or last - timedelta(days=27)
    filters: dict[str, Any] = {
        "channel": channel,
        "stage": stage,
        "risk_level": risk_level,
        "cause": cause,
        "product": product,
        "sku": sku,
        "branch": branch,
        "region": region,
        "team": team,
        "agent_id": agent_id,
        "segment": segment,
        "new_or_returning": new_or_returning,
    }
    return make_scope(first, last, {k: [str(x) for x in v] for k, v in filters.items() if v})


ScopeDep = Annotated[Scope, Depends(analysis_scope)]
GranularityQuery = Annotated[
    Granularity | None, Query(description="day, week or month (default: by length).")
]
Denominator = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z][a-z0-9_:.-]*$",
        description="Metric used as the denominator of rates.",
    ),
]


def _send(data: Any, principal: Any) -> Any:
    return plain_for_caller(data, principal)


@router.get("/analysis/trends", summary="Volumes and rates by day, week or month")
def get_trends(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    scope: ScopeDep,
    granularity: GranularityQuery = None,
    denominator: Denominator = "orders",
) -> dict[str, Any]:
    """The report's `volumes`: messages, dissatisfied and complaints per period, by stage, rate per 1,000 of
    the denominator metric, 7-day moving average, change on the previous period, peak periods."""
    return dict(_send(desk.trends(scope, granularity, denominator), principal))


@router.get("/analysis/pareto", summary="Pareto of causes, products, branches, agents …")
def get_pareto(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    scope: ScopeDep,
    by: Annotated[str, Query(pattern=f"^({'|'.join(GROUPINGS)})$", description="What to rank.")] = "cause",
    weighting: Annotated[
        Weighting, Query(description="count, or severity (critical 4, high 3, medium 2, low 1).")
    ] = Weighting.COUNT,
) -> dict[str, Any]:
    return dict(_send(desk.pareto(scope, by, weighting), principal))


@router.get("/analysis/operations", summary="Operational metrics (SPEC.md §7.10)")
def get_operations(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    scope: ScopeDep,
    as_of: Annotated[date | None, Query()] = None,
    denominator: Denominator = "orders",
) -> dict[str, Any]:
    return dict(_send(desk.operations(scope, as_of, denominator), principal))


@router.get("/satisfaction", summary="CSAT, NPS and post-resolution CSAT")
def get_satisfaction(
    principal: ReadingAnalysis, desk: AnalysisDeskDep, scope: ScopeDep, granularity: GranularityQuery = None
) -> dict[str, Any]:
    return dict(_send(desk.satisfaction(scope, granularity), principal))


@router.get("/servqual", summary="SERVQUAL gaps per item and dimension")
def get_servqual(principal: ReadingAnalysis, desk: AnalysisDeskDep, scope: ScopeDep) -> dict[str, Any]:
    return dict(_send(desk.servqual(scope), principal))


@router.get("/outreach", summary="The proactive outreach queue")
def get_outreach(
    principal: ReadingAnalysis,
    desk: AnalysisDeskDep,
    rising_only: Annotated[bool, Query(description="Only customers whose risk is rising.")] = True,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Customers at medium risk or above (rising), with no open case and no recent agent contact, highest
    risk first, with the leading reason and the playbook's suggested opener."""
    items = desk.outreach(rising_only=rising_only, limit=limit + 1, offset=offset)
    page = {"limit": limit, "offset": offset, "next_offset": offset + limit if len(items) > limit else None}
    return dict(_send({"items": items[:limit], "page": page}, principal))


class MetricsIn(BaseModel):
    """Metric rows: `date` (YYYY-MM-DD), `metric` (orders, contacts, active_customers, csat_surveys_sent …),
    `value` ≥ 0, and optionally `channel, product, sku, branch, region, team, agent_id, segment`. A row with
    the same date, metric and dimensions replaces the stored value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"items": [{"date": "2026-11-11", "metric": "orders", "value": 30500, "product": "X手机"}]}
            ]
        },
    )

    items: list[dict[str, Any]] = Field(min_length=1, max_length=5000)


@router.post("/metrics", summary="Store metric rows (denominators)")
def post_metrics(body: MetricsIn, _caller: WritingMetrics, desk: AnalysisDeskDep) -> dict[str, Any]:
    stored, problems = desk.ingest_metrics(body.items)
    return {
        "received": len(body.items),
        "stored": stored,
        "problems": [{"index": p.line, "reason": p.reason} for p in problems],
    }


@router.get("/metrics", summary="List stored metric rows")
def get_metrics(
    _caller: ReadingAnalysis,
    desk: AnalysisDeskDep,
    scope: ScopeDep,
    metric: Annotated[Metric | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    items = desk.list_metrics(scope, metric, limit=limit + 1, offset=offset)
    page = {"limit": limit, "offset": offset, "next_offset": offset + limit if len(items) > limit else None}
    return {"items": items[:limit], "page": page}


__all__ = ["AnalysisDesk", "ScopeDep", "analysis_scope", "router"]
