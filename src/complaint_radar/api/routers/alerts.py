"""/v1/alerts: the alert queue (list, read, acknowledge) and the live feed (server-sent events)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.deps import (
    AckingAlerts,
    NowDep,
    ReadingAlerts,
    SessionDep,
    SessionsDep,
    SettingsDep,
    WatchingAlerts,
)
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.alerts import AlertList, AlertOut
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody, Page, StoredText
from complaint_radar.services.alerts.feed import FeedScope, alerts_after, feed_scope, latest_alert_id
from complaint_radar.services.alerts.queue import AlertFilter, acknowledge_alert, get_alert, list_alerts
from complaint_radar.services.runtime import SessionFactory, unit_of_work

router = APIRouter(prefix="/v1/alerts", tags=["alerts"], responses=ERROR_RESPONSES)
MAX_PAGE = 500


@router.get("", response_model=AlertList, summary="List alerts, newest first")
def get_alerts(
    principal: ReadingAlerts,
    session: SessionDep,
    status: Annotated[Literal["open", "acknowledged"] | None, Query()] = None,
    severity: Annotated[Literal["low", "medium", "high", "critical"] | None, Query()] = None,
    customer_id: Annotated[StoredText | None, Query(max_length=128)] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="Fired at or after (ISO 8601 with zone).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AlertList:
    where = AlertFilter(status=status, severity=severity, customer_id=customer_id, since=since)
    views = list_alerts(session, where, limit=limit + 1, offset=offset)
    items = [AlertOut(**asdict(v)) for v in views[:limit]]
    page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(views) > limit else None)
    return for_caller(AlertList(items=items, page=page), principal)


@router.get(
    "/stream",
    summary="Follow new alerts live (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless event stream."}},
)
async def stream_alerts(
    request: Request,
    principal: WatchingAlerts,
    sessions: SessionsDep,
    settings: SettingsDep,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="Resume after this alert id (sent back by EventSource)."),
    ] = None,
) -> StreamingResponse:
    """Each new alert is an event `alert` whose `id` is the alert id and whose `data` is the webhook body.

    Without `Last-Event-ID` the stream starts with alerts fired from now on; with it, every alert after
    that id comes first. A comment line keeps the connection alive through quiet periods. Supervisors,
    managers and admins see every alert; a frontline agent those about customers of cases it owns.
    """
    scope = feed_scope(principal)
    after = _last_event_id(last_event_id)
    if after is None:
        after = await run_in_threadpool(_latest, sessions)
    base_url = settings.public_url.rstrip("/")
    poll_s, keepalive_s = settings.alert_stream_poll_s, settings.alert_stream_keepalive_s

    async def events() -> AsyncIterator[str]:
        last_id, quiet_since = after, time.monotonic()
        yield f"retry: 2000\n: following alerts after {last_id}\n\n"
        while not await request.is_disconnected():
            bodies = await run_in_threadpool(_read, sessions, last_id, scope, base_url)
            for body in bodies:
                last_id = body["alert_id"]
                yield f"id: {last_id}\nevent: alert\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"
            if bodies:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= keepalive_s:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(poll_s)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _last_event_id(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 18:
        raise RequestValidationError(
            [
                {
                    "loc": ("header", "Last-Event-ID"),
                    "msg": "must be an alert id (a whole number)",
                    "type": "int_parsing",
                }
            ]
        )
    return int(value.strip())


def _latest(sessions: SessionFactory) -> int:
    with unit_of_work(sessions) as session:
        return latest_alert_id(session)


def _read(sessions: SessionFactory, after: int, scope: FeedScope, base_url: str) -> list[dict[str, Any]]:
    with unit_of_work(sessions) as session:
        return alerts_after(session, after, scope, base_url=base_url)


@router.get(
    "/{alert_id}",
    response_model=AlertOut,
    summary="One alert",
    responses={404: {"model": ErrorBody, "description": "No such alert."}},
)
def get_one_alert(
    alert_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: ReadingAlerts, session: SessionDep
) -> AlertOut:
    return for_caller(AlertOut(**asdict(get_alert(session, alert_id))), principal)


@router.post(
    "/{alert_id}/ack",
    response_model=AlertOut,
    summary="Acknowledge an alert",
    responses={404: {"model": ErrorBody, "description": "No such alert."}},
)
def ack_alert(
    alert_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: AckingAlerts,
    session: SessionDep,
    now: NowDep,
) -> AlertOut:
    view = acknowledge_alert(session, alert_id, actor=principal.username, now=now)
    return for_caller(AlertOut(**asdict(view)), principal)
