"""`CauseRules.expedite_needs_words` (off by default, not yet measured by cross-validation): with it on, the
model's `expedite` stands only where the customer's words ask for speed, set a time or say it is urgent;
the rule path's own reading (`_implied`) is untouched."""

from __future__ import annotations

import dataclasses

import pytest

from complaint_radar import Analyzer
from complaint_radar.scoring import causes as cause_rules


def _demands(analyzer: Analyzer, text: str) -> set[str]:
    return {d.code for d in analyzer.assess(text, channel="chat").demands}


def test_off_by_default() -> None:
    assert cause_rules.RULES.expedite_needs_words is False


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("排队等了四十分钟，柜员还一直催我快点", False),  # the staff hurried the customer
        ("东西坏了寄回去换，客服说会尽快处理", False),  # a promise quoted
        ("水管爆了两天没人来修，麻烦尽快派师傅过来", True),
        ("The heating's been off since Sunday, get an engineer out ASAP please", True),
    ],
)
def test_with_the_rule_the_model_expedite_needs_words_asking_for_speed(
    analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch, text: str, asks: bool
) -> None:
    guarded = dataclasses.replace(cause_rules.RULES, expedite_needs_words=True)
    monkeypatch.setattr(cause_rules, "RULES", guarded)
    assert ("expedite" in _demands(analyzer, text)) is asks
