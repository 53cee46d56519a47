"""/v1/cases: open, read and list cases in the caller's scope, and every lifecycle action (SPEC.md §6).

There is no DELETE: a case is never removed (the audit trail is permanent); a duplicate or spam case is
cancelled by a supervisor (`POST /v1/cases/{ref}/cancel`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from complaint_radar.api.deps import CaseDeskDep, NowDep, ReadingCases, SupervisingCases, WorkingCases
from complaint_radar.api.redaction import for_caller
from complaint_radar.api.schemas.cases import (
    AssignIn,
    AttemptIn,
    AuditRecordOut,
    AuditTrail,
    CaseIn,
    CaseList,
    CaseOut,
    EscalateIn,
    FirstResponseIn,
    FollowUpIn,
    ReasonIn,
    RequiredReasonIn,
    ResolveIn,
    SeverityIn,
    SlaClockOut,
    SlaSweepOut,
    TransitionIn,
)
from complaint_radar.api.schemas.common import ERROR_RESPONSES, ErrorBody, Page, StoredText
from complaint_radar.services.access import Principal
from complaint_radar.services.cases.desk import Case, CaseDesk, CaseFilter, CaseState, Remedy, Severity
from complaint_radar.services.records import to_plain

router = APIRouter(
    prefix="/v1/cases",
    tags=["cases"],
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorBody, "description": "No such case (or not in the caller's scope)."},
        409: {"model": ErrorBody, "description": "The lifecycle does not allow this now."},
    },
)
MAX_PAGE = 200
CaseRef = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Case id or number."),
]


def case_out(desk: CaseDesk, case: Case, principal: Principal, now: datetime) -> CaseOut:
    plain = to_plain(case)
    plain["sla"] = [SlaClockOut.model_validate(to_plain(c)) for c in desk.sla(case, now)]
    plain["next_states"] = [s.value for s in desk.next_states(case)]
    return for_caller(CaseOut.model_validate(plain), principal)


@router.post("", response_model=CaseOut, status_code=201, summary="Open a case by hand")
def open_case(body: CaseIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep) -> CaseOut:
    case = desk.open(
        principal,
        severity=body.severity,
        customer_id=body.customer_id,
        channel=body.channel.value if body.channel else None,
        causes=tuple(c.value for c in body.causes),
        demands=tuple(d.value for d in body.demands),
        issue_key=body.issue_key,
        thread_id=body.thread_id,
        order_id=body.order_id,
        owner=body.owner,
        team=body.team,
        reason=body.reason,
    )
    return case_out(desk, case, principal, now)


@router.get("", response_model=CaseList, summary="List cases in the caller's scope, newest first")
def list_cases(
    principal: ReadingCases,
    desk: CaseDeskDep,
    now: NowDep,
    state: Annotated[list[CaseState] | None, Query(description="Repeat for several.")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Repeat for several.")] = None,
    customer_id: Annotated[StoredText | None, Query(max_length=128)] = None,
    owner: Annotated[StoredText | None, Query(max_length=128)] = None,
    team: Annotated[StoredText | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> CaseList:
    where = CaseFilter(
        states=[s.value for s in state or []],
        severities=[s.value for s in severity or []],
        customer_id=customer_id,
        owner=owner,
        team=team,
    )
    found = desk.find(principal, where, limit=limit + 1, offset=offset)
    page = Page(limit=limit, offset=offset, next_offset=offset + limit if len(found) > limit else None)
    return CaseList(items=[case_out(desk, c, principal, now) for c in found[:limit]], page=page)


@router.post("/sla-check", response_model=SlaSweepOut, summary="Record due SLA warnings and breaches now")
def sla_check(principal: SupervisingCases, desk: CaseDeskDep) -> SlaSweepOut:
    """Checks every open case; each warning or breach is recorded once, and a breach escalates the case
    one tier. The server also runs this periodically (`sla_check_interval_s`). Supervisors and up."""
    sweep = desk.check_sla(principal)
    return SlaSweepOut(
        checked=sweep.checked,
        warnings=sweep.warnings,
        breaches=sweep.breaches,
        changed=[c.number for c in sweep.changed],
    )


@router.get("/{ref}", response_model=CaseOut, summary="One case with its SLA clocks")
def get_case(ref: CaseRef, principal: ReadingCases, desk: CaseDeskDep, now: NowDep) -> CaseOut:
    return case_out(desk, desk.get(principal, ref), principal, now)


@router.get("/{ref}/audit", response_model=AuditTrail, summary="The case's audit trail, oldest first")
def get_audit(ref: CaseRef, principal: ReadingCases, desk: CaseDeskDep) -> AuditTrail:
    case = desk.get(principal, ref)
    records = [AuditRecordOut.model_validate(r) for r in desk.audit_records(principal, case.id)]
    return for_caller(AuditTrail(case_number=case.number, records=records), principal)


@router.post("/{ref}/acknowledge", response_model=CaseOut, summary="Acknowledge (new → acknowledged)")
def acknowledge(ref: CaseRef, principal: WorkingCases, desk: CaseDeskDep, now: NowDep) -> CaseOut:
    return case_out(desk, desk.acknowledge(principal, ref), principal, now)


@router.post("/{ref}/first-response", response_model=CaseOut, summary="Record the first response with a plan")
def first_response(
    ref: CaseRef, body: FirstResponseIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    return case_out(desk, desk.first_response(principal, ref, body.plan), principal, now)


@router.post("/{ref}/assign", response_model=CaseOut, summary="Assign an owner (reassigning: supervisors)")
def assign(ref: CaseRef, body: AssignIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep) -> CaseOut:
    case = desk.assign(principal, ref, body.owner, team=body.team, reason=body.reason)
    return case_out(desk, case, principal, now)


@router.post("/{ref}/escalate", response_model=CaseOut, summary="Raise the escalation tier")
def escalate(
    ref: CaseRef, body: EscalateIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    return case_out(desk, desk.escalate(principal, ref, body.reason, body.to_tier), principal, now)


@router.post("/{ref}/severity", response_model=CaseOut, summary="Change severity (lowering: supervisors)")
def set_severity(
    ref: CaseRef, body: SeverityIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    return case_out(desk, desk.set_severity(principal, ref, body.severity, body.reason), principal, now)


@router.post("/{ref}/transition", response_model=CaseOut, summary="Move to another lifecycle state")
def transition(
    ref: CaseRef, body: TransitionIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    """For in_progress ⇄ awaiting_customer, closed and closed_unconfirmed; resolving, follow-up,
    reopening and cancelling have their own actions."""
    return case_out(desk, desk.transition(principal, ref, body.to_state, body.reason), principal, now)


@router.post("/{ref}/resolve", response_model=CaseOut, summary="Resolve with a resolution record")
def resolve(
    ref: CaseRef, body: ResolveIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    case = desk.resolve(
        principal,
        ref,
        body.code,
        remedies=tuple(
            Remedy(r.demand.value, amount=r.amount, currency=r.currency, note=r.note) for r in body.remedies
        ),
        confirmed_causes=tuple(c.value for c in body.confirmed_causes),
        responsible_party=body.responsible_party,
        fishbone_category=body.fishbone_category,
        notes=body.notes,
    )
    return case_out(desk, case, principal, now)


@router.post("/{ref}/follow-up", response_model=CaseOut, summary="Record the customer's follow-up answer")
def follow_up(
    ref: CaseRef, body: FollowUpIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    case = desk.follow_up(
        principal, ref, resolved=body.resolved, csat=body.csat, nps=body.nps, comment=body.comment
    )
    return case_out(desk, case, principal, now)


@router.post(
    "/{ref}/follow-up-attempts", response_model=CaseOut, summary="Record an unanswered follow-up attempt"
)
def follow_up_attempt(
    ref: CaseRef, body: AttemptIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    return case_out(desk, desk.follow_up_attempt(principal, ref, body.note), principal, now)


@router.post("/{ref}/reopen", response_model=CaseOut, summary="Reopen a resolved or closed case")
def reopen(ref: CaseRef, body: ReasonIn, principal: WorkingCases, desk: CaseDeskDep, now: NowDep) -> CaseOut:
    return case_out(desk, desk.reopen(principal, ref, body.reason), principal, now)


@router.post("/{ref}/cancel", response_model=CaseOut, summary="Cancel a duplicate or spam case (supervisors)")
def cancel(
    ref: CaseRef, body: RequiredReasonIn, principal: SupervisingCases, desk: CaseDeskDep, now: NowDep
) -> CaseOut:
    return case_out(desk, desk.cancel(principal, ref, body.reason), principal, now)
