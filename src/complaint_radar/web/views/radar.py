"""/radar: the high-risk messages and customers right now, newest first; the feed refreshes every second."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from complaint_radar.services.customers.profiles import riskiest_customers
from complaint_radar.services.intake.desk import MessageFilter, MessageView
from complaint_radar.web.auth import Viewer, page

router = APIRouter(include_in_schema=False)
HIGH_RISK = 60
"""Risk from which a message or customer is on the radar (SPEC.md §3: level high and up)."""
FEED_SIZE = 30
REFRESH_S = 1


async def _feed(viewer: Viewer) -> list[MessageView]:
    return await run_in_threadpool(viewer.intake.messages, MessageFilter(min_risk=HIGH_RISK), limit=FEED_SIZE)


@router.get("/radar", response_class=HTMLResponse)
async def radar(viewer: Annotated[Viewer, Depends(page("radar"))]) -> HTMLResponse:
    customers = await run_in_threadpool(riskiest_customers, viewer.sessions, min_score=HIGH_RISK, limit=15)
    return viewer.render("radar.html", messages=await _feed(viewer), customers=customers, refresh_s=REFRESH_S)


@router.get("/radar/feed", response_class=HTMLResponse)
async def radar_feed(viewer: Annotated[Viewer, Depends(page("radar"))]) -> HTMLResponse:
    """The feed alone, for htmx to swap in (polled every REFRESH_S seconds)."""
    return viewer.render("_radar_feed.html", messages=await _feed(viewer))
