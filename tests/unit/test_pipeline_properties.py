"""Pipeline-level properties: R6 (negated/hypothetical/reported cues and agent turns move nothing), R5, R8."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaint_radar import Analyzer

CALM = [
    "请问信用卡账单怎么查询?",
    "想问一下退款到哪一步了。",
    "我想咨询一下宽带套餐的价格。",
    "麻烦帮我查一下订单的物流信息。",
    "Could you tell me when my parcel will arrive?",
]
DISCOUNTED = [
    "我不是要投诉,",
    "我并不想投诉你们,",
    "我朋友说要投诉你们,",
    "如果是我遇到这种事也会投诉,",
    "我没打算找媒体曝光,",
    "I'm not going to file a complaint, ",
]
RANK = ["none", "latent_grumble", "explicit_grumble", "potential_complaint", "formal_complaint"]


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.sampled_from(CALM), st.sampled_from(DISCOUNTED))
def test_discounted_cues_do_not_move_stage_or_risk(analyzer: Analyzer, calm: str, prefix: str) -> None:
    plain = analyzer.assess(calm, channel="chat")
    qualified = analyzer.assess(prefix + calm, channel="chat")
    assert RANK.index(qualified.stage.value) <= max(RANK.index(plain.stage.value), 1)
    assert qualified.risk_level == plain.risk_level
    assert any(not c.counts for c in qualified.cues)


def test_agent_turns_are_never_scored(analyzer: Analyzer) -> None:
    a = analyzer.assess("我要投诉!你们太差了!", channel="phone_transcript", speaker="agent")
    assert a.stage.value == "none"
    assert a.risk_score == 0


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(min_size=1, max_size=120))
def test_any_text_gets_a_complete_explainable_assessment(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text)
    assert 0 <= a.risk_score <= 100
    assert set(a.emotions) == {
        "anger",
        "disappointment_sadness",
        "anxiety_fear",
        "disgust",
        "surprise",
        "neutral",
        "happiness",
    }
    assert all(0.0 <= v <= 1.0 for v in a.emotions.values())
    assert 0.0 <= a.dissatisfaction_probability <= 1.0
    assert a.is_complaint == (RANK.index(a.stage.value) >= 2)
    if a.stage.value != "none" or a.risk_level.value != "low":
        assert a.explanation, "R8: stage >= 1 or risk >= medium needs a reason"
    for cue in a.cues:
        assert text[cue.start : cue.end] == cue.text
    assert a.to_json()


def test_same_input_same_output(analyzer: Analyzer) -> None:
    text = "十天了还没发货!再不发货我就投诉!"
    first = analyzer.assess(text).to_dict()
    second = analyzer.assess(text).to_dict()
    first.pop("assessed_at")
    second.pop("assessed_at")
    assert first == second


def test_assess_frame_keeps_rows_and_order(analyzer: Analyzer) -> None:
    import pandas as pd

    df = pd.DataFrame({"id": ["a", "b", "c"], "text": ["谢谢,很满意", "我要投诉你们!", "Where is my order?"]})
    out = analyzer.assess_frame(df, text_column="text", id_column="id")
    assert list(out["id"]) == ["a", "b", "c"]
    assert out.loc[1, "stage"] == "formal_complaint"
    assert {"risk_score", "stage", "cues", "anger"} <= set(out.columns)
