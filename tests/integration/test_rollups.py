"""The daily rollups (store.rollups) on SQLite and PostgreSQL: kept right by every ingestion path, and
the analysis summed from them gives exactly what a scan of the messages gives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from cli_runner import CliRunner
from complaint_radar import Analyzer
from complaint_radar.services.analysis.cube import StoreCube, rollup_counts
from complaint_radar.services.analysis.filters import Scope
from complaint_radar.services.analysis.operations import _conversion
from complaint_radar.services.analysis.report import build_report
from complaint_radar.services.assessment.assessing import Assessor
from complaint_radar.services.demo_store import load_demo_store
from complaint_radar.services.runtime import SessionFactory
from complaint_radar.settings import Settings
from complaint_radar.store import (
    Message,
    MessageRollup,
    NewMessage,
    insert_messages,
    make_engine,
    make_session_factory,
    save_assessments,
    session_scope,
)
from complaint_radar.store.rollups import rollup_differences
from complaint_radar.store.testing import PostgresCluster


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, analyzer: Analyzer
) -> Iterator[tuple[str, SessionFactory, date]]:
    """The demo store (history through the bulk backfill, live messages through live ingestion), the
    URL, and its last day."""
    workdir = tmp_path_factory.mktemp("rollups_demo")
    cluster: PostgresCluster | None = None
    if request.param == "sqlite":
        path = workdir / "demo.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        name = cluster.create_database(template=request.getfixturevalue("pg_template"))
        url = cluster.url(name)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    settings = Settings(database_url=url, data_dir=workdir)
    load_demo_store(sessions, Assessor(analyzer), settings)
    with session_scope(sessions) as session:
        last = session.scalar(select(func.max(Message.day)))
    yield url, sessions, last
    engine.dispose()
    if cluster is not None:
        cluster.drop_database(name)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_ingestion_kept_the_rollups_that_a_rebuild_would_compute(
    demo: tuple[str, SessionFactory, date], run_cli: CliRunner
) -> None:
    url, sessions, _ = demo
    with session_scope(sessions) as session:
        assert rollup_differences(session.connection()) == {"message_rollups": 0, "cause_rollups": 0}
        counted = session.scalar(select(func.sum(MessageRollup.messages)).where(MessageRollup.grain == "all"))
        assessed = session.scalar(
            select(func.count()).where(Message.speaker == "customer", Message.stage.is_not(None))
        )
    assert counted == assessed > 5000
    code, output = run_cli("rollups", "check", "--database-url", url)
    assert code == 0, output
    assert "0 message_rollups keys differ, 0 cause_rollups keys differ" in output


# (filters, group by, answered from the rollups?)
VIEWS: list[tuple[dict[str, tuple[str, ...]], list[str], bool]] = [
    ({}, ["day", "channel", "stage"], True),
    ({}, ["cause", "stage"], True),
    ({"channel": ("chat",)}, ["day", "channel", "stage"], True),
    ({"product": ("星河X1",)}, ["day", "channel", "stage"], True),
    ({"branch": ("北京朝阳店",), "channel": ("chat", "email")}, ["cause", "stage"], True),
    ({"region": ("华东", "华南")}, ["stage"], True),
    ({"segment": ("金卡",)}, ["day"], True),
    ({}, ["agent_id", "day", "risk_level"], True),
    ({}, ["product"], True),
    ({"channel": ("chat",)}, ["region"], True),
    ({"cause": ("waiting_time",)}, ["day", "stage"], True),
    ({"stage": ("potential_complaint",), "risk_level": ("high", "critical")}, ["new_or_returning"], True),
    # Two of the dashboard's filter dimensions: their pair grain (day, channel and stage besides).
    ({"product": ("星河X1",), "region": ("华东",)}, ["stage"], True),
    ({"segment": ("金卡",)}, ["product", "stage"], True),
    ({"region": ("华东", "华南"), "segment": ("金卡", "普通")}, ["day", "stage", "cause"], True),
    ({"branch": ("北京朝阳店",), "channel": ("chat",)}, ["region", "day"], True),
    # What no grain keeps: scanned.
    ({"product": ("星河X1",), "region": ("华东",)}, ["risk_level"], False),
    ({"product": ("星河X1",), "region": ("华东",), "segment": ("金卡",)}, ["stage"], False),
    ({"team": ("售后一组",), "region": ("华东",)}, ["stage"], False),
]


@pytest.mark.parametrize(("filters", "by", "from_rollups"), VIEWS)
def test_counts_from_the_rollups_equal_a_scan_of_the_messages(
    demo: tuple[str, SessionFactory, date],
    filters: dict[str, tuple[str, ...]],
    by: list[str],
    from_rollups: bool,
) -> None:
    _, sessions, last = demo
    with session_scope(sessions) as session:
        for days in (1, 30, 120):
            scope = Scope(last - timedelta(days=days - 1), last, filters)
            kinds = ["cause_counts"] if "cause" in by else ["message_counts", "cause_counts"]
            for kind in kinds:
                summed = getattr(StoreCube(session), kind)(scope, by)
                scanned = getattr(StoreCube(session, rollups=False), kind)(scope, by)
                assert not scanned.empty or days < 120
                pd.testing.assert_frame_equal(_sorted(summed), _sorted(scanned))
                used = rollup_counts(session, scope, by, causes=kind == "cause_counts")
                assert (used is not None) == from_rollups
        volume = StoreCube(session).daily_volume(Scope(last - timedelta(days=89), last, filters))
        scanned_volume = StoreCube(session, rollups=False).daily_volume(
            Scope(last - timedelta(days=89), last, filters)
        )
        pd.testing.assert_frame_equal(_sorted(volume), _sorted(scanned_volume))


def test_two_causes_at_once_are_counted_per_message_by_a_scan(demo: tuple[str, SessionFactory, date]) -> None:
    """A message with both causes is one message: the rollups (one row per cause) cannot say so."""
    _, sessions, last = demo
    scope = Scope(last - timedelta(days=179), last, {"cause": ("waiting_time", "product_quality")})
    with session_scope(sessions) as session:
        assert rollup_counts(session, scope, ["stage"], causes=False) is None
        summed = StoreCube(session).message_counts(scope, ["stage"])
        scanned = StoreCube(session, rollups=False).message_counts(scope, ["stage"])
    pd.testing.assert_frame_equal(_sorted(summed), _sorted(scanned))


@pytest.mark.parametrize(
    "filters",
    [{}, {"channel": ("chat",)}, {"product": ("星河X1",)}, {"region": ("华东",), "segment": ("普通",)}],
)
def test_the_report_from_the_rollups_equals_the_report_from_a_scan(
    demo: tuple[str, SessionFactory, date], filters: dict[str, tuple[str, ...]]
) -> None:
    _, sessions, last = demo
    scope = Scope(last - timedelta(days=89), last, filters)
    reports = []
    with session_scope(sessions) as session:
        for rollups in (True, False):
            report = build_report(StoreCube(session, rollups=rollups), session, scope, settings=Settings())
            report.pop("generated_at")
            reports.append(report)
    assert reports[0] == reports[1]
    assert reports[0]["volumes"]["totals"]["messages"] > 0


@pytest.mark.parametrize("filters", [{}, {"region": ("华东",)}])
def test_high_risk_contacts_per_agent_day_are_counted_over_the_agent_days_worked(
    demo: tuple[str, SessionFactory, date], filters: dict[str, tuple[str, ...]]
) -> None:
    """Summed in the database from the rollups (and from a scan): the same as counting the messages here."""
    _, sessions, last = demo
    scope = Scope(last - timedelta(days=89), last, filters)
    with session_scope(sessions) as session:
        rows = session.execute(
            select(Message.agent_id, Message.day, Message.risk_level).where(
                Message.day >= scope.start,
                Message.day <= scope.end,
                Message.speaker == "customer",
                Message.stage.is_not(None),
                Message.agent_id.is_not(None),
                *(getattr(Message, name).in_(values) for name, values in filters.items()),
            )
        ).all()
        worked = {(agent, day) for agent, day, _ in rows}
        high = sum(level in ("high", "critical") for _, _, level in rows)
        assert len(worked) > 10 and high > 0
        for rollups in (True, False):
            report = build_report(StoreCube(session, rollups=rollups), session, scope, settings=Settings())
            operations = report["operations"]
            assert operations["counts"]["agent_days"] == len(worked)
            assert operations["high_risk_contacts_per_agent_per_day"] == round(high / len(worked), 3)


def _message(n: int, text: str, analyzer: Analyzer, *, speaker: str = "customer", **dims: str) -> NewMessage:
    at = datetime(2026, 9, 1 + n % 20, 3, n % 60, tzinfo=UTC)
    return NewMessage(
        source="t",
        external_id=f"m{n}",
        channel="chat" if n % 2 else "email",
        text=text,
        occurred_at=at,
        customer_id=f"c{n % 7}",
        speaker=speaker,
        assessment=analyzer.assess(text, channel="chat") if speaker == "customer" else None,
        dimensions={"product": "P1" if n % 3 else "P2", **dims},
    )


def _rollup_rows(db_url: str) -> list[tuple[Any, ...]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(MessageRollup.__table__)
                .where(MessageRollup.messages != 0)
                .order_by(*MessageRollup.__table__.primary_key.columns)
            )
            return [tuple(r) for r in rows]
    finally:
        engine.dispose()


def test_a_duplicate_never_counts_twice_and_a_reassessment_moves_the_counts(
    db_url: str, analyzer: Analyzer
) -> None:
    texts = ["排队等了一个小时还没轮到我,太慢了!", "你们客服态度太差了,爱答不理的。", "请问你们周末几点开门?"]
    messages = [_message(n, texts[n % 3], analyzer, region="east") for n in range(30)]
    messages.append(_message(99, "您好,请稍等。", analyzer, speaker="agent"))
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    try:
        with session_scope(sessions) as session:
            assert len(insert_messages(session, messages).inserted) == 31
        once = _rollup_rows(db_url)
        with session_scope(sessions) as session:  # sent again, partly within one batch too
            result = insert_messages(session, [*messages[:10], *messages, messages[3]])
            assert not result.inserted
        assert _rollup_rows(db_url) == once
        with session_scope(sessions) as session:
            assert (
                sum(
                    r.messages
                    for r in session.scalars(select(MessageRollup).where(MessageRollup.grain == "all"))
                )
                == 30
            )
            calm = next(m for m in messages if m.text == texts[2])
            pk = session.scalar(select(Message.id).where(Message.external_id == calm.external_id))
            assert pk is not None
            save_assessments(session, [(pk, analyzer.assess(texts[0], channel="chat"))])
            assert rollup_differences(session.connection()) == {"message_rollups": 0, "cause_rollups": 0}
            stages = StoreCube(session).message_counts(Scope(date(2026, 9, 1), date(2026, 9, 30)), ["stage"])
            assert int(stages["messages"].sum()) == 30
        assert _rollup_rows(db_url) != once
    finally:
        engine.dispose()


def test_rebuild_repairs_rollups_of_rows_written_around_ingestion(
    db_url: str, analyzer: Analyzer, run_cli: CliRunner
) -> None:
    engine = make_engine(db_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            insert_messages(
                session, [_message(n, "排队等了一个小时还没轮到我,太慢了!", analyzer) for n in range(5)]
            )
        row = {
            "source": "bulk",
            "external_id": "x1",
            "channel": "chat",
            "speaker": "customer",
            "text": "太慢了",
            "occurred_at": datetime(2026, 9, 2, tzinfo=UTC),
            "received_at": datetime(2026, 9, 2, tzinfo=UTC),
            "attributes": {},
            "stage": "explicit_grumble",
            "risk_level": "medium",
            "severity_weight": 2,
            "day": date(2026, 9, 2),
        }
        with engine.begin() as connection:
            connection.execute(insert(Message.__table__), [row])
    finally:
        engine.dispose()
    code, output = run_cli("rollups", "check", "--database-url", db_url)
    assert code == 1 and "rollups rebuild" in output, output
    code, output = run_cli("rollups", "rebuild", "--database-url", db_url)
    assert code == 0 and "rebuilt" in output, output
    code, output = run_cli("rollups", "check", "--database-url", db_url)
    assert code == 0, output
    # The rebuild also gathered the query planner's statistics (SQLite never does by itself).
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                analysed = connection.exec_driver_sql(
                    "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'messages'"
                )
            else:
                analysed = connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_user_tables"
                    " WHERE relname = 'messages' AND last_analyze IS NOT NULL"
                )
            assert analysed.scalar_one() > 0
    finally:
        engine.dispose()


def test_the_conversion_kpi_pairs_each_first_potential_complaint_with_a_later_formal_one(
    demo: tuple[str, SessionFactory, date],
) -> None:
    """The overview's potential→formal conversion (its times parsed as one column) against a plain
    reading of every complaint message."""
    _, sessions, last = demo
    regions = ("华东", "华南")
    for days, filters in ((30, {}), (90, {}), (180, {}), (180, {"region": regions})):
        scope = Scope(last - timedelta(days=days - 1), last, filters)
        with session_scope(sessions) as session:
            found = _conversion(session, scope)
            rows = session.execute(
                select(Message.customer_id, Message.occurred_at, Message.stage, Message.day).where(
                    Message.speaker == "customer",
                    Message.customer_id.is_not(None),
                    Message.stage.in_(("potential_complaint", "formal_complaint")),
                    Message.day >= scope.start,
                    Message.day <= scope.end + timedelta(days=31),
                    *((Message.region.in_(regions),) if filters else ()),
                )
            ).all()
        first: dict[str, datetime] = {}
        for customer, at, stage, day in rows:
            if stage == "potential_complaint" and day <= scope.end:
                first[customer] = min(first.get(customer, at), at)
        converted = {
            customer
            for customer, at, stage, _ in rows
            if stage == "formal_complaint"
            and customer in first
            and timedelta(0) < at - first[customer] <= timedelta(days=30)
        }
        assert found == (len(first), len(converted))
        assert len(first) > 10
