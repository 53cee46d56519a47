"""Case work over the store (services.cases.casework): lifecycle, SLA on a frozen clock, audit, profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from complaint_radar import Analyzer
from complaint_radar.cases import CaseState, ResolutionCode, Severity, Tier
from complaint_radar.errors import CasePermissionError, CaseTransitionError, NotFoundError
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.cases.casework import CaseService
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.store import RiskProfileSnapshot, make_session_factory
from complaint_radar.types import Role

# A Monday morning in Shanghai (business hours 09:00-18:00 +08:00).
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
AGENT, SUPERVISOR = Role.FRONTLINE_AGENT, Role.SUPERVISOR


@pytest.fixture()
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


def open_automatically(sessions: sessionmaker[Session], analyzer: Analyzer) -> str:
    ingestor = Ingestor(sessions, Assessor(analyzer), item_time=True)
    result = ingestor.ingest_messages(
        [
            {
                "message_id": "m1",
                "customer_id": "c1",
                "occurred_at": T0.isoformat(),
                "channel": "chat",
                "text": "订单 A20260301 十天了还不发货,再不处理我就去12315投诉!",
            }
        ]
    )
    number = result.items[0].case_number
    assert number is not None
    return number


def snapshots(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(RiskProfileSnapshot)) or 0


def test_an_automatic_case_is_worked_through_its_lifecycle_and_closed_by_follow_up(
    sessions: sessionmaker[Session], analyzer: Analyzer
) -> None:
    number = open_automatically(sessions, analyzer)
    service = CaseService(sessions, clock=lambda: T0 + timedelta(hours=10))
    case = service.transition(number, CaseState.ACKNOWLEDGED, "alice", AGENT, now=T0 + timedelta(minutes=20))
    assert case.state is CaseState.ACKNOWLEDGED and case.acknowledged_at == T0 + timedelta(minutes=20)
    service.assign(number, "alice", "alice", AGENT, now=T0 + timedelta(minutes=21))
    with pytest.raises(CasePermissionError):
        service.assign(number, "bob", "alice", AGENT, now=T0 + timedelta(minutes=22))
    service.first_response(number, "补发并今天 18 点前回电", "alice", AGENT, now=T0 + timedelta(hours=1))
    resolved = service.resolve(
        number,
        ResolutionCode.RESOLVED_REMEDY,
        "alice",
        AGENT,
        confirmed_causes=("delivery_logistics",),
        now=T0 + timedelta(hours=5),
    )
    assert resolved.state is CaseState.RESOLVED
    closed = service.follow_up(number, "alice", AGENT, resolved=True, csat=5)  # at the clock's time
    assert closed.state is CaseState.CLOSED and closed.closed_at == T0 + timedelta(hours=10)
    assert service.get(number) == closed
    with pytest.raises(CaseTransitionError):
        service.transition(number, CaseState.IN_PROGRESS, "alice", AGENT)
    actions = [e.action for e in service.audit(number)]
    assert actions[0] == "opened"
    assert {
        "state_changed",
        "assigned",
        "first_response",
        "resolution_recorded",
        "follow_up_recorded",
    } <= set(actions)
    trail = service.audit(number)
    assert any(e.actor == "alice" and e.role == "frontline_agent" for e in trail)
    assert [c.number for c in service.find(customer_id="c1", states=["closed"])] == [number]


def test_sla_breaches_are_detected_with_a_frozen_clock_recorded_once_and_escalate(
    sessions: sessionmaker[Session], analyzer: Analyzer
) -> None:
    number = open_automatically(sessions, analyzer)
    service = CaseService(sessions)
    before = service.get(number)
    assert before.severity in (Severity.HIGH, Severity.CRITICAL)
    early = service.check_sla(now=T0 + timedelta(minutes=1))
    assert (early.checked, early.warnings, early.breaches) == (1, 0, 0)
    late = service.check_sla(now=T0 + timedelta(days=3))
    assert late.breaches >= 1 and [c.number for c in late.changed] == [number]
    after = service.get(number)
    assert after.tier.rank > before.tier.rank or after.tier is Tier.L3_MANAGER
    again = service.check_sla(now=T0 + timedelta(days=3, hours=1))
    assert (again.warnings, again.breaches, again.changed) == (0, 0, [])
    actions = [e.action for e in service.audit(number)]
    assert actions.count("sla_breach") == late.breaches


def test_a_manual_case_carries_guidance_and_a_case_change_recomputes_the_profile(
    sessions: sessionmaker[Session],
) -> None:
    service = CaseService(sessions)
    case = service.open(
        "bob", AGENT, severity=Severity.MEDIUM, customer_id="c7", causes=("service_attitude",), now=T0
    )
    assert case.number.startswith("CR-2026-") and case.guidance is not None
    assert snapshots(sessions) == 1
    service.transition(case.number, CaseState.ACKNOWLEDGED, "bob", AGENT, now=T0 + timedelta(hours=1))
    assert snapshots(sessions) == 2
    with pytest.raises(CasePermissionError):
        service.transition(
            case.number, CaseState.CANCELLED, "bob", AGENT, reason="dup", now=T0 + timedelta(hours=2)
        )
    cancelled = service.transition(
        case.id,
        CaseState.CANCELLED,
        "sue",
        SUPERVISOR,
        reason="duplicate of another case",
        now=T0 + timedelta(hours=2),
    )
    assert cancelled.state is CaseState.CANCELLED


def test_an_unknown_case_is_not_found(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFoundError, match="CR-2026-999999"):
        CaseService(sessions).get("CR-2026-999999")
