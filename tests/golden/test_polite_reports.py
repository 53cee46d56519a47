"""A quiet, polite problem report (不好意思 / 打扰一下 / "sorry to bother you" + a concrete problem + "could
you check?") is a latent grumble with the cause the problem implies, and the same opener with no problem
in it stays calm: the reading rests on the problem, not on the politeness (SPEC.md §2.3: a problem
reported but not evaluated). Pairs written for this test; the cause corpus's batch r holds others like
them (corpus/causes/train/*_r.jsonl)."""

from __future__ import annotations

import pytest

from complaint_radar.pipeline import Analyzer
from complaint_radar.types import Stage

# (problem report, its cause, calm twin with the same opener)
PAIRS = [
    (
        "不好意思，结账金额比页面多了300元，可以帮我看一下吗？",
        "price_billing",
        "不好意思，想查一下这个月的账单，可以帮我看一下吗？",
    ),
    (
        "打扰一下，我家空调开了制冷一直吹热风，能派人来看看吗",
        "facility_system_failure",
        "打扰一下，想预约下周六上门清洗空调，可以吗",
    ),
    (
        "麻烦问一下，昨天的订单显示已签收，可是我没收到包裹",
        "delivery_logistics",
        "麻烦问一下，订单一般几天能发货？",
    ),
    (
        "Sorry to bother you, I think I was charged twice for the same order, could you check?",
        "price_billing",
        "Sorry to bother you, could you tell me when my next bill is due?",
    ),
    (
        "Hi, the heating in room 412 isn't working, could someone take a look?",
        "facility_system_failure",
        "Hi, could I get an extra towel in room 412 please?",
    ),
]


@pytest.mark.parametrize(("report", "cause", "calm"), PAIRS)
def test_a_polite_report_is_a_latent_grumble_and_its_calm_twin_is_not(
    analyzer: Analyzer, report: str, cause: str, calm: str
) -> None:
    a = analyzer.assess(report, channel="chat")
    assert a.stage is Stage.LATENT_GRUMBLE
    assert cause in {c.code for c in a.causes}
    b = analyzer.assess(calm, channel="chat")
    assert b.stage is Stage.NONE
    assert not b.causes


def test_a_polite_overcharge_report_in_traditional_chinese(analyzer: Analyzer) -> None:
    a = analyzer.assess("不好意思，結帳金額比頁面多了80元，可以幫我看一下嗎？", channel="chat")
    assert a.stage is Stage.LATENT_GRUMBLE
    assert "price_billing" in {c.code for c in a.causes}


# Known gap (2026-12-04, batch r model): a Cantonese question about a bill that went up with no reason
# given reads calm. Strict: the mark must go once it reads right.
@pytest.mark.xfail(strict=True, reason="a written-Cantonese why-question about a higher bill reads calm")
def test_a_cantonese_question_about_a_higher_bill_is_a_latent_grumble(analyzer: Analyzer) -> None:
    a = analyzer.assess("唔好意思，想問下今個月張單點解多咗$50？", channel="chat")
    assert a.stage is Stage.LATENT_GRUMBLE
