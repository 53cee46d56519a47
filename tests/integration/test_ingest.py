"""Live ingestion (services.intake.ingest) on real stores; `sessions` tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from complaint_radar import Analyzer
from complaint_radar.demo import demo_messages_path, load_demo_messages
from complaint_radar.services.assessment.assessing import AssessItem, Assessor
from complaint_radar.services.customers.profiles import customer_view
from complaint_radar.services.intake.ingest import Ingestor
from complaint_radar.services.intake.ingest_file import ingest_file
from complaint_radar.services.intake.ingest_rows import RAW_TEXT_ATTRIBUTE, ItemKind
from complaint_radar.settings import Settings
from complaint_radar.store import (
    AuditEvent,
    Case,
    Event,
    Message,
    RiskProfileSnapshot,
    audit_trail,
    latest_profile,
    make_session_factory,
)
from complaint_radar.types import Assessment

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def assessor(analyzer: Analyzer) -> Assessor:
    return Assessor(analyzer)


@pytest.fixture()
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def msg(message_id: str, text: str, at: datetime, customer: str = "c1", **extra: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "customer_id": customer,
        "occurred_at": at.isoformat(),
        "channel": "chat",
        "text": text,
        **extra,
    }


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_demo_messages_are_stored_once_and_sending_them_again_changes_nothing(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    ingestor = Ingestor(sessions, assessor, item_time=True)
    rows = load_demo_messages()
    first = ingestor.ingest_messages(rows)
    assert (first.new, first.duplicates, first.problems) == (len(rows), 0, [])
    assert first.cases_opened > 0
    stored = {model: count(sessions, model) for model in (Message, RiskProfileSnapshot, Case, AuditEvent)}
    assert stored[Message] == len(rows)
    assert stored[RiskProfileSnapshot] == len(rows)  # every demo row names its customer
    assert stored[Case] == first.cases_opened

    resent = Ingestor(sessions, item_time=True)
    again = resent.ingest_messages(rows)
    assert (again.new, again.duplicates, again.items) == (0, len(rows), [])
    assert {model: count(sessions, model) for model in stored} == stored
    assert resent._assessor is None  # nothing new to assess: the models were never loaded


def test_agent_turns_are_stored_unscored_and_never_open_cases(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    result = Ingestor(sessions, assessor, item_time=True).ingest_messages(
        [msg("a1", "您好,我要投诉贵公司,这是投诉流程说明", T0, speaker="agent")]
    )
    assert result.new == 1 and result.cases_opened == 0
    with sessions() as session:
        stored = session.scalars(select(Message)).one()
        assert (stored.speaker, stored.stage, stored.risk_score) == ("agent", "none", 0)


def test_bad_rows_are_reported_with_line_and_reason_while_good_rows_are_stored(
    sessions: sessionmaker[Session], assessor: Assessor, tmp_path: Path
) -> None:
    path = tmp_path / "messages.csv"
    pd.DataFrame(
        [
            msg("m1", "快递一直没到,怎么回事", T0),
            msg("m2", "   ", T0),
            msg("m3", "还没到", T0) | {"occurred_at": "yesterday"},
            msg("m4", "还没到", T0, channel="fax"),
            msg("", "还没到", T0),
            msg("m6", "谢谢,收到了", T0 + timedelta(hours=1)),
        ]
    ).to_csv(path, index=False)
    problems: list[tuple[int, str]] = []
    report = ingest_file(
        Ingestor(sessions, assessor),
        path,
        ItemKind.MESSAGE,
        on_problem=lambda p: problems.append((p.line, p.reason)),
    )
    assert (report.rows, report.new, report.invalid) == (6, 2, 4)
    assert [line for line, _ in problems] == [3, 4, 5, 6]
    reasons = dict(problems)
    assert "empty text" in reasons[3]
    assert "'yesterday' is not an ISO 8601 time" in reasons[4]
    assert "unknown channel 'fax'" in reasons[5]
    assert "message_id is missing" in reasons[6]
    assert count(sessions, Message) == 2


def test_a_missing_required_column_stops_the_file_before_anything_is_stored(
    sessions: sessionmaker[Session], assessor: Assessor, tmp_path: Path
) -> None:
    path = write_jsonl(
        tmp_path / "m.jsonl", [{"message_id": "m1", "text": "你好", "occurred_at": T0.isoformat()}]
    )
    with pytest.raises(Exception, match="customer_id"):
        ingest_file(Ingestor(sessions, assessor), path, ItemKind.MESSAGE)
    assert count(sessions, Message) == 0


class CrashingAssessor:
    """Assesses like the real one until its `fail_on`-th batch, then the process 'dies'."""

    def __init__(self, real: Assessor, fail_on: int) -> None:
        self.real = real
        self.analyzer = real.analyzer
        self.calls = 0
        self.fail_on = fail_on

    def assess(self, items: Sequence[AssessItem]) -> list[Assessment]:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("killed mid-file")
        return self.real.assess(items)


def test_a_crash_mid_file_resumes_without_duplicates_or_losses(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    path = demo_messages_path()
    total = len(load_demo_messages())
    crashing = Ingestor(sessions, CrashingAssessor(assessor, fail_on=3), item_time=True)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="killed mid-file"):
        ingest_file(crashing, path, ItemKind.MESSAGE, chunk_rows=50)
    # Two chunks were committed; the third died before its commit and left nothing behind.
    assert count(sessions, Message) == 100
    assert count(sessions, RiskProfileSnapshot) == 100

    def stop_after_first_chunk(rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_file(
            Ingestor(sessions, assessor, item_time=True),
            path,
            ItemKind.MESSAGE,
            chunk_rows=50,
            on_progress=stop_after_first_chunk,
        )
    assert count(sessions, Message) == 100  # the first chunk was all duplicates

    resumed = ingest_file(Ingestor(sessions, assessor, item_time=True), path, ItemKind.MESSAGE, chunk_rows=50)
    assert (resumed.new, resumed.duplicates, resumed.invalid) == (total - 100, 100, 0)
    assert count(sessions, Message) == total
    assert count(sessions, RiskProfileSnapshot) == total
    with sessions() as session:
        assert session.scalar(select(func.count(func.distinct(Message.external_id)))) == total


def test_a_customers_risk_rises_as_their_messages_escalate(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    ingestor = Ingestor(sessions, assessor, item_time=True)
    texts = [
        "请问我的订单 A20260301 什么时候发货?",
        "订单 A20260301 已经五天了还没发货,怎么回事",
        "订单 A20260301 十天了还不发货,客服也不回,太差了",
        "订单 A20260301 再不给我处理我就去12315投诉你们!",
    ]
    scores = []
    for i, text in enumerate(texts):
        result = ingestor.ingest_messages([msg(f"m{i}", text, T0 + timedelta(days=2 * i))])
        profile = result.items[0].profile
        assert profile is not None
        scores.append(profile.risk_score)
    assert scores == sorted(scores) and scores[-1] > scores[0]
    assert result.items[0].profile is not None
    assert result.items[0].profile.risk_level.value in ("high", "critical")
    with sessions() as session:
        latest = latest_profile(session, "c1")
        assert latest is not None and latest.risk_score == scores[-1]
        assert latest.profile["reasons"]


def test_a_case_opens_automatically_and_the_next_contact_on_the_issue_attaches_to_it(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    ingestor = Ingestor(sessions, assessor, item_time=True)
    opened = ingestor.ingest_messages(
        [msg("m1", "订单 A20260301 十天了还不发货,再不处理我就去12315投诉!", T0)]
    )
    assert (opened.cases_opened, opened.items[0].case_action) == (1, "opened")
    number = opened.items[0].case_number
    later = ingestor.ingest_messages([msg("m2", "订单 A20260301 到底什么时候能发?", T0 + timedelta(days=2))])
    assert (later.contacts_attached, later.items[0].case_number) == (1, number)
    with sessions() as session:
        case = session.scalars(select(Case)).one()
        assert (case.case_number, case.state, case.contact_count) == (number, "new", 2)
        assert case.opened_at == T0 and case.due["resolve"] > T0.isoformat()
        actions = [e.action for e in audit_trail(session, "case", case.id)]
        assert actions[0] == "opened" and "contact_attached" in actions
        assert latest_profile(session, "c1").profile["open_cases"][0]["case_id"] == number  # type: ignore[union-attr]


def test_pii_is_masked_before_storage_and_raw_text_kept_only_when_configured(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    text = "我的手机13812345678一直收不到验证码,订单 A20260301"
    Ingestor(sessions, assessor).ingest_messages([msg("m1", text, T0)])
    keep = Settings(mask_pii=True, keep_raw_text=True)
    Ingestor(sessions, assessor, settings=keep).ingest_messages([msg("m2", text, T0)])
    with sessions() as session:
        stored = {m.external_id: m for m in session.scalars(select(Message))}
    for message in stored.values():
        assert "13812345678" not in message.text and "138****5678" in message.text
        assert "A20260301" in message.text
        assert message.assessment is not None and "13812345678" not in message.assessment["text"]
    assert RAW_TEXT_ATTRIBUTE not in stored["m1"].attributes
    assert stored["m2"].attributes[RAW_TEXT_ATTRIBUTE] == text


def test_unknown_event_kinds_are_reported_and_skipped_and_event_only_customers_are_scored(
    sessions: sessionmaker[Session],
) -> None:
    events = [
        {
            "event_id": "e1",
            "customer_id": "c9",
            "occurred_at": T0.isoformat(),
            "kind": "page_visit",
            "value": "close_account",
        },
        {
            "event_id": "e2",
            "customer_id": "c9",
            "occurred_at": T0.isoformat(),
            "kind": "teleport",
            "value": 1,
        },
        {
            "event_id": "e3",
            "customer_id": "c9",
            "occurred_at": T0.isoformat(),
            "kind": "survey_csat",
            "value": 9,
        },
        {
            "event_id": "e4",
            "customer_id": "c9",
            "occurred_at": (T0 + timedelta(hours=1)).isoformat(),
            "kind": "call",
            "attributes": '{"transfers": 3, "hold_minutes": 12}',
        },
    ]
    result = Ingestor(sessions, item_time=True).ingest_events(events)
    assert result.new == 2
    assert result.unknown_kinds == {"teleport": 1}
    assert result.problems[0].line == 2 and "unknown kind 'teleport'" in result.problems[0].reason
    assert "out of range" in result.problems[1].reason and result.problems[1].line == 3
    assert count(sessions, Event) == 2
    profile = result.items[-1].profile
    assert profile is not None and profile.risk_score > 0
    codes = {r.code for r in profile.reasons}
    # The difficult call shows as itself or, weighed against what the customer said, as friction in context.
    assert "exit_behaviour" in codes and codes & {"call_tone", "friction_in_context"}


def test_the_customer_view_has_the_profile_timeline_and_cases(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    ingestor = Ingestor(sessions, assessor, item_time=True)
    ingestor.ingest_messages([msg("m1", "订单 A20260301 十天了还不发货,再不处理我就去12315投诉!", T0)])
    ingestor.ingest_events(
        [
            {
                "event_id": "e1",
                "customer_id": "c1",
                "occurred_at": T0.isoformat(),
                "kind": "queue_wait",
                "value": 50,
            }
        ]
    )
    view = customer_view(sessions, "c1")
    assert view is not None and view.profile is not None
    assert [(e.kind, e.id) for e in view.timeline] == [("message", "m1"), ("event", "e1")]
    assert len(view.cases) == 1 and view.cases[0].customer_id == "c1"
    assert customer_view(sessions, "nobody") is None


def test_live_ingestion_judges_items_as_of_the_clock(
    sessions: sessionmaker[Session], assessor: Assessor
) -> None:
    frozen_now = T0 + timedelta(days=1)
    ingestor = Ingestor(sessions, assessor, clock=lambda: frozen_now)
    result = ingestor.ingest_messages(
        [msg("m1", "订单 A20260301 十天了还不发货,再不处理我就去12315投诉!", T0)]
    )
    item = result.items[0]
    assert (item.at, item.now) == (T0, frozen_now)
    assert item.profile is not None and item.profile.computed_at == frozen_now
    with sessions() as session:
        assert session.scalars(select(Case)).one().opened_at == frozen_now
