"""Case work for an authenticated caller: the role's case scope on every read and action, lists filtered
by it, and each case's SLA clocks. The case rules themselves are `cases/`; storage is `casework`.

Scope (SPEC.md §1 roles): agents see the cases they own plus unowned ones of their team (to take) and
act only on their own; supervisors see and act on their team's; analysts read all; managers and admins
act on all. A case outside the caller's scope is reported as not found, so its existence is not revealed.
The scope is checked on the case as read just before the action, with no other action in between.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from complaint_radar.cases import (
    Case,
    CaseState,
    Remedy,
    ResolutionCode,
    ResponsibleParty,
    Severity,
    SlaClock,
    Tier,
    allowed_next_states,
    sla_status,
)
from complaint_radar.errors import PermissionDeniedError
from complaint_radar.services.access import (
    CaseScope,
    Permission,
    Principal,
    case_scope,
    require,
    require_case_access,
)
from complaint_radar.services.cases.casework import CaseService, SlaSweep
from complaint_radar.services.cases.records import case_from_row
from complaint_radar.store import Case as CaseRow
from complaint_radar.store import session_scope
from complaint_radar.types import FishboneCategory, Role

__all__ = [
    "Case",
    "CaseDesk",
    "CaseFilter",
    "CaseService",
    "CaseState",
    "FishboneCategory",
    "Remedy",
    "ResolutionCode",
    "ResponsibleParty",
    "Severity",
    "SlaClock",
    "SlaSweep",
    "Tier",
]


@dataclass(frozen=True, slots=True)
class CaseFilter:
    states: Sequence[str] = ()
    severities: Sequence[str] = ()
    customer_id: str | None = None
    owner: str | None = None
    team: str | None = None


def _scope_condition(scope: CaseScope) -> ColumnElement[bool]:
    team_ok = true() if scope.team is None else or_(CaseRow.team == scope.team, CaseRow.team.is_(None))
    if scope.owner is None:
        return team_ok
    unowned = and_(CaseRow.owner_id.is_(None), team_ok) if scope.unassigned_too else false()
    return or_(CaseRow.owner_id == scope.owner, unowned)


class CaseDesk:
    """`CaseService` behind the caller's permissions and case scope."""

    def __init__(self, service: CaseService) -> None:
        self.service = service
        # One case action at a time in this process: the scope check and the action see the same case,
        # and the service's profile caches are not built for concurrent writers.
        self._lock = threading.Lock()

    def find(self, principal: Principal, where: CaseFilter, *, limit: int, offset: int = 0) -> list[Case]:
        """Cases in the caller's scope matching `where`, newest first."""
        require(principal, Permission.READ_CASES)
        statement = select(CaseRow).where(_scope_condition(case_scope(principal)))
        if where.states:
            statement = statement.where(CaseRow.state.in_(list(where.states)))
        if where.severities:
            statement = statement.where(CaseRow.severity.in_(list(where.severities)))
        if where.customer_id is not None:
            statement = statement.where(CaseRow.customer_id == where.customer_id)
        if where.owner is not None:
            statement = statement.where(CaseRow.owner_id == where.owner)
        if where.team is not None:
            statement = statement.where(CaseRow.team == where.team)
        statement = statement.order_by(CaseRow.opened_at.desc(), CaseRow.id).limit(limit).offset(offset)
        with session_scope(self.service.sessions) as session:
            return [case_from_row(row) for row in session.scalars(statement)]

    def get(self, principal: Principal, ref: str) -> Case:
        require(principal, Permission.READ_CASES)
        case = self.service.get(ref)
        require_case_access(principal, case.number, case.owner, case.team, act=False)
        return case

    def sla(self, case: Case, now: datetime) -> list[SlaClock]:
        """The case's SLA clocks at `now` (acknowledge, first response, resolve, follow-up)."""
        return sla_status(case, now, self.service.sla)

    @staticmethod
    def next_states(case: Case) -> tuple[CaseState, ...]:
        return allowed_next_states(case)

    def audit_records(self, principal: Principal, ref: str) -> list[dict[str, object]]:
        """Each audit record with its field changes (old → new), oldest first."""
        case = self.get(principal, ref)
        return [
            {
                "at": e.occurred_at,
                "action": e.action,
                "actor": e.actor,
                "role": e.role,
                "reason": e.reason,
                "old": dict(e.old_values or {}),
                "new": dict(e.new_values or {}),
            }
            for e in self.service.audit(case.id)
        ]

    def open(
        self,
        principal: Principal,
        *,
        severity: Severity,
        customer_id: str | None = None,
        channel: str | None = None,
        causes: tuple[str, ...] = (),
        demands: tuple[str, ...] = (),
        issue_key: str | None = None,
        thread_id: str | None = None,
        order_id: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        reason: str | None = None,
    ) -> Case:
        """A manual case; an agent's own case unless a supervisor names another owner."""
        require(principal, Permission.WORK_CASES)
        if principal.role is Role.FRONTLINE_AGENT:
            owner = owner or principal.username
            if owner != principal.username:
                raise PermissionDeniedError(
                    "an agent opens cases for themselves; assigning to someone else needs a supervisor"
                )
        with self._lock:
            return self.service.open(
                principal.username,
                principal.role,
                severity=severity,
                customer_id=customer_id,
                channel=channel,
                causes=causes,
                demands=demands,
                issue_key=issue_key,
                thread_id=thread_id,
                order_id=order_id,
                owner=owner,
                team=team if team is not None else principal.team,
                reason=reason,
            )

    def acknowledge(self, principal: Principal, ref: str) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.transition(
                case.id, CaseState.ACKNOWLEDGED, principal.username, principal.role
            ),
        )

    def transition(self, principal: Principal, ref: str, to_state: CaseState, reason: str | None) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.transition(
                case.id, to_state, principal.username, principal.role, reason=reason
            ),
        )

    def first_response(self, principal: Principal, ref: str, plan: str) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.first_response(case.id, plan, principal.username, principal.role),
        )

    def assign(
        self, principal: Principal, ref: str, owner: str, *, team: str | None, reason: str | None
    ) -> Case:
        """Supervisors assign within their scope; an agent may only take an unowned case for themselves."""

        def take_or_assign(case: Case) -> Case:
            if not principal.can(Permission.SUPERVISE_CASES) and (
                owner != principal.username or case.owner not in (None, principal.username)
            ):
                raise PermissionDeniedError(
                    f"case {case.number}: an agent may only take an unowned case for themselves; "
                    "assigning it to someone else needs a supervisor"
                )
            return self.service.assign(
                case.id, owner, principal.username, principal.role, team=team, reason=reason
            )

        return self._act(principal, ref, take_or_assign, own_only=False)

    def escalate(self, principal: Principal, ref: str, reason: str, to_tier: Tier | None) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.escalate(
                case.id, principal.username, principal.role, reason, to_tier=to_tier
            ),
        )

    def set_severity(self, principal: Principal, ref: str, severity: Severity, reason: str | None) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.set_severity(
                case.id, severity, principal.username, principal.role, reason=reason
            ),
        )

    def resolve(
        self,
        principal: Principal,
        ref: str,
        code: ResolutionCode,
        *,
        remedies: tuple[Remedy, ...] = (),
        confirmed_causes: tuple[str, ...] = (),
        responsible_party: ResponsibleParty = ResponsibleParty.UNDETERMINED,
        fishbone_category: FishboneCategory | None = None,
        notes: str | None = None,
    ) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.resolve(
                case.id,
                code,
                principal.username,
                principal.role,
                remedies=remedies,
                confirmed_causes=confirmed_causes,
                responsible_party=responsible_party,
                fishbone_category=fishbone_category,
                notes=notes,
            ),
        )

    def follow_up(
        self,
        principal: Principal,
        ref: str,
        *,
        resolved: bool,
        csat: int | None,
        nps: int | None,
        comment: str | None,
    ) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.follow_up(
                case.id,
                principal.username,
                principal.role,
                resolved=resolved,
                csat=csat,
                nps=nps,
                comment=comment,
            ),
        )

    def follow_up_attempt(self, principal: Principal, ref: str, note: str | None) -> Case:
        return self._act(
            principal,
            ref,
            lambda case: self.service.follow_up_attempt(
                case.id, principal.username, principal.role, note=note
            ),
        )

    def reopen(self, principal: Principal, ref: str, reason: str | None) -> Case:
        return self.transition(principal, ref, CaseState.REOPENED, reason)

    def cancel(self, principal: Principal, ref: str, reason: str) -> Case:
        return self.transition(principal, ref, CaseState.CANCELLED, reason)

    def check_sla(self, principal: Principal) -> SlaSweep:
        """Record due SLA warnings and breaches of all open cases (breaches escalate); supervisors and up."""
        require(principal, Permission.SUPERVISE_CASES)
        return self.sweep_sla()

    def sweep_sla(self) -> SlaSweep:
        """The same check, by the system (the server's periodic sweep)."""
        with self._lock:
            return self.service.check_sla()

    def _act(
        self, principal: Principal, ref: str, action: Callable[[Case], Case], *, own_only: bool = True
    ) -> Case:
        """Check the caller's scope on the case as stored and act, with no other action in between."""
        require(principal, Permission.WORK_CASES)
        with self._lock:
            case = self.service.get(ref)
            require_case_access(principal, case.number, case.owner, case.team, act=own_only)
            return action(case)
