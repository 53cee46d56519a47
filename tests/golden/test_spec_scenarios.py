"""SPEC.md §8 acceptance scenarios S01–S18 as golden tests (message-level expectations)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from complaint_radar import Analyzer, Assessment
from complaint_radar.types import Stage

LEVEL = ["low", "medium", "high", "critical"]

S13_TEXT = (
    "我跟你说啊,我这张卡用了十几年从来没出过问题,上个月去你们网点取钱,结果卡被ATM吞了,当时旁边一个工作人员都没有,"
    "我在那儿站了半个多小时,打你们电话一直占线,好不容易打通了,客服说让我等通知,说三个工作日之内会有人联系我,"
    "结果呢,到现在一个多月了,吞卡的事情还是没人管,卡被ATM吞了到现在还没拿回来,我那天还要去医院给我妈交费,"
    "我妈住院等着用钱,我只能到处找亲戚借,你说这叫什么事?我年纪也不小了,跑一趟网点要坐一个多小时公交,"
    "我已经去过网点好多回,每次去都说在处理在处理,到底处理到哪一步了谁也说不清楚,我就想问问,吞卡这种事情你们到底管不管?"
    "我在你们银行存了这么多年的钱,从来没给你们添过麻烦,现在出了事就没人负责了,我真的很失望。"
    "我也不是不讲理的人,你们工作人员也挺辛苦的我知道,可是这个卡里有我的工资,还有我妈的养老钱,每个月都要用的,"
    "现在卡拿不回来,新卡也办不了,说要等吞卡的那张卡处理完才能补办,这不是折腾人吗?我就希望你们赶紧给我处理一下,"
    "把卡还给我或者尽快给我补一张新卡,别再让我来回跑了,我妈那边还等着交住院费呢,真的很着急。"
)


@dataclass
class Scenario:
    sid: str
    text: str
    channel: str
    stage: str | None = None
    min_stage: str | None = None
    max_stage: str | None = None
    cues: set[str] = field(default_factory=set)
    causes: set[str] = field(default_factory=set)
    demands: set[str] = field(default_factory=set)
    min_anger: float | None = None
    customer_type: str | None = None
    min_level: str | None = None
    level: str | None = None
    forms: set[str] = field(default_factory=set)
    openers: set[str] = field(default_factory=set)


SCENARIOS = [
    Scenario(
        "S01",
        "你们店服务员态度也太冷漠了吧!叫了三次加水都没人理,上菜直接把盘子往桌上一扔。我要投诉这个服务员!",
        "review",
        stage="formal_complaint",
        cues={"complaint_intent", "exclamation_intensity"},
        causes={"service_attitude"},
        min_anger=0.5,
        demands={"apology"},
        min_level="high",
    ),
    Scenario(
        "S02",
        "收到了,但是根本不知道怎么用,说明书就一张纸,跟详情页写的也不一样。",
        "review",
        stage="explicit_grumble",
        causes={"expectation_gap", "communication"},
        level="medium",
    ),
    Scenario(
        "S03",
        "1208房间空调一直坏着,热得根本睡不着,这就是你们五星级酒店的水平?",
        "chat",
        stage="explicit_grumble",
        cues={"sarcasm"},
        causes={"facility_system_failure", "expectation_gap"},
        demands={"replacement_repair"},
        min_level="medium",
    ),
    Scenario(
        "S04",
        "我就多问了两句你就不耐烦了?你这什么态度!你工号多少?我要投诉你!",
        "phone_transcript",
        stage="formal_complaint",
        cues={"staff_id_request", "complaint_intent", "exclamation_intensity"},
        causes={"service_attitude"},
        min_anger=0.7,
        customer_type="extremely_angry",
        demands={"apology"},
        min_level="high",
        openers={"op_angry_ack"},
    ),
    Scenario(
        "S05",
        "新买的手机才用了一周就自动关机,已经修过一次了还是这样。我要求退货,不给退我就打12315。",
        "chat",
        stage="potential_complaint",
        cues={"regulator_threat", "deadline_ultimatum", "prior_reference", "refund_demand"},
        causes={"product_quality"},
        demands={"refund"},
        min_level="high",
    ),
    Scenario(
        "S06",
        "办宽带的时候业务员说好每个月返50块话费,现在都三个月了一分钱没返,你们这不就是骗人吗?",
        "phone_transcript",
        stage="explicit_grumble",
        cues={"broken_promise", "accusation"},
        causes={"unfulfilled_promise", "communication"},
        demands={"compensation", "explanation"},
        min_level="medium",
        openers={"op_promise"},
    ),
    Scenario(
        "S07",
        "双十一下的单,十天了还没发货!客服就只会让我耐心等。今天再不发货我就退款,再给你们差评!",
        "chat",
        stage="potential_complaint",
        cues={"long_wait", "deadline_ultimatum", "refund_demand", "negative_review_threat"},
        causes={"delivery_logistics", "communication"},
        demands={"expedite", "refund"},
        min_level="high",
    ),
    Scenario(
        "S08",
        "我一个月前就订好的房,到了前台说没房了?!这么晚了你让我带着孩子去哪儿住!",
        "branch_note",
        stage="explicit_grumble",
        cues={"exclamation_intensity", "hardship"},
        causes={"facility_system_failure", "unfulfilled_promise"},
        min_anger=0.7,
        customer_type="extremely_angry",
        demands={"replacement_repair"},
        min_level="high",
    ),
    Scenario(
        "S09",
        "怎么这么慢啊,就开两个窗口?",
        "branch_note",
        stage="explicit_grumble",
        causes={"waiting_time"},
        openers={"op_wait"},
    ),
    Scenario(
        "S10",
        "这已经是我第三次打电话了。上次你们说三个工作日内给我回电,到现在一个星期了都没人联系我。",
        "phone_transcript",
        stage="potential_complaint",
        cues={"repeat_contact", "prior_reference", "broken_promise", "long_wait"},
        causes={"unfulfilled_promise", "communication"},
        demands={"expedite"},
        min_level="high",
        openers={"op_repeat"},
    ),
    Scenario(
        "S11",
        "转账一直失败,什么破APP",
        "review",
        stage="explicit_grumble",
        causes={"facility_system_failure"},
    ),
    Scenario(
        "S12",
        "订单号20240618xxxx。根据《消费者权益保护法》第二十四条,商品存在质量问题,我有权要求退货。附件为检测报告和聊天截图。"
        "请于3个工作日内书面答复并承担往返运费,否则我将向市场监管部门投诉。",
        "email",
        stage="potential_complaint",
        cues={"regulator_threat", "deadline_ultimatum"},
        customer_type="well_prepared",
        causes={"product_quality"},
        demands={"refund", "compensation"},
        min_level="high",
        openers={"op_prepared"},
    ),
    Scenario(
        "S13",
        S13_TEXT,
        "chat",
        stage="explicit_grumble",
        customer_type="talkative",
        cues={"hardship"},
        causes={"facility_system_failure"},
        demands={"expedite"},
        openers={"op_talk_summary"},
    ),
    Scenario(
        "S14",
        "嗯。 / 算了,不用了。",
        "chat",
        stage="latent_grumble",
        customer_type="taciturn",
        openers={"op_taciturn_open"},
    ),
    Scenario(
        "S15",
        "@某某银行 XX支行排队两个小时,只开一个窗口,大家以后别去这个网点了,避雷!!",
        "social_post",
        stage="explicit_grumble",
        forms={"negative_review", "negative_word_of_mouth"},
        cues={"public_appeal", "long_wait", "exclamation_intensity"},
        causes={"waiting_time"},
        min_level="medium",
    ),
    Scenario(
        "S16",
        "最近半年客服越来越差,上次打了四十分钟才接通。",
        "survey",
        stage="explicit_grumble",
        causes={"service_inconsistency", "waiting_time"},
        cues={"prior_reference", "long_wait"},
    ),
    Scenario(
        "S18",
        "你们每个月都乱扣我20块的增值业务费,我从来没订过!我已经在12315上投诉了,还要发到网上让大家看看你们是什么骗子公司。",
        "chat",
        stage="formal_complaint",
        cues={"external_complaint_filed", "media_threat", "accusation", "absolute_language"},
        causes={"price_billing"},
        demands={"refund"},
        forms={"external_complaint"},
        level="critical",
    ),
]


def _check(a: Assessment, s: Scenario) -> list[str]:
    problems = []
    rank = a.stage.rank
    if s.stage and a.stage.value != s.stage:
        problems.append(f"stage {a.stage.value} != {s.stage}")
    if s.max_stage and rank > Stage(s.max_stage).rank:
        problems.append(f"stage {a.stage.value} > {s.max_stage}")
    cues = {c.code.value for c in a.cues if c.counts}
    if not s.cues <= cues:
        problems.append(f"cues missing {s.cues - cues} (got {cues})")
    causes = {c.code for c in a.causes}
    if not s.causes <= causes:
        problems.append(f"causes missing {s.causes - causes} (got {causes})")
    demands = {d.code for d in a.demands}
    if not s.demands <= demands:
        problems.append(f"demands missing {s.demands - demands} (got {demands})")
    if s.min_anger is not None and a.anger < s.min_anger:
        problems.append(f"anger {a.anger} < {s.min_anger}")
    if s.customer_type and a.customer_type.code.value != s.customer_type:
        problems.append(f"type {a.customer_type.code.value} != {s.customer_type}")
    if s.min_level and LEVEL.index(a.risk_level.value) < LEVEL.index(s.min_level):
        problems.append(f"level {a.risk_level.value} < {s.min_level}")
    if s.level and a.risk_level.value != s.level:
        problems.append(f"level {a.risk_level.value} != {s.level}")
    if not s.forms <= set(a.forms):
        problems.append(f"forms missing {s.forms - set(a.forms)}")
    if not s.openers <= set(a.recommended_handling.opener_ids):
        problems.append(f"openers missing {s.openers - set(a.recommended_handling.opener_ids)}")
    if rank >= 1 and not a.explanation:
        problems.append("no explanation for a stage >= 1 (R8)")
    return problems


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.sid)
def test_spec_acceptance_scenario(analyzer: Analyzer, scenario: Scenario) -> None:
    result = analyzer.assess(scenario.text, channel=scenario.channel)
    assert _check(result, scenario) == []


def test_s17a_thanks_is_calm(analyzer: Analyzer) -> None:
    a = analyzer.assess("问题已经解决了,谢谢你们,服务很好!", channel="chat")
    assert a.stage.value == "none"
    assert a.sentiment.polarity.value == "positive"
    assert a.risk_level.value == "low"
    assert [c for c in a.cues if c.counts and c.code.value != "exclamation_intensity"] == []


def test_s17b_negated_complaint_does_not_escalate(analyzer: Analyzer) -> None:
    a = analyzer.assess("我不是要投诉啊,就是想问一下退款到哪一步了。", channel="chat")
    intents = [c for c in a.cues if c.code.value == "complaint_intent"]
    assert intents and all(c.negated for c in intents)
    assert a.stage.rank <= 1
    assert a.risk_level.value == "low"


def test_s18_critical_case_is_created(analyzer: Analyzer) -> None:
    a = analyzer.assess(SCENARIOS[-1].text, channel="chat")
    assert a.recommended_handling.create_case
    assert a.recommended_handling.case_severity == "critical"
    assert a.recommended_handling.route_to == "supervisor"


def test_evidence_spans_point_into_the_original_text(analyzer: Analyzer) -> None:
    text = "我們的客服態度太差了!!我要投訴你們!"
    a = analyzer.assess(text, channel="chat")
    assert a.language == "zh-Hant"
    assert a.stage.value == "formal_complaint"
    for cue in a.cues:
        assert text[cue.start : cue.end] == cue.text
    for item in a.explanation:
        for span in item.spans:
            assert text[span.start : span.end] == span.text


@pytest.mark.parametrize(
    "text",
    ["每次找你们都很顺利", "每次来办业务都很快,工作人员一直很耐心"],
)
def test_praise_with_every_time_is_not_a_grumble(analyzer: Analyzer, text: str) -> None:
    """每次…都 / 一直 is how grumbles are often phrased (每次都这样); in praise it is none (a satisfied
    heavy user's message read as a grumble lifted their customer risk to high)."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", a.stage
    assert a.risk_level.value == "low"


@pytest.mark.parametrize("text", ["每次都这样,烦死了", "每次打客服都要等半小时", "真是太好了,又坏了"])
def test_every_time_grumbles_stay_grumbles(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 2, a.stage


@pytest.mark.parametrize(
    "text",
    [
        "电话转了两次才接通，不过最后那位客服很专业，问题解决了",
        "等了二十分钟，但办得很顺利，满意",
        "轉接了幾次，不過最後處理得很好，辛苦了",
        "The wait was long-ish but everything got fixed, cheers",
        "I was transferred twice but the last person nailed it, thank you",
    ],
)
def test_a_settled_and_thanked_problem_is_not_a_grumble(analyzer: Analyzer, text: str) -> None:
    """A wait or a transfer mentioned, then a turn (不过/但/but) to praise or thanks: a satisfied heavy
    user's message, which the learned models read as a grumble from its first half."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)
    assert a.risk_level.value == "low"


@pytest.mark.parametrize(
    "text",
    [
        "问题解决了，但是等了一个小时，很不满意",
        "客服很耐心，不过我的问题还没处理",
        "等了一个小时，真是太感谢你们了",
        "It got fixed, but the wait was ridiculous",
        "Thanks, but this is the third time I've had to call",
        "Great, another two hours on hold. Thanks a lot.",
    ],
)
def test_praise_that_turns_to_a_problem_or_sarcasm_stays_a_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 1, a.stage


@pytest.mark.parametrize(
    "text",
    [
        "请问今天接待我的柜员工号是多少，我要表扬他",
        "我想找你们经理，表扬一下小李，服务太周到了",
        "Can I speak to a manager? I'd like to compliment your staff",
        "麻烦转告你们主管，3号窗口的小姐姐特别耐心",
    ],
)
def test_asking_for_a_name_or_a_manager_to_praise_is_not_escalation(analyzer: Analyzer, text: str) -> None:
    """A frequent customer praising staff by name (工号 / 经理 / 转告) read as a staff-id request,
    an escalation or a legal threat (告你们 inside 转告你们) made them a potential complaint."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "你工号多少？态度这么差",
        "叫你们经理来，这服务太差了",
        "I want to speak to a manager, your staff were rude",
        "再不处理我就告你们",
        "你叫什么名字？我要投诉你",
    ],
)
def test_asking_for_a_name_or_a_manager_in_anger_stays_escalation(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 3, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "这个月来了四次网点，每次柜员都特别细心，点赞",
        "這禮拜第二次打客服了，兩次都處理得很順利，感謝",
        "Third call this month and every time your team has been brilliant",
    ],
)
def test_praise_that_counts_the_contacts_is_not_a_repeat_contact(analyzer: Analyzer, text: str) -> None:
    """A heavy user praising every one of several contacts: the count (第四次 / "fifth time") is what is
    praised, not a repeat contact (it made them a potential complaint, lifting the profile to high)."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)
    assert a.risk_level.value == "low"


@pytest.mark.parametrize(
    "text",
    [
        "这个月来了四次网点，每次都说系统故障，太差了",
        "第三次打電話了，每次都說在處理，到現在還沒好",
        "Fifth time I've rung you this year and every call ended with nothing fixed",
        "第三次打电话了，你们真是太专业了",
    ],
)
def test_counted_contacts_without_praise_stay_repeat_contacts(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 2, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "再这样我就投诉你们了，哈哈开玩笑的，谢谢小张",
        "要投訴你們啦——開個玩笑的，辦得很快",
        "I'll file a complaint about this... only joking, you sorted it in minutes",
    ],
)
def test_a_complaint_taken_back_as_a_joke_is_not_one(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "开什么玩笑，我要投诉你们",
        "開什麼玩笑？我要投訴你們經理",
        "Are you kidding me? I want to file a complaint",
    ],
)
def test_a_complaint_in_exasperation_is_still_one(analyzer: Analyzer, text: str) -> None:
    """开什么玩笑 / "are you kidding me" before a complaint is anger, not a joke."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 3, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "我打算去投诉那个商家，你们这边能帮我出个证明吗",
        "我準備去投訴那間商店，你們可以幫我調一下交易紀錄嗎",
        "I'm going to report that merchant, can you send me the transaction details?",
    ],
)
def test_a_complaint_about_a_third_party_is_not_one_about_the_company(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank <= 1, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    ["我要投诉你们那个客服", "我要投訴這個經理", "I want to file a complaint about your branch manager"],
)
def test_a_complaint_about_the_company_staff_stays_one(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 3, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "麻烦帮我看一下下个月的还款日",
        "想了解一下信用卡年費怎麼算",
        "Could you let me know when my new card will arrive?",
        "I'd like to change the phone number on my account please",
    ],
)
def test_a_plain_request_is_not_a_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "麻烦查一下为什么又扣了我两次钱，太离谱了",
        "請幫我查一下，為什麼這個月又多扣了一百塊",
        "Could you explain why I was charged twice? This is ridiculous",
    ],
)
def test_a_request_about_a_problem_stays_a_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 1, (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "在你們這裡辦了十幾年業務，從來沒出過錯",
        "这个月第三次来了，每次柜台都处理得很及时",
        "You have never once let me down in all these years",
        "I am always back here and you always sort things out quickly",
    ],
)
def test_a_loyal_customers_praise_or_denied_complaint_is_not_a_grumble(analyzer: Analyzer, text: str) -> None:
    """从来没出过错 / "never let me down" deny a complaint, and "always" / 每次 praise every contact; the
    learned models read both as grumbling (a satisfied heavy user's profile lifted to high)."""
    a = analyzer.assess(text, channel="chat")
    assert a.stage.value == "none", (a.stage, a.stage_evidence)


@pytest.mark.parametrize(
    "text",
    [
        "以前从来没出过问题，这个月已经错了两次",
        "Weekends are always great here, weekdays are a shambles",
        "Never had a problem with you until this month, now two failed payments",
        "每次來都很滿意，這次等了一個小時沒人管",
    ],
)
def test_praise_of_the_past_against_the_present_stays_a_grumble(analyzer: Analyzer, text: str) -> None:
    a = analyzer.assess(text, channel="chat")
    assert a.stage.rank >= 1, (a.stage, a.stage_evidence)
