"""/v1/messages and /v1/events: batch ingestion (idempotent by source + id), and stored messages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime

from complaint_radar.api.deps import Ingesting, IntakeDeskDep, ReadingMessages, SettingsDep
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.common import ERROR_RESPONSES, Page, StoredText
from complaint_radar.api.schemas.ingest import (
    EventsIn,
    IngestOut,
    ItemOutcomeOut,
    MessageList,
    MessageOut,
    MessagesIn,
    RowProblemOut,
)
from complaint_radar.services.intake.desk import BatchResult, ItemKind, MessageFilter
from complaint_radar.settings import Settings
from complaint_radar.types import Channel, RiskLevel, Stage

router = APIRouter(prefix="/v1", tags=["ingest"], responses=ERROR_RESPONSES)
MAX_PAGE = 500


def _check_size(rows: list[dict[str, Any]], settings: Settings) -> None:
    if len(rows) > settings.api_max_ingest_batch:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "items"),
                    "msg": f"a batch holds at most {settings.api_max_ingest_batch} rows, "
                    f"got {len(rows)}; split it",
                    "type": "too_long",
                }
            ]
        )


def _out(received: int, result: BatchResult) -> IngestOut:
    return IngestOut(
        received=received,
        new=result.new,
        duplicates=result.duplicates,
        cases_opened=result.cases_opened,
        contacts_attached=result.contacts_attached,
        problems=[RowProblemOut(index=p.line, reason=p.reason) for p in result.problems],
        unknown_kinds=dict(result.unknown_kinds),
        items=[
            ItemOutcomeOut(
                kind=item.kind.value,
                item_id=item.item_id,
                customer_id=item.customer_id,
                occurred_at=item.at,
                message_risk=item.message_risk,
                customer_risk=item.profile.risk_score if item.profile else None,
                customer_risk_level=item.profile.risk_level.value if item.profile else None,
                customer_stage=item.profile.stage.value if item.profile else None,
                top_signal=item.top_signal,
                case_number=item.case_number,
                case_action=item.case_action,
            )
            for item in result.items
        ],
    )


@router.post("/messages", response_model=IngestOut, summary="Ingest a batch of messages")
def post_messages(
    body: MessagesIn, _caller: Ingesting, desk: IntakeDeskDep, settings: SettingsDep
) -> IngestOut:
    """New messages are PII-masked, assessed and stored; each updates its customer's risk profile and may
    open or join a case. Messages already stored (same source and message_id) count as duplicates."""
    _check_size(body.items, settings)
    return _out(len(body.items), desk.ingest(ItemKind.MESSAGE, body.items))


@router.post("/events", response_model=IngestOut, summary="Ingest a batch of behaviour events")
def post_events(body: EventsIn, _caller: Ingesting, desk: IntakeDeskDep, settings: SettingsDep) -> IngestOut:
    """New events are stored and update their customer's risk profile; duplicates change nothing."""
    _check_size(body.items, settings)
    return _out(len(body.items), desk.ingest(ItemKind.EVENT, body.items))


@router.get("/messages", response_model=MessageList, summary="List stored messages, newest first")
def get_messages(
    principal: ReadingMessages,
    desk: IntakeDeskDep,
    customer_id: Annotated[StoredText | None, Query(max_length=128)] = None,
    channel: Annotated[Channel | None, Query()] = None,
    stage: Annotated[Stage | None, Query()] = None,
    risk_level: Annotated[RiskLevel | None, Query()] = None,
    min_risk: Annotated[int | None, Query(ge=0, le=100)] = None,
    source: Annotated[StoredText | None, Query(max_length=64)] = None,
    since: Annotated[AwareDatetime | None, Query(description="Occurred at or after.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Occurred before.")] = None,
    assessment: Annotated[bool, Query(description="Include each stored Assessment.")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MessageList:
    where = MessageFilter(
        customer_id=customer_id,
        channel=channel.value if channel else None,
        stage=stage.value if stage else None,
        risk_level=risk_level.value if risk_level else None,
        min_risk=min_risk,
        source=source,
        since=since,
        until=until,
    )
    views = desk.messages(where, limit=limit + 1, offset=offset)
    items = [
        MessageOut(**{**asdict(v), "assessment": v.assessment if assessment else None}) for v in views[:limit]
    ]
    page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(views) > limit else None)
    return for_caller(MessageList(items=items, page=page), principal)
