"""Daily rollups of assessed customer messages: the counts the analysis sums instead of scanning messages.

Two tables, one row per grain and key: `message_rollups` (messages and the sum of their severity
weights) and `cause_rollups` (the same per message × distinct cause). A grain keeps the day, some of
`channel, stage, risk_level, new_or_returning`, and at most two dimensions (product, branch …), whose
values go to the `value` and `second_value` columns:

- `all`: day, channel, stage, risk_level, new_or_returning (no dimension) — the smallest;
- `<dimension>`: the dimension, day, channel, stage, risk_level — a view filtered or grouped by it;
- `<dimension>.day` (messages only): the dimension, day, channel — the values a filter offers;
- `<first>+<second>` for each pair of the dashboard's filter dimensions (product, branch, region,
  segment): both, day, channel, stage — a view filtered by two of them at once.

Only assessed customer turns count (agent and system turns are never scored), as in the analysis.
Key columns a grain does not keep, and missing values, are stored as ''.

The rollups are kept by every write of a message's analysis columns (`store.ingest`): a new message adds
its rows in the same transaction, a message already stored adds nothing (so a duplicate never counts
twice), and a re-assessment moves the message from its old key to its new one. `rebuild_rollups`
recomputes them from the messages (after a bulk load that wrote the tables directly, or to repair).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from complaint_radar.store.analysis_rows import DIMENSIONS
from complaint_radar.store.models import CauseRollup, Message, MessageCause, MessageRollup

MISSING = ""
"""How a missing value (and a key column the grain does not keep) is stored."""
KEY_COLUMNS: tuple[str, ...] = ("channel", "stage", "risk_level", "new_or_returning")
"""The columns besides the day and the dimension that a grain may keep."""
MESSAGE_ROLLUPS: Table = MessageRollup.metadata.tables[MessageRollup.__tablename__]
CAUSE_ROLLUPS: Table = CauseRollup.metadata.tables[CauseRollup.__tablename__]
_M: Table = Message.metadata.tables[Message.__tablename__]
_C: Table = MessageCause.metadata.tables[MessageCause.__tablename__]


@dataclass(frozen=True, slots=True)
class Grain:
    name: str
    dimensions: tuple[str, ...]
    """None, one or two dimensions: their values go to `value` and `second_value`."""
    keeps: tuple[str, ...]
    """Of KEY_COLUMNS, those this grain keeps (the day always)."""

    def columns(self) -> frozenset[str]:
        """What a query may group or filter by to be answered from this grain (besides `cause`)."""
        return frozenset({"day", *self.keeps, *self.dimensions})

    def value_column(self, name: str) -> str:
        """The table column that holds dimension `name` in this grain."""
        return VALUE_COLUMNS[self.dimensions.index(name)]


VALUE_COLUMNS: tuple[str, str] = ("value", "second_value")
PAIRED: tuple[str, ...] = ("product", "branch", "region", "segment")
"""The dimensions the dashboard filters by: each pair of them has its own grain."""
PAIRS: tuple[tuple[str, str], ...] = tuple(combinations(PAIRED, 2))
ALL = Grain("all", (), KEY_COLUMNS)
MESSAGE_GRAINS: tuple[Grain, ...] = (
    ALL,
    *(Grain(f"{d}.day", (d,), ("channel",)) for d in DIMENSIONS),
    *(Grain(d, (d,), ("channel", "stage", "risk_level")) for d in DIMENSIONS),
    *(Grain(f"{a}+{b}", (a, b), ("channel", "stage")) for a, b in PAIRS),
)
"""Smallest first: a query is answered from the first grain that keeps every column it needs."""
CAUSE_GRAINS: tuple[Grain, ...] = (
    ALL,
    *(Grain(d, (d,), ("channel", "stage", "risk_level")) for d in DIMENSIONS),
    *(Grain(f"{a}+{b}", (a, b), ("channel", "stage")) for a, b in PAIRS),
)


def grain_for(columns: Iterable[str], *, causes: bool) -> Grain | None:
    """The smallest grain that keeps all of `columns` (`cause` aside), or None (scan the messages)."""
    needed = set(columns) - {"cause"}
    return next((g for g in (CAUSE_GRAINS if causes else MESSAGE_GRAINS) if needed <= g.columns()), None)


Key = tuple[str, date, str, str, str, str, str, str]
"""(grain, day, value, second_value, channel, stage, risk_level, new_or_returning): the key order."""


class RollupDelta:
    """Changes to the rollups from messages added (+1) or taken away (-1), summed per key."""

    def __init__(self) -> None:
        self.messages: dict[Key, list[int]] = {}
        self.causes: dict[tuple[Key, str], list[int]] = {}

    def add(self, message: Mapping[str, Any], causes: Iterable[str], sign: int = 1) -> None:
        """Count one message (a dict of its columns) and its distinct cause codes, if it counts at all."""
        if message.get("speaker") != "customer" or message.get("stage") is None or message.get("day") is None:
            return
        weight = sign * int(message.get("severity_weight") or 0)
        distinct = tuple(dict.fromkeys(causes))
        for grain in MESSAGE_GRAINS:
            _bump(self.messages, _key(grain, message), sign, weight)
        for grain in CAUSE_GRAINS:
            key = _key(grain, message)
            for cause in distinct:
                _bump(self.causes, (key, cause), sign, weight)

    def merge(self, other: RollupDelta) -> None:
        for key, (messages, weighted) in other.messages.items():
            _bump(self.messages, key, messages, weighted)
        for cause_key, (messages, weighted) in other.causes.items():
            _bump(self.causes, cause_key, messages, weighted)

    def apply(self, connection: Connection) -> None:
        """Add the changes to the stored rollups (an upsert per key, in key order so concurrent writers
        lock rows in the same order)."""
        rows = [_row(k, v) for k, v in sorted(self.messages.items()) if v != [0, 0]]
        _upsert(connection, MESSAGE_ROLLUPS, rows)
        cause_rows = [
            {**_row(k, v), "cause": cause} for (k, cause), v in sorted(self.causes.items()) if v != [0, 0]
        ]
        _upsert(connection, CAUSE_ROLLUPS, cause_rows)


def _text(value: Any) -> str:
    return MISSING if value is None else str(value)


def _key(grain: Grain, message: Mapping[str, Any]) -> Key:
    kept = [_text(message.get(c)) if c in grain.keeps else MISSING for c in KEY_COLUMNS]
    values = [_text(message.get(d)) for d in grain.dimensions]
    values += [MISSING] * (len(VALUE_COLUMNS) - len(values))
    return (grain.name, message["day"], values[0], values[1], kept[0], kept[1], kept[2], kept[3])


def _bump(counts: dict[Any, list[int]], key: Any, messages: int, weighted: int) -> None:
    found = counts.setdefault(key, [0, 0])
    found[0] += messages
    found[1] += weighted


def _row(key: Key, counts: list[int]) -> dict[str, Any]:
    grain, day, value, second_value, channel, stage, risk_level, new_or_returning = key
    return {
        "grain": grain,
        "value": value,
        "second_value": second_value,
        "day": day,
        "channel": channel,
        "stage": stage,
        "risk_level": risk_level,
        "new_or_returning": new_or_returning,
        "messages": counts[0],
        "weighted": counts[1],
    }


def _upsert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    insert_ = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert_(table)
    statement = statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={
            "messages": table.c.messages + statement.excluded.messages,
            "weighted": table.c.weighted + statement.excluded.weighted,
        },
    )
    connection.execute(statement, list(rows))


ANALYSIS_READ: tuple[str, ...] = (
    "id",
    "speaker",
    "stage",
    "day",
    "severity_weight",
    "channel",
    "risk_level",
    "new_or_returning",
    *DIMENSIONS,
)
"""The message columns a rollup key is made of."""


def stored_delta(connection: Connection, message_ids: Sequence[int], sign: int) -> RollupDelta:
    """The rollup contribution of stored messages (by row id), times `sign`; in PostgreSQL the rows are
    locked until the transaction ends, so two re-assessments of one message cannot both subtract it."""
    delta = RollupDelta()
    if not message_ids:
        return delta
    statement = select(*(_M.c[c] for c in ANALYSIS_READ)).where(_M.c.id.in_(message_ids))
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update()
    rows = [dict(r._mapping) for r in connection.execute(statement)]
    causes: dict[int, list[str]] = {}
    for pk, cause in connection.execute(
        select(_C.c.message_id, _C.c.cause).where(_C.c.message_id.in_(message_ids))
    ):
        causes.setdefault(pk, []).append(cause)
    for row in rows:
        delta.add(row, causes.get(row["id"], ()), sign)
    return delta


def rebuild_rollups(connection: Connection) -> dict[str, int]:
    """Recompute both rollup tables from the stored messages (in the caller's transaction): rows kept."""
    connection.execute(delete(MESSAGE_ROLLUPS))
    connection.execute(delete(CAUSE_ROLLUPS))
    for table, statement in _recomputed():
        connection.execute(insert(table).from_select(_names(table), statement))
    return {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (MESSAGE_ROLLUPS, CAUSE_ROLLUPS)
    }


def rollup_differences(connection: Connection) -> dict[str, int]:
    """Per table, how many keys hold counts other than the stored messages give (0: the rollups are
    right). Keys whose counts came back to zero (a re-assessment moved their messages) are not wrong."""
    found: dict[str, int] = {}
    for table in (MESSAGE_ROLLUPS, CAUSE_ROLLUPS):
        key = [c.name for c in table.primary_key.columns]
        stored = {
            tuple(r[:-2]): (int(r[-2]), int(r[-1]))
            for r in connection.execute(
                select(*(table.c[k] for k in key), table.c.messages, table.c.weighted).where(
                    (table.c.messages != 0) | (table.c.weighted != 0)
                )
            )
        }
        expected: dict[tuple[Any, ...], tuple[int, int]] = {}
        for target, statement in _recomputed():
            if target is table:
                for r in connection.execute(statement):
                    row = dict(zip(_names(table), r, strict=True))
                    expected[tuple(row[k] for k in key)] = (int(row["messages"]), int(row["weighted"]))
        found[table.name] = sum(
            1 for k in stored.keys() | expected.keys() if stored.get(k) != expected.get(k)
        )
    return found


def _recomputed() -> Iterator[tuple[Table, Select[Any]]]:
    """Per grain, the table and the SELECT of its rows as the stored messages give them."""
    counted = (_M.c.speaker == "customer", _M.c.stage.is_not(None), _M.c.day.is_not(None))
    measures = (func.count(), func.coalesce(func.sum(_M.c.severity_weight), 0))
    for grain in MESSAGE_GRAINS:
        keys, grouped = _grain_select(grain)
        yield MESSAGE_ROLLUPS, select(*keys, *measures).where(*counted).group_by(*grouped)
    for grain in CAUSE_GRAINS:
        keys, grouped = _grain_select(grain)
        yield (
            CAUSE_ROLLUPS,
            select(*keys, _C.c.cause, *measures)
            .select_from(_C.join(_M, _M.c.id == _C.c.message_id))
            .where(*counted)
            .group_by(*grouped, _C.c.cause),
        )


_KEY_NAMES = ("grain", *VALUE_COLUMNS, "day", *KEY_COLUMNS)


def _names(table: Table) -> list[str]:
    """The columns `_recomputed` selects for `table`, in order."""
    return [*_KEY_NAMES, *(("cause",) if table is CAUSE_ROLLUPS else ()), "messages", "weighted"]


def _grain_select(grain: Grain) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]]]:
    """(grain, value, second_value, day and KEY_COLUMNS of a message as the grain stores them; what to
    group by). Constants are inline SQL: PostgreSQL matches grouped expressions by their text, parameters
    included."""
    missing: ColumnElement[Any] = literal_column("''")
    values = [func.coalesce(_M.c[d], missing) for d in grain.dimensions]
    kept = [func.coalesce(_M.c[c], missing) if c in grain.keeps else missing for c in KEY_COLUMNS]
    padded = [*values, *([missing] * (len(VALUE_COLUMNS) - len(values)))]
    keys: list[ColumnElement[Any]] = [literal_column(f"'{grain.name}'"), *padded, _M.c.day, *kept]
    grouped: list[ColumnElement[Any]] = [
        *values,
        _M.c.day,
        *(e for e, c in zip(kept, KEY_COLUMNS, strict=True) if c in grain.keeps),
    ]
    return keys, grouped
