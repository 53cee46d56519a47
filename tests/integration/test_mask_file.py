"""`complaint-radar mask-file` end to end (subprocess, real files) and the mask_file service behind it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from complaint_radar.services.assessment.mask_file import mask_file
from complaint_radar.services.rows import RowProblem
from complaint_radar.text.pii import PiiKind

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture()
def messages_csv(tmp_path: Path) -> Path:
    path = tmp_path / "messages.csv"
    pd.DataFrame(
        {
            "id": ["001", "002", "003", "004"],
            "text": [
                "手机13812345678，订单号2024112312345678还没发货",
                "",
                "退款¥299.00到卡号6222021234567890128，邮箱zhang.san@example.com",
                "快递单号SF1234567890123，2024-11-23签收",
            ],
            "agent_note": ["回拨 010-12345678", "ok", "身份证11010519491231002X", "工号1024"],
        }
    ).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_mask_file_masks_the_text_columns_and_keeps_everything_else(
    messages_csv: Path, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"masked{suffix}"
    result = run(
        "mask-file", str(messages_csv), "--text-column", "text", "--text-column", "agent_note",
        "--output", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = {
        ".csv": lambda p: pd.read_csv(p, dtype=str, keep_default_na=False),
        ".jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
        ".parquet": pd.read_parquet,
    }[suffix](out)
    assert list(frame.columns) == ["id", "text", "agent_note"]
    assert list(frame["id"]) == ["001", "002", "003", "004"]
    assert list(frame["text"]) == [
        "手机138****5678，订单号2024112312345678还没发货",
        "",
        "退款¥299.00到卡号6222 **** **** 0128，邮箱z***@example.com",
        "快递单号SF1234567890123，2024-11-23签收",
    ]
    assert list(frame["agent_note"]) == ["回拨 010-****5678", "ok", "身份证110***********002X", "工号1024"]
    assert "4 rows, 0 with problems" in result.stderr
    assert "1 bank_card, 1 email, 1 id_card, 2 phone" in result.stderr


def test_mask_file_reports_bad_rows_and_finishes(tmp_path: Path) -> None:
    src = tmp_path / "chat.jsonl.gz"
    lines = [
        '{"id": 1, "text": "我的电话是13812345678"}',
        "{not json",
        '{"id": 3, "text": 13912345678}',
        '{"id": 4, "text": null}',
        '{"id": 5, "text": "Thanks, all sorted!"}',
    ]
    src.write_bytes(gzip.compress("\n".join(lines).encode("utf-8") + b"\n"))
    out = tmp_path / "chat.masked.jsonl"
    result = run("mask-file", str(src), "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"id": 1, "text": "我的电话是138****5678"},
        {"id": None, "text": None},
        {"id": 3, "text": None},
        {"id": 4, "text": None},
        {"id": 5, "text": "Thanks, all sorted!"},
    ]
    assert "line 2: invalid JSON" in result.stderr
    assert "line 3: column 'text': non-text input (int)" in result.stderr
    assert "5 rows, 2 with problems; masked 1 phone" in result.stderr
    assert "13912345678" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--text-column", "body"], "--text-column"),
        (["--text-column", "text", "--text-column", "comment"], "'comment'"),
    ],
)
def test_mask_file_missing_column_is_one_line_with_exit_code_2(
    messages_csv: Path, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "out.csv"
    result = run("mask-file", str(messages_csv), "--output", str(out), *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr
    assert not out.exists()


def test_mask_file_unknown_formats_fail_before_work(messages_csv: Path, tmp_path: Path) -> None:
    result = run("mask-file", str(messages_csv), "--output", str(tmp_path / "out.xlsx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and ".xlsx output is not supported" in result.stderr


def test_mask_file_service_streams_in_chunks_and_counts_what_it_masked(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "text,n\n"
        "call 13812345678,1\n"
        "card 4111 1111 1111 1111 or 5555555555554444,2\n"
        '"multi-line\nzhang.san@example.com",3\n'
        "nothing here,4\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    progress: list[int] = []
    problems: list[RowProblem] = []
    report = mask_file(
        src, out, text_columns=["text"], chunk_rows=1, on_progress=progress.append, on_problem=problems.append
    )
    assert (report.rows, report.invalid, report.cells_masked) == (4, 0, 3)
    assert report.masked == {PiiKind.PHONE: 1, PiiKind.BANK_CARD: 2, PiiKind.EMAIL: 1}
    assert progress == [1, 1, 1, 1] and problems == []
    frame = pd.read_csv(out, dtype=str)
    assert list(frame["text"]) == [
        "call 138****5678",
        "card 4111 **** **** 1111 or 5555 **** **** 4444",
        "multi-line\nz***@example.com",
        "nothing here",
    ]
    assert list(frame["n"]) == ["1", "2", "3", "4"]
