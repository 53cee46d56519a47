"""Assess a whole file in streaming chunks: one output row per input row, bad rows reported, not fatal."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from complaint_radar.io import TableWriter, read_chunks
from complaint_radar.pipeline import OUTPUT_COLUMNS, Analyzer, assessment_row, explanation_json
from complaint_radar.services.rows import (
    FileReport,
    ProblemCallback,
    ProgressCallback,
    RowProblem,
    text_problem,
)

if TYPE_CHECKING:
    from complaint_radar.models.taxonomy import CustomTaxonomy

log = logging.getLogger(__name__)


def assess_file(
    analyzer: Analyzer,
    input_path: Path,
    output_path: Path,
    *,
    text_column: str,
    id_column: str | None = None,
    channel_column: str | None = None,
    chunk_rows: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
    explain: bool = False,
    taxonomy: CustomTaxonomy | None = None,
) -> FileReport:
    """Assess `input_path` into `output_path`. With `explain`, an `explanation` column holds the
    reasons (JSON: zh/en text and evidence spans); without, they are not computed at all. With a
    `taxonomy`, `topics` (joined with `;`) and `topic_scores` (JSON {label: score}) are added."""
    required = [text_column] + [c for c in (id_column, channel_column) if c]
    report = FileReport()
    rows_per_chunk = chunk_rows or analyzer.settings.chunk_rows
    with TableWriter(output_path) as writer:
        options = {text_column: "--text-column"}
        options.update(
            {c: flag for c, flag in ((id_column, "--id-column"), (channel_column, "--channel-column")) if c}
        )
        for chunk in read_chunks(input_path, required, chunk_rows=rows_per_chunk, column_options=options):
            frame = chunk.frame
            items: list[dict[str, Any]] = []
            problems: dict[int, str] = dict(chunk.row_errors)
            texts = frame[text_column].tolist() if text_column in frame.columns else [None] * len(frame)
            ids = (
                frame[id_column].tolist() if id_column and id_column in frame.columns else [None] * len(frame)
            )
            channels = (
                frame[channel_column].tolist()
                if channel_column and channel_column in frame.columns
                else [None] * len(frame)
            )
            for pos, (text, ident, channel) in enumerate(zip(texts, ids, channels, strict=True)):
                reason = problems.get(pos) or text_problem(text)
                if reason:
                    problems[pos] = reason
                    continue
                items.append(
                    {
                        "text": text,
                        "message_id": None if ident is None else str(ident),
                        "channel": channel if isinstance(channel, str) and channel else None,
                    }
                )
            assessed = iter(analyzer.assess_many(items, explain=explain))
            topics = iter(taxonomy.predict([item["text"] for item in items])) if taxonomy else None
            out_rows: list[dict[str, Any]] = []
            for pos in range(len(frame)):
                line = chunk.line(pos)
                row: dict[str, Any] = {}
                if id_column:
                    ident = ids[pos]
                    row[id_column] = None if ident is None else str(ident)
                row["line"] = line
                if pos in problems:
                    log.info("line %d skipped: %s", line, problems[pos])
                    report.add_problem(RowProblem(line, problems[pos]), on_problem)
                    row.update(dict.fromkeys(OUTPUT_COLUMNS))
                    if explain:
                        row["explanation"] = None
                    if topics is not None:
                        row.update(topics=None, topic_scores=None)
                    row.update(valid=False, error=problems[pos])
                else:
                    assessment = next(assessed)
                    row.update(assessment_row(assessment))
                    if explain:
                        row["explanation"] = explanation_json(assessment)
                    if topics is not None:
                        found = next(topics)
                        row.update(topics=found.topics_text(), topic_scores=found.scores_json())
                    row.update(valid=True, error=None)
                out_rows.append(row)
            writer.write(_typed_frame(out_rows))
            report.rows += len(frame)
            if on_progress:
                on_progress(len(frame))
    return report


_FLOAT_COLUMNS = ("sentiment_score", "dissatisfaction_probability", "complaint_probability", "anger")
_INT_COLUMNS = ("risk_score", "line")


def _typed_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Stable column types whatever a chunk contains, so every chunk writes the same schema."""
    frame = pd.DataFrame(rows)
    for col in _FLOAT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in _INT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    for col in ("is_complaint", "valid"):
        frame[col] = frame[col].astype("boolean")
    for col in frame.columns:
        if col not in _FLOAT_COLUMNS + _INT_COLUMNS + ("is_complaint", "valid"):
            frame[col] = frame[col].astype("string")
    return frame
