"""Mask PII in the text columns of a file, streaming in chunks: same rows, same columns, values masked."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaint_radar.errors import InputError
from complaint_radar.io import TableWriter, read_chunks
from complaint_radar.services.rows import (
    FileReport,
    ProblemCallback,
    ProgressCallback,
    RowProblem,
    is_missing,
    text_problem,
)
from complaint_radar.settings import get_settings
from complaint_radar.text.pii import PiiKind, mask_pii

log = logging.getLogger(__name__)


@dataclass
class MaskReport(FileReport):
    """Rows read, bad rows, and what was masked: cells changed and values of each kind."""

    cells_masked: int = 0
    masked: Counter[PiiKind] = field(default_factory=Counter)


def mask_file(
    input_path: Path,
    output_path: Path,
    *,
    text_columns: Sequence[str],
    chunk_rows: int | None = None,
    on_progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
) -> MaskReport:
    """Copy ``input_path`` to ``output_path`` (formats by extension) with PII masked in ``text_columns``.

    Every row and column is written, in order.  A text cell that is missing or blank is kept as it is;
    a cell that is not text (a number, a list, ...) cannot be checked, so it is written empty and its row
    reported; a row the reader could not parse is written empty and reported.  Raises InputError
    (MissingColumnError, UnsupportedFormatError, ...) before writing anything when the input or output
    cannot be used.
    """
    columns = list(dict.fromkeys(text_columns))
    if not columns:
        raise InputError("no text column to mask; name one with --text-column")
    report = MaskReport()
    options = dict.fromkeys(columns, "--text-column")
    rows_per_chunk = chunk_rows or get_settings().chunk_rows
    with TableWriter(output_path) as writer:
        for chunk in read_chunks(input_path, columns, chunk_rows=rows_per_chunk, column_options=options):
            frame = chunk.frame
            reasons: dict[int, list[str]] = {pos: [why] for pos, why in chunk.row_errors.items()}
            for column in columns:
                cells = frame[column].tolist()
                for pos, value in enumerate(cells):
                    cells[pos], why = _masked_cell(value, report)
                    if why and pos not in chunk.row_errors:
                        reasons.setdefault(pos, []).append(f"column '{column}': {why}")
                frame[column] = cells
            for pos in sorted(reasons):
                line = chunk.line(pos)
                reason = "; ".join(reasons[pos])
                log.info("line %d written without its unusable cells: %s", line, reason)
                report.add_problem(RowProblem(line, reason), on_problem)
            writer.write(frame)
            report.rows += len(frame)
            if on_progress:
                on_progress(len(frame))
    return report


def _masked_cell(value: Any, report: MaskReport) -> tuple[Any, str | None]:
    """The cell to write and, for a cell that is not text, why it was left out."""
    if isinstance(value, str):
        result = mask_pii(value)
        if result.spans:
            report.cells_masked += 1
            report.masked.update(result.counts)
        return result.text, None
    if is_missing(value):
        return value, None
    return None, text_problem(value)
