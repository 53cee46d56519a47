"""Ingest a messages or events file (CSV / JSONL / Parquet / Excel) in chunks, one transaction per chunk.

A crash loses at most the chunk in flight; running the same file again skips every row already stored
(idempotent by source and external id) and stores the rest, so nothing is duplicated or lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from complaint_radar.io import read_chunks
from complaint_radar.services.intake.ingest import BatchResult, Ingestor
from complaint_radar.services.intake.ingest_rows import EVENT_COLUMNS, MESSAGE_COLUMNS, InputRow, ItemKind
from complaint_radar.services.rows import FileReport, ProblemCallback, ProgressCallback, RowProblem

log = logging.getLogger(__name__)


@dataclass
class IngestReport(FileReport):
    """Rows read, bad rows (line and reason), and what the good ones did."""

    new: int = 0
    duplicates: int = 0
    cases_opened: int = 0
    contacts_attached: int = 0
    unknown_kinds: Counter[str] = field(default_factory=Counter)

    def add_batch(self, batch: BatchResult) -> None:
        self.new += batch.new
        self.duplicates += batch.duplicates
        self.cases_opened += batch.cases_opened
        self.contacts_attached += batch.contacts_attached
        self.unknown_kinds.update(batch.unknown_kinds)


def required_columns(kind: ItemKind) -> tuple[str, ...]:
    return MESSAGE_COLUMNS if kind is ItemKind.MESSAGE else EVENT_COLUMNS


def ingest_file(
    ingestor: Ingestor,
    path: Path,
    kind: ItemKind,
    *,
    chunk_rows: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
) -> IngestReport:
    """Store every good row of `path` as `kind` items; bad rows are reported with line and reason.

    `on_progress(rows)` is called after each chunk is committed. Raises InputError (exit 2 on the CLI)
    for a missing or unreadable file or a missing required column, before anything is stored.
    """
    report = IngestReport()
    rows_per_chunk = chunk_rows or ingestor.settings.chunk_rows
    for chunk in read_chunks(path, required_columns(kind), chunk_rows=rows_per_chunk):
        records = chunk.frame.to_dict(orient="records")
        rows = [
            InputRow(kind, chunk.line(pos), {str(k): v for k, v in record.items()})
            for pos, record in enumerate(records)
            if pos not in chunk.row_errors
        ]
        batch = ingestor.ingest(rows)
        problems = [RowProblem(chunk.line(pos), why) for pos, why in chunk.row_errors.items()]
        for problem in sorted(problems + batch.problems, key=lambda p: p.line):
            log.info("line %d skipped: %s", problem.line, problem.reason)
            report.add_problem(problem, on_problem)
        report.add_batch(batch)
        report.rows += len(chunk)
        if on_progress:
            on_progress(len(chunk))
    return report
