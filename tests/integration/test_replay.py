"""`complaint-radar replay` and `ingest` end to end, as a user runs them (subprocess, real files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from complaint_radar.customers.evaluation import evaluate
from complaint_radar.customers.journeys import JOURNEY_START, generate_journeys
from complaint_radar.customers.timeline import parse_time
from complaint_radar.demo import demo_messages_path, load_demo_messages

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_replay_writes_one_row_per_item_in_time_order_and_flags_complainers_before_they_file(
    tmp_path: Path,
) -> None:
    journeys = generate_journeys(60, 11, JOURNEY_START)
    messages = tmp_path / "messages.jsonl"
    messages.write_text(
        "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in journeys.messages)
        + json.dumps({**journeys.messages[0], "message_id": "blank", "text": " "})
        + "\n"
        + json.dumps(journeys.messages[1], ensure_ascii=False)
        + "\n",  # the same id again
        encoding="utf-8",
    )
    events = tmp_path / "events.csv"
    teleport = {**journeys.events[0], "event_id": "odd", "kind": "teleport"}
    pd.DataFrame([*journeys.events, teleport]).to_csv(events, index=False)
    out = tmp_path / "replay.csv"

    result = run("replay", "--messages", str(messages), "--events", str(events), "--output", str(out), "-q")

    assert result.returncode == 0, result.stderr
    assert "unknown kinds: teleport ×1" in result.stderr
    assert "blank" in result.stderr and "repeats line 2" in result.stderr
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    expected = [m["message_id"] for m in journeys.messages] + [e["event_id"] for e in journeys.events]
    assert sorted(rows["item_id"]) == sorted(expected)
    assert list(rows.columns[:9]) == [
        "customer_id",
        "at",
        "item_id",
        "kind",
        "risk_score",
        "risk_level",
        "complaint_probability_7d",
        "stage",
        "top_signal",
    ]
    probability = pd.to_numeric(rows["complaint_probability_7d"])
    assert probability.between(0.0, 1.0).all()
    times = [parse_time(t) for t in rows["at"]]
    assert times == sorted(times)
    # Smoke check of the CLI path on a small population (the figures are in the benchmark): complainers
    # are flagged ahead of filing, and most customers flagged high do file.
    report = evaluate(rows.to_dict("records"), journeys.truth)
    assert report.catchable >= 10
    assert report.recall_at_lead is not None and report.recall_at_lead >= 0.3
    assert report.precision is not None and report.precision >= 0.7


def test_replay_and_ingest_refuse_missing_files_and_columns_in_one_line(tmp_path: Path) -> None:
    missing = run("replay", "--messages", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.csv"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: input file")
    no_column = tmp_path / "m.csv"
    pd.DataFrame({"message_id": ["m1"], "text": ["你好"], "occurred_at": ["2026-01-01T00:00:00Z"]}).to_csv(
        no_column, index=False
    )
    result = run(
        "ingest", str(no_column), "--kind", "messages", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "'customer_id' not found" in result.stderr


@pytest.mark.slow
def test_ingest_stores_the_demo_file_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'radar.db'}"
    upgraded = run("db", "upgrade", "--database-url", url)
    assert upgraded.returncode == 0 and "at revision" in upgraded.stderr
    total = len(load_demo_messages())
    first = run(
        "ingest", str(demo_messages_path()), "--kind", "messages", "--database-url", url, "--backfill"
    )
    assert first.returncode == 0, first.stderr
    assert f"{total} rows: {total} new, 0 already stored, 0 invalid" in first.stderr
    again = run("ingest", str(demo_messages_path()), "--kind", "messages", "--database-url", url)
    assert f"{total} rows: 0 new, {total} already stored, 0 invalid" in again.stderr
