"""PostgreSQL bulk path: COPY rows into a temp staging table, then INSERT … ON CONFLICT DO NOTHING.

COPY is parsed by the server in C; a multi-row INSERT with thousands of parameters is re-parsed by
psycopg in Python for every batch, which caps it at a few thousand rows per second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from psycopg import Connection, sql
from sqlalchemy import Table
from sqlalchemy.orm import Session

from complaint_radar.store.columns import as_utc
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
        with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, column_list)) as copy:
            for row in rows:
                copy.write_row([_copy_value(row[c]) for c in columns])
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


def _copy_value(value: Any) -> Any:
    """What the column types would have bound: JSON text, aware UTC datetimes."""
    if isinstance(value, dict | list):
        return dump_json(value)
    if isinstance(value, datetime):
        return as_utc(value)
    return value
