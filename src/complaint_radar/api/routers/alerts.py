"""/v1/alerts: the alert queue (list with filters, acknowledge)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from complaint_radar.api.deps import AckingAlerts, NowDep, ReadingAlerts, SessionDep
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.alerts import AlertList, AlertOut
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody, Page, StoredText
from complaint_radar.services.alerts.queue import AlertFilter, acknowledge_alert, list_alerts

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
