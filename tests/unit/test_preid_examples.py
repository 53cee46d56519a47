"""The issue's example journeys through the real Analyzer and the bundled 7-day model, and the feature
behind the first: the same unresolved problem pressed at explicit stage twice within a week."""

from __future__ import annotations

from datetime import timedelta

from profile_helpers import HIGH, NOW, ev, msg, profile

from complaint_radar import Analyzer
from complaint_radar.customers import MessageSignal
from complaint_radar.types import Stage

ORDER = {"topic": "SO20250601"}


def test_explicit_grumbles_about_one_issue_within_a_week_are_pressed_again() -> None:
    twice = [
        msg("a", 5, Stage.EXPLICIT_GRUMBLE, 55, **ORDER),
        msg("b", 1, Stage.EXPLICIT_GRUMBLE, 56, **ORDER),
    ]
    assert profile(twice).features["same_issue_explicit_7d"] == 1.0
    mild = [msg("a", 5, Stage.LATENT_GRUMBLE, 30, **ORDER), msg("b", 1, Stage.LATENT_GRUMBLE, 30, **ORDER)]
    assert "same_issue_explicit_7d" not in profile(mild).features
    apart = [
        msg("a", 12, Stage.EXPLICIT_GRUMBLE, 55, **ORDER),
        msg("b", 1, Stage.EXPLICIT_GRUMBLE, 56, **ORDER),
    ]
    assert "same_issue_explicit_7d" not in profile(apart).features
    other = [
        msg("a", 5, Stage.EXPLICIT_GRUMBLE, 55, topic="SO1", causes=("price_billing",)),
        msg("b", 1, Stage.EXPLICIT_GRUMBLE, 56, topic="SO2", causes=("delivery_logistics",)),
    ]
    assert "same_issue_explicit_7d" not in profile(other).features


def test_two_explicit_grumbles_about_an_unresolved_problem_within_a_week_reach_high(
    analyzer: Analyzer,
) -> None:
    texts = ["上回反映的事还没下文", "真的服了，宽带拖了5天还没处理完", "客服就只会说抱歉，问题一点没解决"]
    ages = (6.0, 1.5, 0.2)
    said = [
        MessageSignal.from_assessment(a, NOW - timedelta(days=age))
        for a, age in zip(analyzer.assess_many(texts), ages, strict=True)
    ]
    first, last = profile(said[:1]), profile(said)
    assert first.risk_level not in HIGH
    assert last.risk_level in HIGH
    assert last.complaint_probability_7d > first.complaint_probability_7d
    assert last.reasons and all(reason.evidence for reason in last.reasons)


def test_a_chronic_grumbler_in_their_own_words_stays_below_high(analyzer: Analyzer) -> None:
    texts = [
        "又涨价了，有点无语",
        "今天排队有点久",
        "the app is a bit slow again",
        "包裹又晚了一天，唉",
        "客服回复慢了点",
        "價格還是偏貴",
        "meh, the new menu is worse",
        "送货又迟了，习惯了",
    ]
    ages = [7.0 * i + 0.5 for i in range(len(texts))]
    said = [
        MessageSignal.from_assessment(a, NOW - timedelta(days=age))
        for a, age in zip(analyzer.assess_many(texts), ages, strict=True)
    ]
    events = [ev(f"n{i}", 7 * i + 1, "survey_nps", float(5 + i % 4)) for i in range(0, 8, 2)]
    events += [ev(f"p{i}", 0.3 + 3 * i, "purchase", 50.0) for i in range(20)]
    for week in range(8):
        now = NOW - timedelta(days=7 * week)
        seen = [m for m in said if m.at <= now]
        assert profile(seen, [e for e in events if e.at <= now], now=now).risk_level not in HIGH


def test_a_satisfied_heavy_user_who_calls_waits_and_is_transferred_is_not_high() -> None:
    events = [ev(f"c{i}", 1 + 2 * i, "call", 14.0, transfers=2, hold_minutes=10) for i in range(20)]
    events += [ev(f"w{i}", 1.5 + 4 * i, "queue_wait", 40.0, median_minutes=15) for i in range(10)]
    events += [ev(f"s{i}", 2 + 5 * i, "survey_csat", 4.0 + i % 2) for i in range(8)]
    events += [ev(f"p{i}", 0.5 + 2 * i, "purchase", 120.0) for i in range(30)]
    assert profile(events=events).risk_level not in HIGH
