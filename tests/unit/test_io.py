"""Reading tables: formats, exact ids, line numbers, bad rows, encodings and actionable errors."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from complaint_radar.errors import DecodeError, InputError, MissingColumnError, UnsupportedFormatError
from complaint_radar.io import Chunk, TableWriter, detect_format, read_chunks

TEXTS = ["很差劲，退款!", 'said "no", then left', "two\nlines", "", "plain"]
IDS = ["000123", "12345678901234567890", "7", "0", "00"]
_GZIPPED = gzip.compress(("id,text\n" + "".join(f"{i},message {i * 7919}\n" for i in range(2000))).encode())
TRUNCATED_GZIP = _GZIPPED[: len(_GZIPPED) // 2]


def read_all(path: Path, required: list[str] | None = None, chunk_rows: int = 5000) -> list[Chunk]:
    return list(read_chunks(path, required or [], chunk_rows=chunk_rows))


def rows_of(chunks: list[Chunk]) -> list[dict[Hashable, Any]]:
    return [row for chunk in chunks for row in chunk.frame.to_dict("records")]


def lines_of(chunks: list[Chunk]) -> list[int]:
    return [line for chunk in chunks for line in chunk.lines]


def one_line_error(excinfo: pytest.ExceptionInfo[Exception]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


# --- formats -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("A.CSV", "csv"),
        ("a.csv.gz", "csv.gz"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.jsonl.gz", "jsonl.gz"),
        ("a.ndjson.gz", "jsonl.gz"),
        ("x.y.parquet", "parquet"),
        ("a.xlsx", "xlsx"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["a.txt", "a.xls", "a.json", "a.gz", "noext", "a.csv.bz2"])
def test_unknown_extension_names_supported_ones(name: str, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError) as excinfo:
        read_chunks(tmp_path / name, ["text"])  # raised at once, before iterating
    message = one_line_error(excinfo)
    assert name in message and ".csv.gz" in message and ".xlsx" in message
    assert excinfo.value.exit_code == 2


def test_xlsx_is_input_only() -> None:
    with pytest.raises(UnsupportedFormatError, match="xlsx"):
        detect_format("out.xlsx", output=True)


# --- round trips ---------------------------------------------------------------------------------------


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame({"id": IDS, "text": TEXTS, "label": ["a", "b", "c", "d", "e"]}, dtype=object)


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "jsonl", "jsonl.gz", "ndjson", "parquet"])
def test_round_trip_every_writable_format(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"data.{ext}"
    with TableWriter(path) as writer:
        writer.write(sample_frame().iloc[:2])
        writer.write(sample_frame().iloc[2:])
    chunks = read_all(path, ["id", "text"], chunk_rows=2)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert rows_of(chunks) == sample_frame().to_dict("records")


def test_round_trip_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["id", "text", "score"])
    sheet.append(["000123", "退款太慢", 3])
    sheet.append(["2", None, 4.5])
    sheet.append([None, None, None])  # fully empty row: skipped, line numbers keep the sheet rows
    sheet.append(["4", "ok", True])
    workbook.save(path)
    chunks = read_all(path, ["text"], chunk_rows=2)
    assert rows_of(chunks) == [
        {"id": "000123", "text": "退款太慢", "score": 3},
        {"id": "2", "text": None, "score": 4.5},
        {"id": "4", "text": "ok", "score": True},
    ]
    assert lines_of(chunks) == [2, 3, 5]


def test_csv_cells_are_exact_strings(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text('id,text,n\n000123,,1.50\n12345678901234567890,"a,b",NA\n', encoding="utf-8")
    [chunk] = read_all(path, ["id"])
    assert rows_of([chunk]) == [
        {"id": "000123", "text": "", "n": "1.50"},
        {"id": "12345678901234567890", "text": "a,b", "n": "NA"},
    ]
    assert all(str(dtype) == "object" for dtype in chunk.frame.dtypes)


def test_jsonl_non_text_cells_keep_their_raw_values(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    values: list[Any] = [None, "", 5, 2.5, True, [1, "x"], {"k": "v"}, "000123"]
    path.write_text("\n".join(json.dumps({"text": v}) for v in values) + '\n{"other": 1}\n', encoding="utf-8")
    chunks = read_all(path, ["text"], chunk_rows=3)
    texts = [row["text"] for row in rows_of(chunks)]
    assert texts == [*values, None]  # an absent key reads as None, like null
    assert [type(t) for t in texts[2:5]] == [int, float, bool]
    assert rows_of(chunks)[-1]["other"] == 1
    assert not any(c.row_errors for c in chunks)


def test_jsonl_big_integer_ids_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_text('{"id": 12345678901234567890123, "text": "x"}\n', encoding="utf-8")
    assert rows_of(read_all(path, ["id"]))[0]["id"] == 12345678901234567890123


def test_parquet_non_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "id": pa.array([9007199254740993, None], type=pa.int64()),
            "text": pa.array(["a", None]),
            "tags": pa.array([["x"], []]),
        }
    )
    pq.write_table(table, path)
    assert rows_of(read_all(path, ["text"])) == [
        {"id": 9007199254740993, "text": "a", "tags": ["x"]},
        {"id": None, "text": None, "tags": []},
    ]


# --- line numbers --------------------------------------------------------------------------------------


def test_csv_line_numbers_follow_multiline_fields_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        'id,text\n1,"first\nsecond"\n2,b\n\n3,"x\r\ny\nz"\n4,d\n5,e\n',
        encoding="utf-8",
    )
    chunks = read_all(path, ["text"], chunk_rows=2)
    assert [c.first_line for c in chunks] == [2, 6, 10]
    assert lines_of(chunks) == [2, 4, 6, 9, 10]
    assert chunks[1].line(1) == 9
    assert [r["text"] for r in rows_of(chunks)] == ["first\nsecond", "b", "x\r\ny\nz", "d", "e"]


def test_csv_line_numbers_across_many_chunks(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("id,text\n" + "".join(f"{i},t{i}\n" for i in range(23)), encoding="utf-8")
    chunks = read_all(path, ["text"], chunk_rows=5)
    assert [c.first_line for c in chunks] == [2, 7, 12, 17, 22]
    assert lines_of(chunks) == list(range(2, 25))


def test_jsonl_bad_lines_are_rows_with_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "text": "one"}\n'
        "\n"
        '{"id": "b", "text": "two"\n'  # line 3: truncated object
        '["not", "an", "object"]\n'  # line 4
        '{"id": "c", "text": "three"}\n',  # line 5
        encoding="utf-8",
    )
    chunks = read_all(path, ["text"], chunk_rows=2)
    assert lines_of(chunks) == [1, 3, 4, 5]
    errors = {chunk.line(pos): reason for chunk in chunks for pos, reason in chunk.row_errors.items()}
    assert set(errors) == {3, 4}
    assert errors[3].startswith("invalid JSON") and "array" in errors[4]
    assert [r["text"] for r in rows_of(chunks)] == ["one", None, None, "three"]


def test_jsonl_chunk_of_only_bad_lines_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text('oops\n{"broken"\n{"text": "fine"}\n', encoding="utf-8")
    chunks = read_all(path, [], chunk_rows=2)
    assert [len(c) for c in chunks] == [2, 1]
    assert list(chunks[0].row_errors) == [0, 1] and not chunks[1].row_errors
    assert rows_of(chunks)[2] == {"text": "fine"}


def test_jsonl_without_any_object_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "notjson.jsonl"
    path.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1") as excinfo:
        read_all(path, ["text"])
    one_line_error(excinfo)


def test_parquet_lines_are_row_numbers_plus_one(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(7)]}), path)
    chunks = read_all(path, ["text"], chunk_rows=3)
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert lines_of(chunks) == list(range(2, 9))


def test_csv_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("id,text,channel\n1,short\n2,a,b,c\n3,ok,web\n", encoding="utf-8")
    [chunk] = read_all(path, ["text"])
    assert rows_of([chunk]) == [
        {"id": "1", "text": "short", "channel": None},
        {"id": None, "text": None, "channel": None},
        {"id": "3", "text": "ok", "channel": "web"},
    ]
    assert list(chunk.row_errors) == [1] and "4 fields" in chunk.row_errors[1]


def test_large_csv_streams_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,text\n")
        handle.writelines(f"{i:06d},message number {i}\n" for i in range(200_000))
    count = rows = 0
    last: Chunk | None = None
    for chunk in read_chunks(path, ["id", "text"], chunk_rows=5000):
        assert len(chunk) == 5000
        count, rows, last = count + 1, rows + len(chunk), chunk
    assert count == 40 and rows == 200_000
    assert last is not None and last.lines[-1] == 200_001
    assert last.frame["id"].iloc[-1] == "199999"


# --- errors --------------------------------------------------------------------------------------------


def test_missing_column_message_is_actionable(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text("id,text,label\n1,x,y\n", encoding="utf-8")
    with pytest.raises(MissingColumnError) as excinfo:
        list(read_chunks(path, ["txt"], column_options={"txt": "--text-column"}))
    message = one_line_error(excinfo)
    assert message.startswith("column 'txt' not found in ")
    assert "reviews.csv" in message and "available columns: id, text, label" in message
    assert "did you mean 'text'" in message and "--text-column" in message
    assert excinfo.value.exit_code == 2


@pytest.mark.parametrize("ext", ["jsonl", "parquet", "xlsx"])
def test_missing_column_in_other_formats(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"in.{ext}"
    if ext == "xlsx":
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.append(["id", "body"])
        sheet.append(["1", "x"])
        workbook.save(path)
    else:
        with TableWriter(path) as writer:
            writer.write(pd.DataFrame({"id": ["1"], "body": ["x"]}))
    with pytest.raises(MissingColumnError, match="available columns: id, body"):
        read_all(path, ["text"])


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_gbk_input_is_a_decode_error(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"gbk.{ext}"
    body = "id,text\n1,物流太慢了\n" if ext == "csv" else '{"id": 1, "text": "物流太慢了"}\n'
    path.write_bytes(body.encode("gbk"))
    with pytest.raises(DecodeError) as excinfo:
        read_all(path, ["text"])
    message = one_line_error(excinfo)
    assert "UTF-8" in message and "re-save" in message
    assert ("line 2" if ext == "csv" else "line 1") in message


@pytest.mark.parametrize(
    ("payload", "gz"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False),
        ("id,text\n1,x\n".encode("utf-16"), False),
        (b"\x1f\x8b\x08\x00garbage", True),  # corrupt gzip
        (TRUNCATED_GZIP, True),
        (b"id,text\n1,x\n", True),  # plain text named .gz
        (gzip.compress(b"id,text\n1,x\n"), False),  # gzip named .csv
    ],
    ids=["png", "utf16", "corrupt-gz", "truncated-gz", "plain-as-gz", "gz-as-csv"],
)
def test_binary_or_corrupt_input_is_a_decode_error(payload: bytes, gz: bool, tmp_path: Path) -> None:
    path = tmp_path / ("in.csv.gz" if gz else "in.csv")
    path.write_bytes(payload)
    with pytest.raises(DecodeError) as excinfo:
        read_all(path, ["text"])
    one_line_error(excinfo)


@pytest.mark.parametrize("ext", ["parquet", "xlsx"])
def test_corrupt_binary_formats(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(b"this is not a real file" * 10)
    with pytest.raises(DecodeError, match=ext) as excinfo:
        read_all(path, ["text"])
    one_line_error(excinfo)


@pytest.mark.parametrize("ext", ["csv", "jsonl"])
def test_utf8_bom_is_transparent(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"bom.{ext}"
    body = "id,text\n1,好\n" if ext == "csv" else '{"id": "1", "text": "好"}\n'
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    chunks = read_all(path, ["id", "text"])
    assert rows_of(chunks) == [{"id": "1", "text": "好"}]
    assert lines_of(chunks) == [2 if ext == "csv" else 1]


@pytest.mark.parametrize("name", ["empty.csv", "empty.jsonl", "empty.parquet", "empty.xlsx", "empty.csv.gz"])
def test_zero_byte_file_is_an_input_error(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_all(path, ["text"])


@pytest.mark.parametrize(("name", "body"), [("blank.csv", "\n\n"), ("blank.jsonl", "\n  \n")])
def test_blank_text_file_is_an_input_error(name: str, body: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_all(path, [])
    gz = tmp_path / f"{name}.gz"
    gz.write_bytes(gzip.compress(body.encode()))
    with pytest.raises(InputError, match="empty"):
        read_all(gz, [])


def test_header_only_csv_yields_no_chunks_but_checks_columns(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("id,text\n", encoding="utf-8")
    assert read_all(path, ["text"]) == []
    with pytest.raises(MissingColumnError):
        read_all(path, ["body"])


def test_missing_input_file_fails_at_the_call(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as excinfo:
        read_chunks(tmp_path / "nope.csv", ["text"])
    one_line_error(excinfo)


def test_chunk_rows_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chunk_rows"):
        read_chunks(tmp_path / "x.csv", [], chunk_rows=0)


def _damaged_xlsx(tmp_path: Path, member: str, damage: Callable[[bytes], bytes]) -> Path:
    """A real workbook with one zip member rewritten by `damage`."""
    good = tmp_path / "good.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["text"])
    sheet.append(["退款太慢"])
    workbook.save(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, damage(data) if item.filename == member else data)
    return bad


@pytest.mark.parametrize(
    ("member", "damage"),
    [
        # malformed XML in the sheet (ElementTree's ParseError, a SyntaxError)
        ("xl/worksheets/sheet1.xml", lambda data: data[: len(data) // 2]),
        # an attribute openpyxl does not know, in the workbook it parses up front (its TypeError)
        ("xl/workbook.xml", lambda data: data.replace(b"<workbookPr", b'<workbookPr aokVve="1"', 1)),
    ],
    ids=["truncated sheet XML", "unknown XML attribute"],
)
def test_a_damaged_xlsx_is_one_clear_error(
    tmp_path: Path, member: str, damage: Callable[[bytes], bytes]
) -> None:
    path = _damaged_xlsx(tmp_path, member, damage)
    with pytest.raises(DecodeError, match=r"\.xlsx|workbook"):
        read_all(path, ["text"], chunk_rows=10)
