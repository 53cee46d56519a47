"""/customers/{customer_id}: risk over time, the signals behind it, timeline, cases and playbook."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.errors import NotFoundError
from complaint_radar.services.customers.profiles import customer_view, playbook_for, risk_history
from complaint_radar.web import charts
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.permissions import sees_case

router = APIRouter(include_in_schema=False)
TIMELINE = 100


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
async def customer(
    customer_id: Annotated[str, Path(min_length=1, max_length=128)],
    viewer: Annotated[Viewer, Depends(page("customer"))],
) -> HTMLResponse:
    view = await run_in_threadpool(customer_view, viewer.sessions, customer_id, limit=TIMELINE)
    if view is None:
        raise NotFoundError(f"customer {customer_id!r} not found: nothing was ingested for them")
    history = await run_in_threadpool(risk_history, viewer.sessions, customer_id)
    profile = view.profile or {}
    zone = ZoneInfo(viewer.state.settings.analysis_timezone)
    times, points = [], []
    for p in history:
        local = p.computed_at.astimezone(zone)
        day = local.date()
        link = "/messages?" + urlencode(
            {"customer_id": customer_id, "from": day.isoformat(), "to": day.isoformat()}
        )
        times.append(local.strftime("%m-%d %H:%M"))
        points.append(charts.point(p.risk_score, link))
    return viewer.render(
        "customer.html",
        customer_id=customer_id,
        profile=profile,
        curve=charts.risk_curve(times, points, name=viewer.t("col.risk")),
        timeline=list(reversed(view.timeline)),
        cases=[c for c in view.cases if sees_case(viewer.principal, c)],
        playbook=playbook_for(profile.get("stage", "none"), profile.get("customer_type", "undetermined")),
    )
