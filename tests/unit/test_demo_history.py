"""The bundled demo history: reproducible, ingestible rows whose texts carry the causes they were made for."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from complaint_radar import Analyzer
from complaint_radar.analysis.emerging import detect_emerging
from complaint_radar.customers import UnknownEventKindError, parse_event
from complaint_radar.demo.history import AS_OF, DemoHistory, generate_demo_history, write_demo_history
from complaint_radar.services.intake.ingest_rows import InputRow, ItemKind, message_item
from complaint_radar.settings import Settings
from complaint_radar.types import Cause, Channel

MESSAGE_COLUMNS = {
    "message_id", "customer_id", "occurred_at", "channel", "text", "speaker", "product", "sku", "branch",
    "region", "team", "agent_id", "segment", "tenure_days", "new_or_returning",
}  # fmt: skip
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def history() -> DemoHistory:
    return generate_demo_history()


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(history: DemoHistory) -> None:
    again = generate_demo_history()
    assert (again.messages, again.events, again.metrics) == (
        history.messages,
        history.events,
        history.metrics,
    )
    other = generate_demo_history(seed=8)
    assert other.messages[:50] != history.messages[:50]


def test_rows_have_the_ingestion_columns_and_pass_its_checks(history: DemoHistory) -> None:
    assert 5000 <= len(history.messages) <= 15000
    assert all(set(m) == MESSAGE_COLUMNS for m in history.messages)
    assert {m["channel"] for m in history.messages} <= {c.value for c in Channel}
    settings = Settings()
    for line, row in enumerate(history.messages[:300]):
        message_item(InputRow(ItemKind.MESSAGE, line, row), "demo", settings)
    kinds = Counter(e["kind"] for e in history.events)
    assert set(kinds) == {"purchase", "survey_csat", "survey_nps", "survey_servqual", "queue_wait"}
    for event in history.events[:: max(1, len(history.events) // 400)]:
        try:
            parse_event(event)
        except UnknownEventKindError:
            assert event["kind"] == "survey_servqual"  # proposed kind, registered by the analysis store
    servqual = [e for e in history.events if e["kind"] == "survey_servqual"]
    assert {e["attributes"]["dimension"] for e in servqual} == {
        "tangibles", "reliability", "responsiveness", "assurance", "empathy"
    }  # fmt: skip
    assert all(
        1 <= e["attributes"]["expectation"] <= 7 and e["value"] == e["attributes"]["perception"]
        for e in servqual
    )
    orders = [m for m in history.metrics if m["metric"] == "orders"]
    assert orders and all(m["value"] >= 0 and m["product"] and m["branch"] for m in orders)


def test_the_half_year_has_seasonality_a_peak_languages_and_every_cause(history: DemoHistory) -> None:
    days = pd.Series([date.fromisoformat(m["occurred_at"][:10]) for m in history.messages])
    assert days.min() == AS_OF - timedelta(days=7 * 26 - 1) and days.max() == AS_OF
    per_day = days.value_counts()
    singles_day = per_day[[d for d in per_day.index if date(2026, 11, 1) <= d <= date(2026, 11, 12)]].mean()
    assert singles_day > 1.8 * per_day.median()
    weekday = Counter(d.weekday() for d in days)
    assert weekday[6] > 1.1 * weekday[2]
    english = sum(not HAN.search(m["text"]) for m in history.messages) / len(history.messages)
    assert 0.06 <= english <= 0.14
    assert any("這" in m["text"] or "們" in m["text"] for m in history.messages)
    causes = Counter(c for cs in history.intended_causes.values() for c in cs)
    assert set(causes) == {c.value for c in Cause} - {"other"}
    calm = sum(not cs for cs in history.intended_causes.values()) / len(history.intended_causes)
    assert 0.25 <= calm <= 0.45


def test_one_issue_is_injected_in_the_last_two_weeks(history: DemoHistory) -> None:
    issue = history.injected_issue
    assert issue["key"] == {"cause": "product_quality", "product": "星河X1", "branch": "广州天河店"}
    assert date.fromisoformat(issue["start"]) >= AS_OF - timedelta(days=14)
    rows = {m["message_id"]: m for m in history.messages}
    assert len(issue["message_ids"]) >= 30
    assert all(
        rows[i]["product"] == "星河X1" and rows[i]["branch"] == "广州天河店" for i in issue["message_ids"]
    )


def test_two_actions_one_with_a_real_effect_on_its_metric(history: DemoHistory) -> None:
    training, notice = history.actions
    for action in history.actions:
        baseline = date.fromisoformat(action["baseline_end"]) - date.fromisoformat(action["baseline_start"])
        evaluation = date.fromisoformat(action["evaluation_end"]) - date.fromisoformat(
            action["evaluation_start"]
        )
        assert baseline == evaluation
        start = date.fromisoformat(action["start_date"])
        assert date.fromisoformat(action["evaluation_start"]) == start + timedelta(
            days=action["ramp_up_days"]
        )
        assert date.fromisoformat(action["baseline_end"]) < start

    def share(action: dict[str, object], cause: str, window: str) -> float:
        team = dict(action["target_filters"]).get("team")  # type: ignore[call-overload]
        lo, hi = action[f"{window}_start"], action[f"{window}_end"]
        inside = [
            m for m in history.messages
            if lo <= m["occurred_at"][:10] <= hi and (team is None or m["team"] == team)  # type: ignore[operator]
        ]  # fmt: skip
        return sum(cause in history.intended_causes[m["message_id"]] for m in inside) / len(inside)

    assert training["type"] == "training" and training["target_metric"] == "cause_rate:service_attitude"
    assert share(training, "service_attitude", "evaluation") < 0.5 * share(
        training, "service_attitude", "baseline"
    )
    before, after = (
        share(notice, "delivery_logistics", "baseline"),
        share(notice, "delivery_logistics", "evaluation"),
    )
    assert after > 0.8 * before


def test_files_are_written_for_ingestion(history: DemoHistory, tmp_path: Path) -> None:
    paths = write_demo_history(history, tmp_path)
    lines = paths["messages.jsonl"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(history.messages) and json.loads(lines[0]) == history.messages[0]
    assert pd.read_csv(paths["metrics.csv"]).shape[0] == len(history.metrics)
    assert json.loads(paths["actions.json"].read_text(encoding="utf-8")) == history.actions


@pytest.mark.slow
def test_assessed_texts_carry_the_intended_causes_and_reveal_the_injected_issue(
    history: DemoHistory, analyzer: Analyzer
) -> None:
    assessed = list(
        analyzer.assess_many([{"text": m["text"], "channel": m["channel"]} for m in history.messages])
    )
    complaints = found = calm = calm_clean = 0
    rows = []
    for message, assessment in zip(history.messages, assessed, strict=True):
        intended = history.intended_causes[message["message_id"]]
        got = {c.code for c in assessment.causes}
        if intended:
            complaints += 1
            found += intended[0] in got
        else:
            calm += 1
            calm_clean += not got
        day = message["occurred_at"][:10]
        dims = {k: message[k] for k in ("product", "branch", "region")}
        rows += [{"item_id": message["message_id"], "day": day, "cause": c, **dims} for c in sorted(got)]
    assert found / complaints >= 0.9
    assert calm_clean / calm >= 0.95
    issues = detect_emerging(pd.DataFrame(rows), AS_OF)
    wanted = [
        {"cause": "product_quality", "product": "星河X1"},
        {"cause": "product_quality", "branch": "广州天河店"},
    ]
    assert any(k in wanted for i in issues for k in map(dict, i.all_keys()))
    assert len(issues) <= 2
