"""PostgreSQL bulk path: COPY rows into a temp staging table, then INSERT … ON CONFLICT DO NOTHING.

COPY is parsed by the server in C; a multi-row INSERT with thousands of parameters is re-parsed by
psycopg in Python for every batch, which caps it at a few thousand rows per second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg import Connection, sql
from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

from complaint_radar.store.columns import UTCDateTime, as_utc
from complaint_radar.store.db import dump_json


def copy_insert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert `rows` (dicts, same keys), skipping conflicts on `conflict`; the new rows' `returning`."""
    columns = list(rows[0])
    stage = sql.Identifier(f"cr_stage_{table.name}")
    column_list = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    driver: Connection[Any] = session.connection().connection.driver_connection  # type: ignore[assignment]
    with driver.cursor() as cursor:
        # The staging table lives until the transaction ends, so it always matches the current schema.
        cursor.execute(
            sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
            ).format(stage, column_list, sql.Identifier(table.name))
        )
        cursor.execute(sql.SQL("TRUNCATE {}").format(stage))
        plan = [(name, _converter(table, name)) for name in columns]
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, column_list)) as copy:
            for row in rows:
                copy.write_row(
                    [row[name] if convert is None else convert(row[name]) for name, convert in plan]
                )
        cursor.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT ({}) DO NOTHING RETURNING {}").format(
                sql.Identifier(table.name),
                column_list,
                column_list,
                stage,
                sql.SQL(", ").join(sql.Identifier(c) for c in conflict),
                sql.SQL(", ").join(sql.Identifier(c) for c in returning),
            )
        )
        return cursor.fetchall()


def _converter(table: Table, name: str) -> Callable[[Any], Any] | None:
    """What the column's type would have done on bind: JSON to text, datetimes checked and made UTC."""
    column_type = table.c[name].type
    if isinstance(column_type, UTCDateTime):
        return _utc_or_none
    if isinstance(column_type, JSON):
        return _json_or_none
    return None


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else dump_json(value)
