"""A populated store for a first look at the dashboard: the bundled demo messages, ingested in time order
as of their own times (profiles, cases and SLA clocks as they would have been), when the store is empty."""

from __future__ import annotations

from sqlalchemy import exists, select

from complaint_radar.demo import load_demo_messages
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import BatchResult, Ingestor
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import Message, session_scope

DEMO_SOURCE = "demo"


def store_is_empty(sessions: SessionFactory) -> bool:
    with session_scope(sessions) as session:
        return not session.scalar(select(exists().where(Message.id.is_not(None))))


def load_demo_store(sessions: SessionFactory, assessor: Assessor, settings: Settings) -> BatchResult | None:
    """Ingest the demo history into an empty store; None (and nothing done) when it holds messages."""
    if not store_is_empty(sessions):
        return None
    ingestor = Ingestor(sessions, assessor, settings=settings, item_time=True, source=DEMO_SOURCE)
    return ingestor.ingest_messages(load_demo_messages())
