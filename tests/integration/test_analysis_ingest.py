"""Dimensions, cause rows, metrics and the bulk backfill into SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from complaint_radar import Analyzer
from complaint_radar.services.analysis.filters import make_scope
from complaint_radar.services.analysis.metrics import metric_frame
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.backfill import backfill
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.settings import Settings
from complaint_radar.store import (
    Message,
    MessageCause,
    RiskProfileSnapshot,
    make_engine,
    make_session_factory,
)

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]
ROW = {
    "message_id": "m1",
    "customer_id": "c1",
    "occurred_at": "2026-09-30T23:30:00+08:00",
    "channel": "chat",
    "text": "快递十天了还没到,联系138 1234 5678也没人管!",
    "product": "X手机",
    "branch": "B1",
    "tenure_days": "365",
    "new_or_returning": "Returning",
    "attributes": '{"region": "east"}',
}


def test_message_dimensions_are_columns_and_causes_are_rows(db_url: str, analyzer: Analyzer) -> None:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    ingestor = Ingestor(sessions, Assessor(analyzer), settings=Settings())
    result = ingestor.ingest_messages([ROW, {**ROW, "message_id": "m2", "tenure_days": "-3"}, ROW])
    assert result.new == 1 and result.duplicates == 1 and "tenure_days" in result.problems[0].reason
    with sessions() as session:
        stored = session.scalars(select(Message)).one()
        assert (
            stored.product,
            stored.branch,
            stored.region,
            stored.tenure_days,
            stored.new_or_returning,
        ) == ("X手机", "B1", "east", 365, "returning")
        assert stored.day == date(2026, 9, 30) and stored.severity_weight in (1, 2, 3, 4)
        assert "138****5678" in stored.text
        causes = session.scalars(select(MessageCause.cause).where(MessageCause.message_id == stored.id)).all()
        assert "delivery_logistics" in causes
    engine.dispose()


def test_metrics_file_is_upserted_and_read_at_the_level_of_the_filters(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "metrics.csv"
    pd.DataFrame(
        [
            {"date": "2026-09-01", "metric": "orders", "value": 100, "product": "A"},
            {"date": "2026-09-01", "metric": "orders", "value": 50, "product": "B"},
            {"date": "2026-09-01", "metric": "orders", "value": -1, "product": "C"},
            {"date": "not a day", "metric": "orders", "value": 1, "product": "C"},
        ]
    ).to_csv(path, index=False)
    for _ in range(2):
        done = subprocess.run(
            [*CLI, "ingest", str(path), "--kind", "metrics", "--database-url", db_url, "-q"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "2 stored, 2 invalid" in done.stderr and "line 4" in done.stderr
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        total = metric_frame(session, "orders", make_scope("2026-09-01", "2026-09-01"))
        one = metric_frame(session, "orders", make_scope("2026-09-01", "2026-09-01", {"product": ["B"]}))
        by_cause = metric_frame(
            session, "orders", make_scope("2026-09-01", "2026-09-01", {"cause": ["waiting_time"]})
        )
    engine.dispose()
    assert total["value"].tolist() == [150.0] and one["value"].tolist() == [50.0] and by_cause.empty


def test_bulk_backfill_stores_once_and_profiles_each_customer_once(db_url: str, analyzer: Analyzer) -> None:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    rows = [{**ROW, "message_id": f"m{i}", "customer_id": f"c{i % 3}"} for i in range(9)]
    events = [
        {
            "event_id": "e1",
            "customer_id": "c0",
            "occurred_at": "2026-09-29T10:00:00+08:00",
            "kind": "purchase",
            "value": 12,
        }
    ]
    first = backfill(sessions, Assessor(analyzer), rows, events, settings=Settings(), batch=4)
    again = backfill(sessions, Assessor(analyzer), rows, events, settings=Settings(), batch=4)
    assert (first.new, first.profiles) == (10, 3) and again.new == 0 and again.duplicates == 10
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 9
        assert session.scalar(select(func.count()).select_from(RiskProfileSnapshot)) == 3
    engine.dispose()


def test_outreach_lists_rising_customers_without_open_case_or_recent_agent_contact(db_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from complaint_radar.services.analysis.outreach import outreach_queue
    from complaint_radar.store import Case, NewMessage, ensure_customers, insert_messages

    now = datetime(2026, 11, 16, 2, tzinfo=UTC)
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)

    def snapshot(
        customer: str, score: int, level: str, trend: str, at: datetime, p7: float | None = None
    ) -> RiskProfileSnapshot:
        profile = {
            "trend_delta": 9,
            "reasons": [
                {"code": "csat_drop", "reason_zh": "满意度下降", "reason_en": "CSAT drop", "evidence": []}
            ],
            "next_action": {"opener_id": "op_followup"},
        }
        return RiskProfileSnapshot(
            customer_id=customer,
            computed_at=at,
            risk_score=score,
            risk_level=level,
            stage="latent_grumble",
            trend=trend,
            predicted_form="silent_churn",
            recommended_action="proactive_outreach",
            reasons=[],
            profile=profile,
            complaint_probability_7d=p7,
        )

    with sessions.begin() as session:
        customers = ["ok", "likelier", "unknown_p", "old_rising", "falling", "has_case", "contacted", "low"]
        ensure_customers(session, customers)
        session.add_all(
            [
                snapshot("ok", 55, "medium", "rising", now, 0.12),
                snapshot("likelier", 52, "medium", "rising", now, 0.31),  # lower risk, likelier to file
                snapshot("unknown_p", 95, "critical", "rising", now),  # scored before the 7-day model
                snapshot("old_rising", 90, "critical", "rising", now - timedelta(days=3)),
                snapshot("old_rising", 20, "low", "falling", now),
                snapshot("falling", 70, "high", "falling", now),
                snapshot("has_case", 80, "high", "rising", now),
                snapshot("contacted", 75, "high", "rising", now),
                snapshot("low", 20, "low", "rising", now),
            ]
        )
        session.add(
            Case(
                id="k1",
                case_number="CR-2026-000001",
                customer_id="has_case",
                state="in_progress",
                severity="high",
                tier="l1_agent",
                opened_at=now,
                due={},
                paused_seconds=0,
                contact_count=1,
                causes=[],
                demands=[],
                attributes={},
            )
        )
        insert_messages(
            session,
            [
                NewMessage(
                    "chat",
                    "a1",
                    "chat",
                    "您好，我们回访一下",
                    now - timedelta(days=2),
                    customer_id="contacted",
                    speaker="agent",
                )
            ],
        )
    with sessions() as session:
        queue = outreach_queue(session, now, contact_days=7)
    engine.dispose()
    assert [q["customer_id"] for q in queue] == ["likelier", "ok", "unknown_p"]
    assert queue[0]["complaint_probability_7d"] == 0.31
    assert queue[1]["reason"]["code"] == "csat_drop" and queue[1]["opener"]["zh"].startswith("您好")
