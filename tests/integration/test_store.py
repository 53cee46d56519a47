"""The storage layer against real databases: tests taking a `db_url` fixture run on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

import complaint_radar.store.backup as pg_backup
import complaint_radar.store.testing as pg_testing
from complaint_radar import Analyzer
from complaint_radar.services.access.secret import HMAC_SCHEME, KeyHasher
from complaint_radar.settings import Settings
from complaint_radar.store import (
    Alert,
    AlertRule,
    Case,
    Customer,
    Event,
    Message,
    NewEvent,
    NewMessage,
    RiskProfileSnapshot,
    User,
    add_case,
    append_audit,
    audit_trail,
    case_by_number,
    customer_timeline,
    default_database_url,
    enabled_alert_rules,
    find_api_key,
    insert_events,
    insert_messages,
    issue_api_key,
    latest_profile,
    make_engine,
    message_ids,
    open_cases,
    record_alert,
    save_assessments,
    save_profile,
)
from complaint_radar.store.migrate import current_revision, downgrade, head_revision, schema_diff, upgrade

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))


def message(external_id: str, *, at: datetime = T0, source: str = "chat", customer: str = "c1") -> NewMessage:
    return NewMessage(
        source=source,
        external_id=external_id,
        channel="chat",
        text=f"消息 {external_id}",
        occurred_at=at,
        customer_id=customer,
    )


def count(session: Session, model: type[Message] | type[Event] | type[Customer]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_migrations_build_exactly_the_orm_schema_and_undo_cleanly(blank_db_url: str) -> None:
    assert current_revision(blank_db_url) is None
    upgrade(blank_db_url)
    assert current_revision(blank_db_url) == head_revision()
    assert schema_diff(blank_db_url) == []
    downgrade(blank_db_url)
    engine = make_engine(blank_db_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(blank_db_url)
    assert schema_diff(blank_db_url) == []


def test_inserting_the_same_messages_twice_stores_them_once(db_session: Session) -> None:
    batch = [message("m1"), message("m2"), message("m1"), message("m1", source="email")]
    first = insert_messages(db_session, batch)
    assert set(first.inserted) == {("chat", "m1"), ("chat", "m2"), ("email", "m1")}
    assert first.duplicates == (("chat", "m1"),)
    second = insert_messages(db_session, [*batch, message("m3")])
    assert set(second.inserted) == {("chat", "m3")}
    assert len(second.duplicates) == 4
    db_session.commit()
    assert count(db_session, Message) == 4
    assert count(db_session, Customer) == 1
    assert message_ids(db_session, [("chat", "m1"), ("chat", "nope")]) == {
        ("chat", "m1"): first.inserted[("chat", "m1")]
    }


def test_events_are_idempotent_and_keep_numeric_and_text_values_apart(db_session: Session) -> None:
    events = [
        NewEvent("crm", "e1", "c1", "survey_csat", T0, value=2),
        NewEvent("crm", "e2", "c1", "page_visit", T0, value="close_account", attributes={"页面": "销户"}),
        NewEvent("crm", "e3", "c2", "purchase", T0),
    ]
    assert insert_events(db_session, events).inserted_count == 3
    assert insert_events(db_session, events).inserted_count == 0
    stored = {e.external_id: e for e in db_session.scalars(select(Event))}
    assert (stored["e1"].value_num, stored["e1"].value_text) == (2.0, None)
    assert (stored["e2"].value_num, stored["e2"].value_text) == (None, "close_account")
    assert stored["e2"].attributes == {"页面": "销户"}
    assert count(db_session, Customer) == 2


def test_timeline_merges_messages_and_events_in_time_order_as_aware_utc(db_session: Session) -> None:
    insert_messages(
        db_session,
        [
            message("late", at=datetime(2026, 3, 1, 20, 0, tzinfo=BEIJING)),  # 12:00 UTC
            message("early", at=T0),
            message("other", at=T0, customer="c2"),
            message("outside", at=T0 - timedelta(days=40)),
        ],
    )
    insert_events(
        db_session, [NewEvent("crm", "wait", "c1", "queue_wait", T0 + timedelta(hours=1), value=45)]
    )
    db_session.commit()
    db_session.expunge_all()
    timeline = customer_timeline(
        db_session, "c1", since=T0 - timedelta(days=30), until=T0 + timedelta(days=1)
    )
    assert [getattr(row, "external_id", None) for row in timeline] == ["early", "wait", "late"]
    assert all(row.occurred_at.tzinfo == UTC for row in timeline)
    assert timeline[2].occurred_at == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert [r.external_id for r in customer_timeline(db_session, "c1", until=T0)] == ["outside"]


@pytest.mark.parametrize("rows", [1, 300], ids=["one_row", "bulk"])
def test_naive_datetimes_are_refused(db_session: Session, rows: int) -> None:
    naive = [message(f"m{i}", at=datetime(2026, 3, 1, 9, 0)) for i in range(rows)]
    with pytest.raises(ValueError, match="naive datetime"):
        insert_messages(db_session, naive)
    with pytest.raises(StatementError, match="naive datetime"):
        db_session.add(User(username="u", role="admin", created_at=datetime(2026, 3, 1)))
        db_session.flush()


def test_a_source_and_external_id_pair_is_unique(db_session: Session) -> None:
    db_session.add(Customer(id="c1"))
    for _ in range(2):
        db_session.add(
            Message(
                source="chat", external_id="m1", channel="chat", text="hi", occurred_at=T0, customer_id="c1"
            )
        )
    with pytest.raises(IntegrityError):
        db_session.flush()


@pytest.mark.parametrize("rows", [1, 300], ids=["one_row", "bulk"])
def test_assessments_are_stored_with_their_stage_and_risk(
    db_session: Session, analyzer: Analyzer, rows: int
) -> None:
    assessment = analyzer.assess("十天了还没发货,再不发货我就投诉", "chat", message_id="m0", customer_id="c1")
    with_assessment = [replace(message(f"m{i}"), assessment=assessment) for i in range(rows)]
    assert insert_messages(db_session, with_assessment).inserted_count == rows
    inserted = insert_messages(db_session, [message("later")]).inserted
    assert save_assessments(db_session, [(inserted[("chat", "later")], assessment)]) == 1
    db_session.commit()
    for external_id in ("m0", "later"):
        stored = db_session.scalars(select(Message).where(Message.external_id == external_id)).one()
        assert stored.stage == "potential_complaint"
        assert stored.risk_score == assessment.risk_score
        assert stored.assessment == assessment.to_dict()
        assert stored.assessed_at is not None and stored.assessed_at.tzinfo == UTC
    unassessed = db_session.scalars(select(Message).where(Message.assessment.is_(None))).all()
    assert unassessed == []


def test_case_numbers_count_up_per_year_and_open_cases_exclude_finished_ones(db_session: Session) -> None:
    def case(state: str, opened_at: datetime = T0) -> Case:
        return Case(
            id="",
            case_number="",
            customer_id="c1",
            state=state,
            severity="high",
            tier="l1_agent",
            opened_at=opened_at,
        )

    first = add_case(db_session, case("new"))
    second = add_case(db_session, case("resolved"))
    third = add_case(db_session, case("in_progress", T0 + timedelta(days=1)))
    next_year = add_case(db_session, case("closed", datetime(2027, 1, 2, tzinfo=UTC)))
    db_session.commit()
    assert [first.case_number, second.case_number, third.case_number] == [
        "CR-2026-000001",
        "CR-2026-000002",
        "CR-2026-000003",
    ]
    assert next_year.case_number == "CR-2027-000001"
    assert len({first.id, second.id, third.id}) == 3
    assert [c.case_number for c in open_cases(db_session, "c1")] == ["CR-2026-000001", "CR-2026-000003"]
    found = case_by_number(db_session, "CR-2026-000002")
    assert found is not None and found.due == {} and found.opened_at == T0


def test_audit_events_are_append_only(db_engine: Engine, db_session: Session) -> None:
    append_audit(
        db_session,
        entity_type="case",
        entity_id="k1",
        action="state_changed",
        actor="agent7",
        role="frontline_agent",
        old_values={"state": "new"},
        new_values={"state": "acknowledged"},
    )
    append_audit(
        db_session, entity_type="case", entity_id="k1", action="sla_warning", actor="system", role=None
    )
    db_session.commit()
    assert [e.action for e in audit_trail(db_session, "case", "k1")] == ["state_changed", "sla_warning"]
    for statement in ("UPDATE audit_events SET reason = 'edited'", "DELETE FROM audit_events"):
        with db_engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    assert len(audit_trail(db_session, "case", "k1")) == 2


def test_api_keys_are_stored_hashed_and_found_only_while_usable(db_session: Session) -> None:
    user = User(username="li.na", role="supervisor", team="east")
    db_session.add(user)
    db_session.flush()
    hasher = KeyHasher(b"a test secret of 32 bytes, not 0")
    raw, key = issue_api_key(
        db_session, user, digest=hasher.digest, hash_scheme=HMAC_SCHEME, rate_limit_per_minute=120
    )
    db_session.commit()
    assert key.key_hash == hasher.digest(raw) != raw and key.hash_scheme == HMAC_SCHEME
    owner = find_api_key(db_session, hasher.digest(raw))
    assert owner is not None and owner.user.username == "li.na" and owner.key.rate_limit_per_minute == 120
    assert find_api_key(db_session, hasher.digest(raw + "x")) is None
    key.expires_at = T0
    db_session.commit()
    assert find_api_key(db_session, hasher.digest(raw), now=T0) is None
    assert find_api_key(db_session, hasher.digest(raw), now=T0 - timedelta(seconds=1)) is not None
    user.active = False
    db_session.commit()
    assert find_api_key(db_session, hasher.digest(raw), now=T0 - timedelta(seconds=1)) is None


def test_latest_profile_is_the_most_recently_computed_snapshot(db_session: Session) -> None:
    def snapshot(hours: int, score: int) -> RiskProfileSnapshot:
        return RiskProfileSnapshot(
            customer_id="c1",
            computed_at=T0 + timedelta(hours=hours),
            risk_score=score,
            risk_level="medium",
            stage="explicit_grumble",
            trend="rising",
            predicted_form="negative_review",
            reasons=[{"code": "csat_drop", "contribution": 12}],
        )

    assert latest_profile(db_session, "c1") is None
    save_profile(db_session, snapshot(2, 55))
    save_profile(db_session, snapshot(1, 40))
    db_session.commit()
    latest = latest_profile(db_session, "c1")
    assert latest is not None and latest.risk_score == 55 and latest.reasons[0]["code"] == "csat_drop"


def test_an_alert_fires_once_per_rule_and_dedup_key(db_session: Session) -> None:
    rule = AlertRule(name="critical customer", kind="risk_at_least", params={"level": "critical"})
    db_session.add_all([rule, AlertRule(name="muted", kind="spike", enabled=False)])
    db_session.flush()
    assert [r.name for r in enabled_alert_rules(db_session)] == ["critical customer"]
    first = record_alert(
        db_session, Alert(rule_id=rule.id, dedup_key="c1", severity="critical", customer_id="c1")
    )
    again = record_alert(
        db_session, Alert(rule_id=rule.id, dedup_key="c1", severity="critical", customer_id="c1")
    )
    assert first is not None and first.status == "open" and again is None


def test_twenty_thousand_messages_go_in_with_one_call(db_session: Session) -> None:
    def rows(start: int, stop: int) -> list[NewMessage]:
        return [
            message(f"m{i}", at=T0 + timedelta(seconds=i), customer=f"c{i % 500}") for i in range(start, stop)
        ]

    result = insert_messages(db_session, rows(0, 20_000))
    assert result.inserted_count == 20_000 and not result.duplicates
    overlapping = insert_messages(db_session, rows(15_000, 25_000))
    db_session.commit()
    assert overlapping.inserted_count == 5_000 and len(overlapping.duplicates) == 5_000
    assert count(db_session, Message) == 25_000
    assert count(db_session, Customer) == 500
    stored = db_session.scalars(select(Message).where(Message.external_id == "m19999")).one()
    assert stored.id == result.inserted[("chat", "m19999")]
    assert stored.occurred_at == T0 + timedelta(seconds=19_999) and stored.attributes == {}


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(tmp_path: Path) -> None:
    url = default_database_url(Settings(data_dir=tmp_path / "state"))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
    assert (tmp_path / "state").is_dir()


def test_missing_postgresql_binaries_fail_with_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pg_testing.BINDIR_ENV, "/nonexistent")
    monkeypatch.setattr(pg_backup.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(pg_backup.shutil, "which", lambda name: None)
    with pytest.raises(pg_testing.PostgresUnavailableError, match=r"apt-get install .*postgresql"):
        pg_testing.start_cluster()
