"""Hostile input files and texts for the property tests and the long fuzz campaign (bench/fuzz_inputs.py).

`hostile_files()` draws a file name and its bytes: CSV / JSONL (plain or gzip), Parquet or Excel, in UTF-8,
UTF-8 with BOM, GBK, Big5 or UTF-16; with giant fields, control characters, emoji and mixed scripts;
empty, header-only, truncated or with flipped bytes. `check_file` reads one back the way every command
does and fails on anything but rows or a clear InputError.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import strategies as st

from complaint_radar.errors import InputError
from complaint_radar.io import read_chunks

SCRIPTS = "我要投诉你们的客服態度太差了退款Refund 환불 返金 🤬😡👍 ١٢٣ Ωμέγα"
CONTROL = "".join(chr(c) for c in (*range(0, 32), 127, 0x85, 0x2028, 0x2029, 0xFEFF, 0x200B))

cell_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=SCRIPTS + CONTROL + ',"\n\r\\{}[]', max_size=80),
    st.builds(lambda s, n: s * n, st.sampled_from(["投诉", "x", "😡", '"', "\n"]), st.integers(1, 40_000)),
)
cell = st.one_of(cell_text, st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.booleans())
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "big5", "utf-16", "latin-1"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    header = draw(st.lists(st.one_of(st.just("text"), cell_text), min_size=0, max_size=4))
    if draw(st.booleans()) and "text" not in header:
        header = ["text", *header]
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 1), max_size=6))
    return header, rows


def _csv_bytes(header: list[str], rows: list[list[Any]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def _jsonl_bytes(header: list[str], rows: list[list[Any]], encoding: str) -> bytes:
    lines = [json.dumps(dict(zip(header or ["text"], row, strict=False)), ensure_ascii=False) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding, errors="replace")


def _parquet_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    names = list(dict.fromkeys(header or ["text"]))
    columns = {n: [None if r[i : i + 1] == [] else str(r[i]) for r in rows] for i, n in enumerate(names)}
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def _xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        safe = [
            v if isinstance(v, int | float | bool) and abs(float(v)) < 1e15 else _xlsx_text(v) for v in row
        ]
        sheet.append(safe)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()


def _xlsx_number(value: Any) -> bool:
    return isinstance(value, int | float | bool) and abs(float(value)) < 1e15


def _xlsx_text(value: Any) -> str | None:
    if value is None:
        return None
    return "".join(ch for ch in str(value)[:30_000] if ch >= " " or ch in "\t\n\r")


@st.composite
def hostile_files(draw: st.DrawFn) -> tuple[str, bytes]:
    header, rows = draw(tables())
    kind = draw(st.sampled_from(["csv", "csv.gz", "jsonl", "jsonl.gz", "parquet", "xlsx"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    if kind.startswith("csv"):
        data = _csv_bytes(header, rows, encoding)
    elif kind.startswith("jsonl"):
        data = _jsonl_bytes(header, rows, encoding)
    elif kind == "parquet":
        data = _parquet_bytes(header, rows)
    else:
        data = _xlsx_bytes(header, rows)
    if kind.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "empty"]))
    # Offsets are drawn before the length is known (Excel files embed the time, so it varies by run).
    where, mask = draw(st.integers(0, 2**32)), draw(st.integers(1, 255))
    if damage == "truncate" and data:
        data = data[: where % len(data)]
    elif damage == "flip" and data:
        at = where % len(data)
        data = data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :]
    elif damage == "empty":
        data = b""
    return f"input.{kind}", data


def check_file(path: Path) -> list[str]:
    """Read `path` as the file commands do; the texts read, or [] after a clear InputError."""
    texts: list[str] = []
    try:
        for chunk in read_chunks(path, ["text"], chunk_rows=3):
            texts += [t for t in chunk.frame["text"].tolist() if isinstance(t, str)]
    except InputError as exc:
        message = str(exc)
        assert message.strip() and "Traceback" not in message, f"unclear rejection: {message!r}"
        return []
    return texts
