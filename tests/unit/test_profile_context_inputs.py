"""The profile inputs that read a slow burn (one issue raised again over weeks) and a customer's kind
words (the soothing share of calm, positive messages, terse replies not counted): their values, and that
added negative evidence never moves them the wrong way (SPEC.md R1)."""

from __future__ import annotations

from tests.unit.profile_helpers import ev, msg, profile

from complaint_radar.customers.signals import MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent
from complaint_radar.types import Stage


def _latent(mid: str, days_ago: float, topic: str) -> MessageSignal:
    return msg(mid, days_ago, Stage.LATENT_GRUMBLE, 25, topic=topic, sentiment_score=-0.4)


def _kind(mid: str, days_ago: float) -> MessageSignal:
    return msg(mid, days_ago, Stage.NONE, 0, sentiment_score=0.8)


def test_one_issue_raised_weeks_apart_is_counted_once_per_spell() -> None:
    spaced = [_latent(f"m{i}", 1 + 8 * i, "SO12345678") for i in range(4)]
    assert profile(spaced).features["issue_weeks"] == 0.75  # 4 contacts ≥ 5 days apart: (4 − 1) / 4
    bunched = [_latent(f"m{i}", 1 + i, "SO12345678") for i in range(4)]
    assert "issue_weeks" not in profile(bunched).features  # days 1–4 ago: one spell, not a slow burn


def test_different_issues_do_not_add_up() -> None:
    apart = [_latent(f"m{i}", 1 + 8 * i, f"SO1234567{i}") for i in range(4)]
    assert profile(apart).features.get("issue_weeks", 0.0) == 0.0


def test_issue_weeks_never_falls_when_a_contact_is_added() -> None:
    base = [_latent(f"m{i}", 1 + 8 * i, "SO12345678") for i in range(3)]
    before = profile(base).features.get("issue_weeks", 0.0)
    for days in (0.5, 3.0, 6.0, 20.0, 40.0):
        more = [*base, _latent("mx", days, "SO12345678")]
        assert profile(more).features.get("issue_weeks", 0.0) >= before


def test_kind_words_is_the_share_of_calm_positive_messages_and_a_grumble_only_lowers_it() -> None:
    kind = [_kind(f"k{i}", 2 + 3 * i) for i in range(3)]
    assert profile(kind).features["kind_words"] == 1.0
    with_grumble = [*kind, _latent("g", 1, "SO12345678")]
    assert profile(with_grumble).features["kind_words"] == 0.75
    assert "kind_words" not in profile([_latent("g", 1, "SO12345678")]).features


def test_a_terse_reply_is_no_kind_word_even_when_it_reads_calm_and_positive() -> None:
    # 好 / "ok" / "fine" read calm and positive, but a terse reply is a slow burn's sign (the issue's
    # "terse replies"), so it only adds to the count of all messages.
    terse = [
        msg(f"t{i}", 2 + 3 * i, Stage.NONE, 0, sentiment_score=0.9, customer_type="taciturn")
        for i in range(2)
    ]
    assert "kind_words" not in profile(terse).features
    kind = [_kind("k", 1), *terse]
    assert abs(profile(kind).features["kind_words"] - 1 / 3) < 1e-6


def test_satisfied_answers_weigh_by_how_recent_and_how_many_they_are() -> None:
    grumble = [_latent("g", 0.5, "SO12345678")]

    def satisfied(events: list[BehaviourEvent]) -> float:
        return profile(grumble, events).features.get("satisfied_answers", 0.0)

    fresh = satisfied([ev("s1", 1, "survey_csat", 5.0)])
    old = satisfied([ev("s1", 50, "survey_csat", 5.0)])
    many_old = satisfied([ev(f"s{i}", 40 + i, "survey_csat", 5.0) for i in range(4)])
    assert fresh > 0.9  # this week's good answer soothes fully
    assert 0.0 < old < 0.5  # one good answer seven weeks ago soothes a fresh grievance little
    assert old < many_old <= 1.0  # ... and more of them, more
    # A bad answer never raises it, whatever its age.
    for days in (1, 20, 50):
        assert satisfied([ev("s1", 1, "survey_csat", 5.0), ev("s2", days, "survey_csat", 1.0)]) <= fresh


def test_friction_calls_of_a_customer_who_rates_them_well_are_not_repeat_contacts_about_a_grumble() -> None:
    """Two calls with transfers and one grumble in a week are three contacts on one issue (SPEC.md §2.3:
    stage ≥ potential_complaint) from a customer with no answers on record; from one who rated those calls
    5, the calls are routine and the stage stays below; a bad answer instead makes them count again."""
    calls = [ev(f"c{i}", 1 + 2 * i, "call", 6.0, transfers=2, hold_minutes=8) for i in range(2)]
    grumble = [msg("g", 0.5, Stage.EXPLICIT_GRUMBLE, 40, sentiment_score=-0.6)]
    bare = profile(grumble, calls)
    assert bare.stage.rank >= Stage.POTENTIAL_COMPLAINT.rank
    rated = [*calls, *(ev(f"s{i}", 1 + 2 * i - 0.1, "survey_csat", 5.0) for i in range(2))]
    calm = profile(grumble, rated)
    assert calm.stage.rank < Stage.POTENTIAL_COMPLAINT.rank
    assert calm.risk_score < bare.risk_score
    unhappy = [*rated, ev("s9", 0.9, "survey_csat", 1.0), ev("s8", 0.8, "survey_csat", 1.0)]
    assert profile(grumble, unhappy).stage.rank >= Stage.POTENTIAL_COMPLAINT.rank
