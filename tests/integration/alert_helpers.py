"""Helpers for the alerting tests: a rules file pointing at a loopback receiver, and the running stack."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.pool import NullPool

from complaint_radar import Analyzer
from complaint_radar.services.alerts.alerting import Alerting
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import Alert, AlertDelivery, make_engine, make_session_factory, session_scope

SECRET = "s3cret"
THREAT = "三天了还没人回复,再不处理我就去消协投诉!"
CALM = "请问周末几点开门?"
T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
FAST_DELIVERY: dict[str, Any] = {
    "alert_retry_base_s": 0.05,
    "alert_retry_cap_s": 0.2,
    "alert_delivery_poll_s": 0.05,
}

CONTRACT_RULES = """\
webhooks:
  - {{name: ops, url: "{url}", secret: "{secret}"}}
rules:
  - {{name: about-to-complain, when: {{stage_at_least: potential_complaint}}, notify: [ops],
     cooldown_minutes: 60}}
  - {{name: regulator, when: {{cue_any: [regulator_threat, external_complaint_filed]}}, notify: [ops]}}
  - {{name: risky-customer, when: {{customer_risk_at_least: high}}, notify: [ops]}}
"""


def write_rules(directory: Path, url: str, text: str = CONTRACT_RULES, secret: str = SECRET) -> Path:
    path = directory / "rules.yaml"
    path.write_text(text.format(url=url, secret=secret), encoding="utf-8")
    return path


def message(
    message_id: str, text: str = THREAT, customer: str = "c1", minute: int = 0, **extra: str
) -> dict[str, str]:
    at = (T0 - timedelta(hours=1) + timedelta(minutes=minute)).isoformat()
    return {"message_id": message_id, "customer_id": customer, "occurred_at": at, "text": text, **extra}


class FrozenClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Stack:
    sessions: SessionFactory
    alerting: Alerting
    ingestor: Ingestor
    clock: FrozenClock

    def alerts(self) -> list[Alert]:
        with session_scope(self.sessions) as session:
            return list(session.scalars(select(Alert).order_by(Alert.id)))

    def deliveries(self) -> list[AlertDelivery]:
        with session_scope(self.sessions) as session:
            return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))

    def settled(self, timeout_s: float = 20.0) -> list[AlertDelivery]:
        """The deliveries once none is pending any more (their outcome is recorded after the send)."""
        deadline = time.monotonic() + timeout_s
        while True:
            deliveries = self.deliveries()
            if all(d.status != "pending" for d in deliveries) or time.monotonic() > deadline:
                return deliveries
            time.sleep(0.05)


@contextmanager
def alerting_stack(
    db_url: str, analyzer: Analyzer, rules: Path | None, *, deliver: bool = True, **settings: Any
) -> Iterator[Stack]:
    """Ingestion with alerting over `db_url` (frozen clock at T0); delivery runs unless `deliver` is False."""
    engine = make_engine(db_url, poolclass=NullPool)
    sessions = make_session_factory(engine)
    config = Settings(**{**FAST_DELIVERY, **settings})
    alerting = Alerting(config, rules)
    clock = FrozenClock()
    alerting.start(sessions, deliver=deliver)
    ingestor = Ingestor(sessions, Assessor(analyzer), settings=config, clock=clock, observer=alerting.engine)
    try:
        yield Stack(sessions, alerting, ingestor, clock)
    finally:
        alerting.stop()
        engine.dispose()
