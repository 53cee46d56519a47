"""A small assessed history in a test database: steady causes in two products, one spike, metrics, surveys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from complaint_radar import Analyzer
from complaint_radar.services.analysis.metrics import metric_row, upsert_metrics
from complaint_radar.store import (
    NewEvent,
    NewMessage,
    insert_events,
    insert_messages,
    make_session_factory,
    session_scope,
)

AS_OF = date(2026, 9, 30)
FIRST = AS_OF - timedelta(days=69)
SPIKE_DAYS = 7
TEXTS = {
    "wait": "排队等了一个小时还没轮到我,太慢了!",
    "rude": "你们客服态度太差了,爱答不理的。",
    "broken": "新买的手机才用了一周就自动关机,质量太差了。",
    "calm": "请问你们周末几点开门?",
}


def seed_history(engine: Engine, analyzer: Analyzer) -> dict[str, int]:
    """70 days to AS_OF: per day 2 waiting-time (P1, B1), 1 attitude (P2, B2), 3 calm messages; in the
    last 7 days 4 product-quality messages a day about P3 (the spike). Orders 1,000 a day; CSAT and
    SERVQUAL answers; counts of what was stored."""
    assessed = {k: analyzer.assess(t, channel="chat") for k, t in TEXTS.items()}
    messages: list[NewMessage] = []
    day = FIRST
    n = 0
    while day <= AS_OF:
        plan = [("wait", "P1", "B1")] * 2 + [("rude", "P2", "B2")] + [("calm", "P1", "B1")] * 3
        if (AS_OF - day).days < SPIKE_DAYS:
            plan += [("broken", "P3", "B1")] * 4
        for i, (kind, product, branch) in enumerate(plan):
            n += 1
            at = datetime(day.year, day.month, day.day, 2 + i, 0, tzinfo=UTC)
            messages.append(
                NewMessage(
                    source="test",
                    external_id=f"m{n}",
                    channel="chat" if i % 2 else "email",
                    text=TEXTS[kind],
                    occurred_at=at,
                    customer_id=f"c{n % 40}",
                    assessment=assessed[kind],
                    dimensions={
                        "product": product,
                        "branch": branch,
                        "region": "east",
                        "agent_id": f"a{i % 3}",
                        "team": "T1",
                    },
                )
            )
        day += timedelta(days=1)
    events = [
        NewEvent(
            "test",
            f"csat{i}",
            f"c{i}",
            "survey_csat",
            datetime(2026, 9, 10 + i % 20, 3, tzinfo=UTC),
            float(1 + i % 5),
            dimensions={"product": "P1"},
        )
        for i in range(20)
    ] + [
        NewEvent(
            "test",
            f"sq{i}",
            f"c{i}",
            "survey_servqual",
            datetime(2026, 9, 10, 3, tzinfo=UTC),
            None,
            attributes={
                "item": f"Q{i % 2}",
                "dimension": "responsiveness" if i % 2 else "tangibles",
                "expectation": 6.0,
                "perception": 4.0 if i % 2 else 6.5,
            },
        )
        for i in range(6)
    ]
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        insert_messages(session, messages)
        insert_events(session, events)
        upsert_metrics(
            session,
            [
                metric_row(
                    {"date": (FIRST + timedelta(days=i)).isoformat(), "metric": "orders", "value": 1000}
                )
                for i in range(70)
            ],
        )
    return {"messages": len(messages), "events": len(events)}
