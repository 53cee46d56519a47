"""History too big for one database query: export the store to Parquet, aggregate it with DuckDB.

`export_parquet` writes `messages/part-*.parquet` (assess-file's column names + `item_id, message_id,
source, customer_id, occurred_at, day, channel, severity_weight` + dimension columns), `events.parquet`
and `metrics.parquet`. `DuckCube` answers the same `CubeSource` queries over those files (causes are
the `;`-joined `causes` column, exploded in SQL), so `report --source parquet:DIR` gives the same
message-derived numbers as the store. `batch --cube DIR` writes `DIR/messages/` in the same layout
(`batch.cube.message_rows`), so a batch run is read the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from complaint_radar.analysis.calendar import Granularity
from complaint_radar.analysis.pareto import Weighting
from complaint_radar.errors import InputError
from complaint_radar.pipeline import SUMMARY_COLUMNS
from complaint_radar.services.analysis.cube import DISSATISFIED_STAGES, ITEM_COLUMNS, as_date
from complaint_radar.services.analysis.filters import MESSAGE_FILTERS, Scope
from complaint_radar.services.analysis.issues import detect
from complaint_radar.services.analysis.metrics import METRIC_DIMENSIONS
from complaint_radar.services.runtime import SessionFactory, unit_of_work
from complaint_radar.settings import Settings
from complaint_radar.store import Event, Message, MetricValue
from complaint_radar.store.analysis_rows import DIMENSIONS

EXPORT_BATCH = 50_000
_DIMS = (*DIMENSIONS, "tenure_days", "new_or_returning")


def _assessment_cells(a: dict[str, Any] | None) -> dict[str, Any]:
    """The assess-file columns of a stored Assessment (its JSON document)."""
    if not a:
        return dict.fromkeys(SUMMARY_COLUMNS)
    return {
        "language": a.get("language"),
        "sentiment": (a.get("sentiment") or {}).get("polarity"),
        "sentiment_score": (a.get("sentiment") or {}).get("score"),
        "dissatisfaction_probability": a.get("dissatisfaction_probability"),
        "complaint_probability": a.get("complaint_probability"),
        "is_complaint": a.get("is_complaint"),
        "dominant_emotion": a.get("dominant_emotion"),
        "stage": a.get("stage"),
        "causes": ";".join(c["code"] for c in a.get("causes") or ()),
        "demands": ";".join(d["code"] for d in a.get("demands") or ()),
        "customer_type": (a.get("customer_type") or {}).get("code"),
        "risk_score": a.get("risk_score"),
        "risk_level": a.get("risk_level"),
    }


def export_parquet(
    sessions: SessionFactory, directory: Path, start: date | None, end: date | None
) -> dict[str, int]:
    """Write the store's assessed customer messages, events and metrics under `directory`."""
    (directory / "messages").mkdir(parents=True, exist_ok=True)
    for old in (directory / "messages").glob("part-*.parquet"):
        old.unlink()
    counts = {"messages": 0, "events": 0, "metrics": 0}
    m = Message.__table__
    columns = [
        m.c.id,
        m.c.external_id,
        m.c.source,
        m.c.customer_id,
        m.c.occurred_at,
        m.c.day,
        m.c.channel,
        m.c.text,
        m.c.severity_weight,
        m.c.assessment,
        *(m.c[d] for d in _DIMS),
    ]
    with unit_of_work(sessions) as session:
        last, part = 0, 0
        while True:
            statement = select(*columns).where(
                m.c.id > last, m.c.speaker == "customer", m.c.stage.is_not(None)
            )
            if start is not None:
                statement = statement.where(m.c.day >= start)
            if end is not None:
                statement = statement.where(m.c.day <= end)
            rows = session.execute(statement.order_by(m.c.id).limit(EXPORT_BATCH)).all()
            if not rows:
                break
            last = rows[-1][0]
            records = [
                {
                    "item_id": r[0],
                    "message_id": r[1],
                    "source": r[2],
                    "customer_id": r[3],
                    "occurred_at": r[4],
                    "day": r[5],
                    "channel": r[6],
                    "text": r[7],
                    "severity_weight": r[8],
                    **_assessment_cells(r[9]),
                    **dict(zip(_DIMS, r[10:], strict=True)),
                }
                for r in rows
            ]
            pq.write_table(pa.Table.from_pylist(records), directory / "messages" / f"part-{part:05d}.parquet")
            part += 1
            counts["messages"] += len(records)
        e = Event.__table__
        events = session.execute(
            select(
                e.c.external_id,
                e.c.customer_id,
                e.c.occurred_at,
                e.c.day,
                e.c.kind,
                e.c.value_num,
                e.c.value_text,
                e.c.attributes,
                *(e.c[d] for d in _DIMS),
            )
        ).all()
        event_rows = [
            {
                "event_id": r[0],
                "customer_id": r[1],
                "occurred_at": r[2],
                "day": r[3],
                "kind": r[4],
                "value_num": r[5],
                "value_text": r[6],
                "attributes": json.dumps(r[7], ensure_ascii=False),
                **dict(zip(_DIMS, r[8:], strict=True)),
            }
            for r in events
        ]
        pq.write_table(
            pa.Table.from_pylist(event_rows)
            if event_rows
            else pa.table({"event_id": pa.array([], pa.string())}),
            directory / "events.parquet",
        )
        counts["events"] = len(event_rows)
        metric_rows = [
            {
                "date": r.day,
                "metric": r.metric,
                "value": r.value,
                **{d: getattr(r, d) for d in METRIC_DIMENSIONS},
            }
            for r in session.scalars(select(MetricValue))
        ]
        pq.write_table(
            pa.Table.from_pylist(metric_rows)
            if metric_rows
            else pa.table({"date": pa.array([], pa.date32())}),
            directory / "metrics.parquet",
        )
        counts["metrics"] = len(metric_rows)
    return counts


class DuckCube:
    """`CubeSource` over an export directory, aggregated by DuckDB (multi-threaded, out of core)."""

    def __init__(self, directory: Path) -> None:
        files = (
            sorted((directory / "messages").glob("*.parquet")) if (directory / "messages").is_dir() else []
        )
        if not files:
            raise InputError(
                f"{directory} holds no messages/*.parquet; write one with "
                f"`complaint-radar export --parquet {directory}`"
            )
        self.connection = duckdb.connect()
        pattern = str(directory / "messages" / "*.parquet").replace("'", "''")
        self.connection.execute(
            f"CREATE VIEW messages AS SELECT * FROM read_parquet('{pattern}', union_by_name = true) "
            "WHERE stage IS NOT NULL"
        )
        self.connection.execute(
            "CREATE VIEW message_causes AS SELECT m.*, trim(c.cause) AS cause FROM messages m, "
            "unnest(string_split(coalesce(m.causes, ''), ';')) AS c(cause) WHERE trim(c.cause) <> ''"
        )

    def _where(self, scope: Scope, *, causes_table: bool) -> tuple[str, list[Any]]:
        sql = ["day BETWEEN ? AND ?"]
        params: list[Any] = [scope.start, scope.end]
        for name, values in scope.filters.items():
            marks = ", ".join("?" for _ in values)
            if name == "cause" and not causes_table:
                sql.append(f"list_has_any(string_split(coalesce(causes, ''), ';'), [{marks}])")
            else:
                sql.append(f'"{_column(name)}" IN ({marks})')
            params.extend(values)
        return " AND ".join(sql), params

    def _query(self, table: str, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        where, params = self._where(scope, causes_table=table == "message_causes")
        groups = ", ".join(f'"{_column(b)}"' for b in by)
        select_groups = f"{groups}, " if by else ""
        measures = "count(*) AS messages, sum(severity_weight) AS weighted"
        sql = f"SELECT {select_groups}{measures} FROM {table} WHERE {where}"
        if by:
            sql += f" GROUP BY {groups}"
        frame = self.connection.execute(sql, params).df()
        return _normalise(frame)

    def message_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        return self._query("messages", scope, by)

    def cause_counts(self, scope: Scope, by: Sequence[str]) -> pd.DataFrame:
        return self._query("message_causes", scope, by)

    def items(self, scope: Scope) -> pd.DataFrame:
        where, params = self._where(scope, causes_table=True)
        columns = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
        return _normalise(
            self.connection.execute(f"SELECT {columns} FROM message_causes WHERE {where}", params).df()
        )

    def daily_volume(self, scope: Scope) -> pd.DataFrame:
        return self._query("messages", scope, ["day"])[["day", "messages"]]

    def example_texts(self, item_ids: Sequence[Any]) -> dict[Any, dict[str, Any]]:
        if not item_ids:
            return {}
        marks = ", ".join("?" for _ in item_ids)
        rows = self.connection.execute(
            "SELECT item_id, message_id, occurred_at, channel, text FROM messages "
            f"WHERE item_id IN ({marks})",
            list(item_ids),
        ).fetchall()
        return {
            r[0]: {
                "message_id": r[1],
                "occurred_at": pd.Timestamp(r[2]).isoformat(),
                "channel": r[3],
                "text": r[4],
            }
            for r in rows
        }

    def unexplained(self, scope: Scope, limit: int) -> pd.DataFrame:
        where, params = self._where(scope, causes_table=False)
        stages = ", ".join(f"'{s}'" for s in DISSATISFIED_STAGES)
        sql = (
            f"SELECT item_id, day, text FROM messages WHERE {where} AND stage IN ({stages}) "
            "AND coalesce(causes, '') IN ('', 'other') "
            f"ORDER BY occurred_at DESC LIMIT {int(limit)}"
        )
        return _normalise(self.connection.execute(sql, params).df())


_COLUMNS = frozenset({*ITEM_COLUMNS, *MESSAGE_FILTERS, "severity_weight", "customer_type"})


def _column(name: str) -> str:
    """`name` if it is a column DuckCube's SQL may name (identifiers cannot be bound parameters)."""
    if name not in _COLUMNS:
        raise InputError(f"cannot group or filter by {name!r}; use one of {', '.join(sorted(_COLUMNS))}")
    return name


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    if "day" in frame:
        frame["day"] = [as_date(d) for d in frame["day"]]
    for name in ("messages", "weighted"):
        if name in frame:
            frame[name] = pd.to_numeric(frame[name]).fillna(0)
    if "messages" in frame:
        frame["messages"] = frame["messages"].astype("int64")
    return frame.astype({c: object for c in frame.columns if frame[c].dtype.name in ("string", "str")})


def parquet_report(
    directory: Path,
    scope: Scope,
    *,
    as_of: date | None,
    by: str,
    weighting: Weighting,
    granularity: Granularity | None,
    denominator: str,
    settings: Settings,
) -> dict[str, Any]:
    """The report over an export: message sections by DuckDB; emerging issues detected on the fly (not
    stored, so without id and status); store-only sections (actions, surveys, operations) empty."""
    from complaint_radar.services.analysis.report import build_report

    cube = DuckCube(directory)
    day = as_of or scope.end
    detected = []
    for issue in detect(cube, day):
        entry = issue.to_dict()
        ids = entry.pop("item_ids")[:5]
        texts = cube.example_texts(ids)
        detected.append(
            {
                "id": None,
                **entry,
                "status": "new",
                "first_detected": day.isoformat(),
                "examples": [texts.get(i, {"message_id": str(i)}) for i in ids],
            }
        )
    return build_report(
        cube,
        None,
        scope,
        as_of=day,
        by=by,
        weighting=weighting,
        granularity=granularity,
        denominator=denominator,
        settings=settings,
        detected=detected,
    )
