"""Words of a demand or a threat used in a calm question are no cue (SPEC.md §2.3): asking how long the
return period is names 退货 without asking for a return, and a customer porting their number *to* the
company names 转台 / 携号转网 without threatening to leave. Frequent customers ask such questions often;
read as cues they lifted calm messages to explicit grumbles and fed customer risk (issue 18)."""

from __future__ import annotations

import pytest

from complaint_radar.text.cues import read_lexically
from complaint_radar.text.lexicon import load_lexicon
from complaint_radar.types import CueCode

LEAVING = {CueCode.CHURN_THREAT, CueCode.CANCEL_DEMAND}

CALM = [
    ("双十一期间的退货期是多少天？想提前买点礼物。", {CueCode.REFUND_DEMAND}),
    ("聖誕期間退貨期係幾多日？", {CueCode.REFUND_DEMAND}),
    ("请问你们的退货政策是怎样的？", {CueCode.REFUND_DEMAND}),
    ("退货地址是哪里呀", {CueCode.REFUND_DEMAND}),
    ("想轉台攜號過嚟你哋度，要準備啲咩文件？", LEAVING),
    ("我想携号转网过来，原来是别家的号码，要带什么证件？", LEAVING),
]

MEANT = [
    ("质量太差了，我要退货", CueCode.REFUND_DEMAND),
    ("不给退货我就投诉", CueCode.REFUND_DEMAND),
    ("我要退货，退货地址发我", CueCode.REFUND_DEMAND),
    ("再这样下去我就转台了", CueCode.CHURN_THREAT),
    ("信号这么差，我要携号转网", CueCode.CANCEL_DEMAND),
    ("我要携号转网，到你们营业厅办需要带什么？", CueCode.CANCEL_DEMAND),
    ("再这样我就转台，去你们对面那家", CueCode.CHURN_THREAT),
]


@pytest.mark.parametrize(("text", "codes"), CALM)
def test_calm_question_is_no_demand_or_threat(text: str, codes: set[CueCode]) -> None:
    found = {c.code for c in read_lexically(text, load_lexicon()).cues}
    assert not (found & codes), (text, found)


@pytest.mark.parametrize(("text", "code"), MEANT)
def test_the_demand_or_threat_itself_still_counts(text: str, code: CueCode) -> None:
    found = {c.code for c in read_lexically(text, load_lexicon()).cues}
    assert code in found, (text, found)
