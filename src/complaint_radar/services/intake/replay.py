"""Backtesting: replay a message and event history through live ingestion, the clock at each item's time.

Both files are read whole, merged by `occurred_at` (stable: at equal times messages first, each in file
order) and fed in batches to the same `Ingestor` that live ingestion uses, against a throwaway SQLite
store, each item processed as of its own time (`item_time`), so profile decay and SLA clocks run as
they would have. One output row per stored item, in time order: `customer_id, at, item_id, kind,
risk_score, risk_level, complaint_probability_7d, stage, top_signal, message_risk, case_number,
case_action`. Bad rows, unknown event kinds and repeated ids are reported (file, line, reason) and
skipped, never fatal.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from complaint_radar.errors import InputError
from complaint_radar.io import TableWriter, read_chunks
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.intake.ingest import BatchResult, Ingestor, ItemOutcome
from complaint_radar.services.intake.ingest_file import required_columns
from complaint_radar.services.intake.ingest_rows import EventItem, InputRow, ItemKind, MessageItem
from complaint_radar.services.rows import FileReport, ProblemCallback, ProgressCallback, RowProblem
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory
from complaint_radar.store.migrate import upgrade

REPLAY_SOURCE = "replay"
DEFAULT_BATCH_ITEMS = 2000
REPLAY_COLUMNS = (
    "customer_id",
    "at",
    "item_id",
    "kind",
    "risk_score",
    "risk_level",
    "complaint_probability_7d",
    "stage",
    "top_signal",
    "message_risk",
    "case_number",
    "case_action",
)


@dataclass
class ReplayReport(FileReport):
    """Rows read, bad rows, and what the replay did; `seconds` is the wall time of the whole run."""

    items: int = 0
    cases_opened: int = 0
    contacts_attached: int = 0
    unknown_kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def replay_files(
    messages: Path | None,
    events: Path | None,
    output: Path,
    *,
    assessor: Assessor | None = None,
    settings: Settings | None = None,
    batch_items: int = DEFAULT_BATCH_ITEMS,
    store_path: Path | None = None,
    on_progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
    on_outcomes: Callable[[Sequence[ItemOutcome]], None] | None = None,
) -> ReplayReport:
    """Replay `messages` and/or `events` into `output` (CSV / JSONL / Parquet by extension).

    `store_path` keeps the replay's SQLite store there (a new file) for inspection; by default it lives
    in a temporary directory and is deleted. `on_outcomes` sees each batch's outcomes (profiles
    included), as the model fitter does. Raises InputError before any work for a missing file or
    column, an unusable output path, or an existing `store_path`.
    """
    if messages is None and events is None:
        raise InputError("nothing to replay: give a messages file, an events file, or both")
    if store_path is not None and store_path.exists():
        raise InputError(f"replay store {store_path} already exists; give a new file name")
    began = time.perf_counter()
    report = ReplayReport()
    inputs = [(path, kind) for path, kind in ((messages, ItemKind.MESSAGE), (events, ItemKind.EVENT)) if path]
    tables = [(path, kind, _read_rows(path, kind, report, on_problem)) for path, kind in inputs]
    with TableWriter(output) as writer, _throwaway_store(store_path) as sessions:
        ingestor = Ingestor(sessions, assessor, settings=settings, item_time=True, source=REPLAY_SOURCE)
        items = []
        for path, _, rows in tables:
            checked = BatchResult()
            found = ingestor.check(rows, checked)
            report.unknown_kinds.update(checked.unknown_kinds)
            for problem in checked.problems:
                report.add_problem(RowProblem(problem.line, f"{path.name}: {problem.reason}"), on_problem)
            items += _first_of_each_id([*found[0], *found[1]], path, report, on_problem)
        ordered = sorted(
            range(len(items)), key=lambda i: (items[i].record.occurred_at, isinstance(items[i], EventItem), i)
        )
        for start in range(0, len(ordered), batch_items):
            part = [items[i] for i in ordered[start : start + batch_items]]
            batch = ingestor.ingest_checked(
                [m for m in part if isinstance(m, MessageItem)], [e for e in part if isinstance(e, EventItem)]
            )
            writer.write(_frame(batch.items))
            if on_outcomes is not None:
                on_outcomes(batch.items)
            report.items += len(batch.items)
            report.cases_opened += batch.cases_opened
            report.contacts_attached += batch.contacts_attached
            if on_progress:
                on_progress(len(part))
        if not items:
            writer.write(_frame([]))
    report.seconds = time.perf_counter() - began
    return report


def _read_rows(
    path: Path, kind: ItemKind, report: ReplayReport, on_problem: ProblemCallback | None
) -> list[InputRow]:
    rows: list[InputRow] = []
    for chunk in read_chunks(path, required_columns(kind)):
        for pos, record in enumerate(chunk.frame.to_dict(orient="records")):
            if pos in chunk.row_errors:
                report.add_problem(
                    RowProblem(chunk.line(pos), f"{path.name}: {chunk.row_errors[pos]}"), on_problem
                )
            else:
                rows.append(InputRow(kind, chunk.line(pos), {str(k): v for k, v in record.items()}))
        report.rows += len(chunk)
    return rows


def _first_of_each_id(
    items: Sequence[MessageItem | EventItem],
    path: Path,
    report: ReplayReport,
    on_problem: ProblemCallback | None,
) -> list[MessageItem | EventItem]:
    """A repeated id in a history is a data error: the first row counts, the others are reported."""
    first: dict[str, int] = {}
    kept: list[MessageItem | EventItem] = []
    for item in sorted(items, key=lambda i: i.line):
        key = item.record.external_id
        if key in first:
            reason = f"{path.name}: id {key!r} repeats line {first[key]}; skipped"
            report.add_problem(RowProblem(item.line, reason), on_problem)
            continue
        first[key] = item.line
        kept.append(item)
    return kept


def _frame(outcomes: Sequence[ItemOutcome]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = [
        {
            "customer_id": o.customer_id,
            "at": o.at.isoformat(),
            "item_id": o.item_id,
            "kind": o.kind.value,
            "risk_score": None if o.profile is None else o.profile.risk_score,
            "risk_level": None if o.profile is None else o.profile.risk_level.value,
            "complaint_probability_7d": None
            if o.profile is None
            else round(o.profile.complaint_probability_7d, 4),
            "stage": None if o.profile is None else o.profile.stage.value,
            "top_signal": o.top_signal,
            "message_risk": o.message_risk,
            "case_number": o.case_number,
            "case_action": o.case_action,
        }
        for o in outcomes
    ]
    frame = pd.DataFrame(rows, columns=list(REPLAY_COLUMNS))
    for column in REPLAY_COLUMNS:
        if column in ("risk_score", "message_risk"):
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column == "complaint_probability_7d":
            frame[column] = pd.to_numeric(frame[column]).astype("Float64")
        else:
            frame[column] = frame[column].astype("string")
    return frame


@contextmanager
def _throwaway_store(path: Path | None) -> Iterator[SessionFactory]:
    """A migrated SQLite store at `path`, or in a temporary directory deleted afterwards."""
    with tempfile.TemporaryDirectory(prefix="complaint-radar-replay-") as tmp:
        engine = make_engine(f"sqlite:///{path or Path(tmp) / 'replay.db'}")
        try:
            upgrade(engine)
            yield make_session_factory(engine)
        finally:
            engine.dispose()
