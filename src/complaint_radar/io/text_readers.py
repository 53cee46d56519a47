"""Streaming CSV and JSON Lines readers (optionally gzip-compressed), UTF-8 with or without BOM."""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

from complaint_radar.errors import DecodeError, InputError
from complaint_radar.io.chunk import Chunk, check_columns, make_chunk, unique_names

_SNIFF_BYTES = 4096
_CSV_FIELD_LIMIT = 16 * 1024 * 1024
_RESAVE = "re-save it as UTF-8 (in Excel: Save As → 'CSV UTF-8')"


class _Lines:
    """Iterate a binary stream as decoded text lines (line endings kept), counting physical lines."""

    def __init__(self, raw: IO[bytes], source: str) -> None:
        self._raw = raw
        self._source = source
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for data in self._raw:
            self.count += 1
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = data[exc.start]
                raise DecodeError(
                    f"{self._source} is not valid UTF-8 (byte 0x{bad:02x} on line {self.count}); it may be "
                    f"in a legacy encoding such as GBK — {_RESAVE}"
                ) from None
            yield text.removeprefix("\ufeff") if self.count == 1 else text


def _corrupt_gzip(source: str) -> DecodeError:
    return DecodeError(
        f"{source} is a corrupt or truncated gzip file; compress it again or fetch a fresh copy"
    )


def _open(path: Path, gz: bool) -> IO[bytes]:
    try:
        return cast(IO[bytes], gzip.open(path, "rb")) if gz else path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from None


def _sniff(path: Path, gz: bool, source: str) -> None:
    """Fail early, with a precise message, on content that is clearly not UTF-8 text."""
    try:
        with _open(path, gz) as raw:
            head = raw.read(_SNIFF_BYTES)
    except gzip.BadGzipFile:
        raise DecodeError(
            f"{source} is not gzip-compressed despite its .gz name; rename it without the .gz ending"
        ) from None
    except (EOFError, zlib.error):
        raise _corrupt_gzip(source) from None
    stem = path.name
    if not gz and head.startswith(b"\x1f\x8b"):
        raise DecodeError(f"{source} is gzip-compressed; rename it to {stem}.gz")
    if head.startswith(b"PK\x03\x04"):
        raise DecodeError(f"{source} is a zip/Excel file, not text; name it .xlsx or export 'CSV UTF-8'")
    if head.startswith(b"PAR1"):
        raise DecodeError(f"{source} is a Parquet file, not text; rename it to end in .parquet")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise DecodeError(f"{source} is UTF-16 or binary, not UTF-8 text; {_RESAVE}")


@contextlib.contextmanager
def _reading(path: Path, gz: bool, source: str) -> Iterator[IO[bytes]]:
    """Open for reading and turn low-level gzip / OS failures into one-line user errors."""
    _sniff(path, gz, source)
    raw = _open(path, gz)
    try:
        yield raw
    except (EOFError, zlib.error, gzip.BadGzipFile):
        raise _corrupt_gzip(source) from None
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
    finally:
        raw.close()


def read_csv(
    path: Path,
    source: str,
    gz: bool,
    required: Sequence[str],
    chunk_rows: int,
    options: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    """CSV (comma, double quotes) with a header row; every cell is a ``str``."""
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    with _reading(path, gz, source) as raw:
        lines = _Lines(raw, source)
        reader = csv.reader(lines)
        try:
            header = next((record for record in reader if record), None)
            if header is None:
                raise InputError(f"{source} is empty (no header row); export it again with a header row")
            columns = unique_names(header)
            check_columns(required, columns, source, options)
            width = len(columns)
            rows: list[list[str | None]] = []
            starts: list[int] = []
            errors: dict[int, str] = {}
            previous = reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                if len(record) > width:
                    errors[len(rows)] = (
                        f"row has {len(record)} fields but the header has {width} "
                        "(unquoted comma or stray quote?)"
                    )
                    rows.append([None] * width)
                elif len(record) < width:
                    rows.append([*record, *([None] * (width - len(record)))])
                else:
                    rows.append(list(record))
                starts.append(start)
                if len(rows) >= chunk_rows:
                    yield make_chunk(rows, columns, starts, errors)
                    rows, starts, errors = [], [], {}
            if rows:
                yield make_chunk(rows, columns, starts, errors)
        except csv.Error as exc:
            raise InputError(
                f"{source} line {lines.count} is not valid CSV ({exc}); check for an unclosed quote"
            ) from None


_JSON_KINDS: dict[type, str] = {list: "an array", str: "a string", int: "a number", float: "a number"}


def _parse_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} (column {exc.colno})"
    except RecursionError:
        return None, "invalid JSON: nested too deeply"
    if isinstance(value, dict):
        return value, None
    kind = "a boolean" if isinstance(value, bool) else "null" if value is None else _JSON_KINDS[type(value)]
    return None, f"not a JSON object (the line holds {kind}); each line must be one {{...}} object"


def read_jsonl(
    path: Path,
    source: str,
    gz: bool,
    required: Sequence[str],
    chunk_rows: int,
    options: Mapping[str, str] | None,
) -> Iterator[Chunk]:
    """JSON Lines: one object per line; bad lines come through as all-``None`` rows with a row error."""
    seen: dict[str, None] = {}
    checked = False
    any_line = False
    first_error: str | None = None
    objects: list[dict[str, Any]] = []
    starts: list[int] = []
    errors: dict[int, str] = {}

    def flush() -> Chunk:
        nonlocal checked
        if not checked and len(errors) < len(objects):
            check_columns(required, list(seen), source, options)
            checked = True
        columns = list(dict.fromkeys([*seen, *required]))
        data = {name: [obj.get(name) for obj in objects] for name in columns}
        return make_chunk(data, columns, starts, errors)

    with _reading(path, gz, source) as raw:
        lines = _Lines(raw, source)
        for text in lines:
            if not text.strip():
                continue
            any_line = True
            value, problem = _parse_object(text)
            if value is None:
                errors[len(objects)] = problem or "invalid JSON"
                first_error = first_error or f"line {lines.count}: {problem}"
                value = {}
            else:
                seen.update(dict.fromkeys(value))
            objects.append(value)
            starts.append(lines.count)
            if len(objects) >= chunk_rows:
                yield flush()
                objects, starts, errors = [], [], {}
        if objects:
            yield flush()
    if not any_line:
        raise InputError(f"{source} is empty (no JSON lines); export the data again")
    if not checked:
        raise InputError(
            f"{source} has no valid JSON object on any line ({first_error}); JSON Lines needs one {{...}} "
            "object per line"
        )
