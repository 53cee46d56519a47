"""Denominators for rates: metric rows (`date, metric, value` + dimensions) stored by upsert, read by scope.

A metric row is keyed by its day, name and dimension values (absent dimensions are ''), so sending the
same row again replaces its value. A rate for a scope uses the coarsest level of rows that covers the
scope's dimension filters (rows given per product are summed when only totals are missing).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Integer, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from complaint_radar.errors import InputError
from complaint_radar.io import read_chunks
from complaint_radar.services.analysis.filters import Scope, parse_day
from complaint_radar.services.rows import (
    FileReport,
    ProblemCallback,
    ProgressCallback,
    RowProblem,
    is_missing,
)
from complaint_radar.services.runtime import SessionFactory, unit_of_work
from complaint_radar.store import MetricValue
from complaint_radar.store.analysis_rows import DIMENSIONS
from complaint_radar.store.columns import utcnow
from complaint_radar.store.db import dialect_insert

METRIC_COLUMNS = ("date", "metric", "value")
METRIC_DIMENSIONS: tuple[str, ...] = ("channel", *DIMENSIONS)
_NAME = re.compile(r"^[a-z][a-z0-9_:.-]{0,63}$")
_TABLE = MetricValue.metadata.tables[MetricValue.__tablename__]
_KEY = ("day", "metric", *METRIC_DIMENSIONS)


@dataclass
class MetricsReport(FileReport):
    stored: int = 0


@dataclass(frozen=True, slots=True)
class MetricRow:
    day: date
    metric: str
    value: float
    dimensions: Mapping[str, str] = field(default_factory=dict)

    def to_row(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "metric": self.metric,
            "value": self.value,
            **{d: self.dimensions.get(d, "") for d in METRIC_DIMENSIONS},
            "updated_at": utcnow(),
        }


def metric_row(data: Mapping[str, Any]) -> MetricRow:
    """A checked metric row; InputError saying what is wrong otherwise."""
    raw_day = data.get("date", data.get("day"))
    if is_missing(raw_day) or not str(raw_day).strip():
        raise InputError("date is missing; give YYYY-MM-DD")
    day = parse_day(str(raw_day)[:10] if not isinstance(raw_day, date) else raw_day, "date")
    name = data.get("metric")
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise InputError(
            f"metric {name!r} is not a metric name (lower case letters, digits and _ such as orders, "
            "contacts, active_customers, csat_surveys_sent)"
        )
    raw_value = data.get("value")
    try:
        value = float(raw_value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw_value, bool) or not math.isfinite(value) or value < 0:
        raise InputError(f"value {raw_value!r} of {name} is not a number ≥ 0")
    dims: dict[str, str] = {}
    for d in METRIC_DIMENSIONS:
        v = data.get(d)
        if is_missing(v) or not str(v).strip():
            continue
        text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
        if len(text) > 128 or "\x00" in text:
            raise InputError(f"{d} {text[:20]!r}… is longer than 128 characters or holds a NUL")
        dims[d] = text
    return MetricRow(day, name.strip(), value, dims)


def upsert_metrics(session: Session, rows: Sequence[MetricRow]) -> int:
    """Store rows, replacing the value of a row with the same day, metric and dimensions."""
    if not rows:
        return 0
    latest = {tuple(r.to_row()[k] for k in _KEY): r.to_row() for r in rows}  # last one wins in a batch
    statement = dialect_insert(session, _TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    session.connection().execute(statement, list(latest.values()))
    return len(latest)


def ingest_metric_rows(
    sessions: SessionFactory, rows: Iterable[Mapping[str, Any]], *, first_line: int = 1
) -> tuple[int, list[RowProblem]]:
    """Check and store rows in one transaction; bad rows come back with their line and reason."""
    good: list[MetricRow] = []
    problems: list[RowProblem] = []
    for line, row in enumerate(rows, first_line):
        try:
            good.append(metric_row(row))
        except InputError as exc:
            problems.append(RowProblem(line, str(exc)))
    with unit_of_work(sessions) as session:
        stored = upsert_metrics(session, good)
    return stored, problems


def ingest_metrics_file(
    sessions: SessionFactory,
    path: Path,
    *,
    chunk_rows: int = 5000,
    on_progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
) -> MetricsReport:
    """`complaint-radar ingest FILE --kind metrics`: one transaction per chunk, idempotent by key."""
    report = MetricsReport()
    for chunk in read_chunks(path, METRIC_COLUMNS, chunk_rows=chunk_rows):
        records = chunk.frame.to_dict(orient="records")
        good: list[MetricRow] = []
        problems = [RowProblem(chunk.line(pos), why) for pos, why in chunk.row_errors.items()]
        for pos, record in enumerate(records):
            if pos in chunk.row_errors:
                continue
            try:
                good.append(metric_row({str(k): v for k, v in record.items()}))
            except InputError as exc:
                problems.append(RowProblem(chunk.line(pos), str(exc)))
        with unit_of_work(sessions) as session:
            report.stored += upsert_metrics(session, good)
        for problem in sorted(problems, key=lambda p: p.line):
            report.add_problem(problem, on_problem)
        report.rows += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    return report


def metric_frame(session: Session, metric: str, scope: Scope) -> pd.DataFrame:
    """Daily values (`day`, `value`) of `metric` for the scope, at the coarsest level covering its filters.

    Empty when no stored level covers the filters (e.g. a filter by cause or stage: metrics have none).
    """
    names = set(scope.filters)
    if names - set(METRIC_DIMENSIONS):
        return pd.DataFrame({"day": [], "value": []})
    # Summed per day and level in the database: rows given per product × branch × … are many.
    # Inline constant: PostgreSQL matches grouped expressions by their text.
    blank: ColumnElement[Any] = literal_column("''")
    levels = [type_coerce(_TABLE.c[d] != blank, Integer).label(f"has_{d}") for d in METRIC_DIMENSIONS]
    statement = select(_TABLE.c.day, func.sum(_TABLE.c.value), *levels).where(
        _TABLE.c.metric == metric, _TABLE.c.day >= scope.start, _TABLE.c.day <= scope.end
    )
    for name, values in scope.filters.items():
        statement = statement.where(_TABLE.c[name].in_(values))
    rows = session.execute(statement.group_by(_TABLE.c.day, *levels)).all()
    by_level: dict[frozenset[str], dict[date, float]] = {}
    for day, value, *flags in rows:
        level = frozenset(d for d, flag in zip(METRIC_DIMENSIONS, flags, strict=True) if flag)
        daily = by_level.setdefault(level, {})
        daily[day] = daily.get(day, 0.0) + float(value)
    candidates = [level for level in by_level if names <= level]
    if not candidates:
        return pd.DataFrame({"day": [], "value": []})
    coarsest = min(candidates, key=lambda level: (len(level), sorted(level)))
    chosen = sorted(by_level[coarsest].items())
    return pd.DataFrame({"day": [d for d, _ in chosen], "value": [v for _, v in chosen]})


def list_metrics(
    session: Session, scope: Scope, metric: str | None, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    statement = select(MetricValue).where(MetricValue.day >= scope.start, MetricValue.day <= scope.end)
    if metric:
        statement = statement.where(MetricValue.metric == metric)
    for name, values in scope.filters.items():
        if name not in METRIC_DIMENSIONS:
            raise InputError(f"metrics have no {name!r} dimension; filter by {', '.join(METRIC_DIMENSIONS)}")
        statement = statement.where(getattr(MetricValue, name).in_(values))
    statement = (
        statement.order_by(MetricValue.day, MetricValue.metric, MetricValue.id).limit(limit).offset(offset)
    )
    return [
        {
            "date": row.day.isoformat(),
            "metric": row.metric,
            "value": row.value,
            **{d: getattr(row, d) or None for d in METRIC_DIMENSIONS},
        }
        for row in session.scalars(statement)
    ]
