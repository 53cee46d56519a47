"""Operational metrics over the store (SPEC.md §7.10): counts in SQL, ratios in `analysis.operations`.

- potential→formal conversion: customers with a potential complaint in the period, and those of them
  whose formal complaint followed within `CONVERSION_DAYS` (the pre-identification success measure:
  lower is better);
- cases resolved in the period: SLA (resolve milestone met), first-contact resolution, reopen rate,
  hours to resolve;
- repurchase / churn: customers with a complaint in the period whose `FOLLOW_DAYS` after it have passed
  by `as_of`, from `purchase` events before and after;
- high-risk contacts per agent per day: messages at risk high or critical per agent and day worked.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Integer, String, case, func, select, type_coerce
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from complaint_radar.analysis.operations import AgentDays, operations_block
from complaint_radar.cases import load_sla_config, sla_status
from complaint_radar.cases.model import Milestone, SlaState
from complaint_radar.services.analysis.cube import StoreCube, scope_conditions
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.cases.records import case_from_row
from complaint_radar.settings import Settings
from complaint_radar.store import Case, Event, Message
from complaint_radar.store.analysis_rows import local_day
from complaint_radar.store.models import COMPLAINT_STAGES_SQL

CONVERSION_DAYS = 30
FOLLOW_DAYS = 90
_M = Message.__table__
_E = Event.__table__


def operations_section(
    session: Session,
    scope: Scope,
    as_of: date,
    *,
    complaints: int,
    exposure: float | None,
    settings: Settings,
) -> dict[str, Any]:
    potential, converted = _conversion(session, scope)
    return operations_block(
        complaints=complaints,
        exposure=exposure,
        potential_customers=potential,
        converted_customers=converted,
        cases=_resolved_cases(session, scope, settings),
        complainants=_complainants(session, scope, as_of),
        agent_days=_agent_days(session, scope),
    )


def _conversion(session: Session, scope: Scope) -> tuple[int, int]:
    # Date arithmetic differs between SQLite and PostgreSQL; complaint messages are few, so pair them here.
    # The times come as the database gives them (SQLite: fixed-width UTC text) and are parsed as one
    # column: tens of thousands of rows at a million messages, per-row conversion would dominate.
    widened = scope.shifted(scope.start, scope.end + timedelta(days=CONVERSION_DAYS + 1))
    in_period = type_coerce(_M.c.day <= scope.end, Integer)
    statement = select(_M.c.customer_id, type_coerce(_M.c.occurred_at, String), _M.c.stage, in_period).where(
        *scope_conditions(widened, day_indexes_only=True),
        sql_text(COMPLAINT_STAGES_SQL),  # word for word: so the partial index of these messages applies
        _M.c.customer_id.is_not(None),
    )
    rows = [tuple(r) for r in session.execute(statement)]  # plain tuples: pandas probes Row objects slowly
    frame = pd.DataFrame.from_records(rows, columns=["customer_id", "at", "stage", "in_period"])
    if frame.empty:
        return 0, 0
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    potential = frame[(frame["stage"] == "potential_complaint") & frame["in_period"].astype(bool)]
    first = potential.groupby("customer_id")["at"].min().rename("first_at")
    formal = frame[frame["stage"] == "formal_complaint"].join(first, on="customer_id", how="inner")
    gap = formal["at"] - formal["first_at"]
    within = (gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=CONVERSION_DAYS))
    converted = int(formal.loc[within, "customer_id"].nunique())
    return len(first), converted


def _resolved_cases(session: Session, scope: Scope, settings: Settings) -> pd.DataFrame:
    # Resolved-in-period cases are few next to messages; the SLA clocks need the domain case anyway.
    start = _utc_start(scope.start - timedelta(days=1))
    end = _utc_start(scope.end + timedelta(days=2))
    statement = select(Case).where(Case.resolved_at >= start, Case.resolved_at < end)
    if "team" in scope.filters:
        statement = statement.where(Case.team.in_(scope.filters["team"]))
    if "channel" in scope.filters:
        statement = statement.where(Case.channel.in_(scope.filters["channel"]))
    config = load_sla_config(settings.sla_file)
    rows = []
    for row in session.scalars(statement):
        if row.resolved_at is None or not scope.start <= local_day(row.resolved_at) <= scope.end:
            continue
        case = case_from_row(row)
        resolve = next(
            (c for c in sla_status(case, row.resolved_at, config) if c.milestone is Milestone.RESOLVE), None
        )
        met = resolve is None or resolve.state is not SlaState.BREACHED
        met = met and not any(
            m.milestone is Milestone.RESOLVE and m.state is SlaState.BREACHED for m in case.sla_marks
        )
        rows.append(
            {
                "hours_to_resolve": (row.resolved_at - row.opened_at).total_seconds() / 3600.0,
                "resolve_met": met,
                "contact_count": row.contact_count,
                "reopen_count": case.reopen_count,
            }
        )
    return pd.DataFrame(rows, columns=["hours_to_resolve", "resolve_met", "contact_count", "reopen_count"])


def _complainants(session: Session, scope: Scope, as_of: date) -> pd.DataFrame:
    empty = pd.DataFrame({"bought_before": pd.Series(dtype=bool), "bought_after": pd.Series(dtype=bool)})
    last_day = min(scope.end, as_of - timedelta(days=FOLLOW_DAYS))
    if last_day < scope.start:
        return empty
    statement = (
        select(_M.c.customer_id, func.min(_M.c.occurred_at))
        .where(
            *scope_conditions(scope.shifted(scope.start, last_day), day_indexes_only=True),
            sql_text(COMPLAINT_STAGES_SQL),  # word for word: so the partial index of these messages applies
            _M.c.customer_id.is_not(None),
        )
        .group_by(_M.c.customer_id)
    )
    first = dict(session.execute(statement).all())
    if not first:
        return empty
    window = timedelta(days=FOLLOW_DAYS)
    purchases: dict[str, list[Any]] = {}
    customers = sorted(first)
    for i in range(0, len(customers), 1000):
        chunk = customers[i : i + 1000]
        rows = session.execute(
            select(_E.c.customer_id, _E.c.occurred_at).where(
                _E.c.kind == "purchase",
                _E.c.customer_id.in_(chunk),
                _E.c.day >= scope.start - window - timedelta(days=1),
                _E.c.day <= last_day + window + timedelta(days=1),
            )
        )
        for customer, at in rows:
            purchases.setdefault(customer, []).append(at)
    rows_out = []
    for customer, at in first.items():
        times = purchases.get(customer, [])
        rows_out.append(
            (any(at - window <= t < at for t in times), any(at < t <= at + window for t in times))
        )
    return pd.DataFrame(rows_out, columns=["bought_before", "bought_after"]).astype(bool)


def _agent_days(session: Session, scope: Scope) -> AgentDays:
    """The agent-days worked (an agent with any assessed message that day) and the messages at risk high
    or critical among them, summed in the database: the groups (agents × days × levels, ~70,000 over a
    quarter of 200 agents) never come back to Python."""
    counts = StoreCube(session).message_count_query(scope, ["agent_id", "day", "risk_level"]).subquery()
    high = case((counts.c.risk_level.in_(("high", "critical")), counts.c.messages), else_=0)
    per_day = (
        select(func.sum(high).label("high_risk"))
        .where(counts.c.agent_id.is_not(None))
        .group_by(counts.c.agent_id, counts.c.day)
        .subquery()
    )
    days, high_risk = session.execute(select(func.count(), func.sum(per_day.c.high_risk))).one()
    return AgentDays(days=int(days), high_risk=int(high_risk or 0))


def _utc_start(day: date) -> Any:
    from datetime import UTC, datetime

    return datetime(day.year, day.month, day.day, tzinfo=UTC)
