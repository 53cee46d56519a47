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
