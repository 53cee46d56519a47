"""TableWriter: stable Parquet schemas, JSON/CSV encoding, atomic publish and early format errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from complaint_radar.errors import InputError, UnsupportedFormatError
from complaint_radar.io import TableWriter, read_chunks


def test_parquet_all_none_chunk_after_strings(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"id": ["a", "b"], "error": ["x", "y"], "score": [0.5, 1.0]}))
        writer.write(pd.DataFrame({"id": ["c"], "error": [None], "score": [None]}))
        writer.write(pd.DataFrame({"id": ["d"], "error": [np.nan], "score": [2]}))
    table = pq.read_table(path)
    assert table.schema == pa.schema([("id", pa.string()), ("error", pa.string()), ("score", pa.float64())])
    assert table.column("error").to_pylist() == ["x", "y", None, None]
    assert table.column("score").to_pylist() == [0.5, 1.0, None, 2.0]


def test_parquet_first_chunk_all_none_becomes_string(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"error": [None, None]}))
        writer.write(pd.DataFrame({"error": ["bad", None]}))
        writer.write(pd.DataFrame({"error": [3, "mixed"]}))  # mixed object column: stringified
        writer.write(pd.DataFrame({"error": [2**70]}))  # beyond int64: stringified too
    table = pq.read_table(path)
    assert table.schema.field("error").type == pa.string()
    assert table.column("error").to_pylist() == [None, None, "bad", None, "3", "mixed", str(2**70)]


def test_parquet_explicit_types(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    first = pd.DataFrame(
        {
            "line": pd.array([2, 3], dtype="Int64"),
            "n": np.array([1, 2], dtype=np.int32),
            "valid": pd.array([True, None], dtype="boolean"),
            "flag": [True, False],
            "p": np.array([0.25, 0.5], dtype=np.float32),
            "label": pd.array(["a", None], dtype="string"),
        }
    )
    later = pd.DataFrame(
        {"line": [None], "n": [np.nan], "valid": [None], "flag": [None], "p": [1], "label": [7]}
    )
    with TableWriter(path) as writer:
        writer.write(first)
        writer.write(later)
    schema = pq.read_schema(path)
    assert [schema.field(n).type for n in first.columns] == [
        pa.int64(),
        pa.int64(),
        pa.bool_(),
        pa.bool_(),
        pa.float64(),
        pa.string(),
    ]
    assert pq.read_table(path).column("label").to_pylist() == ["a", None, "7"]


def test_parquet_incompatible_later_chunk_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with pytest.raises(ValueError, match="column 'n'"), TableWriter(path) as writer:
        writer.write(pd.DataFrame({"n": [1, 2]}))
        writer.write(pd.DataFrame({"n": [1.5]}))
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_later_chunk_may_omit_but_not_add_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"a": ["1"], "b": ["2"]}))
        writer.write(pd.DataFrame({"b": ["4"]}))
        with pytest.raises(ValueError, match="'c'"):
            writer.write(pd.DataFrame({"a": ["5"], "c": ["6"]}))
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n,4\n"


def test_jsonl_output_is_plain_utf8_json(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.gz"
    frame = pd.DataFrame(
        {
            "text": ["退款", None],
            "score": [np.float64(0.5), np.nan],
            "line": pd.array([2, None], dtype="Int64"),
            "when": pd.Series([pd.Timestamp("2024-01-02"), pd.NaT]),
            "url": ["http://x/y", "z"],
        }
    )
    with TableWriter(path) as writer:
        writer.write(frame)
    raw = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert "退款" in raw and "\\/" not in raw
    rows = [json.loads(line) for line in raw.splitlines()]
    assert rows == [
        {"text": "退款", "score": 0.5, "line": 2, "when": "2024-01-02T00:00:00", "url": "http://x/y"},
        {"text": None, "score": None, "line": None, "when": None, "url": "z"},
    ]


def test_csv_header_written_once_and_gzip_readable(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.gz"
    with TableWriter(path) as writer:
        for start in range(0, 6, 2):
            writer.write(pd.DataFrame({"id": [f"{i:03d}" for i in range(start, start + 2)], "t": ["x", "y"]}))
        assert writer.rows_written == 6
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert text.splitlines()[0] == "id,t" and text.count("id,t") == 1
    assert [row for c in read_chunks(path, ["id"]) for row in c.frame["id"]][:2] == ["000", "001"]


def test_failure_removes_temp_and_keeps_old_output(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), TableWriter(path) as writer:
        writer.write(pd.DataFrame({"a": [1]}))
        raise RuntimeError("boom")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_output_appears_only_on_close(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    writer = TableWriter(path)
    writer.write(pd.DataFrame({"a": ["x"]}))
    assert not path.exists()
    writer.close()
    assert pq.read_table(path).num_rows == 1
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]
    with pytest.raises(ValueError, match="closed"):
        writer.write(pd.DataFrame({"a": ["y"]}))


@pytest.mark.parametrize("name", ["out.xlsx", "out.txt", "out"])
def test_unsupported_output_fails_at_construction(name: str, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError) as excinfo:
        TableWriter(tmp_path / name)
    assert "\n" not in str(excinfo.value) and ".parquet" in str(excinfo.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        TableWriter(tmp_path / "nope" / "out.csv")


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet"])
def test_closing_without_writes_gives_an_empty_file(ext: str, tmp_path: Path) -> None:
    path = tmp_path / f"out.{ext}"
    with TableWriter(path):
        pass
    if ext == "parquet":
        assert pq.read_table(path).num_rows == 0
    else:
        assert path.read_bytes() == b""


def test_empty_first_chunk_keeps_columns(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"a": pd.Series([], dtype=object), "n": pd.Series([], dtype="float64")}))
    table = pq.read_table(path)
    assert table.schema == pa.schema([("a", pa.string()), ("n", pa.float64())])
