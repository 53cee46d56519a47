"""What a store must look like after a fault and a rerun: every input row once, cases and audit consistent."""

from __future__ import annotations

from sqlalchemy import func, select

from complaint_radar.store import AuditEvent, Case, Message, RiskProfileSnapshot, make_engine


def assert_consistent(url: str, total: int) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:

            def scalar(statement: object) -> int:
                return int(connection.execute(statement).scalar_one())  # type: ignore[call-overload]

            assert scalar(select(func.count()).select_from(Message)) == total
            assert scalar(select(func.count(func.distinct(Message.external_id)))) == total
            assert scalar(select(func.count()).select_from(RiskProfileSnapshot)) == total
            cases = scalar(select(func.count()).select_from(Case))
            assert cases > 0
            orphans = (
                select(func.count())
                .select_from(Case)
                .where(Case.source_message_id.is_not(None), Case.source_message_id.not_in(select(Message.id)))
            )
            assert scalar(orphans) == 0
            opened = select(func.count(func.distinct(AuditEvent.entity_id))).where(
                AuditEvent.entity_type == "case"
            )
            assert scalar(opened) == cases, "every case has its audit trail"
            stray = (
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.entity_type == "case", AuditEvent.entity_id.not_in(select(Case.id)))
            )
            assert scalar(stray) == 0, "no audit row of a case that was rolled back"
    finally:
        engine.dispose()
