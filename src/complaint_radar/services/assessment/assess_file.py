"""Assess a whole file in streaming chunks: one output row per input row, bad rows reported, not fatal."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from complaint_radar.batch.core import assess_messages, message_batch, problem_lines
from complaint_radar.io import TableWriter, read_chunks
from complaint_radar.pipeline import Analyzer
from complaint_radar.services.rows import FileReport, ProblemCallback, ProgressCallback, RowProblem

if TYPE_CHECKING:
    from complaint_radar.models.taxonomy import CustomTaxonomy

log = logging.getLogger(__name__)


def column_options(
    text_column: str, id_column: str | None, channel_column: str | None
) -> tuple[list[str], dict[str, str]]:
    """The columns an input must have, and the option that named each (for the missing-column error)."""
    options = {text_column: "--text-column"}
    options.update(
        {c: flag for c, flag in ((id_column, "--id-column"), (channel_column, "--channel-column")) if c}
    )
    return [text_column] + [c for c in (id_column, channel_column) if c], options


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
    `taxonomy`, `topics` (joined with `;`) and `topic_scores` (JSON {label: score}) are added.
    Each chunk goes through the same core as `complaint-radar batch` (complaint_radar.batch.core)."""
    required, options = column_options(text_column, id_column, channel_column)
    report = FileReport()
    rows_per_chunk = chunk_rows or analyzer.settings.chunk_rows
    with TableWriter(output_path) as writer:
        for chunk in read_chunks(input_path, required, chunk_rows=rows_per_chunk, column_options=options):
            messages = message_batch(
                chunk, text_column=text_column, id_column=id_column, channel_column=channel_column
            )
            output = assess_messages(
                analyzer, messages, id_column=id_column, explain=explain, taxonomy=taxonomy
            )
            for line, reason in problem_lines(output):
                log.info("line %d skipped: %s", line, reason)
                report.add_problem(RowProblem(line, reason), on_problem)
            writer.write(output)
            report.rows += len(chunk)
            if on_progress:
                on_progress(len(chunk))
    return report
