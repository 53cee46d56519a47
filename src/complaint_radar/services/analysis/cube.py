"""The daily cube over the store: GROUP BY in the database (SQLite or PostgreSQL), small frames out.

Two grains (docs/analysis.md): messages (`day, channel, stage, risk_level, <dimensions>` → `messages`,
`weighted`) and causes (the same plus `cause` → `messages` counted per message × cause). Every query
takes a `Scope` and the columns to group by, so only the rollup asked for leaves the database. Only
assessed customer turns count (agent and system turns are never scored).

A count that the stored daily rollups can give (`store.rollups`: at most one dimension among the
columns grouped and filtered by, or two of product, branch, region and segment with only the day, channel
and stage besides; at most one cause filtered on when messages are counted) sums them; any other scans
the messages. Both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Table,
    and_,
    cast,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from complaint_radar.services.analysis.filters import Scope
from complaint_radar.store import Message, MessageCause
from complaint_radar.store.analysis_rows import DIMENSIONS
from complaint_radar.store.rollups import CAUSE_ROLLUPS, MESSAGE_ROLLUPS, grain_for

MESSAGE_GROUPS: tuple[str, ...] = ("day", "channel", "stage", "risk_level", *DIMENSIONS, "new_or_returning")
ITEM_COLUMNS: tuple[str, ...] = ("item_id", "day", "cause", "channel", "stage", "risk_level", *DIMENSIONS)


class CubeSource(Protocol):
    """Where aggregated frames come from: the store (SQL) or a Parquet export (DuckDB)."""

    def message_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        """`by` columns + `messages`, `weighted` (sum of severity weights)."""

    def cause_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        """`by` columns (may include `cause`) + `messages`, `weighted`, one count per message × cause."""

    def items(self, scope: Scope) -> pd.DataFrame:
        """One row per message × cause of the scope (`ITEM_COLUMNS`), for the emerging-issue detector."""

    def daily_volume(self, scope: Scope) -> pd.DataFrame:
        """`day, messages`: all assessed customer messages per day (the detector's exposure)."""

    def example_texts(self, item_ids: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        """`message_id, occurred_at, channel, text` by item id."""

    def unexplained(self, scope: Scope, limit: int) -> pd.DataFrame:
        """`item_id, day, text` of dissatisfied messages with no cause (or only `other`), newest first."""


_M = Message.__table__
_C = MessageCause.__table__


def scope_conditions(
    scope: Scope, *, skip_cause: bool = False, day_indexes_only: bool = False
) -> list[ColumnElement[bool]]:
    """The messages an analysis of `scope` counts (assessed customer turns of its days and dimensions);
    the dashboard's drill-down lists the same ones. With `day_indexes_only`, the dimension filters are
    written so that no index of a dimension can serve them (`region || ''`): a query of complaint-stage
    messages then reads the small partial index of those, which holds every dimension, instead of
    walking all of a region's messages (SQLite's planner prefers the dimension's index)."""
    conditions: list[ColumnElement[bool]] = [
        _M.c.day >= scope.start,
        _M.c.day <= scope.end,
        _M.c.speaker == "customer",
        _M.c.stage.is_not(None),
    ]
    for name, values in scope.filters.items():
        if name == "cause":
            if not skip_cause:
                conditions.append(exists().where(and_(_C.c.message_id == _M.c.id, _C.c.cause.in_(values))))
        else:
            column: ColumnElement[Any] = _M.c[name]
            conditions.append((_unindexed(column) if day_indexes_only else column).in_(values))
    return conditions


def _unindexed(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column || ''`: the same text, which no index of the column can serve."""
    return column.op("||")(literal_column("''"))


def _grouped(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A column to GROUP BY in a scan. A dimension is grouped as `agent_id || ''`: grouped plainly, SQLite's
    planner walks that dimension's index to save a sort and reads every row of the period through it (3 s
    instead of 0.3 s at a million messages); the expression leaves it the index the filters call for."""
    return _unindexed(column).label(column.name) if column.name in DIMENSIONS else column


def _frame(session: Session, statement: Select[Any], columns: Sequence[str]) -> pd.DataFrame:
    rows = session.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(columns))
    for name in ("messages", "weighted"):
        if name in frame:
            frame[name] = pd.to_numeric(frame[name]).fillna(0)
    if "messages" in frame:
        frame["messages"] = frame["messages"].astype("int64")
    return frame


def rollup_counts(session: Session, scope: Scope, by: Sequence[str], *, causes: bool) -> pd.DataFrame | None:
    """`message_counts` (or with `causes`, `cause_counts`) summed from the rollups; None when no
    rollup grain keeps every column grouped and filtered by (the caller scans the messages)."""
    statement = rollup_statement(scope, by, causes=causes)
    return None if statement is None else _frame(session, statement, [*by, "messages", "weighted"])


def rollup_statement(scope: Scope, by: Sequence[str], *, causes: bool) -> Select[Any] | None:
    """The query behind `rollup_counts`: columns `by`, `messages` and `weighted`."""
    if not causes and "cause" in by:
        return None
    filters = dict(scope.filters)
    cause_filter = filters.pop("cause", None)
    table: Table = CAUSE_ROLLUPS if causes else MESSAGE_ROLLUPS
    if not causes and cause_filter is not None:
        if len(cause_filter) != 1:
            return None  # a message with two of the causes would count twice
        table = CAUSE_ROLLUPS  # messages with cause c = message × cause pairs of c
    grain = grain_for([*by, *filters], causes=table is CAUSE_ROLLUPS)
    if grain is None:
        return None

    def column(name: str) -> ColumnElement[Any]:
        return table.c[grain.value_column(name)] if name in grain.dimensions else table.c[name]

    def shown(name: str) -> ColumnElement[Any]:  # '' (missing) back to NULL, as a scan gives it
        return column(name) if name == "day" else func.nullif(column(name), literal_column("''"))

    conditions = [table.c.grain == grain.name, table.c.day >= scope.start, table.c.day <= scope.end]
    conditions += [column(name).in_(values) for name, values in filters.items()]
    if cause_filter is not None:
        conditions.append(table.c.cause.in_(cause_filter))
    groups = [shown(name).label(name) for name in by]
    total = func.sum(table.c.messages)
    weighted = cast(func.sum(table.c.weighted), BigInteger)  # PostgreSQL sums bigints as numeric
    return (
        select(*groups, cast(total, BigInteger).label("messages"), weighted.label("weighted"))
        .where(*conditions)
        .group_by(*groups)
        .having(total > 0)
    )


class StoreCube:
    """`CubeSource` over the database of `session`; with `rollups` False, every count scans messages."""

    def __init__(self, session: Session, *, rollups: bool = True) -> None:
        self.session = session
        self.rollups = rollups

    def message_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        return _frame(self.session, self.message_count_query(scope, by), [*by, "messages", "weighted"])

    def message_count_query(self, scope: Scope, by: Sequence[str]) -> Select[Any]:
        """The query behind `message_counts` (from the rollups where a grain serves it), for callers that
        aggregate it further in the database instead of reading every group."""
        if self.rollups and (found := rollup_statement(scope, by, causes=False)) is not None:
            return found
        groups = [_grouped(_M.c[name]) for name in by]
        return (
            select(*groups, func.count().label("messages"), func.sum(_M.c.severity_weight).label("weighted"))
            .where(*scope_conditions(scope))
            .group_by(*groups)
        )

    def cause_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        if self.rollups and (found := rollup_counts(self.session, scope, by, causes=True)) is not None:
            return found
        groups = [_C.c.cause if name == "cause" else _grouped(_M.c[name]) for name in by]
        conditions = scope_conditions(scope, skip_cause=True)
        if "cause" in scope.filters:
            conditions.append(_C.c.cause.in_(scope.filters["cause"]))
        statement = (
            select(*groups, func.count().label("messages"), func.sum(_M.c.severity_weight).label("weighted"))
            .select_from(_C.join(_M, _M.c.id == _C.c.message_id))
            .where(_C.c.day >= scope.start, _C.c.day <= scope.end, *conditions)
            .group_by(*groups)
        )
        return _frame(self.session, statement, [*by, "messages", "weighted"])

    def items(self, scope: Scope) -> pd.DataFrame:
        columns = [_M.c.id.label("item_id"), _C.c.day, _C.c.cause] + [_M.c[n] for n in ITEM_COLUMNS[3:]]
        conditions = scope_conditions(scope, skip_cause=True)
        if "cause" in scope.filters:
            conditions.append(_C.c.cause.in_(scope.filters["cause"]))
        statement = (
            select(*columns)
            .select_from(_C.join(_M, _M.c.id == _C.c.message_id))
            .where(_C.c.day >= scope.start, _C.c.day <= scope.end, *conditions)
        )
        return _frame(self.session, statement, ITEM_COLUMNS)

    def daily_volume(self, scope: Scope) -> pd.DataFrame:
        if self.rollups and (found := rollup_counts(self.session, scope, ["day"], causes=False)) is not None:
            return found[["day", "messages"]]
        statement = (
            select(_M.c.day, func.count().label("messages"))
            .where(*scope_conditions(scope))
            .group_by(_M.c.day)
        )
        return _frame(self.session, statement, ["day", "messages"])

    def example_texts(self, item_ids: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        if not item_ids:
            return {}
        statement = select(_M.c.id, _M.c.external_id, _M.c.occurred_at, _M.c.channel, _M.c.text).where(
            _M.c.id.in_([int(i) for i in item_ids])
        )
        return {
            pk: {"message_id": ext, "occurred_at": at.isoformat(), "channel": channel, "text": text}
            for pk, ext, at, channel, text in self.session.execute(statement)
        }

    def unexplained(self, scope: Scope, limit: int) -> pd.DataFrame:
        explained = exists().where(and_(_C.c.message_id == _M.c.id, _C.c.cause != "other"))
        statement = (
            select(_M.c.id, _M.c.day, _M.c.text)
            .where(*scope_conditions(scope), _M.c.stage.in_(DISSATISFIED_STAGES), ~explained)
            .order_by(_M.c.occurred_at.desc())
            .limit(limit)
        )
        return _frame(self.session, statement, ["item_id", "day", "text"])


class RememberingCube:
    """A `CubeSource` that answers a repeated rollup from memory: one report asks for some rollups more
    than once (the Pareto and the SERVQUAL complaint shares both need causes × stage)."""

    def __init__(self, inner: CubeSource) -> None:
        self.inner = inner
        self._memo: dict[tuple[str, str, tuple[str, ...]], pd.DataFrame] = {}

    def _remember(self, kind: str, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        key = (kind, repr(scope), tuple(by))
        if key not in self._memo:
            query = self.inner.message_counts if kind == "messages" else self.inner.cause_counts
            self._memo[key] = query(scope, by)
        return self._memo[key].copy()

    def message_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        return self._remember("messages", scope, by)

    def cause_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        return self._remember("causes", scope, by)

    def items(self, scope: Scope) -> pd.DataFrame:
        return self.inner.items(scope)

    def daily_volume(self, scope: Scope) -> pd.DataFrame:
        return self.inner.daily_volume(scope)

    def example_texts(self, item_ids: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        return self.inner.example_texts(item_ids)

    def unexplained(self, scope: Scope, limit: int) -> pd.DataFrame:
        return self.inner.unexplained(scope, limit)


DISSATISFIED_STAGES: tuple[str, ...] = ("explicit_grumble", "potential_complaint", "formal_complaint")
"""Negative messages whose missing cause makes them worth clustering (a latent grumble is too vague)."""


def as_date(value: Any) -> date:
    """A plain date from a date, a datetime / pandas Timestamp or ISO text."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
