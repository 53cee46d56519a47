"""A refund or cancel cue gives its demand only where the words ask for it (scoring.causes `_asks`):
a refund or cancellation the writer only mentions is no demand (docs/cause_annotation.md §5)."""

from __future__ import annotations

import pytest

from complaint_radar.scoring.causes import _asks
from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.text.normalize import normalize
from complaint_radar.types import CueCode

ASKED = [
    "东西坏了,我要退款",
    "再不发货我就退款",
    "赶紧给我退回来",
    "I want a refund for this mess",
    "Please cancel my subscription today",
]
MENTIONED = [
    "申请退款三天了还没有消息",
    "退款要先上传照片,太麻烦了",
    "Where is my refund?? It has been three weeks",
    "I tried to cancel my subscription twice and it failed",
]


def _mention_cues(text: str) -> list[bool]:
    norm = normalize(text)
    hits = read_lexically(text, load_lexicon(), norm).cues
    found = [_asks(norm, h) for h in hits if h.code in (CueCode.REFUND_DEMAND, CueCode.CANCEL_DEMAND)]
    assert found, f"no refund or cancel cue in {text!r}"
    return found


@pytest.mark.parametrize("text", ASKED)
def test_a_cue_that_asks_gives_its_demand(text: str) -> None:
    assert any(_mention_cues(text))


@pytest.mark.parametrize("text", MENTIONED)
def test_a_cue_that_only_mentions_gives_none(text: str) -> None:
    assert not any(_mention_cues(text))


def test_other_cues_need_no_asking_words() -> None:
    text = "I need to speak to your manager"
    norm = normalize(text)
    hits = [h for h in read_lexically(text, load_lexicon(), norm).cues if h.code is CueCode.ESCALATE_REQUEST]
    assert hits and all(_asks(norm, h) for h in hits)


# A refund already made (退回来了 / 已经退款 / 已返还) is a problem settled, no cue at all:
# 钱退回来了,麻烦你们了 read as an explicit grumble with a refund demand before.
DONE = [
    "钱退回来了,麻烦你们了",
    "上周那笔重复扣款今天已经退回来了,谢谢处理",
    "錢已經退回來了，謝謝",
    "已经退款了,谢谢",
    "押金已返还,谢谢",
]


@pytest.mark.parametrize("text", DONE)
def test_a_refund_already_made_is_no_refund_cue(text: str) -> None:
    norm = normalize(text)
    cues = read_lexically(text, load_lexicon(), norm).cues
    assert not [c for c in cues if c.code is CueCode.REFUND_DEMAND]


@pytest.mark.parametrize("text", ["赶紧把钱退回来", "多收的钱请返还给我", "我要退款"])
def test_a_refund_still_asked_for_keeps_its_cue(text: str) -> None:
    norm = normalize(text)
    assert any(c.code is CueCode.REFUND_DEMAND for c in read_lexically(text, load_lexicon(), norm).cues)
