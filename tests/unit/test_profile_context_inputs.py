"""The profile inputs that read a slow burn (one issue raised again over weeks) and a customer's kind
words (the soothing share of calm, positive messages): their values, and that added negative evidence
never moves them the wrong way (SPEC.md R1)."""

from __future__ import annotations

from tests.unit.profile_helpers import msg, profile

from complaint_radar.types import Stage


def _latent(mid: str, days_ago: float, topic: str) -> object:
    return msg(mid, days_ago, Stage.LATENT_GRUMBLE, 25, topic=topic, sentiment_score=-0.4)


def _kind(mid: str, days_ago: float) -> object:
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
