"""Read any supported table file as a stream of Chunks; the one entry point for input files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from complaint_radar.errors import InputError
from complaint_radar.io.chunk import Chunk
from complaint_radar.io.formats import detect_format
from complaint_radar.io.sheet_readers import read_parquet, read_xlsx
from complaint_radar.io.text_readers import read_csv, read_jsonl
from complaint_radar.io.writer import TableWriter

__all__ = ["Chunk", "TableWriter", "read_chunks"]


def _checked_input(path: Path, source: str) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"input file not found: {source}; check the path") from None
    except OSError as exc:
        raise InputError(f"cannot open {source}: {exc.strerror or exc}") from None
    if info.st_size == 0:
        raise InputError(f"{source} is empty (0 bytes); export the data again")


def read_chunks(
    path: str | os.PathLike[str],
    columns_required: Sequence[str],
    chunk_rows: int = 5000,
    *,
    column_options: Mapping[str, str] | None = None,
) -> Iterator[Chunk]:
    """Stream ``path`` as Chunks of at most ``chunk_rows`` rows, in file order, in constant memory.

    The format comes from the extension (see ``detect_format``); ``.gz`` variants are decompressed on the
    fly and UTF-8 with or without BOM is accepted.  Every chunk has at least one row; a file with a header but
    no data rows yields nothing.  See ``Chunk`` for what the cells hold and how line numbers are counted.

    ``columns_required`` are checked against the header (JSONL: against the keys of the first chunk that has a
    valid object) before any row is yielded.  ``column_options`` maps a column to the option that named it,
    e.g. ``{"txt": "--text-column"}``, so the error can say which option to fix.

    Raises (all InputError, exit code 2) UnsupportedFormatError for an unknown extension, InputError for a
    missing / zero-byte / blank file or malformed CSV quoting, MissingColumnError for absent required columns,
    DecodeError for non-UTF-8 text, binary content or corrupt compression / Parquet / xlsx.  An unknown
    extension, a missing or a zero-byte file raise at the call itself; the rest on the first ``next``,
    except decoding or corruption found later in the file, which raises when reached (with its line number).
    """
    if isinstance(columns_required, str):
        raise TypeError("columns_required must be a list of column names, not a single string")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    if Path(path).is_dir():  # before the extension check, whose message would miss the point
        raise InputError(f"{os.fspath(path)} is a directory; pass a file inside it")
    fmt = detect_format(path)
    _checked_input(Path(path), os.fspath(path))
    return _read(Path(path), os.fspath(path), fmt, list(columns_required), chunk_rows, column_options)


def _read(
    path: Path,
    source: str,
    fmt: str,
    required: list[str],
    chunk_rows: int,
    options: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    gz = fmt.endswith(".gz")
    if fmt.startswith("csv"):
        yield from read_csv(path, source, gz, required, chunk_rows, options)
    elif fmt.startswith("jsonl"):
        yield from read_jsonl(path, source, gz, required, chunk_rows, options)
    elif fmt == "parquet":
        yield from read_parquet(path, source, required, chunk_rows, options)
    else:
        yield from read_xlsx(path, source, required, chunk_rows, options)
