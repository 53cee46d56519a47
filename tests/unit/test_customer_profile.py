"""Customer pre-identification (SPEC.md §4): signals, decay, R1, R7, hard negatives, events, journeys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from profile_helpers import HIGH, NOW, calm_history, ev, msg, profile

from complaint_radar import Analyzer
from complaint_radar.customers import (
    ActionCode,
    BehaviourEvent,
    CaseSignal,
    EventKind,
    InvalidEventError,
    MessageSignal,
    ProfileWeights,
    Trend,
    UnknownEventKindError,
    context_risk_score,
    find_topic,
    parse_event,
    parse_events,
    weights_from_settings,
)
from complaint_radar.customers.timeline import event_kinds
from complaint_radar.errors import ConfigurationError
from complaint_radar.settings import Settings
from complaint_radar.types import RiskLevel, Stage

GRUMBLE = msg(
    "g1", 1, Stage.EXPLICIT_GRUMBLE, 58, causes=("delivery_logistics",), cues=("disappointment_statement",)
)

# Each signal alone, added to a calm customer, must raise risk (SPEC.md §4 signal table).
SIGNALS: dict[str, tuple[list[MessageSignal], list[BehaviourEvent], list[CaseSignal]]] = {
    "recent_stage": ([GRUMBLE], [], []),
    "public_negative_mention": ([replace(GRUMBLE, channel="review")], [], []),
    "branch_wait": ([], [ev("w", 1, "queue_wait", 56.0)], []),
    "call_tone": ([], [ev("c", 1, "call", 12.0, transfers=3, hold_minutes=9)], []),
    "online_friction": ([], [ev(f"f{i}", 1 + i / 24, "transaction_failed") for i in range(4)], []),
    "exit_behaviour": ([], [ev("x", 1, "page_visit", "close_account")], []),
    "complaint_channel_lookup": ([], [ev("x", 1, "page_visit", "complaint")], []),
    "csat_drop": ([], [ev("s0", 40, "survey_csat", 5.0), ev("s1", 2, "survey_csat", 2.0)], []),
    "nps_drop": ([], [ev("n0", 40, "survey_nps", 9.0), ev("n1", 2, "survey_nps", 3.0)], []),
    "service_failure": ([], [ev("d", 1, "delivery_delayed", 80.0)], []),
    "dissatisfied_resolution": ([], [ev("k", 2, "case_closed", satisfied=False)], []),
    "staff_observation": ([], [ev("o", 0.1, "staff_observation", "checks_time")], []),
    "prior_complaints": ([msg("f", 60, Stage.FORMAL_COMPLAINT, 80, cues=("complaint_intent",))], [], []),
    "unresolved_case_age": (
        [],
        [],
        [CaseSignal("k1", NOW - timedelta(hours=60), "in_progress", RiskLevel.HIGH, sla_breached=True)],
    ),
}


@pytest.mark.parametrize("code", sorted(SIGNALS))
def test_each_signal_fires_never_lowers_risk_and_is_explained_when_it_counts(code: str) -> None:
    messages, events, cases = SIGNALS[code]
    base = profile(events=calm_history())
    with_signal = profile(messages, calm_history() + events, cases)
    assert code in with_signal.signals and code in with_signal.features
    assert with_signal.complaint_probability_7d >= base.complaint_probability_7d
    assert with_signal.risk_score >= base.risk_score
    for reason in with_signal.reasons:
        assert reason.reason_zh and reason.reason_en and reason.contribution >= 0
        assert "?" not in reason.reason_zh + reason.reason_en, reason
        assert reason.evidence


def test_a_sustained_purchase_drop_against_the_own_baseline_fires_but_alone_stays_low() -> None:
    events = [ev(f"p{i}", 31 + 4 * i, "purchase", 50.0) for i in range(15)]
    p = profile(events=events)
    assert "reduced_purchase" in p.signals
    assert p.risk_level is RiskLevel.LOW


def test_message_risk_decays_and_ends_after_the_window() -> None:
    risks = [
        profile([msg("m", 0, Stage.POTENTIAL_COMPLAINT, 76)], now=NOW + timedelta(days=d)).risk_score
        for d in (0, 7, 14, 31)
    ]
    assert risks == sorted(risks, reverse=True) and risks[0] > risks[2]
    assert RiskLevel.from_score(risks[3]) is RiskLevel.LOW


def test_three_contacts_on_one_order_within_a_week_make_a_potential_complaint() -> None:
    """SPEC.md S10: the third call about one issue."""
    order = {"topic": "2024061812345"}
    messages = [
        msg("a", 6, Stage.LATENT_GRUMBLE, 30, cues=("long_wait",), **order),
        msg("b", 3, Stage.EXPLICIT_GRUMBLE, 50, cues=("prior_reference",), **order),
        msg("c", 0, Stage.EXPLICIT_GRUMBLE, 55, cues=("broken_promise",), **order),
    ]
    p = profile(messages)
    assert p.stage is Stage.POTENTIAL_COMPLAINT
    assert p.risk_level in HIGH
    assert "repeat_contact" in p.signals
    assert {"a", "b", "c"} <= {ref for r in p.reasons for ref in r.evidence}
    assert p.next_action.code is ActionCode.PRIORITY_CALLBACK


def test_contacts_about_different_orders_are_different_issues() -> None:
    messages = [
        msg(x, d, Stage.EXPLICIT_GRUMBLE, 50, topic=f"O{x}") for x, d in (("a", 6), ("b", 3), ("c", 0))
    ]
    assert "repeat_contact" not in profile(messages).signals


def test_online_friction_and_a_bad_review_ask_for_proactive_outreach() -> None:
    """SPEC.md S11: failed transfers, help pages, then a one-star review."""
    events = [ev(f"f{i}", 0.5 + i / 24, "transaction_failed") for i in range(4)]
    events += [ev(f"h{i}", 0.4 + i / 48, "page_visit", "help_transfer") for i in range(3)]
    review = msg("r", 0.1, Stage.EXPLICIT_GRUMBLE, 59, channel="review", causes=("facility_system_failure",))
    p = profile([review], events)
    assert p.risk_level is not RiskLevel.LOW
    assert p.next_action.code in (ActionCode.PROACTIVE_OUTREACH, ActionCode.SUPERVISOR_REVIEW)
    assert p.predicted_form == "negative_review"
    assert {"online_friction", "public_negative_mention"} <= set(p.signals)


def test_a_taciturn_customer_buying_less_is_predicted_to_churn_silently() -> None:
    """SPEC.md S14: monthly orders 4 → 0, then 嗯 / 算了."""
    events = [ev(f"p{i}", 31 + 7 * i, "purchase", 120.0) for i in range(9)]
    messages = [msg("t", 2, Stage.LATENT_GRUMBLE, 22, customer_type="taciturn", cues=("cancel_demand",))]
    p = profile(messages, events)
    assert "reduced_purchase" in p.signals
    assert p.predicted_form == "silent_churn"
    assert p.risk_level not in HIGH


def test_an_nps_drop_with_a_survey_grumble_is_recorded_and_raises_the_probability() -> None:
    """SPEC.md S16: NPS 3 after 9, and a grumble in the survey text."""
    events = [ev("n0", 60, "survey_nps", 9.0), ev("n1", 0.1, "survey_nps", 3.0)]
    note = msg("s", 0.1, Stage.EXPLICIT_GRUMBLE, 50, channel="survey", causes=("waiting_time",))
    p = profile([note], events)
    assert p.complaint_probability_7d > profile(events=events[:1]).complaint_probability_7d
    assert "nps_drop" in p.signals
    assert p.satisfaction["nps_change"] == -6
    if p.risk_level is not RiskLevel.LOW:
        assert p.next_action.code is ActionCode.PRIORITY_CALLBACK


def test_context_risk_never_lowers_message_risk() -> None:
    """SPEC.md R7."""
    calm = profile(events=calm_history())
    assert context_risk_score(84, calm) == 84
    assert context_risk_score(20, profile([GRUMBLE])) >= 20
    assert context_risk_score(55, None) == 55


EMPTY = profile()


@given(st.integers(0, 100), st.integers(0, 100))
def test_context_risk_is_the_larger_of_message_and_profile(message_risk: int, profile_risk: int) -> None:
    p = replace(EMPTY, risk_score=profile_risk)
    assert context_risk_score(message_risk, p) == max(message_risk, profile_risk)


def test_a_grumble_resolved_to_satisfaction_stays_below_high_and_then_fades() -> None:
    grumble = msg("g", 2, Stage.EXPLICIT_GRUMBLE, 60, causes=("delivery_logistics",), cues=("long_wait",))
    delay = ev("d", 3, "delivery_delayed", 50.0)
    during = profile([grumble], [*calm_history(), delay])
    assert during.risk_level not in HIGH
    resolved = [delay, ev("k", 1, "case_closed", satisfied=True), ev("s", 0.9, "survey_csat", 5.0)]
    thanks = msg("t", 0.8, Stage.NONE, 0)
    after = profile([grumble, thanks], [*calm_history(), *resolved])
    assert after.risk_score < during.risk_score
    assert after.risk_level is RiskLevel.LOW
    assert after.stage is Stage.NONE


def test_a_seasonal_purchase_dip_does_not_fire() -> None:
    """Weekly buyer, no purchases for three weeks (holiday), then buying again."""
    events = [ev(f"p{i}", 25 + 6 * i, "purchase", 60.0) for i in range(11)]
    events += [ev("q1", 2, "purchase", 60.0), ev("q2", 0.5, "purchase", 60.0)]
    p = profile(events=events)
    assert "reduced_purchase" not in p.signals
    assert p.risk_level is RiskLevel.LOW


def test_a_moderate_dip_counts_only_beside_other_dissatisfaction() -> None:
    events = [ev(f"p{i}", 31 + 3 * i, "purchase", 60.0) for i in range(20)]
    events += [ev("q1", 20, "purchase", 60.0), ev("q2", 13, "purchase", 60.0), ev("q3", 5, "purchase", 60.0)]
    assert "reduced_purchase" not in profile(events=events).signals
    assert "reduced_purchase" in profile([GRUMBLE], events).signals


def test_a_question_about_how_to_complain_alone_stays_below_high() -> None:
    question = msg("q", 0, Stage.POTENTIAL_COMPLAINT, 74, cues=("complaint_intent",), inquiry_only=True)
    p = profile([question], calm_history())
    assert p.risk_level not in HIGH
    assert p.stage.rank <= Stage.EXPLICIT_GRUMBLE.rank


@pytest.mark.xfail(
    strict=True,
    reason=(
        "since the cause model reads its nearest training messages (2026-12-05), "
        "我不是要投诉,就是问一下退款到哪一步了 (read as a latent grumble by both models) also gets "
        "`waiting_time` (0.49 against its threshold 0.36; before 0.31 against 0.35), and the 7-day "
        "probability of the three messages goes from 0.05 to 0.8295, at the *high* cut-off; on the "
        "held-out journeys false alarms stayed at 14.7 a seed "
        "(docs/benchmarks_preidentify.md)"
    ),
)
def test_hard_negative_messages_from_the_analyzer_stay_below_high(analyzer: Analyzer) -> None:
    texts = ["快递怎么还没到啊", "我不是要投诉,就是问一下退款到哪一步了", "请问投诉渠道是什么?"]
    messages = [
        MessageSignal.from_assessment(a, NOW - timedelta(days=2 - i))
        for i, a in enumerate(analyzer.assess_many(texts))
    ]
    assert messages[2].inquiry_only
    p = profile(messages, calm_history())
    assert p.risk_level not in HIGH


def test_a_threat_from_the_analyzer_is_at_least_medium_at_once_and_its_context_risk_high(
    analyzer: Analyzer,
) -> None:
    threat = MessageSignal.from_assessment(analyzer.assess("再不给我处理,我就去12315投诉你们!"), NOW)
    p = profile([threat])
    assert p.risk_level is not RiskLevel.LOW and p.stage is Stage.POTENTIAL_COMPLAINT
    assert context_risk_score(threat.risk_score, p) >= 60  # R7: the message's own high risk stands


def test_trend_compares_with_two_weeks_earlier() -> None:
    old = msg("o", 20, Stage.EXPLICIT_GRUMBLE, 55, causes=("product_quality",))
    rising = profile([old, msg("n", 0, Stage.POTENTIAL_COMPLAINT, 75)])
    assert rising.trend is Trend.RISING and rising.trend_delta > 0
    # A threat three weeks old: two weeks ago it was a week old and at least high (the stage floor).
    falling = profile([msg("t", 20, Stage.POTENTIAL_COMPLAINT, 75, causes=("product_quality",))])
    assert falling.trend is Trend.FALLING and falling.trend_delta < 0


def test_unknown_event_kinds_are_reported_and_skipped_never_fatal() -> None:
    with pytest.raises(UnknownEventKindError, match="unknown kind 'teleport'"):
        parse_event(
            {
                "event_id": "e1",
                "customer_id": "c",
                "occurred_at": "2025-01-01T08:00:00+08:00",
                "kind": "teleport",
            }
        )
    parsed = parse_events(
        [
            {"event_id": "e1", "occurred_at": "2025-01-01T08:00:00+08:00", "kind": "teleport"},
            {
                "event_id": "e2",
                "occurred_at": "2025-01-01T09:00:00+08:00",
                "kind": "queue_wait",
                "value": "45",
            },
        ]
    )
    assert [e.event_id for e in parsed.events] == ["e2"]
    assert parsed.skipped[0].event_id == "e1"
    odd = BehaviourEvent("e9", NOW, "teleport")
    assert profile(events=[odd]).skipped_events[0].event_id == "e9"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"kind": "survey_csat", "value": 7}, "out of range"),
        ({"kind": "queue_wait", "value": "long"}, "not a number"),
        ({"kind": "queue_wait"}, "needs a value"),
        ({"kind": "call", "value": 5, "attributes": "{transfers: 2"}, "not valid JSON"),
        ({"kind": "case_closed"}, "needs attribute 'satisfied'"),
        ({"kind": "staff_observation", "value": "dances"}, "not a staff_observation code"),
        ({"kind": "login", "occurred_at": "yesterday"}, "not an ISO 8601 time"),
    ],
)
def test_bad_event_rows_say_what_to_fix(row: dict[str, Any], problem: str) -> None:
    full = {"event_id": "e1", "occurred_at": "2025-01-01T08:00:00+08:00", **row}
    with pytest.raises(InvalidEventError, match=problem):
        parse_event(full)


def test_event_rows_parse_types_and_naive_times_as_utc() -> None:
    e = parse_event(
        {
            "event_id": "e1",
            "customer_id": 7,
            "occurred_at": "2025-01-01T08:00:00",
            "kind": "call",
            "value": "12",
            "attributes": '{"transfers": "3", "hold_minutes": 6.5}',
        }
    )
    assert e.at.tzinfo is UTC and e.number == 12.0 and e.customer_id == "7"
    assert e.attributes == {"transfers": 3, "hold_minutes": 6.5}
    closed = parse_event(
        {"event_id": "k", "occurred_at": NOW, "kind": "case_closed", "attributes": {"satisfied": "yes"}}
    )
    assert closed.attributes["satisfied"] is True


def test_the_event_kind_registry_matches_the_enum() -> None:
    assert set(event_kinds()) == {k.value for k in EventKind}


def test_topics_come_from_order_numbers() -> None:
    assert find_topic("订单号:20240618889 还没发货") == "20240618889"
    assert find_topic("Order #SO12345678 is late") == "SO12345678"
    assert find_topic("快递还没到") is None


def test_weights_load_overrides_and_reject_bad_values(tmp_path: Path) -> None:
    default = ProfileWeights.default()
    assert default.messages.half_life_days == 14.0
    custom = tmp_path / "weights.yaml"
    custom.write_text("messages: {half_life_days: 7}\n", "utf-8")
    loaded = weights_from_settings(Settings(profile_weights_file=custom))
    assert loaded.messages.half_life_days == 7.0
    assert loaded.repeat == default.repeat
    with pytest.raises(ConfigurationError, match=r"messages\.grumble_factor"):
        ProfileWeights.load(overrides={"messages": {"grumble_factor": 3}})
    with pytest.raises(ConfigurationError, match="cannot read"):
        ProfileWeights.load(tmp_path / "missing.yaml")


def test_profile_is_deterministic_and_serialisable() -> None:
    messages = [GRUMBLE, msg("b", 0, Stage.EXPLICIT_GRUMBLE, 55)]
    a = profile(messages, calm_history()).to_dict()
    assert a == profile(messages, calm_history()).to_dict()
    assert a["risk_level"] == RiskLevel.from_score(a["risk_score"]).value
    assert len(a["reasons"]) <= 5
    assert all(r["evidence"] for r in a["reasons"] if r["code"] == "recent_stage")


# --- the story, not the sum (issue: escalation over weeks, behaviour in context) ------------------------


def _busy(days: int, *, rated: bool, buying: bool) -> list[BehaviourEvent]:
    """A heavy user's friction over `days`: calls with transfers and holds, long queues; with or without
    good ratings and steady purchases."""
    rows = [ev(f"c{i}", 1 + 3 * i, "call", 12.0, transfers=3, hold_minutes=8) for i in range(days // 3)]
    rows += [ev(f"w{i}", 2 + 7 * i, "queue_wait", 45.0, median_minutes=15) for i in range(days // 7)]
    if rated:
        rows += [ev(f"s{i}", 1.5 + 6 * i, "survey_csat", 5.0) for i in range(days // 6)]
        rows += [ev(f"n{i}", 4 + 14 * i, "survey_nps", 9.0) for i in range(days // 14)]
    if buying:
        rows += [ev(f"p{i}", 0.5 + 2 * i, "purchase", 88.0) for i in range(45)]
    return rows


def test_a_satisfied_heavy_user_is_a_segment_not_a_risk() -> None:
    content = profile(events=_busy(60, rated=True, buying=True))
    unhappy = profile(events=_busy(60, rated=False, buying=False))
    assert content.risk_level not in HIGH
    assert content.complaint_probability_7d < unhappy.complaint_probability_7d
    assert content.features.get("friction_unsoothed", 0.0) < unhappy.features["friction_unsoothed"]


def test_a_chronic_grumbler_stays_below_high_week_after_week() -> None:
    causes = ["price_billing", "waiting_time", "product_quality", "service_attitude", "delivery_logistics"]
    remarks = [
        msg(
            f"r{i}",
            7 * i + 0.5,
            Stage.LATENT_GRUMBLE,
            30,
            causes=(causes[i % 5],),
            cues=("disappointment_statement",),
        )
        for i in range(9)
    ]
    events = [ev(f"n{i}", 7 * i + 1, "survey_nps", float(6 + i % 3)) for i in range(0, 9, 2)]
    events += [ev(f"p{i}", 0.3 + 3 * i, "purchase", 50.0) for i in range(25)]
    for week in range(9):
        now = NOW - timedelta(days=7 * week)
        assert profile(remarks, events, now=now).risk_level not in HIGH


def test_grumbles_about_one_unresolved_problem_weigh_more_close_together_than_weeks_apart() -> None:
    order = {"topic": "SO20250601", "causes": ("facility_system_failure",)}
    week = [
        msg("a", 5, Stage.LATENT_GRUMBLE, 30, cues=("long_wait",), **order),
        msg("b", 2, Stage.EXPLICIT_GRUMBLE, 52, cues=("prior_reference",), **order),
        msg("c", 0.5, Stage.EXPLICIT_GRUMBLE, 55, cues=("disappointment_statement",), **order),
    ]
    spread = [replace(m, at=m.at - timedelta(days=9 * i)) for i, m in enumerate(reversed(week))]
    close, apart = profile(week), profile(spread)
    assert close.complaint_probability_7d > apart.complaint_probability_7d
    assert close.risk_level is not RiskLevel.LOW
    assert close.features["same_issue_repeat"] >= 1.0
