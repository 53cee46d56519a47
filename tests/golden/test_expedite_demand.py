"""`expedite` read from words that ask for speed or set a time on the fix (docs/cause_annotation.md §5:
"speed: today, as soon as possible, hurry, a firm date"), whatever the cause model says; sentences written
for this test."""

from __future__ import annotations

import pytest

from complaint_radar.pipeline import Analyzer


@pytest.mark.parametrize(
    "text",
    [
        "水管爆了两天没人来修，麻烦尽快派师傅过来",
        "訂單卡咗一個禮拜，請盡快處理",
        "The heating's been off since Sunday, get an engineer out ASAP please",
        "My refund is three weeks late. Pay it by Friday or I'm going to the ombudsman.",
        "包裹丢了还不认账，今天不给我答复我就去投诉",
    ],
)
def test_speed_asked_for_or_a_deadline_on_the_fix_is_expedite(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert "expedite" in {d.code for d in a.demands}


# Known gap since the cause model was retrained with batch p (2026-12-04): its demand head read
# `expedite` from a speed word in any role (the staff hurrying the customer, a calm question, a promise
# quoted), where the model before did not. The model retrained with batch q reads the first two right
# again; the promise quoted stays. The rule path already ignores such words (`scoring/causes.py:
# _SPEED`). The same guard on the model's reading (keep its `expedite` only with words asking for
# speed, a time limit or urgency) was measured on the out-of-fold predictions and dropped: it halves
# `expedite` recall, because customers ask for speed in too many ways (zh-Hans 0.62 → 0.35). Strict: the
# test fails once the gap closes, so the mark must go then.
_SPEED_WORD_GAP = pytest.mark.xfail(
    strict=True,
    reason="demand head reads expedite from speed words the customer does not use to ask for speed",
)


@pytest.mark.parametrize(
    "text",
    [
        "I'm not happy that the kettle broke after a week, I'd like my money back",
        "排队等了四十分钟，柜员还一直催我快点",
        "Can I collect the parcel today instead of tomorrow?",
        pytest.param("东西坏了寄回去换，客服说会尽快处理", marks=_SPEED_WORD_GAP),
    ],
)
def test_no_speed_asked_is_no_expedite(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert "expedite" not in {d.code for d in a.demands}
