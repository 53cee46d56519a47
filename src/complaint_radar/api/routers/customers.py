"""/v1/customers/{id}: a customer's risk profile, timeline and cases."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from complaint_radar.api.deps import ReadingCustomers, SessionsDep
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody, StoredText
from complaint_radar.api.schemas.customers import CaseSummaryOut, CustomerOut, TimelineEntryOut
from complaint_radar.errors import NotFoundError
from complaint_radar.services.customers.profiles import customer_view

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


@router.get(
    "/{customer_id}",
    response_model=CustomerOut,
    summary="A customer's risk profile, timeline and cases",
    responses={404: {"model": ErrorBody, "description": "No such customer."}},
)
def get_customer(
    customer_id: Annotated[StoredText, Path(min_length=1, max_length=128)],
    principal: ReadingCustomers,
    sessions: SessionsDep,
    since: Annotated[AwareDatetime | None, Query(description="Timeline from this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Newest timeline entries to show.")] = 200,
) -> CustomerOut:
    view = customer_view(sessions, customer_id, since=since, limit=limit)
    if view is None:
        raise NotFoundError(f"customer {customer_id!r} not found: nothing was ingested for them")
    out = CustomerOut(
        customer_id=view.customer_id,
        complaint_probability_7d=None
        if view.profile is None
        else view.profile.get("complaint_probability_7d"),
        profile=view.profile,
        timeline=[TimelineEntryOut(**asdict(entry)) for entry in view.timeline],
        cases=[
            CaseSummaryOut(
                id=c.id,
                number=c.number,
                state=c.state.value,
                severity=c.severity.value,
                tier=c.tier.value,
                owner=c.owner,
                team=c.team,
                opened_at=c.opened_at,
                closed_at=c.closed_at,
            )
            for c in view.cases
        ],
    )
    return for_caller(out, principal)
