"""A complaint declared in so many words is a formal complaint (SPEC.md §2.3 stage 4: "an unconditional
declaration or act of complaint"), in Chinese as in English ("this is a complaint", "I'm lodging a
complaint"): 这是投诉 / 這是客訴 / 呢個係投訴, 我现在投诉, 提出/提交投诉, 请按投诉处理, and the English
letter's "I am writing to complain" / "I wish to complain". A question about how to complain stays an
inquiry, a negation or a condition keeps it below, and an A-not-A question (要不要投诉, 是不是该投诉) is
hesitant (stage 3), not a denial: its 不 negates nothing."""

from __future__ import annotations

import pytest

from complaint_radar import Analyzer
from complaint_radar.types import Stage

FORMAL = [
    "这是投诉，不是咨询：快递丢件一周了没人管",
    "這是客訴，麻煩正式登記：信用卡年費說好免的又扣了",
    "呢個係投訴：部冷氣裝完第二日就漏水",
    "这次是正式投诉，上门安装的师傅把地板划坏了",
    "我现在就投诉你们营业厅，办个宽带让我跑了三趟",
    "我要对你们的配送员提出投诉，东西直接扔在楼下",
    "已经在APP上提交了投诉，骑手态度恶劣",
    "请按投诉处理，别再当咨询回复我了",
    "I am writing to complain about the way my claim was handled",
    "I wish to complain about the engineer who came on Tuesday",
    "We'd like to complain about our stay in room 12",
    "上周已经在官网投诉过了，今天又出同样的问题",
    "I've already complained twice about the heating in flat 3",
    "Please forward this to your complaints department",
    "麻烦转给你们投诉部门，我等不了了",
]

ESCALATING = [
    "我会向你们上级部门反映的",
    "请你们店长出面给个说法",
    "我必须跟你们负责人谈谈",
    "我要去工商局举报你们",
    "Could I speak to someone more senior about this?",
]

CALM = [
    "帮我跟你们店长说声谢谢，服务很周到",
    "我要举报一条诈骗短信，冒充你们银行的",
    "我已经不想投诉了，算了",
]

BELOW_FORMAL = [
    ("这不是投诉，就是想问一下退款进度", Stage.POTENTIAL_COMPLAINT),
    ("我不是要提出投诉，只是反馈一下", Stage.POTENTIAL_COMPLAINT),
    ("怎么提出投诉？", Stage.FORMAL_COMPLAINT),
    ("如果明天还不修好，我就提出正式投诉", Stage.FORMAL_COMPLAINT),
    ("这是投诉电话吗？", Stage.FORMAL_COMPLAINT),
    ("Would you like to complain? Here is the form", Stage.FORMAL_COMPLAINT),
    ("I don't want to complain but the soup was cold", Stage.POTENTIAL_COMPLAINT),
]

HESITANT = [
    "我在考虑要不要投诉",
    "是不是该投诉你们了",
    "我在想要不要提出投诉",
]


@pytest.mark.parametrize("text", FORMAL)
def test_a_complaint_declared_in_words_is_formal(analyzer: Analyzer, text: str) -> None:
    assert analyzer.assess(text).stage is Stage.FORMAL_COMPLAINT, text


@pytest.mark.parametrize("text", ESCALATING)
def test_asking_for_a_superior_or_reporting_to_an_authority_is_a_potential_complaint(
    analyzer: Analyzer, text: str
) -> None:
    assert analyzer.assess(text).stage is Stage.POTENTIAL_COMPLAINT, text


@pytest.mark.parametrize("text", CALM)
def test_thanks_via_a_manager_a_fraud_report_or_a_dropped_complaint_escalate_nothing(
    analyzer: Analyzer, text: str
) -> None:
    assert analyzer.assess(text).stage.rank < Stage.POTENTIAL_COMPLAINT.rank, text


@pytest.mark.parametrize(("text", "below"), BELOW_FORMAL)
def test_negated_asked_or_conditional_complaint_words_stay_below(
    analyzer: Analyzer, text: str, below: Stage
) -> None:
    assert analyzer.assess(text).stage.rank < below.rank, text


@pytest.mark.parametrize("text", HESITANT)
def test_an_a_not_a_question_about_complaining_is_hesitant_not_negated(analyzer: Analyzer, text: str) -> None:
    assessment = analyzer.assess(text)
    assert assessment.stage is Stage.POTENTIAL_COMPLAINT, text
    assert not any(c.negated for c in assessment.cues if c.code.value == "complaint_intent"), text
