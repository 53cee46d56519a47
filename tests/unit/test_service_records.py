"""Domain records to JSON and back (services.records): what the store keeps must read back equal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from complaint_radar import Analyzer
from complaint_radar.cases import (
    Case,
    CaseState,
    Remedy,
    ResolutionCode,
    auto_open,
    check_sla,
    record_follow_up,
    record_resolution,
    transition,
)
from complaint_radar.errors import InputError
from complaint_radar.services.records import from_plain, to_plain
from complaint_radar.types import Assessment, Role

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Role.FRONTLINE_AGENT


def through_json(value: object) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(to_plain(value), ensure_ascii=False))
    return loaded


def test_an_assessment_reads_back_equal_after_json(analyzer: Analyzer) -> None:
    assessment = analyzer.assess(
        "订单 A20260301 十天没发货,再不处理我就投诉!", channel="chat", message_id="m1"
    )
    assert to_plain(assessment) == assessment.to_dict()
    assert from_plain(Assessment, through_json(assessment)) == assessment


def test_a_case_with_pauses_marks_resolutions_and_follow_ups_reads_back_equal(analyzer: Analyzer) -> None:
    assessment = analyzer.assess(
        "再不处理我就去12315投诉!", channel="chat", message_id="m1", customer_id="c1"
    )
    update = auto_open(assessment, "id1", "CR-2026-000001", T0)
    assert update is not None
    case = update.case
    for hours, state in (
        (1, CaseState.ACKNOWLEDGED),
        (2, CaseState.IN_PROGRESS),
        (3, CaseState.AWAITING_CUSTOMER),
    ):
        case, _ = transition(case, state, "alice", AGENT, T0 + timedelta(hours=hours))
    case, _ = transition(case, CaseState.IN_PROGRESS, "alice", AGENT, T0 + timedelta(hours=5))
    case, _ = check_sla(case, T0 + timedelta(days=4))
    case, _ = record_resolution(
        case,
        ResolutionCode.RESOLVED_REMEDY,
        "alice",
        AGENT,
        T0 + timedelta(days=5),
        remedies=(Remedy("refund", 20.0),),
    )
    case, _ = record_follow_up(case, "alice", AGENT, T0 + timedelta(days=6), resolved=False, csat=1)
    assert case.state is CaseState.REOPENED and case.pauses and case.sla_marks and case.prior_resolutions
    assert from_plain(Case, through_json(case)) == case


def test_a_malformed_record_is_an_input_error() -> None:
    with pytest.raises(InputError, match="stored Case record is malformed"):
        from_plain(Case, {"id": "x"})
