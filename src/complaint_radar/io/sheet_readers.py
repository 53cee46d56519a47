"""Streaming Parquet (pyarrow record batches) and Excel .xlsx (openpyxl read-only) readers."""

from __future__ import annotations

import logging
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.utils.exceptions import InvalidFileException

from complaint_radar.errors import DecodeError, InputError
from complaint_radar.io.chunk import Chunk, check_columns, make_chunk, unique_names

log = logging.getLogger(__name__)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def read_parquet(
    path: Path,
    source: str,
    required: Sequence[str],
    chunk_rows: int,
    options: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    """Parquet record batches; cells are the Python values of ``to_pylist`` (None for null)."""
    try:
        parquet = pq.ParquetFile(path)
        names = parquet.schema_arrow.names
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise DecodeError(
            f"{source} is not a readable Parquet file ({_first_line(exc)}); export it again or save it as CSV"
        ) from None
    with parquet:
        columns = unique_names(names)
        if not columns:
            raise InputError(f"{source} has no columns; export the data again")
        check_columns(required, columns, source, options)
        line = 2
        batches = parquet.iter_batches(batch_size=chunk_rows, use_threads=False)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
                raise DecodeError(
                    f"{source} is corrupt after line {line - 1} ({_first_line(exc)}); export it again"
                ) from None
            if batch is None:
                return
            if batch.num_rows == 0:
                continue
            try:
                data = {name: batch.column(i).to_pylist() for i, name in enumerate(columns)}
            except UnicodeDecodeError:  # a corrupt string page: the bytes are not the UTF-8 Parquet promises
                raise DecodeError(
                    f"{source} is corrupt after line {line - 1} (text that is not UTF-8); export it again"
                ) from None
            lines = range(line, line + batch.num_rows)
            line += batch.num_rows
            yield make_chunk(data, columns, lines)


_DAMAGED_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    UnicodeDecodeError,
    SyntaxError,  # malformed XML inside the zip (ElementTree's ParseError, lxml's XMLSyntaxError)
    TypeError,  # openpyxl building its objects from XML with unknown attributes
    NotImplementedError,  # a zip entry compressed with a method zipfile does not know
    RuntimeError,  # an encrypted zip entry
)
"""What openpyxl and zipfile raise on a damaged workbook (found by bench/fuzz_inputs.py): all mean the
file cannot be read, and each becomes one clear DecodeError."""


def _open_workbook(handle: BinaryIO, source: str) -> Any:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles / extensions it ignores; they never affect cell values.
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except (*_DAMAGED_XLSX, OSError, InvalidFileException) as exc:
        raise DecodeError(
            f"{source} is not a readable .xlsx workbook ({_first_line(exc)}); re-save it in Excel as .xlsx "
            "or as 'CSV UTF-8'"
        ) from None


def read_xlsx(
    path: Path,
    source: str,
    required: Sequence[str],
    chunk_rows: int,
    options: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    """The first worksheet: first non-empty row is the header; fully empty rows are skipped."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise DecodeError(f"{source} cannot be opened ({_first_line(exc)})") from None
    # Our own handle, closed on every path: openpyxl leaves the file open when a damaged workbook
    # fails half-way through loading.
    with handle:
        try:
            yield from _read_sheet(_open_workbook(handle, source), source, required, chunk_rows, options)
        except _DAMAGED_XLSX as exc:
            # read-only workbooks decompress the sheet as it is read: damage shows up mid-way
            raise DecodeError(
                f"{source} is a damaged .xlsx workbook ({_first_line(exc)}); re-save it in Excel"
            ) from None


def _read_sheet(
    workbook: Any, source: str, required: Sequence[str], chunk_rows: int, options: Mapping[str, str] | None
) -> Iterator[Chunk]:
    try:
        if not workbook.worksheets:
            raise InputError(f"{source} has no worksheet; export the data again")
        if len(workbook.worksheets) > 1:
            log.info("%s has %d worksheets; reading only the first", source, len(workbook.worksheets))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong sheet size; read what is really there
        rows_in = enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
        header: list[Any] | None = None
        for _, values in rows_in:
            if any(v is not None for v in values):
                header = list(values)
                break
        if header is None:
            raise InputError(f"{source} is empty (its first worksheet has no cells); export the data again")
        while header and header[-1] is None:
            header.pop()
        columns = unique_names(header)
        check_columns(required, columns, source, options)
        width = len(columns)
        rows: list[list[Any]] = []
        lines: list[int] = []
        for number, values in rows_in:
            cells = list(values[:width])
            if all(v is None for v in cells):
                continue
            cells.extend([None] * (width - len(cells)))
            rows.append(cells)
            lines.append(number)
            if len(rows) >= chunk_rows:
                yield make_chunk(rows, columns, lines)
                rows, lines = [], []
        if rows:
            yield make_chunk(rows, columns, lines)
    finally:
        workbook.close()
