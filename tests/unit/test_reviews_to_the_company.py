"""`CauseRules.customer_service_public`: English reviews read as messages to the company. The tweet-trained
`complaint_en` reads much praise in a review as a complaint ("Quick delivery and lovely packaging, 5
stars"); with the channel named (the default names `review`), its complaint reading counts only where
`complaint_en_cs` agrees, as on chat, e-mail and the other non-public channels. Social posts (the tweets
`complaint_en` was trained on) and messages of no known channel keep the tweet model alone."""

from __future__ import annotations

import dataclasses

import pytest

from complaint_radar import Analyzer
from complaint_radar.scoring import causes as cause_rules


@pytest.fixture
def reviews_on(monkeypatch: pytest.MonkeyPatch) -> None:
    on = dataclasses.replace(cause_rules.RULES, customer_service_public=frozenset({"review"}))
    monkeypatch.setattr(cause_rules, "RULES", on)


@pytest.fixture
def reviews_off(monkeypatch: pytest.MonkeyPatch) -> None:
    off = dataclasses.replace(cause_rules.RULES, customer_service_public=frozenset())
    monkeypatch.setattr(cause_rules, "RULES", off)


def test_by_default_reviews_but_not_posts_are_read_as_to_the_company() -> None:
    assert cause_rules.RULES.customer_service_public == frozenset({"review"})
    for channel in ("chat", "email", "ticket", "branch_note", "review"):
        assert cause_rules.to_the_company(channel), channel
    assert not cause_rules.to_the_company("social_post")
    assert not cause_rules.to_the_company(None)


def test_a_praising_post_keeps_the_tweet_model(analyzer: Analyzer) -> None:
    # what the review rule changes, it changes for reviews only
    text = "Quick delivery and lovely packaging, 5 stars"
    assert analyzer.assess(text, channel="review").stage.value == "none"
    as_post = analyzer.assess(text, channel="social_post")
    assert as_post.complaint_probability == analyzer.assess(text).complaint_probability


@pytest.mark.usefixtures("reviews_off")
def test_without_the_rule_a_review_is_public() -> None:
    assert not cause_rules.to_the_company("review")
    assert cause_rules.to_the_company("ticket")


PRAISE = [
    "Quick delivery and lovely packaging, 5 stars",
    "Engineer turned up on time and had the boiler fixed within the hour, very happy",
    "Lovely staff and the room was spotless, will stay again",
]
GRUMBLES = [
    "Parcel arrived a week late and the box was crushed. Not ordering again.",
    "Two stars. Food was cold and the driver was rude.",
    "One star. Charged twice for the same order and nobody answers the phone.",
]


@pytest.mark.usefixtures("reviews_on")
@pytest.mark.parametrize("text", PRAISE)
def test_praise_in_a_review_is_no_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="review")
    assert a.stage.value == "none"
    assert not a.causes


@pytest.mark.usefixtures("reviews_on")
@pytest.mark.parametrize("text", GRUMBLES)
def test_a_grumbling_review_still_reads_as_one(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="review")
    assert a.stage.value != "none"
    assert a.causes
