"""The `complaint-radar` CLI end to end, as a user runs it (subprocess, real files)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def test_assess_prints_a_panel_with_the_stage() -> None:
    result = run("assess", "我要投诉你们的客服!")
    assert result.returncode == 0, result.stderr
    assert "formal_complaint" in result.stdout


def test_assess_json_is_a_full_assessment() -> None:
    result = run("assess", "十天了还没发货,再不发货我就投诉", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["stage"] == "potential_complaint"
    assert {"risk_score", "emotions", "cues", "explanation", "recommended_handling", "model_version"} <= set(
        data
    )


@pytest.fixture()
def messy_csv(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": ["001", "002", "003", "004"],
            "text": ["我要投诉!", "", "谢谢,很满意", "   "],
        }
    ).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_assess_file_writes_one_row_per_input_row(messy_csv: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    result = run(
        "assess-file", str(messy_csv), "--text-column", "text", "--id-column", "id", "--output", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = {
        ".csv": lambda p: pd.read_csv(p, dtype={"id": str}),
        ".jsonl": lambda p: pd.read_json(p, lines=True, dtype={"id": str}),
        ".parquet": pd.read_parquet,
    }[suffix](out)
    assert list(frame["id"]) == ["001", "002", "003", "004"]
    assert list(frame["valid"]) == [True, False, True, False]
    assert frame.loc[0, "stage"] == "formal_complaint"
    assert "empty text" in str(frame.loc[1, "error"])
    expected = {
        "language", "sentiment", "sentiment_score", "dissatisfaction_probability", "complaint_probability",
        "is_complaint", "dominant_emotion", "anger", "stage", "causes", "demands", "customer_type",
        "risk_score", "risk_level", "cues", "valid", "error",
    }  # fmt: skip
    assert expected <= set(frame.columns)
    assert "line 3" in result.stderr and "empty text" in result.stderr


def test_assess_file_reads_gzipped_jsonl_with_bad_lines(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl.gz"
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": 1, "text": "太差了,再也不来了"}, ensure_ascii=False) + "\n")
        fh.write("{not json\n")
        fh.write(json.dumps({"id": 3, "text": 42}) + "\n")
        fh.write(json.dumps({"id": 4, "text": "Thanks, all sorted!"}) + "\n")
    out = tmp_path / "out.csv"
    result = run("assess-file", str(src), "--id-column", "id", "--output", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, dtype={"id": str})
    assert len(frame) == 4
    assert list(frame["valid"]) == [True, False, False, True]
    assert "non-text" in str(frame.loc[2, "error"])


@pytest.mark.parametrize(
    ("content", "name", "args", "needle"),
    [
        ("id,body\n1,hi\n", "in.csv", [], "text"),
        ("whatever", "in.txt", [], "in.txt"),
        (None, "gbk.csv", [], "UTF-8"),
    ],
)
def test_assess_file_errors_are_one_line_with_exit_code_2(
    tmp_path: Path, content: str | None, name: str, args: list[str], needle: str
) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes("id,text\n1,我要投诉你们的服务\n".encode("gbk"))
    else:
        path.write_text(content, encoding="utf-8")
    result = run("assess-file", str(path), "--output", str(tmp_path / "o.csv"), *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_output_format_fails_before_work(messy_csv: Path, tmp_path: Path) -> None:
    result = run("assess-file", str(messy_csv), "--output", str(tmp_path / "out.xml"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_assess_file_explain_adds_reasons_tied_to_the_text(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,你们这什么态度!我要投诉!\n2,谢谢，很满意\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "-m", "complaint_radar.cli.main", "assess-file", str(src), "--text-column", "text",
         "--id-column", "id", "--output", str(out), "--explain", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out)
    reasons = json.loads(frame.loc[0, "explanation"])
    assert reasons and all(r["reason_zh"] and r["reason_en"] for r in reasons)
    text = "你们这什么态度!我要投诉!"
    assert any(text[s:e] == quote for r in reasons for s, e, quote in r["spans"])
    assert json.loads(frame.loc[1, "explanation"]) == []


def test_assess_file_reads_a_channel_column_without_being_told(tmp_path: Path) -> None:
    grumbles = [
        "I waited on hold for over an hour and then got cut off",
        "third email this week and still no reply about my refund",
        "the engineer never turned up, I took the day off for nothing",
        "you charged me twice for the same order",
        "the app logged me out again halfway through paying",
        "nobody told me the branch was closing early",
    ]
    with_channel, without = tmp_path / "with.csv", tmp_path / "without.csv"
    pd.DataFrame({"text": grumbles, "channel": ["chat"] * len(grumbles)}).to_csv(with_channel, index=False)
    pd.DataFrame({"text": grumbles}).to_csv(without, index=False)
    stages = {}
    for name, src, extra in (
        ("auto", with_channel, ()),
        ("named", with_channel, ("--channel-column", "channel")),
        ("unknown", without, ()),
    ):
        out = tmp_path / f"{name}.csv"
        result = run("assess-file", str(src), "--output", str(out), "--quiet", *extra)
        assert result.returncode == 0, result.stderr
        stages[name] = pd.read_csv(out)["stage"].tolist()
    assert stages["auto"] == stages["named"]
    assert stages["auto"] != stages["unknown"]  # the channel is what changed: it was read
