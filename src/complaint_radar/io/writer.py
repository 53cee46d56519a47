"""TableWriter: append DataFrame chunks to a CSV / JSONL / Parquet file, published atomically on close."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import gzip
import io
import json
import math
import os
import secrets
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from complaint_radar.errors import InputError
from complaint_radar.io.formats import detect_format

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _jsonable(value: Any) -> Any:
    """A value json.dumps accepts, as plain JSON: missing / nan / inf -> null, dates -> ISO 8601 text."""
    if isinstance(value, str | bool | int) and not isinstance(value, np.generic):
        return value
    if _is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str | bool | int):
        return value
    return str(value)


def _normalized(array: pa.Array) -> pa.Array:
    """Pin Arrow types to the explicit set we write: string, float64, int64, bool (others kept as is)."""
    kind = array.type
    if pa.types.is_dictionary(kind):
        return _normalized(array.cast(kind.value_type))
    if pa.types.is_null(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array.cast(pa.string())
    if pa.types.is_integer(kind):
        return array.cast(pa.int64())
    if pa.types.is_floating(kind):
        return array.cast(pa.float64())
    return array


def _stringified(series: pd.Series[Any]) -> pa.Array:
    return pa.array([None if _is_missing(v) else str(v) for v in series.tolist()], type=pa.string())


def _inferred(series: pd.Series[Any]) -> pa.Array:
    """The first chunk's column as Arrow; mixed object columns become strings."""
    try:
        return _normalized(pa.array(series, from_pandas=True))
    except _ARROW_ERRORS:
        return _stringified(series)


def _conformed(series: pd.Series[Any], target: pa.DataType, name: str) -> pa.Array:
    """A later chunk's column cast to the type the first chunk fixed."""
    try:
        array = pa.array(series, from_pandas=True)
        return array if array.type == target else array.cast(target)
    except _ARROW_ERRORS as exc:
        if target == pa.string():
            return _stringified(series)
        raise ValueError(
            f"column '{name}' was {target} in the first chunk but a later chunk has values that do not fit "
            f"({exc}); give the column a stable dtype before writing"
        ) from None


class TableWriter:
    """Write DataFrame chunks to ``path`` (format from the extension) and publish it atomically.

    ``.csv`` / ``.csv.gz``: UTF-8 (no BOM), header written once, missing values as empty cells.
    ``.jsonl`` / ``.jsonl.gz``: one object per line, ``ensure_ascii=False``, missing / nan -> null,
    dates -> ISO 8601 strings.  ``.parquet``: one row group per chunk; the first non-empty chunk fixes the
    schema (bool -> bool, integers -> int64, floats -> float64, text / all-null / mixed -> string), and later
    chunks are cast to it.  The first ``write`` fixes the column names; later chunks may omit columns
    (written as missing) but may not add any (ValueError).

    Data goes to a hidden temp file next to ``path``; ``close()`` (or leaving the ``with`` block normally)
    renames it onto ``path``; an exception inside the block (or ``abort()``) deletes it, so ``path`` is
    never left half-written.  Closing without any ``write`` produces an empty file (Parquet: no columns).

    Raises at construction, before any work: UnsupportedFormatError for an unknown or ``.xlsx`` extension,
    InputError when the output directory does not exist or ``path`` is a directory.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.is_dir():  # before the extension check, whose message would miss the point
            raise InputError(f"cannot write {self.path}: it is a directory; give a file name")
        self.format = detect_format(self.path, output=True)
        parent = self.path.parent
        if not parent.is_dir():
            raise InputError(f"cannot write {self.path}: directory {parent} does not exist; create it first")
        self._tmp: Path | None = None
        self._raw: IO[bytes] | None = None
        self._gzip: gzip.GzipFile | None = None
        self._text: io.TextIOWrapper | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._columns: list[str] | None = None
        self._empty: pd.DataFrame | None = None
        self._schema: pa.Schema | None = None
        self._done = False
        self._header_done = False
        self.rows_written = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _open(self) -> None:
        if self._raw is not None:
            return
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            self._raw = tmp.open("xb")
        except OSError as exc:
            raise InputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._tmp = tmp
        if self.format == "parquet":
            return
        sink: IO[bytes] | gzip.GzipFile = self._raw
        if self.format.endswith(".gz"):
            inner = self.path.name.removesuffix(".gz").removesuffix(".GZ")
            self._gzip = gzip.GzipFile(filename=inner, mode="wb", fileobj=self._raw, mtime=0)
            sink = self._gzip
        self._text = io.TextIOWrapper(sink, encoding="utf-8", newline="")

    def _aligned(self, df: pd.DataFrame) -> pd.DataFrame:
        names = [str(c) for c in df.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"cannot write {self.path}: duplicate column names {names}")
        if names != list(df.columns):
            df = df.set_axis(names, axis=1)
        if self._columns is None:
            self._columns = names
            return df
        if names == self._columns:
            return df
        extra = [n for n in names if n not in self._columns]
        if extra:
            raise ValueError(f"cannot write {self.path}: columns {extra} were not in the first chunk")
        return df.reindex(columns=self._columns)

    def write(self, df: pd.DataFrame) -> None:
        """Append ``df`` (its index is not written)."""
        if self._done:
            raise ValueError(f"TableWriter for {self.path} is already closed")
        df = self._aligned(df)
        self._open()
        if self.format == "parquet":
            self._write_parquet(df)
        elif self.format.startswith("csv"):
            assert self._text is not None
            df.to_csv(self._text, header=not self._header_done, index=False, lineterminator="\n")
            self._header_done = True
        elif len(df):
            assert self._text is not None
            self._write_jsonl(df)
        self.rows_written += len(df)

    def _write_jsonl(self, df: pd.DataFrame) -> None:
        assert self._text is not None
        names = list(df.columns)
        lines = [
            json.dumps(
                {name: _jsonable(value) for name, value in zip(names, values, strict=True)},
                ensure_ascii=False,
                allow_nan=False,
            )
            for values in zip(*(df[name].tolist() for name in names), strict=True)
        ]
        self._text.write("\n".join(lines) + "\n")

    def _write_parquet(self, df: pd.DataFrame) -> None:
        if self._schema is None:
            if not len(df):
                self._empty = df
                return
            arrays = [_inferred(df[name]) for name in df.columns]
            self._schema = pa.schema(
                [pa.field(name, a.type) for name, a in zip(df.columns, arrays, strict=True)]
            )
            assert self._raw is not None
            self._parquet = pq.ParquetWriter(self._raw, self._schema)
        else:
            if not len(df):
                return
            arrays = [_conformed(df[f.name], f.type, f.name) for f in self._schema]
        assert self._parquet is not None
        self._parquet.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        """Finish the file and atomically move it onto ``path``; the temp file is removed on failure."""
        if self._done:
            return
        try:
            self._open()
            if self.format == "parquet" and self._parquet is None:
                empty = self._empty if self._empty is not None else pd.DataFrame()
                arrays = [_inferred(empty[name]) for name in empty.columns]
                schema = pa.schema(
                    [pa.field(str(n), a.type) for n, a in zip(empty.columns, arrays, strict=True)]
                )
                assert self._raw is not None
                pq.write_table(pa.Table.from_arrays(arrays, schema=schema), self._raw)
            self._finish_streams()
            assert self._tmp is not None
            os.replace(self._tmp, self.path)
            self._tmp = None
        except BaseException:
            self.abort()
            raise
        self._done = True

    def _finish_streams(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._text is not None:
            self._text.flush()
            self._text.detach()
            self._text = None
        if self._gzip is not None:
            self._gzip.close()
        if self._raw is not None:
            self._raw.flush()
            os.fsync(self._raw.fileno())
            self._raw.close()

    def abort(self) -> None:
        """Drop everything written so far; ``path`` is left untouched."""
        self._done = True
        if self._text is not None:
            with contextlib.suppress(Exception):
                self._text.detach()
            self._text = None
        for closer in (self._parquet, self._gzip, self._raw):
            if closer is not None:
                with contextlib.suppress(Exception):  # already failing; the temp file is deleted below
                    closer.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
