"""/messages: the stored messages behind any figure, filtered by the URL (where chart drill-downs land)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.services.intake.desk import MessageFilter
from complaint_radar.types import Channel, RiskLevel, Stage
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.forms import Form, day_bounds, one_of

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FILTERS = ("customer_id", "channel", "stage", "risk_level", "min_risk", "since", "until", "source")
"""The URL parameters this page understands; links elsewhere build the same ones."""


def message_filter(query: Form, timezone: str) -> MessageFilter:
    """The filter a URL asks for, every value checked (a bad one is a clear 422 page)."""
    since, until = day_bounds(query.text("since"), query.text("until"), timezone)
    return MessageFilter(
        customer_id=query.text("customer_id"),
        channel=one_of(query.text("channel"), [c.value for c in Channel], "channel"),
        stage=one_of(query.text("stage"), [s.value for s in Stage], "stage"),
        risk_level=one_of(query.text("risk_level"), [r.value for r in RiskLevel], "risk level"),
        min_risk=query.integer("min_risk", "minimum risk", 0, 100),
        source=query.text("source"),
        since=since,
        until=until,
    )


@router.get("/messages", response_class=HTMLResponse)
async def messages(viewer: Annotated[Viewer, Depends(page("messages"))]) -> HTMLResponse:
    query = viewer.query
    where = message_filter(query, viewer.state.settings.analysis_timezone)
    number = query.integer("page", "page", 1, 100_000) or 1
    found = await run_in_threadpool(
        viewer.intake.messages, where, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
    )
    current = {name: query.text(name) for name in FILTERS}
    return viewer.render(
        "messages.html",
        messages=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        page_number=number,
        filters=current,
        channels=[c.value for c in Channel],
        stages=[s.value for s in Stage],
        levels=[r.value for r in RiskLevel],
    )
