"""SPEC.md R1 and R8 for customer profiles, property-tested: added negative evidence never lowers the 7-day
probability, the score or any feature; every profile at medium or above is explained."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from profile_helpers import NOW, ev, msg, numbered, profile

from complaint_radar.customers import (
    BehaviourEvent,
    CaseSignal,
    MessageSignal,
    ProfileWeights,
    compute_profile,
    trend_baseline,
)
from complaint_radar.customers.features import SOOTHING
from complaint_radar.types import RiskLevel, Stage

# --- R1 for profiles: adding a negative signal never lowers risk -------------------------------------

_negative_events = st.one_of(
    st.builds(lambda d, m: ev("x", d, "queue_wait", m), st.floats(0, 60), st.floats(0, 200)),
    st.builds(
        lambda d, t, h: ev("x", d, "call", 5.0, transfers=t, hold_minutes=h),
        st.floats(0, 60),
        st.integers(0, 6),
        st.floats(0, 40),
    ),
    st.builds(lambda d: ev("x", d, "transaction_failed"), st.floats(0, 60)),
    st.builds(lambda d: ev("x", d, "login_failed"), st.floats(0, 60)),
    st.builds(
        lambda d, p: ev("x", d, "page_visit", p),
        st.floats(0, 60),
        st.sampled_from(["close_account", "help_refund", "help_x", "complaint", "home"]),
    ),
    st.builds(lambda d, s: ev("x", d, "survey_csat", float(s)), st.floats(0, 60), st.integers(1, 2)),
    st.builds(lambda d, s: ev("x", d, "survey_nps", float(s)), st.floats(0, 60), st.integers(0, 6)),
    st.builds(lambda d, h: ev("x", d, "delivery_delayed", h), st.floats(0, 60), st.floats(0, 150)),
    st.builds(lambda d: ev("x", d, "booking_failed"), st.floats(0, 60)),
    st.builds(lambda d: ev("x", d, "case_closed", satisfied=False), st.floats(0, 60)),
    st.builds(lambda d: ev("x", d, "staff_observation", "sighs"), st.floats(0, 60)),
)
_background_events = st.one_of(
    _negative_events,
    st.builds(lambda d: ev("x", d, "purchase", 50.0), st.floats(0, 89)),
    st.builds(lambda d: ev("x", d, "login"), st.floats(0, 89)),
    st.builds(lambda d, s: ev("x", d, "survey_csat", float(s)), st.floats(0, 89), st.integers(1, 5)),
    st.builds(lambda d: ev("x", d, "case_closed", satisfied=True), st.floats(0, 60)),
)
_messages = st.builds(
    lambda d, rank, risk, topic, cause, public, inquiry: msg(
        "x",
        d,
        Stage.from_rank(rank),
        risk,
        channel="review" if public else "chat",
        topic=topic,
        causes=(cause,) if cause else (),
        cues=("long_wait",) if rank else (),
        inquiry_only=inquiry and rank >= 3,
    ),
    st.floats(0, 40),
    st.integers(0, 4),
    st.integers(0, 100),
    st.sampled_from([None, "A1", "B2"]),
    st.sampled_from([None, "waiting_time", "product_quality"]),
    st.booleans(),
    st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_messages, max_size=6),
    st.lists(_background_events, max_size=20),
    st.one_of(_negative_events, _messages),
)
def test_adding_a_negative_signal_never_lowers_risk_or_the_probability(
    messages: list[MessageSignal], events: list[BehaviourEvent], extra: MessageSignal | BehaviourEvent
) -> None:
    """SPEC.md R1 for profiles: the 7-day probability, the score and the level never fall, no feature
    falls and no soothing input rises (the model is monotone in each that way), so any refit keeps R1."""
    messages, events = numbered(messages, "m"), numbered(events, "e")
    before = profile(messages, events)
    if isinstance(extra, MessageSignal):
        after = profile([*messages, replace(extra, message_id="new")], events)
    else:
        after = profile(messages, [*events, replace(extra, event_id="new")])
    assert after.complaint_probability_7d >= before.complaint_probability_7d
    assert after.risk_score >= before.risk_score
    _features_move_the_risky_way(before.features, after.features)


@settings(max_examples=150, deadline=None)
@given(st.lists(_messages, min_size=1, max_size=6), st.lists(_background_events, max_size=20), st.data())
def test_raising_a_messages_stage_or_risk_never_lowers_the_probability(
    messages: list[MessageSignal], events: list[BehaviourEvent], data: st.DataObject
) -> None:
    """SPEC.md R1: a stage or a message risk increased, all else equal."""
    messages, events = numbered(messages, "m"), numbered(events, "e")
    i = data.draw(st.integers(0, len(messages) - 1))
    m = messages[i]
    rank = data.draw(st.integers(m.stage.rank, 4))
    risk = data.draw(st.integers(m.risk_score, 100))
    cues = m.cues or (("long_wait",) if rank else ())
    raised = [
        *messages[:i],
        replace(m, stage=Stage.from_rank(rank), risk_score=risk, cues=cues),
        *messages[i + 1 :],
    ]
    before, after = profile(messages, events), profile(raised, events)
    assert after.complaint_probability_7d >= before.complaint_probability_7d
    _features_move_the_risky_way(before.features, after.features)


def _features_move_the_risky_way(before: Mapping[str, float], after: Mapping[str, float]) -> None:
    for name in {*before, *after}:
        was, now = before.get(name, 0.0), after.get(name, 0.0)
        if name in SOOTHING:
            assert now <= was + 1e-9, name
        else:
            assert now >= was - 1e-9, name


@settings(max_examples=100, deadline=None)
@given(st.lists(_messages, max_size=6), st.lists(_background_events, max_size=20))
def test_every_profile_at_medium_or_above_has_a_reason_with_evidence(
    messages: list[MessageSignal], events: list[BehaviourEvent]
) -> None:
    """SPEC.md R8 for profiles; the reasons' points add up to (at most) the score."""
    p = profile(numbered(messages, "m"), numbered(events, "e"))
    if p.risk_level is not RiskLevel.LOW:
        assert any(r.evidence for r in p.reasons)
    assert sum(r.contribution for r in p.reasons) <= p.risk_score + 0.05 * len(p.reasons)


# --- The trend's baseline: worked out once where it cannot have changed --------------------------------

_COMPARE = timedelta(days=ProfileWeights.default().trend.compare_days)


@settings(max_examples=150, deadline=None)
@given(st.lists(_messages, max_size=6), st.lists(_background_events, max_size=20), st.floats(0, 30))
def test_the_trend_compares_with_the_same_timeline_as_of_two_weeks_earlier(
    messages: list[MessageSignal], events: list[BehaviourEvent], shift_days: float
) -> None:
    """Whether the earlier timeline is empty (its score remembered once) or not, at any moment."""
    now = NOW + timedelta(days=shift_days)
    messages, events = numbered(messages, "m"), numbered(events, "e")
    p = profile(messages, events, now=now)
    earlier = profile(messages, events, now=now - _COMPARE)
    assert p.trend_delta == p.risk_score - earlier.risk_score


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_messages, max_size=6),
    st.lists(_background_events, max_size=20),
    st.floats(0, 13.9),
    st.booleans(),
)
def test_a_case_opened_since_the_comparison_moment_keeps_the_baseline(
    messages: list[MessageSignal], events: list[BehaviourEvent], opened_days_ago: float, formal: bool
) -> None:
    """What ingestion does after a case step: the profile with the case, given the baseline of the
    profile without it, is the profile worked out from scratch."""
    messages, events = numbered(messages, "m"), numbered(events, "e")
    case = CaseSignal(
        "CR-1",
        NOW - timedelta(days=opened_days_ago),
        "new",
        RiskLevel.HIGH,
        topic="A1",
        formal_complaint=formal,
    )
    without = profile(messages, events)
    scratch = compute_profile("c1", messages, events, [case], NOW)
    known = compute_profile("c1", messages, events, [case], NOW, baseline=trend_baseline(without))
    assert known.to_dict() == scratch.to_dict()
