"""/cases: the board by state with SLA clocks; /cases/{case_id}: one case with guidance, audit trail and
a form for every lifecycle action the caller may take (each posts to /cases/{case_id}/{action})."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from complaint_radar.api.errors import status_of
from complaint_radar.cases import Milestone, SlaState
from complaint_radar.errors import ComplaintRadarError, NotFoundError
from complaint_radar.services.cases.desk import (
    Case,
    CaseDesk,
    CaseFilter,
    CaseState,
    FishboneCategory,
    Remedy,
    ResolutionCode,
    ResponsibleParty,
    Severity,
    SlaClock,
    Tier,
)
from complaint_radar.types import Cause, Demand
from complaint_radar.web.auth import Viewer, page
from complaint_radar.web.forms import Form
from complaint_radar.web.permissions import case_actions, manual_transitions

router = APIRouter(include_in_schema=False)
BOARD_STATES = (
    CaseState.NEW,
    CaseState.ACKNOWLEDGED,
    CaseState.IN_PROGRESS,
    CaseState.AWAITING_CUSTOMER,
    CaseState.REOPENED,
    CaseState.RESOLVED,
)
COLUMN_SIZE = 40
CaseRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def running_clock(clocks: list[SlaClock]) -> SlaClock | None:
    """The clock the case is working against now: the first one not yet met."""
    return next((c for c in clocks if c.done_at is None and c.state is not SlaState.MET), None)


def _column(desk: CaseDesk, viewer: Viewer, state: CaseState, where: CaseFilter) -> list[Case]:
    scoped = CaseFilter(states=[state.value], severities=where.severities, owner=where.owner)
    return desk.find(viewer.principal, scoped, limit=COLUMN_SIZE + 1)


@router.get("/cases", response_class=HTMLResponse)
async def board(viewer: Annotated[Viewer, Depends(page("cases"))]) -> HTMLResponse:
    query, desk = viewer.query, viewer.cases
    severity = query.choice("severity", Severity, "severity")
    mine = query.flag("mine")
    where = CaseFilter(
        severities=[severity.value] if severity else [], owner=viewer.principal.username if mine else None
    )
    columns = []
    for state in BOARD_STATES:
        found = await run_in_threadpool(_column, desk, viewer, state, where)
        cards = [(case, running_clock(desk.sla(case, viewer.now))) for case in found[:COLUMN_SIZE]]
        columns.append((state.value, cards, len(found) > COLUMN_SIZE))
    return viewer.render(
        "cases.html",
        columns=columns,
        severity=severity.value if severity else None,
        severities=[s.value for s in Severity],
        mine=mine,
        now=viewer.now,
    )


async def _case_page(
    viewer: Viewer, ref: str, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    desk = viewer.cases
    case = await run_in_threadpool(desk.get, viewer.principal, ref)
    audit = await run_in_threadpool(desk.audit_records, viewer.principal, case.id)
    next_states = desk.next_states(case)
    return viewer.render(
        "case.html",
        status=status,
        case=case,
        clocks=desk.sla(case, viewer.now),
        audit=list(reversed(audit)),
        actions=case_actions(viewer.principal, case, next_states),
        transitions=[s.value for s in manual_transitions(next_states)],
        error=error,
        done=viewer.query.text("done") if viewer.query.text("done") in ACTIONS else None,
        now=viewer.now,
        choices={
            "severity": [s.value for s in Severity],
            "tier": [t.value for t in Tier],
            "resolution": [r.value for r in ResolutionCode],
            "party": [p.value for p in ResponsibleParty],
            "fishbone": [f.value for f in FishboneCategory],
            "cause": [c.value for c in Cause],
            "demand": [d.value for d in Demand],
        },
        milestones=[m.value for m in Milestone],
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: CaseRef, viewer: Annotated[Viewer, Depends(page("cases"))]) -> HTMLResponse:
    return await _case_page(viewer, case_id)


def _resolve(desk: CaseDesk, v: Viewer, ref: str, form: Form) -> Case:
    amount = form.number("amount", "remedy amount")
    remedies = tuple(
        Remedy(d.value, amount=amount if i == 0 else None, currency=form.text("currency") if amount else None)
        for i, d in enumerate(form.choices("remedy", Demand, "remedy"))
    )
    return desk.resolve(
        v.principal,
        ref,
        form.choice("code", ResolutionCode, "resolution") or ResolutionCode.RESOLVED_REMEDY,
        remedies=remedies,
        confirmed_causes=tuple(c.value for c in form.choices("cause", Cause, "cause")),
        responsible_party=form.choice("party", ResponsibleParty, "responsible party")
        or ResponsibleParty.UNDETERMINED,
        fishbone_category=form.choice("fishbone", FishboneCategory, "fishbone category"),
        notes=form.text("notes"),
    )


Action = Callable[[CaseDesk, Viewer, str, Form], Case]
ACTIONS: dict[str, Action] = {
    "take": lambda d, v, ref, f: d.assign(v.principal, ref, v.principal.username, team=None, reason=None),
    "assign": lambda d, v, ref, f: d.assign(
        v.principal, ref, f.required("owner", "owner"), team=f.text("team"), reason=f.text("reason")
    ),
    "acknowledge": lambda d, v, ref, f: d.acknowledge(v.principal, ref),
    "first_response": lambda d, v, ref, f: d.first_response(v.principal, ref, f.required("plan", "plan")),
    "transition": lambda d, v, ref, f: d.transition(
        v.principal, ref, f.choice("to_state", CaseState, "state") or CaseState.IN_PROGRESS, f.text("reason")
    ),
    "escalate": lambda d, v, ref, f: d.escalate(
        v.principal, ref, f.required("reason", "reason"), f.choice("to_tier", Tier, "tier")
    ),
    "severity": lambda d, v, ref, f: d.set_severity(
        v.principal, ref, f.choice("severity", Severity, "severity") or Severity.MEDIUM, f.text("reason")
    ),
    "resolve": _resolve,
    "follow_up": lambda d, v, ref, f: d.follow_up(
        v.principal,
        ref,
        resolved=f.text("resolved") == "yes",
        csat=f.integer("csat", "CSAT", 1, 5),
        nps=f.integer("nps", "NPS", 0, 10),
        comment=f.text("comment"),
    ),
    "follow_up_attempt": lambda d, v, ref, f: d.follow_up_attempt(v.principal, ref, f.text("note")),
    "reopen": lambda d, v, ref, f: d.reopen(v.principal, ref, f.text("reason")),
    "cancel": lambda d, v, ref, f: d.cancel(v.principal, ref, f.required("reason", "reason")),
}


@router.post("/cases/{case_id}/{action}")
async def case_action(
    case_id: CaseRef, action: str, viewer: Annotated[Viewer, Depends(page("case_work"))]
) -> Response:
    """Run one lifecycle action; back to the case page, with the error shown when the desk refuses."""
    run = ACTIONS.get(action)
    if run is None:
        raise NotFoundError(f"no case action {action!r}; use one of: {', '.join(ACTIONS)}")
    try:
        case = await run_in_threadpool(run, viewer.cases, viewer, case_id, viewer.form)
    except NotFoundError:
        raise
    except ComplaintRadarError as exc:
        status, _ = status_of(exc)
        return await _case_page(viewer, case_id, status=status, error=" ".join(str(exc).split()))
    return RedirectResponse(f"/cases/{case.number}?done={action}", status_code=303)
