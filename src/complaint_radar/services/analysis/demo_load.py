"""The analysis part of `complaint-radar demo`: load the seeded half-year history into the store, analyse it.

The history (`complaint_radar.demo.history`) goes in through the real ingestion checks and masking, by
the bulk backfill (assess in batches, store, one profile per customer); metrics by upsert; its
improvement actions are created once (by title). Loading again stores nothing new, so `make demo` can
run any number of times. The store is the configured database (SQLite under `data_dir` by default),
where the dashboard reads it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

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
    """What the demo history generator (`complaint_radar.demo.history`) provides: rows as dicts."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    as_of: date


@dataclass(frozen=True, slots=True)
class DemoLoad:
    rows: int
    new: int
    profiles: int
    metrics: int
    actions_created: int
    seconds: float


_STATUS = {"done": "completed", "running": "in_progress"}


def action_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The generator's action spec as `create_action` fields (filters as lists, its root cause as the
    description; the evaluation window follows from the baseline and the ramp-up)."""
    filters = {
        k: [v] if isinstance(v, str) else list(v) for k, v in (spec.get("target_filters") or {}).items()
    }
    fields = {
        k: spec.get(k)
        for k in (
            "title",
            "type",
            "owner",
            "start_date",
            "ramp_up_days",
            "baseline_start",
            "baseline_end",
            "target_metric",
            "target_value",
            "fishbone_category",
        )
    }
    status = spec.get("status") or "planned"
    return {
        **fields,
        "filters": filters,
        "description": spec.get("root_cause"),
        "status": _STATUS.get(status, status),
    }


def load_demo_history(desk: AnalysisDesk, assessor: Assessor, history: DemoHistory) -> DemoLoad:
    started = time.perf_counter()
    loaded = backfill(
        desk.sessions,
        assessor,
        history.messages,
        history.events,
        settings=desk.settings,
        source=DEMO_SOURCE,
    )
    stored, _ = desk.ingest_metrics(history.metrics)
    with unit_of_work(desk.sessions) as session:
        titles = set(session.scalars(select(ImprovementAction.title)))
    created = 0
    for action in history.actions:
        if action["title"] not in titles:
            desk.create_action(action_fields(action), actor="demo", role=None)
            created += 1
    return DemoLoad(loaded.rows, loaded.new, loaded.profiles, stored, created, time.perf_counter() - started)


SCHEDULE_DAYS = 21


def demo_analysis(desk: AnalysisDesk, as_of: date, days: int = 91) -> dict[str, Any]:
    """The report of the last `days` up to `as_of`, after running detection as of each of the last
    `SCHEDULE_DAYS` days (what the server's daily schedule would have stored while the history came in)."""
    desk.detect_issues(as_of, as_of - timedelta(days=SCHEDULE_DAYS - 1))
    scope = make_scope(as_of - timedelta(days=days - 1), as_of)
    return desk.report(scope, as_of=as_of, weighting=Weighting.COUNT, detect=False)
