"""A populated store for a first look at the dashboard (`serve --demo`, the browser tests, the benchmark).

Two parts, each loaded once (a part already in the store is skipped, so loading again adds nothing):
the seeded half-year history of `complaint_radar.demo.history` through the bulk backfill, with its
metrics, improvement actions and the emerging issues a daily detection would have stored (what
`make demo` loads); and the bundled demo messages through live ingestion as of their own times, which
opens and works cases, so the case board and the radar have something to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, select

from complaint_radar.demo import load_demo_messages
from complaint_radar.demo.history import generate_demo_history
from complaint_radar.services.analysis.demo_load import DEMO_SOURCE, SCHEDULE_DAYS, load_demo_history
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import Message, session_scope

LIVE_SOURCE = "demo_live"


@dataclass(frozen=True, slots=True)
class DemoStore:
    history_rows: int
    live_messages: int
    cases_opened: int


def holds_source(sessions: SessionFactory, source: str) -> bool:
    with session_scope(sessions) as session:
        return bool(session.scalar(select(exists().where(Message.source == source))))


def load_demo_store(sessions: SessionFactory, assessor: Assessor, settings: Settings) -> DemoStore:
    """Load whichever demo part the store does not hold yet."""
    history_rows = live = opened = 0
    if not holds_source(sessions, DEMO_SOURCE):
        desk = AnalysisDesk(sessions, settings=settings)
        history = generate_demo_history()
        history_rows = load_demo_history(desk, assessor, history).rows
        desk.detect_issues(history.as_of, history.as_of - timedelta(days=SCHEDULE_DAYS - 1))
    if not holds_source(sessions, LIVE_SOURCE):
        ingestor = Ingestor(sessions, assessor, settings=settings, item_time=True, source=LIVE_SOURCE)
        result = ingestor.ingest_messages(load_demo_messages())
        live, opened = result.new, result.cases_opened
    return DemoStore(history_rows, live, opened)
