"""Case operations over the store (SPEC.md §6): load the case, apply the pure `cases` action, persist both.

Every change is one transaction: the case row is read with a lock (PostgreSQL `FOR UPDATE`), the domain
function decides, the new case and its audit events are written, and the customer's risk profile is
recomputed (a case change moves it: SPEC.md §4). Domain errors (`CaseTransitionError`,
`CasePermissionError`, `CaseInputError`, `NotFoundError`) pass through unchanged for the API to map.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from complaint_radar import cases
from complaint_radar.cases import (
    Case,
    CaseAction,
    CaseOrigin,
    CaseState,
    CaseUpdate,
    Remedy,
    ResolutionCode,
    ResponsibleParty,
    Severity,
    SlaConfig,
    Tier,
    load_sla_config,
)
from complaint_radar.customers import CustomerRiskProfile, ProfileWeights, weights_from_settings
from complaint_radar.errors import NotFoundError
from complaint_radar.services.cases.records import append_case_events, case_from_row, load_case, write_case
from complaint_radar.services.customers.profiles import (
    HISTORY_DAYS,
    recompute_profile,
    save_snapshots,
    snapshot_row,
)
from complaint_radar.services.customers.timelines import SignalCaches
from complaint_radar.services.runtime import Clock, SessionFactory, system_clock
from complaint_radar.settings import Settings, get_settings
from complaint_radar.store import OPEN_CASE_STATES, AuditEvent, audit_trail, new_case_identity, session_scope
from complaint_radar.store import Case as CaseRow
from complaint_radar.types import FishboneCategory, Role

CaseChange = Callable[[Case, datetime], CaseUpdate]
"""A pure case action with its arguments bound: (case, now) -> new case and audit events."""

SlaHook = Callable[[Session, list[CaseUpdate], datetime], None]
"""Called inside an SLA check's transaction with the cases it marked (alerting on warnings and breaches)."""


@dataclass(frozen=True, slots=True)
class SlaSweep:
    """One SLA check of every open case: how many, and the warnings and breaches it recorded now."""

    checked: int
    warnings: int
    breaches: int
    changed: list[Case]


class CaseService:
    """Manual case work and SLA checks; `now` defaults to the clock (tests pass a frozen one)."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        settings: Settings | None = None,
        clock: Clock = system_clock,
        sla: SlaConfig | None = None,
        weights: ProfileWeights | None = None,
        caches: SignalCaches | None = None,
        on_sla: SlaHook | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_sla = on_sla
        self.settings = settings or get_settings()
        self.clock = clock
        self.sla = sla or load_sla_config(self.settings.sla_file)
        self.weights = weights or weights_from_settings(self.settings)
        self.caches = caches or SignalCaches()

    def get(self, ref: str) -> Case:
        """A case by id or number (CR-2026-000123)."""
        with session_scope(self.sessions) as session:
            return self._load(session, ref)[1]

    def find(
        self,
        *,
        customer_id: str | None = None,
        states: Sequence[str] | None = None,
        owner: str | None = None,
        team: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Case]:
        """Cases matching every filter given, newest first."""
        statement = select(CaseRow).order_by(CaseRow.opened_at.desc(), CaseRow.id).limit(limit).offset(offset)
        if customer_id is not None:
            statement = statement.where(CaseRow.customer_id == customer_id)
        if states:
            statement = statement.where(CaseRow.state.in_(list(states)))
        if owner is not None:
            statement = statement.where(CaseRow.owner_id == owner)
        if team is not None:
            statement = statement.where(CaseRow.team == team)
        with session_scope(self.sessions) as session:
            return [case_from_row(row) for row in session.scalars(statement)]

    def audit(self, ref: str) -> list[AuditEvent]:
        """The case's audit trail, oldest first."""
        with session_scope(self.sessions) as session:
            _, case = self._load(session, ref)
            return audit_trail(session, "case", case.id)

    def open(
        self,
        actor: str,
        role: Role,
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
        now: datetime | None = None,
    ) -> Case:
        """Open a case by hand (any role); it carries the §5 guidance for its customer type and severity."""
        at = now or self.clock()
        with session_scope(self.sessions, write=True) as session:
            case_id, number = new_case_identity(session, at)
            opened, events = cases.open_case(
                case_id,
                number,
                actor,
                role,
                at,
                severity=severity,
                customer_id=customer_id,
                channel=channel,
                origin=CaseOrigin.MANUAL,
                causes=causes,
                demands=demands,
                issue_key=issue_key,
                thread_id=thread_id,
                order_id=order_id,
                owner=owner,
                team=team,
                reason=reason,
            )
            guided, more = cases.attach_guidance(
                opened, cases.case_guidance(opened, settings=self.settings), actor, role, at
            )
            return self._save(session, CaseUpdate(guided, events + more), at, new=True)

    def apply(self, ref: str, change: CaseChange, now: datetime | None = None) -> Case:
        """Apply any pure case action to the stored case, atomically."""
        at = now or self.clock()
        with session_scope(self.sessions, write=True) as session:
            _, case = self._load(session, ref, for_update=True)
            return self._save(session, change(case, at), at)

    def transition(
        self,
        ref: str,
        to_state: CaseState,
        actor: str,
        role: Role,
        *,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        return self.apply(
            ref, lambda c, at: cases.transition(c, to_state, actor, role, at, reason, config=self.sla), now
        )

    def first_response(
        self, ref: str, plan: str, actor: str, role: Role, *, now: datetime | None = None
    ) -> Case:
        return self.apply(ref, lambda c, at: cases.record_first_response(c, plan, actor, role, at), now)

    def assign(
        self,
        ref: str,
        owner: str,
        actor: str,
        role: Role,
        *,
        team: str | None = None,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        return self.apply(
            ref, lambda c, at: cases.assign(c, owner, actor, role, at, team=team, reason=reason), now
        )

    def escalate(
        self,
        ref: str,
        actor: str,
        role: Role,
        reason: str,
        *,
        to_tier: Tier | None = None,
        now: datetime | None = None,
    ) -> Case:
        return self.apply(ref, lambda c, at: cases.escalate(c, actor, role, at, reason, to_tier=to_tier), now)

    def set_severity(
        self,
        ref: str,
        severity: Severity,
        actor: str,
        role: Role,
        *,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        return self.apply(ref, lambda c, at: cases.set_severity(c, severity, actor, role, at, reason), now)

    def resolve(
        self,
        ref: str,
        code: ResolutionCode,
        actor: str,
        role: Role,
        *,
        remedies: tuple[Remedy, ...] = (),
        confirmed_causes: tuple[str, ...] = (),
        responsible_party: ResponsibleParty = ResponsibleParty.UNDETERMINED,
        fishbone_category: FishboneCategory | None = None,
        notes: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        def change(c: Case, at: datetime) -> CaseUpdate:
            return cases.record_resolution(
                c,
                code,
                actor,
                role,
                at,
                remedies=remedies,
                confirmed_causes=confirmed_causes,
                responsible_party=responsible_party,
                fishbone_category=fishbone_category,
                notes=notes,
            )

        return self.apply(ref, change, now)

    def follow_up(
        self,
        ref: str,
        actor: str,
        role: Role,
        *,
        resolved: bool,
        csat: int | None = None,
        nps: int | None = None,
        comment: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        """The customer's answer: satisfied closes the case, CSAT ≤ 2 or "not resolved" reopens it."""

        def change(c: Case, at: datetime) -> CaseUpdate:
            return cases.record_follow_up(
                c, actor, role, at, resolved=resolved, csat=csat, nps=nps, comment=comment
            )

        return self.apply(ref, change, now)

    def follow_up_attempt(
        self, ref: str, actor: str, role: Role, *, note: str | None = None, now: datetime | None = None
    ) -> Case:
        return self.apply(
            ref,
            lambda c, at: cases.record_follow_up_attempt(c, actor, role, at, note=note, config=self.sla),
            now,
        )

    def check_sla(self, now: datetime | None = None) -> SlaSweep:
        """Record new SLA warnings and breaches of every open case as of `now` (each is recorded once;
        a breach escalates one tier), in one transaction."""
        at = now or self.clock()
        warnings = breaches = checked = 0
        changed: list[Case] = []
        updates: list[CaseUpdate] = []
        with session_scope(self.sessions, write=True) as session:
            statement = select(CaseRow).where(CaseRow.state.in_(OPEN_CASE_STATES)).order_by(CaseRow.opened_at)
            for row in session.scalars(statement.with_for_update()).all():
                checked += 1
                case = case_from_row(row)
                update = cases.check_sla(case, at, self.sla)
                if not update.events:
                    continue
                warnings += sum(e.action is CaseAction.SLA_WARNING for e in update.events)
                breaches += sum(e.action is CaseAction.SLA_BREACH for e in update.events)
                changed.append(self._save(session, update, at))
                updates.append(update)
            if updates and self.on_sla is not None:
                self.on_sla(session, updates, at)
        return SlaSweep(checked, warnings, breaches, changed)

    def _load(self, session: Session, ref: str, *, for_update: bool = False) -> tuple[CaseRow, Case]:
        found = load_case(session, ref, for_update=for_update)
        if found is None:
            raise NotFoundError(f"case {ref!r} not found; give a case id or number such as CR-2026-000123")
        return found

    def _save(self, session: Session, update: CaseUpdate, now: datetime, *, new: bool = False) -> Case:
        """Persist the case and its audit events; then its customer's profile moves with it."""
        write_case(session, update.case, now, self.sla, new=new)
        append_case_events(session, update.events)
        if update.events and update.case.customer_id is not None:
            session.flush()
            profile = self._profile(session, update.case.customer_id, now)
            save_snapshots(session, [snapshot_row(profile)])
        return update.case

    def _profile(self, session: Session, customer_id: str, now: datetime) -> CustomerRiskProfile:
        return recompute_profile(
            session,
            customer_id,
            now,
            weights=self.weights,
            caches=self.caches,
            history=timedelta(days=HISTORY_DAYS),
        )
