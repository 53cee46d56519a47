"""/: the overview for managers and analysts: KPIs, the trend by stage with peak periods marked, the
Pareto of causes with the 80 % cut, and emerging issues; filters in the URL, every bar drills down."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.analysis.pareto import Weighting
from complaint_radar.services.analysis.actions import DEFAULT_DENOMINATOR
from complaint_radar.services.analysis.cube import StoreCube
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.runtime import unit_of_work
from complaint_radar.types import Channel
from complaint_radar.web import charts
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.i18n import Translator
from complaint_radar.web.scope import COMPLAINTS, DISSATISFIED, drill, scope_from, scope_key, scope_params

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 90
DIMENSION_FILTERS = ("product", "branch", "region", "segment")
"""Dimensions the overview filters by (with channel and the dates); values come from the store."""
TREND_STAGES = ("latent_grumble", "explicit_grumble", "potential_complaint", "formal_complaint")
STAGE_COLOURS = {
    "latent_grumble": "#9db8f0",
    "explicit_grumble": "#e7b04a",
    "potential_complaint": "#e0761a",
    "formal_complaint": "#a51818",
}


def dimension_values(desk: AnalysisDesk, scope: Scope, names: tuple[str, ...]) -> dict[str, list[str]]:
    """Values each dimension takes in the period (whatever the filters), most frequent first: one query
    per dimension (each summed from its rollup)."""
    values: dict[str, list[str]] = {}
    with unit_of_work(desk.sessions) as session:
        cube = StoreCube(session)
        for name in names:
            counts = cube.message_counts(scope.without(*names), [name])
            totals = counts.dropna(subset=[name]).groupby(name)["messages"].sum().sort_values(ascending=False)
            values[name] = [str(v) for v in totals.index[:100]]
    return values


def trend_chart(volumes: dict[str, Any], scope: Scope, t: Translator) -> dict[str, Any]:
    """Stacked bars of each period's messages by stage, complaints as a line, peak periods shaded."""
    periods = volumes["series"]
    labels = [p["start"][5:] if volumes["granularity"] != "month" else p["start"][:7] for p in periods]
    series: list[dict[str, Any]] = []
    for stage in TREND_STAGES:
        points = [
            charts.point(p["by_stage"].get(stage, 0), drill(_period(scope, p), stage=[stage]))
            for p in periods
        ]
        series.append(
            {"name": t.label("stage", stage), "data": points, "itemStyle": {"color": STAGE_COLOURS[stage]}}
        )
    peaks = peak_areas(periods, labels)
    complaints = [
        charts.point(p["complaints"], drill(_period(scope, p), stage=list(COMPLAINTS))) for p in periods
    ]
    series.append(
        {
            "name": t("overview.complaints"),
            "type": "line",
            "data": complaints,
            "itemStyle": {"color": "#1c2430"},
            "markArea": {
                "silent": True,
                "itemStyle": {"color": "rgba(29,78,216,0.07)"},
                "label": {"color": "#1e3a8a", "fontSize": 11},
                "data": peaks,
            },
        }
    )
    option = charts.bars(labels, series, stacked=True)
    option["xAxis"]["axisLabel"] = {"hideOverlap": True}
    return option


def peak_areas(periods: list[dict[str, Any]], labels: list[str]) -> list[list[dict[str, Any]]]:
    """One shaded area per run of consecutive periods in the same peak (双十一, 国庆 …), named once."""
    areas: list[list[dict[str, Any]]] = []
    for i, period in enumerate(periods):
        name = period.get("peak")
        if not name:
            continue
        if areas and areas[-1][0]["name"] == name and areas[-1][1]["xAxis"] == labels[i - 1]:
            areas[-1][1]["xAxis"] = labels[i]
        else:
            areas.append([{"name": name, "xAxis": labels[i]}, {"xAxis": labels[i]}])
    return areas


def _period(scope: Scope, period: dict[str, Any]) -> Scope:
    return scope.shifted(date.fromisoformat(period["start"]), date.fromisoformat(period["end"]))


def pareto_chart(pareto: dict[str, Any], scope: Scope, t: Translator) -> dict[str, Any]:
    """Causes by count (the vital few in colour) and the cumulative share, the 80 % cut marked."""
    rows = pareto["rows"][:12]
    names = [t.label("cause", r["key"]) for r in rows]
    bars = [
        charts.point(
            r["count"],
            drill(scope, cause=[r["key"]], stage=list(DISSATISFIED)),
            itemStyle={"color": charts.PALETTE[0] if r["vital_few"] else "#b8c2d3"},
        )
        for r in rows
    ]
    cumulative = [round(r["cumulative_share"] * 100, 1) for r in rows]
    option = charts.bars(names, [{"name": t("overview.count"), "data": bars}], legend=False)
    option["xAxis"]["axisLabel"] = {"interval": 0, "rotate": 30}
    share_axis = {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}
    option["yAxis"] = [{"type": "value"}, share_axis]
    option["series"].append(
        {
            "name": t("overview.cumulative"),
            "type": "line",
            "yAxisIndex": 1,
            "data": cumulative,
            "itemStyle": {"color": "#e0761a"},
            "markLine": {
                "silent": True,
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": "#a51818"},
                "label": {"formatter": "80%", "position": "insideEndTop"},
                "data": [{"yAxis": 80}],
            },
        }
    )
    return option


def overview_data(desk: AnalysisDesk, scope: Scope) -> dict[str, Any]:
    """Everything the overview shows for `scope` (what the section cache keeps)."""
    volumes = desk.trends(scope, None, DEFAULT_DENOMINATOR)
    pareto = desk.pareto(scope, "cause", Weighting.COUNT)
    return {
        "volumes": volumes,
        "pareto": pareto,
        "operations": desk.operations(scope, None, DEFAULT_DENOMINATOR),
        "satisfaction": desk.satisfaction(scope, None),
        "issues": desk.list_issues(
            status=("new", "investigating"), since=scope.start, until=scope.end, limit=6
        ),
        "values": dimension_values(desk, scope, DIMENSION_FILTERS),
    }


@router.get("/", response_class=HTMLResponse)
async def overview(viewer: Annotated[Viewer, Depends(page("overview"))]) -> HTMLResponse:
    desk = viewer.analysis
    scope = scope_from(viewer.query, desk.today(), default_days=DEFAULT_DAYS)
    data = await run_in_threadpool(
        viewer.config.cache.get, ("overview", scope_key(scope)), lambda: overview_data(desk, scope)
    )
    return viewer.render(
        "overview.html",
        scope=scope,
        params=scope_params(scope),
        trend=trend_chart(data["volumes"], scope, viewer.t),
        pareto_option=pareto_chart(data["pareto"], scope, viewer.t),
        channels=[c.value for c in Channel],
        dimensions=DIMENSION_FILTERS,
        all_messages=drill(scope),
        complaints_link=drill(scope, stage=list(COMPLAINTS)),
        **data,
    )
