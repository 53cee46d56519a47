"""A reply of a few characters with no evaluative word (再说吧, 随你们吧, 知道了, "noted") is the taciturn
customer's brush-off (SPEC.md §2.6), latent dissatisfaction at most (§2.3): the models' explicit reading
of so few characters evaluates nothing. A short remark that does evaluate (太差, 排队太久, 垃圾, 无语)
stays an explicit grumble, and so does a longer remark around a terse word (无所谓了，反正你们也不会改)."""

from __future__ import annotations

import pytest

from complaint_radar import Analyzer
from complaint_radar.types import CustomerType, Stage

BRUSH_OFFS = ["再说吧", "随你们吧", "知道了", "收到", "行", "再看吧"]
BRUSH_OFFS += ["noted.", "got it", "Got it!", "whatever"]
EVALUATING = ["太差", "排队太久", "快递太慢", "垃圾", "无语", "失望透顶", "态度真差"]
# a terse word (无所谓) inside a longer remark that evaluates is no bare reply
EVALUATING += ["无所谓了，反正你们也不会改"]


@pytest.mark.parametrize("text", BRUSH_OFFS)
def test_a_brush_off_is_no_explicit_grumble_and_reads_taciturn(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank <= Stage.LATENT_GRUMBLE.rank, (text, a.stage)
    assert a.customer_type.code is CustomerType.TACITURN, (text, a.customer_type)


@pytest.mark.parametrize("text", EVALUATING)
def test_a_short_remark_that_evaluates_stays_explicit(analyzer: Analyzer, text: str) -> None:
    assert analyzer.assess(text, channel="chat").stage is Stage.EXPLICIT_GRUMBLE, text
