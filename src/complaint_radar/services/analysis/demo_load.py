"""The analysis part of `complaint-radar demo`: load the seeded half-year history into the store, analyse it.

The history (`complaint_radar.demo.history`) goes in through the real ingestion checks and masking, by
the bulk backfill (assess in batches, store, one profile per customer); metrics by upsert; its
improvement actions are created once (by title). Loading again stores nothing new, so `make demo` can
run any number of times. The store is the configured database (SQLite under `data_dir` by default),
where the dashboard reads it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import select

from complaint_radar.analysis.pareto import Weighting
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.services.analysis.filters import make_scope
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.backfill import backfill
from complaint_radar.services.runtime import unit_of_work
from complaint_radar.store import ImprovementAction

DEMO_SOURCE = "demo"


class DemoHistory(Protocol):
    """What the demo history generator provides."""

    messages: pd.DataFrame
    events: pd.DataFrame
    metrics: pd.DataFrame
    actions: Sequence[Mapping[str, Any]]
    as_of: date


@dataclass(frozen=True, slots=True)
class DemoLoad:
    rows: int
    new: int
    profiles: int
    metrics: int
    actions_created: int
    seconds: float


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def load_demo_history(desk: AnalysisDesk, assessor: Assessor, history: DemoHistory) -> DemoLoad:
    started = time.perf_counter()
    loaded = backfill(
        desk.sessions,
        assessor,
        _records(history.messages),
        _records(history.events),
        settings=desk.settings,
        source=DEMO_SOURCE,
    )
    stored, _ = desk.ingest_metrics(_records(history.metrics))
    with unit_of_work(desk.sessions) as session:
        titles = set(session.scalars(select(ImprovementAction.title)))
    created = 0
    for action in history.actions:
        if action["title"] not in titles:
            desk.create_action(dict(action), actor="demo", role=None)
            created += 1
    return DemoLoad(loaded.rows, loaded.new, loaded.profiles, stored, created, time.perf_counter() - started)


def demo_analysis(desk: AnalysisDesk, as_of: date, days: int = 91) -> dict[str, Any]:
    """The report of the last `days` up to `as_of` (issues detected as of `as_of` first)."""
    scope = make_scope(as_of - timedelta(days=days - 1), as_of)
    return desk.report(scope, as_of=as_of, weighting=Weighting.COUNT)
