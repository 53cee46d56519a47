"""SIGKILL of `ingest` and `replay` in the middle of a file, then the same command again: the store holds
every input row once, every case and audit row is consistent (SQLite and PostgreSQL), and a killed replay
never leaves a half-written output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from consistency import assert_consistent
from sqlalchemy import func, select

from complaint_radar.demo import demo_messages_path, load_demo_messages
from complaint_radar.store import Message, make_engine

CLI = [sys.executable, "-m", "complaint_radar.cli.main"]
pytestmark = pytest.mark.slow


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())
    except Exception:  # the schema may not exist yet while the first run starts
        return 0
    finally:
        engine.dispose()


def _kill_when(process: subprocess.Popen[Any], ready: object, timeout_s: float = 240) -> None:
    deadline = time.monotonic() + timeout_s
    while not ready():  # type: ignore[operator]
        assert process.poll() is None, "finished before it could be killed"
        assert time.monotonic() < deadline, "the run never got going"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)


def test_ingest_killed_mid_file_then_rerun_stores_every_row_once(db_url: str) -> None:
    total = len(load_demo_messages())
    command = [*CLI, "ingest", str(demo_messages_path()), "--kind", "messages", "--database-url", db_url]
    command += ["--backfill", "--chunk-rows", "20", "--quiet"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(first, lambda: _count(db_url, Message) >= 40)
    stored = _count(db_url, Message)
    assert 40 <= stored < total and stored % 20 == 0, "a chunk is all or nothing"
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{total - stored} new, {stored} already stored" in again.stderr
    assert_consistent(db_url, total)


def test_replay_killed_mid_run_leaves_no_half_output_and_reruns_whole(tmp_path: Path) -> None:
    output = tmp_path / "replay.csv"
    command = [
        *CLI,
        "replay",
        "--messages",
        str(demo_messages_path()),
        "-o",
        str(output),
        "--batch-items",
        "10",
    ]
    first = subprocess.Popen([*command, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def writing() -> bool:
        return any(p.name.startswith(".replay.csv.") for p in tmp_path.iterdir())

    _kill_when(first, writing)
    assert not output.exists(), "a killed replay published a partial output"
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, env=os.environ)
    assert again.returncode == 0, again.stderr
    frame = pd.read_csv(output, dtype={"item_id": str})
    assert len(frame) == len(load_demo_messages()) and frame["item_id"].is_unique
