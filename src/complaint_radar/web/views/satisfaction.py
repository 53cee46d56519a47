"""/satisfaction: CSAT and NPS over time, post-resolution CSAT by team and cause, and the SERVQUAL gap by
dimension beside each dimension's share of complaints (SPEC.md §7.7, §7.8)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.analysis.calendar import Granularity, auto_granularity, periods
from complaint_radar.analysis.codes import analysis_codes
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.types import Channel
from complaint_radar.web import charts
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.i18n import Translator, pick
from complaint_radar.web.scope import COMPLAINTS, drill, scope_from, scope_key, scope_params

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 180


def _period_bounds(scope: Scope, granularity: Granularity) -> dict[str, tuple[date, date]]:
    return {p.label: (p.start, p.end) for p in periods(scope.start, scope.end, granularity)}


def survey_chart(
    satisfaction: dict[str, Any], scope: Scope, granularity: Granularity, t: Translator
) -> dict[str, Any]:
    """CSAT mean (left axis, 1–5) and NPS (right axis, −100…100) per period; a point opens that period's
    survey messages."""
    bounds = _period_bounds(scope, granularity)
    labels = sorted({s["period"] for s in satisfaction["csat"]["series"] + satisfaction["nps"]["series"]})

    def href(label: str) -> str | None:
        if label not in bounds:
            return None
        start, end = bounds[label]
        return drill(scope.shifted(start, end), channel=[Channel.SURVEY.value])

    csat = {s["period"]: s["mean"] for s in satisfaction["csat"]["series"]}
    nps = {s["period"]: s["score"] for s in satisfaction["nps"]["series"]}
    option = charts.lines(
        labels,
        [
            {"name": "CSAT", "data": [charts.point(csat.get(p), href(p)) for p in labels]},
            {"name": "NPS", "yAxisIndex": 1, "data": [charts.point(nps.get(p), href(p)) for p in labels]},
        ],
    )
    option["yAxis"] = [
        {"type": "value", "min": 1, "max": 5, "name": "CSAT"},
        {"type": "value", "min": -100, "max": 100, "name": "NPS"},
    ]
    return option


def servqual_chart(servqual: dict[str, Any], scope: Scope, t: Translator) -> dict[str, Any]:
    """Gap (perception − expectation) per dimension, and the share of complaints whose causes map to it;
    a bar opens those complaints."""
    codes = analysis_codes().servqual
    dims = servqual["dimensions"]
    names = [pick(t.lang, d["label_zh"], d["label_en"]) for d in dims]

    def href(dimension: str) -> str:
        causes = list(codes[dimension].causes) if dimension in codes else []
        return drill(scope, cause=causes, stage=list(COMPLAINTS))

    gaps = [
        charts.point(
            d["gap"],
            href(d["dimension"]),
            itemStyle={"color": "#a51818" if (d["gap"] or 0) < 0 else "#2f9e55"},
        )
        for d in dims
    ]
    shares = [charts.point(round((d["complaint_share"] or 0) * 100, 1), href(d["dimension"])) for d in dims]
    option = charts.bars(
        names,
        [
            {"name": t("satisfaction.gap"), "data": gaps, "itemStyle": {"color": "#a51818"}},
            {
                "name": t("satisfaction.complaint_share"),
                "data": shares,
                "yAxisIndex": 1,
                "itemStyle": {"color": "#b8c2d3"},
            },
        ],
    )
    option["yAxis"] = [
        {"type": "value", "name": t("satisfaction.gap")},
        {"type": "value", "name": "%", "min": 0, "max": 100},
    ]
    return option


def satisfaction_data(desk: AnalysisDesk, scope: Scope, granularity: Granularity) -> dict[str, Any]:
    """Everything the page shows for `scope` (what the section cache keeps)."""
    return {"satisfaction": desk.satisfaction(scope, granularity), "servqual": desk.servqual(scope)}


@router.get("/satisfaction", response_class=HTMLResponse)
async def satisfaction(viewer: Annotated[Viewer, Depends(page("satisfaction"))]) -> HTMLResponse:
    desk = viewer.analysis
    scope = scope_from(viewer.query, desk.today(), default_days=DEFAULT_DAYS)
    granularity = auto_granularity(scope.days)
    data = await run_in_threadpool(
        viewer.config.cache.get,
        ("satisfaction", scope_key(scope)),
        lambda: satisfaction_data(desk, scope, granularity),
    )
    return viewer.render(
        "satisfaction.html",
        scope=scope,
        params=scope_params(scope),
        surveys=survey_chart(data["satisfaction"], scope, granularity, viewer.t),
        gaps=servqual_chart(data["servqual"], scope, viewer.t),
        **data,
    )
