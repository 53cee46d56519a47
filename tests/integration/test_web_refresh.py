"""The dashboard's default views are refreshed in a short-lived child process (web/refresh.py): the same
views as computed in the server's own thread, errors and time-outs reported with no child left behind,
and a served app's cache filled by the child at start-up (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from analysis_history import AS_OF, seed_history

from complaint_radar import Analyzer
from complaint_radar.api.testing import LiveServer
from complaint_radar.services.analysis.desk import AnalysisDesk
from complaint_radar.settings import Settings
from complaint_radar.store import make_engine, make_session_factory
from complaint_radar.web.app import create_app
from complaint_radar.web.refresh import can_use_child, default_views, views_from_child

T = TypeVar("T")


@pytest.fixture()
def seeded_settings(db_url: str, analyzer: Analyzer, tmp_path: Path) -> Iterator[Settings]:
    engine = make_engine(db_url)
    seed_history(engine, analyzer)
    engine.dispose()
    yield Settings(database_url=db_url, data_dir=tmp_path)


def _in_thread(settings: Settings) -> list[tuple[object, dict[str, object]]]:
    engine = make_engine(settings.database_url)
    try:
        return default_views(AnalysisDesk(make_session_factory(engine), settings=settings), AS_OF)
    finally:
        engine.dispose()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on a thread of its own (another test in this process may have left a loop running in
    this thread, as Playwright's sync API does)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _children() -> set[int]:
    """Process ids whose parent is this process."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid():
                found.add(int(entry.name))
    return found


def test_the_child_computes_the_views_the_server_thread_would(
    seeded_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="complaint_radar.web.refresh"):
        in_child = _run(views_from_child(seeded_settings, AS_OF, timeout_s=120))
    assert re.search(r"in a child process: [\d.]+ s, [\d.]+ s of CPU, peak \d+ MiB", caplog.text)
    in_thread = _in_thread(seeded_settings)
    assert [key for key, _ in in_child] == [key for key, _ in in_thread]
    assert [key[0] for key, _ in in_child] == ["overview", "satisfaction"]  # type: ignore[index]
    assert in_child == in_thread
    overview = in_child[0][1]
    assert overview["pareto"]["rows"], "the seeded causes must reach the Pareto, or the comparison is empty"


def test_a_failing_child_is_reported_and_leaves_no_process(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    before = _children()
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'never_migrated.db'}", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="exited with status 1"):
        _run(views_from_child(settings, AS_OF, timeout_s=120))
    assert "computing the dashboard's default views failed" in capfd.readouterr().err
    assert _children() <= before


def test_a_slow_child_is_killed_at_the_time_out(seeded_settings: Settings) -> None:
    before = _children()
    with pytest.raises(TimeoutError):
        _run(views_from_child(seeded_settings, AS_OF, timeout_s=0.05))
    assert _children() <= before


def test_only_a_database_another_process_can_open_is_refreshed_in_a_child(tmp_path: Path) -> None:
    assert can_use_child(Settings(database_url="sqlite:///:memory:", data_dir=tmp_path)) is False
    assert can_use_child(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=tmp_path))
    assert can_use_child(Settings(data_dir=tmp_path))  # the default SQLite file under data_dir
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert can_use_child(Settings(database_url=url, data_dir=tmp_path, web_refresh_in_child=False)) is False


def test_a_served_app_fills_its_cache_from_the_child(seeded_settings: Settings, analyzer: Analyzer) -> None:
    app = create_app(seeded_settings, clock=lambda: datetime(2026, 9, 30, 12, tzinfo=UTC), analyzer=analyzer)
    cache = app.state.complaint_radar_web.cache
    with LiveServer(app):
        deadline = time.monotonic() + 120
        while len(cache) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(cache) == 2
        expected = _in_thread(seeded_settings)
        for key, data in expected:
            assert cache.get(key, lambda: pytest.fail("a default view was not refreshed")) == data
