"""The same issue raised again is a cue however it is phrased (SPEC.md §2.3: a repeat contact, a reference
to an earlier failure or contact, a promise that it is in hand that came to nothing). Customer-level
pre-identification links a customer's contacts through these cues (customers/trajectory.py `linked`), so
a phrasing the lexicon misses splits one escalating issue into unrelated grumbles (issue 18)."""

from __future__ import annotations

import pytest

from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.types import CueCode

REFERENCE = {CueCode.REPEAT_CONTACT, CueCode.PRIOR_REFERENCE, CueCode.BROKEN_PROMISE}

RAISED_AGAIN = [
    "还是那个老问题，空调一开就跳闸",
    "又是同样的毛病，门禁卡刷不开",
    "这已经不是第一次了，快递又放错柜子",
    "我不是第一次反映了，楼道灯一直不亮",
    "上周就跟你们反映过，水表读数不对",
    "我早就跟客服说过这件事，一直没人回",
    "问过好几次都没有下文",
    "上个月报的那个问题到现在也没修",
    "每次打电话来都要从头讲一遍",
    "道歉听了好多次，问题还在",
    "客服只会一直说抱歉",
    "你们一直说在跟进，跟进到哪去了",
    "唔係第一次啦，張單又計錯",
    "之前已經同你哋講過，部機開唔到",
    "講咗幾次都冇人理",
    "Same problem as my last email: the meter reading is wrong.",
    "This is not the first time the parcel went to the wrong flat.",
    "I already reported this and nobody came.",
    "I mentioned it last week and the bill is still wrong.",
    "It's not the first time I've had to chase a refund from you.",
    "You keep saying it's being looked at.",
    "All your agents do is apologise.",
    "Nothing but apologies so far.",
]

FIRST_TIME = [
    "请问会员积分怎么查？",
    "谢谢你们，问题解决了",
    "有没有人知道营业厅几点开门",
    "I reported my card lost and the new one came quickly, thanks.",
    "Is anyone else on this street having trouble with the water pressure?",
    "我想问一下宽带续费的事",
    # Loyal customers say they have been here before; that is no reference to a failure.
    "不是第一次在你们家买了，质量一直不错",
    "以前联系过你们客服，处理得很快，这次想问下积分",
    "唔係第一次幫襯，次次都好滿意",
    "Not the first time I have shopped here, lovely staff",
    "Following up on my earlier message: all sorted now, thank you!",
]


def _codes(text: str) -> set[CueCode]:
    return {hit.code for hit in read_lexically(text, load_lexicon()).cues if hit.counts}


@pytest.mark.parametrize("text", RAISED_AGAIN)
def test_the_same_issue_raised_again_is_a_cue(text: str) -> None:
    assert _codes(text) & REFERENCE, text


@pytest.mark.parametrize("text", FIRST_TIME)
def test_a_first_contact_or_thanks_is_no_reference(text: str) -> None:
    assert not _codes(text) & REFERENCE, text
