"""The daily cube of a batch run: message and cause counts by day and dimension, aggregated on the engine.

Each partition also writes its scored rows' facts (day, channel, stage, risk level, causes, dimensions,
severity weight) to `_batch/facts/`; once all are done the engine groups them into two Parquet tables
under the cube directory: `daily_messages/` (MESSAGE_KEYS + messages, weighted) and `daily_causes/`
(CAUSE_KEYS + messages, weighted: one count per message × cause). Beside them, `messages/` holds one row
per scored message in the layout of `export --parquet` (`message_rows`), so `report --source
parquet:CUBE_DIR` reads the run, emerging issues and their example messages included. See docs/batch.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import pyarrow as pa

from complaint_radar.errors import InputError
from complaint_radar.io import Chunk
from complaint_radar.pipeline import SUMMARY_COLUMNS
from complaint_radar.services.rows import is_missing

DIMENSIONS = ("product", "sku", "branch", "region", "team", "agent_id", "segment")
"""Input columns carried into the cube when present (missing ones are null)."""
MESSAGE_KEYS = ("day", "channel", "stage", "risk_level", *DIMENSIONS)
CAUSE_KEYS = ("day", "channel", "stage", "risk_level", "cause", *DIMENSIONS)
MEASURES = ("messages", "weighted")
SEVERITY_WEIGHTS = {"critical": 4, "high": 3, "medium": 2, "low": 1}
"""SPEC.md §7.4: a message weighs by its risk level in `weighted`."""

FACT_SCHEMA = pa.schema(
    [
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("stage", pa.string()),
        ("risk_level", pa.string()),
        ("causes", pa.string()),
        *((name, pa.string()) for name in DIMENSIONS),
        ("weight", pa.int64()),
    ]
)
TABLES = {"daily_messages": MESSAGE_KEYS, "daily_causes": CAUSE_KEYS}


def cube_schema(keys: tuple[str, ...]) -> pa.Schema:
    """The schema every engine writes a cube table in."""
    fields = [pa.field(k, pa.date32() if k == "day" else pa.string()) for k in keys]
    return pa.schema([*fields, pa.field("messages", pa.int64()), pa.field("weighted", pa.int64())])


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"--timezone {name!r} is not an IANA time zone; use e.g. Asia/Shanghai or UTC"
        ) from None


def _as_time(value: Any) -> Any:
    """A time cell parsed when it is ISO 8601 text; None when missing or unreadable text."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return value


def local_day(value: Any, timezone: str) -> date | None:
    """The calendar day of a time cell in `timezone` (naive times are taken as already local); None when
    the cell is missing or not a time."""
    value = _as_time(value)
    if isinstance(value, datetime):
        return value.astimezone(zone(timezone)).date() if value.tzinfo else value.date()
    return value if isinstance(value, date) else None


def utc_time(value: Any, timezone: str) -> datetime | None:
    """A time cell as an aware UTC time (naive times are taken as local to `timezone`); None when the
    cell is missing or not a time."""
    value = _as_time(value)
    if not isinstance(value, datetime):
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=zone(timezone))
    return aware.astimezone(UTC)


def staged_dimensions(chunk: Chunk, time_column: str, timezone: str) -> dict[str, pa.Array]:
    """The cube's input columns of one chunk, staged beside its messages: `cube_day`, the time in UTC,
    the customer (a `customer_id` column, when the input has one) and the dimensions."""
    frame = chunk.frame
    times = frame[time_column].tolist()
    days = [local_day(v, timezone) for v in times]
    customers = frame["customer_id"].tolist() if "customer_id" in frame.columns else [None] * len(frame)
    columns = {
        "cube_day": pa.array(days, pa.date32()),
        "cube_occurred_at": pa.array([utc_time(v, timezone) for v in times], pa.timestamp("us", tz="UTC")),
        "cube_customer_id": pa.array([None if is_missing(v) else str(v) for v in customers], pa.string()),
    }
    for name in DIMENSIONS:
        values = frame[name].tolist() if name in frame.columns else [None] * len(frame)
        columns[f"cube_{name}"] = pa.array([None if is_missing(v) else str(v) for v in values], pa.string())
    return columns


def facts(staged: pa.Table, output: pd.DataFrame) -> pa.Table:
    """The cube facts of one scored partition: its valid rows that have a day."""
    valid = output["valid"].fillna(False).astype(bool).tolist()
    days = staged.column("cube_day").to_pylist()
    keep = [pos for pos, ok in enumerate(valid) if ok and days[pos] is not None]
    risk = output["risk_level"].tolist()

    def pick(values: list[Any]) -> list[Any]:
        return [None if is_missing(values[pos]) else values[pos] for pos in keep]

    columns: dict[str, list[Any]] = {
        "day": pick(days),
        "channel": pick(staged.column("channel").to_pylist()),
        "stage": pick(output["stage"].tolist()),
        "risk_level": pick(risk),
        "causes": pick(output["causes"].tolist()),
    }
    for name in DIMENSIONS:
        columns[name] = pick(staged.column(f"cube_{name}").to_pylist())
    columns["weight"] = [SEVERITY_WEIGHTS.get(str(risk[pos]), 0) for pos in keep]
    return pa.Table.from_pydict(columns, schema=FACT_SCHEMA)


MESSAGE_ROW_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("message_id", pa.string()),
        ("customer_id", pa.string()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("day", pa.date32()),
        ("channel", pa.string()),
        ("text", pa.string()),
        ("severity_weight", pa.int64()),
        ("language", pa.string()),
        ("sentiment", pa.string()),
        ("sentiment_score", pa.float64()),
        ("dissatisfaction_probability", pa.float64()),
        ("complaint_probability", pa.float64()),
        ("is_complaint", pa.bool_()),
        ("dominant_emotion", pa.string()),
        ("stage", pa.string()),
        ("causes", pa.string()),
        ("demands", pa.string()),
        ("customer_type", pa.string()),
        ("risk_score", pa.int64()),
        ("risk_level", pa.string()),
        *((name, pa.string()) for name in DIMENSIONS),
    ]
)
"""One row per scored message, in the layout of `complaint-radar export --parquet`'s `messages/` files, so
that `report --source parquet:CUBE_DIR` reads a batch run like an export of the store."""


def message_rows(staged: pa.Table, output: pd.DataFrame, partition: int) -> pa.Table:
    """The per-message rows of one scored partition (its valid rows that have a day). A message without
    an id is known by its partition and input line."""
    valid = output["valid"].fillna(False).astype(bool).tolist()
    days = staged.column("cube_day").to_pylist()
    keep = [pos for pos, ok in enumerate(valid) if ok and days[pos] is not None]

    def pick(values: list[Any]) -> list[Any]:
        return [None if is_missing(values[pos]) else values[pos] for pos in keep]

    ids = staged.column("id").to_pylist()
    lines = staged.column("line").to_pylist()
    risk = output["risk_level"].tolist()
    columns: dict[str, list[Any]] = {
        "item_id": [ids[pos] if ids[pos] is not None else f"p{partition}:{lines[pos]}" for pos in keep],
        "message_id": pick(ids),
        "customer_id": pick(staged.column("cube_customer_id").to_pylist()),
        "occurred_at": pick(staged.column("cube_occurred_at").to_pylist()),
        "day": pick(days),
        "channel": pick(staged.column("channel").to_pylist()),
        "text": pick(staged.column("text").to_pylist()),
        "severity_weight": [SEVERITY_WEIGHTS.get(str(risk[pos]), 0) for pos in keep],
    }
    for name in SUMMARY_COLUMNS:
        columns[name] = pick(output[name].tolist())
    for name in DIMENSIONS:
        columns[name] = pick(staged.column(f"cube_{name}").to_pylist())
    return pa.Table.from_pydict(columns, schema=MESSAGE_ROW_SCHEMA)


def duckdb_aggregate(fact_files: list[str], keys: tuple[str, ...], target: str) -> None:
    """The local engine's cube: DuckDB groups the facts (multi-threaded, out of core) into `target`."""
    import duckdb

    if not set(keys) <= set(CAUSE_KEYS):
        raise ValueError(f"cube keys must be among {CAUSE_KEYS}")  # identifiers cannot be bound parameters
    files = ", ".join("'" + f.replace("'", "''") + "'" for f in fact_files)
    source = f"read_parquet([{files}])"
    if "cause" in keys:
        causes = "unnest(string_split(coalesce(f.causes, ''), ';')) AS c(cause)"
        source = f"(SELECT *, trim(c.cause) AS cause FROM {source} f, {causes} WHERE trim(c.cause) <> '')"
    groups = ", ".join(f'"{k}"' for k in keys)
    typed = ", ".join(f'"{k}"::{"DATE" if k == "day" else "VARCHAR"} AS "{k}"' for k in keys)
    query = (
        f"SELECT {typed}, count(*)::BIGINT AS messages, sum(weight)::BIGINT AS weighted FROM {source} "
        f"GROUP BY {groups}"
    )
    out = f"{target}/part-00000.parquet".replace("'", "''")
    with duckdb.connect() as connection:
        connection.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
