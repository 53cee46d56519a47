"""The bundled demo messages are well-formed, varied and tell consistent customer stories."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime

import pytest

from complaint_radar.demo import demo_messages_path, load_demo_messages

REQUIRED_FIELDS = (
    "message_id",
    "customer_id",
    "occurred_at",
    "channel",
    "industry",
    "speaker",
    "thread_id",
    "text",
)
SPEC_CHANNELS = {
    "phone_transcript",
    "chat",
    "email",
    "ticket",
    "review",
    "social_post",
    "survey",
    "branch_note",
    "regulator_referral",
    "event",
}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return load_demo_messages()


def test_file_is_bundled_next_to_the_module() -> None:
    path = demo_messages_path()
    assert path.name == "messages.jsonl"
    assert path.is_file()


def test_enough_rows(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 180


def test_required_fields_present_and_non_empty(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for field in REQUIRED_FIELDS:
            assert row.get(field, "").strip(), (row.get("message_id"), field)


def test_message_ids_unique(rows: list[dict[str, str]]) -> None:
    counts = Counter(row["message_id"] for row in rows)
    assert [mid for mid, n in counts.items() if n > 1] == []


def test_channels_and_speakers_are_known(rows: list[dict[str, str]]) -> None:
    assert {row["channel"] for row in rows} <= SPEC_CHANNELS
    assert {row["speaker"] for row in rows} <= {"customer", "agent"}
    agent_rows = [row for row in rows if row["speaker"] == "agent"]
    assert len(agent_rows) >= 5
    assert {row["channel"] for row in agent_rows} <= {"phone_transcript", "chat"}


def test_timestamps_aware_in_range_and_increasing_per_customer(rows: list[dict[str, str]]) -> None:
    start = datetime.fromisoformat("2026-08-01T00:00:00+14:00")
    end = datetime.fromisoformat("2026-11-01T00:00:00-12:00")
    last: dict[str, datetime] = {}
    for row in rows:
        moment = datetime.fromisoformat(row["occurred_at"])
        assert moment.tzinfo is not None and moment.utcoffset() is not None, row["message_id"]
        assert start <= moment < end, row["message_id"]
        previous = last.get(row["customer_id"])
        assert previous is None or moment > previous, row["message_id"]
        last[row["customer_id"]] = moment


def test_threads_belong_to_one_customer(rows: list[dict[str, str]]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        owners[row["thread_id"]].add(row["customer_id"])
    assert all(len(customers) == 1 for customers in owners.values())


def test_language_mix(rows: list[dict[str, str]]) -> None:
    chinese = [row for row in rows if HAN.search(row["text"])]
    english = [row for row in rows if not HAN.search(row["text"]) and LATIN_WORD.search(row["text"])]
    assert len(chinese) >= 100
    assert len(english) >= 20
    assert len(chinese) + len(english) == len(rows)


def test_customer_timelines(rows: list[dict[str, str]]) -> None:
    per_customer = Counter(row["customer_id"] for row in rows if row["speaker"] == "customer")
    assert sum(1 for n in per_customer.values() if n >= 3) >= 10
    assert max(per_customer.values()) <= 8


def test_contains_pii_like_data_for_masking_demo(rows: list[dict[str, str]]) -> None:
    texts = "\n".join(row["text"] for row in rows)
    assert re.search(r"1[3-9]\d{9}", texts)
    assert re.search(r"[\w.]+@[\w-]+\.[a-z]{2,}", texts)
