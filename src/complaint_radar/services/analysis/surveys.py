"""Survey answers from the store for the satisfaction and SERVQUAL sections (SPEC.md §7.7, §7.8).

CSAT and NPS are `survey_csat` / `survey_nps` events; response rates need the metrics `csat_surveys_sent`
/ `nps_surveys_sent`. Post-resolution CSAT is each followed-up case's answer, by case team and cause
(confirmed causes when resolved, else predicted ones). SERVQUAL answers are `survey_servqual` events.
Events have dimensions but no channel, stage or cause: those filters do not narrow surveys.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from complaint_radar.analysis.calendar import Granularity
from complaint_radar.analysis.satisfaction import csat_summary, nps_summary, post_resolution
from complaint_radar.analysis.servqual import check_answer, servqual_gaps
from complaint_radar.errors import InputError
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.analysis.metrics import metric_frame
from complaint_radar.store import Case, Event
from complaint_radar.store.analysis_rows import DIMENSIONS, local_day

_E = Event.__table__


def _event_filter(scope: Scope, kind: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        _E.c.kind == kind,
        _E.c.day >= scope.start,
        _E.c.day <= scope.end,
    ]
    for name, values in scope.filters.items():
        if name in DIMENSIONS or name == "new_or_returning":
            conditions.append(_E.c[name].in_(values))
    return conditions


def _answers(session: Session, scope: Scope, kind: str) -> pd.DataFrame:
    rows = session.execute(select(_E.c.day, _E.c.value_num).where(*_event_filter(scope, kind))).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["day", "value"]).dropna()


def _sent(session: Session, scope: Scope, metric: str) -> float | None:
    frame = metric_frame(session, metric, scope.without("channel", "stage", "risk_level", "cause"))
    return None if frame.empty else float(frame["value"].sum())


def satisfaction_section(session: Session, scope: Scope, granularity: Granularity) -> dict[str, Any]:
    return {
        "csat": csat_summary(
            _answers(session, scope, "survey_csat"), granularity, _sent(session, scope, "csat_surveys_sent")
        ),
        "nps": nps_summary(
            _answers(session, scope, "survey_nps"), granularity, _sent(session, scope, "nps_surveys_sent")
        ),
        "post_resolution_csat": post_resolution(_post_resolution_answers(session, scope)),
    }


def _post_resolution_answers(session: Session, scope: Scope) -> pd.DataFrame:
    statement = select(Case.team, Case.causes, Case.resolution, Case.follow_up, Case.resolved_at).where(
        Case.follow_up.is_not(None), Case.resolved_at.is_not(None)
    )
    if "team" in scope.filters:
        statement = statement.where(Case.team.in_(scope.filters["team"]))
    rows = []
    for team, causes, resolution, follow_up, resolved_at in session.execute(statement):
        csat = (follow_up or {}).get("csat")
        if csat is None or not scope.start <= local_day(resolved_at) <= scope.end:
            continue
        confirmed = (resolution or {}).get("confirmed_causes") or []
        rows.append({"team": team, "causes": list(confirmed or causes or []), "csat": float(csat)})
    return pd.DataFrame(rows, columns=["team", "causes", "csat"])


def servqual_section(session: Session, scope: Scope, cause_counts: dict[str, float]) -> dict[str, Any]:
    rows = session.execute(select(_E.c.attributes).where(*_event_filter(scope, "survey_servqual"))).all()
    answers = []
    for (attributes,) in rows:
        try:
            item, dimension, expectation, perception, importance = check_answer(
                attributes.get("item"),
                attributes.get("dimension"),
                attributes.get("expectation"),
                attributes.get("perception"),
                attributes.get("importance"),
            )
        except InputError:
            continue  # stored before the check existed, or from another schema: not a usable answer
        answers.append((item, dimension, expectation, perception, importance))
    frame = pd.DataFrame(answers, columns=["item", "dimension", "expectation", "perception", "importance"])
    return servqual_gaps(frame, cause_counts)
