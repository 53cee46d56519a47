"""The server's decoded-signal cache (`signal_cache_rows`) is bounded, shared by ingestion and case work,
and never changes an answer: the same messages give the same customer risk with no cache, a tiny one
that evicts all the time, and the default."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from api_client import T0, serve_api
from fastapi import FastAPI

from complaint_radar import Analyzer
from complaint_radar.store.migrate import upgrade
from complaint_radar.web.app import create_app

TEXTS = [
    "你们的快递又延误了，第三次了",
    "客服一直不回复，我要投诉",
    "再不退款我就去消协投诉你们",
    "谢谢，问题已经解决了",
]


def _run(tmp_path: Path, analyzer: Analyzer, rows: int) -> tuple[list[Any], FastAPI]:
    url = f"sqlite:///{tmp_path / f'cache{rows}.db'}"
    upgrade(url)
    apps: list[FastAPI] = []

    def factory(*args: Any, **kwargs: Any) -> FastAPI:
        apps.append(create_app(*args, **kwargs))
        return apps[-1]

    answers: list[Any] = []
    with serve_api(url, analyzer, factory=factory, signal_cache_rows=rows) as api:
        for batch in range(4):
            items = [
                {
                    "message_id": f"m{batch}-{n}",
                    "customer_id": f"c{n % 2}",
                    "occurred_at": (T0 + timedelta(hours=batch, minutes=n)).isoformat(),
                    "text": TEXTS[(batch + n) % len(TEXTS)],
                }
                for n in range(4)
            ]
            body = api.ok("POST", "/v1/messages", api.admin_key, json={"items": items})
            answers.append([(i["customer_risk"], i["case_action"]) for i in body["items"]])
        for customer in ("c0", "c1"):
            answers.append(api.ok("GET", f"/v1/customers/{customer}", api.admin_key)["profile"]["risk_score"])
        state = apps[0].state.complaint_radar
        caches = state.signal_caches
        assert state.intake_desk.ingestor.caches is caches and state.case_desk.service.caches is caches
        assert len(caches.messages) <= rows and len(caches.events) <= rows
    return answers, apps[0]


def test_the_signal_cache_is_bounded_and_never_changes_an_answer(tmp_path: Path, analyzer: Analyzer) -> None:
    none, _ = _run(tmp_path, analyzer, 0)
    tiny, _ = _run(tmp_path, analyzer, 3)
    default, app = _run(tmp_path, analyzer, 50_000)
    assert none == tiny == default
    assert len(app.state.complaint_radar.signal_caches.messages) == 16  # every message, decoded once
