"""Regressions found by replaying synthetic customer journeys through the assessor."""

from __future__ import annotations

import pytest

from complaint_radar import Analyzer
from complaint_radar.types import CueCode, RiskLevel, Stage


@pytest.mark.parametrize(
    "text",
    ["订单987612345还没发货", "我的单号是1231500012,查一下物流"],
)
def test_hotline_digits_inside_a_longer_number_are_not_a_regulator_threat(
    analyzer: Analyzer, text: str
) -> None:
    a = analyzer.assess(text)
    assert CueCode.REGULATOR_THREAT not in {c.code for c in a.cues}


@pytest.mark.parametrize("text", ["再不处理我就打12345", "我已经准备打12315了"])
def test_a_hotline_number_on_its_own_is_a_regulator_threat(analyzer: Analyzer, text: str) -> None:
    assert CueCode.REGULATOR_THREAT in {c.code for c in analyzer.assess(text).cues}


@pytest.mark.parametrize(
    "text",
    [
        "投诉:快递员态度恶劣,包裹被摔坏",
        "【投诉】营业厅工作人员拒绝办理销户",
        "I am lodging a complaint about your service",
        "We are filing a formal complaint about the overcharge",
    ],
)
def test_a_complaint_header_or_lodging_a_complaint_is_a_formal_complaint(
    analyzer: Analyzer, text: str
) -> None:
    assert analyzer.assess(text).stage is Stage.FORMAL_COMPLAINT


@pytest.mark.parametrize(
    "text", ["请问网点周六营业吗?", "想咨询一下信用卡年费怎么收?", "请问可以帮我查一下积分吗?"]
)
def test_a_calm_question_is_not_a_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text)
    assert a.stage is Stage.NONE
    assert a.risk_level is RiskLevel.LOW


@pytest.mark.parametrize(
    "text", ["请问您给我一根筷子怎么用啊", "请问这还能用吗。。。", "请问难道不用给个说法吗?"]
)
def test_a_rhetorical_question_is_not_taken_for_a_calm_one(analyzer: Analyzer, text: str) -> None:
    assert analyzer.assess(text).stage is not Stage.NONE
