"""Case lifecycle (SPEC.md §6): transitions, roles, reopen tiers, follow-up, attached contacts, audit."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from case_helpers import AGENT, SUP, T0, assessment, at, drive, new_case
from hypothesis import event, given, settings
from hypothesis import strategies as st

from complaint_radar import Analyzer
from complaint_radar.cases import (
    TERMINAL_STATES,
    AgentInfo,
    Case,
    CaseAction,
    CaseEvent,
    CaseOrigin,
    CaseState,
    EscalationTrigger,
    Remedy,
    ResolutionCode,
    Seniority,
    Severity,
    Tier,
    allowed_next_states,
    amend_analysis,
    assign,
    attach_contact,
    auto_open,
    cancel,
    check_sla,
    escalate,
    find_attachable,
    follow_up_required,
    open_case,
    record_first_response,
    record_follow_up,
    record_follow_up_attempt,
    record_resolution,
    set_severity,
    should_open,
    suggest_assignee,
    transition,
)
from complaint_radar.cases.policy import in_follow_up_sample
from complaint_radar.errors import (
    CaseError,
    CaseInputError,
    CasePermissionError,
    CaseTransitionError,
    ComplaintRadarError,
)
from complaint_radar.settings import Settings
from complaint_radar.types import CueCode, CustomerType, FishboneCategory, RiskLevel, Role, Stage

S = CaseState
# SPEC.md §6, written out independently of the implementation's table.
SPEC_EDGES = {
    (S.NEW, S.ACKNOWLEDGED),
    (S.NEW, S.CANCELLED),
    (S.ACKNOWLEDGED, S.IN_PROGRESS),
    (S.ACKNOWLEDGED, S.CANCELLED),
    (S.IN_PROGRESS, S.AWAITING_CUSTOMER),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.CANCELLED),
    (S.AWAITING_CUSTOMER, S.IN_PROGRESS),
    (S.AWAITING_CUSTOMER, S.RESOLVED),
    (S.AWAITING_CUSTOMER, S.CANCELLED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.CLOSED_UNCONFIRMED),
    (S.RESOLVED, S.REOPENED),
    (S.CLOSED, S.REOPENED),
    (S.CLOSED_UNCONFIRMED, S.REOPENED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.CANCELLED),
}
# Edges reached through their own function (record_resolution, follow-up attempts), not `transition`.
GUARDED = {(a, b) for a, b in SPEC_EDGES if b is S.RESOLVED} | {(S.RESOLVED, S.CLOSED_UNCONFIRMED)}
LATER = T0 + timedelta(hours=1)


@pytest.mark.parametrize("source", list(CaseState))
@pytest.mark.parametrize("target", list(CaseState))
def test_transition_table_follows_spec(source: CaseState, target: CaseState) -> None:
    case = drive(new_case(), source)
    if (source, target) in SPEC_EDGES and (source, target) not in GUARDED:
        moved, events = transition(case, target, "sam", SUP, LATER, "table test")
        assert moved.state is target
        assert [e.change("state") for e in events if e.action is CaseAction.STATE_CHANGED] == [
            events[0].change("state")
        ]
        assert events[0].change("state") == events[0].changes[0]
        assert (events[0].changes[0].old, events[0].changes[0].new) == (source.value, target.value)
    else:
        with pytest.raises(CaseTransitionError):
            transition(case, target, "sam", SUP, LATER, "table test")


def test_a_forbidden_transition_lists_the_allowed_next_states() -> None:
    with pytest.raises(CaseTransitionError, match="allowed next states: acknowledged, cancelled"):
        transition(new_case(), S.RESOLVED, "alice", AGENT, LATER)
    with pytest.raises(CaseTransitionError, match="final"):
        transition(drive(new_case(), S.CANCELLED), S.REOPENED, "sam", SUP, LATER)


def test_case_errors_belong_to_the_one_hierarchy() -> None:
    for error in (CaseTransitionError, CasePermissionError, CaseInputError):
        assert issubclass(error, CaseError)
        assert issubclass(error, ComplaintRadarError)


def test_resolved_is_reached_by_recording_a_resolution_from_in_progress_or_awaiting_customer() -> None:
    for source in (S.IN_PROGRESS, S.AWAITING_CUSTOMER):
        case = drive(new_case(), source)
        resolved, events = record_resolution(
            case,
            ResolutionCode.RESOLVED_REMEDY,
            "alice",
            AGENT,
            LATER,
            remedies=(Remedy("refund", 50.0, "CNY"),),
            confirmed_causes=("product_quality",),
            fishbone_category=FishboneCategory.MATERIAL,
        )
        assert resolved.state is S.RESOLVED and resolved.resolved_at == LATER
        assert resolved.resolution is not None and resolved.resolution.remedies[0].amount == 50.0
        assert [e.action for e in events] == [CaseAction.RESOLUTION_RECORDED, CaseAction.STATE_CHANGED]
    with pytest.raises(CaseInputError, match="unknown cause"):
        record_resolution(
            drive(new_case(), S.IN_PROGRESS),
            ResolutionCode.WITHDRAWN,
            "a",
            AGENT,
            LATER,
            confirmed_causes=("x",),
        )


def test_only_supervisors_cancel_and_they_must_say_why() -> None:
    case = new_case()
    with pytest.raises(CasePermissionError, match="supervisor"):
        transition(case, S.CANCELLED, "alice", AGENT, LATER, "spam")
    with pytest.raises(CasePermissionError):
        transition(case, S.CANCELLED, "system", None, LATER, "spam")
    with pytest.raises(CaseInputError, match="reason"):
        transition(case, S.CANCELLED, "sam", SUP, LATER)
    cancelled, events = cancel(case, "root", Role.ADMIN, LATER, "spam")
    assert cancelled.state is S.CANCELLED and cancelled.closed_at == LATER
    assert events[0].reason == "spam" and events[0].role is Role.ADMIN


def test_quality_analysts_review_but_do_not_work_cases() -> None:
    with pytest.raises(CasePermissionError, match="quality_analyst"):
        transition(new_case(), S.ACKNOWLEDGED, "qa", Role.QUALITY_ANALYST, LATER)
    closed = drive(new_case(), S.CLOSED)
    amended, events = amend_analysis(
        closed,
        "qa",
        Role.QUALITY_ANALYST,
        LATER,
        fishbone_category=FishboneCategory.MAN,
        reason="training gap",
    )
    assert amended.resolution is not None and amended.resolution.fishbone_category is FishboneCategory.MAN
    assert events[0].change("resolution.fishbone_category") is not None


def test_agents_take_unowned_cases_but_only_supervisors_reassign() -> None:
    owned, events = assign(new_case(), "alice", "alice", AGENT, LATER, team="chat-1")
    assert (owned.owner, owned.team) == ("alice", "chat-1")
    assert events[0].change("owner") is not None and events[0].change("owner").new == "alice"  # type: ignore[union-attr]
    with pytest.raises(CasePermissionError):
        assign(owned, "bob", "alice", AGENT, LATER)
    moved, events = assign(owned, "bob", "sam", SUP, LATER, reason="alice on leave")
    assert moved.owner == "bob"
    change = events[0].change("owner")
    assert change is not None and (change.old, change.new) == ("alice", "bob")
    assert (events[0].actor, events[0].role, events[0].reason) == ("sam", SUP, "alice on leave")


def test_severity_is_raised_by_anyone_but_lowered_only_by_a_supervisor_with_a_reason() -> None:
    case = new_case(Severity.MEDIUM)
    raised, _ = set_severity(case, Severity.HIGH, "alice", AGENT, LATER)
    assert raised.severity is Severity.HIGH
    with pytest.raises(CasePermissionError):
        set_severity(raised, Severity.LOW, "alice", AGENT, LATER, "calmer now")
    with pytest.raises(CasePermissionError):
        set_severity(raised, Severity.LOW, "system", None, LATER, "calmer now")
    with pytest.raises(CaseInputError):
        set_severity(raised, Severity.LOW, "sam", SUP, LATER)
    lowered, events = set_severity(raised, Severity.LOW, "sam", SUP, LATER, "misread sarcasm")
    assert lowered.severity is Severity.LOW
    assert events[0].change("severity").old == "high"  # type: ignore[union-attr]
    assert events[0].reason == "misread sarcasm"


def test_reopening_escalates_first_to_supervisor_then_to_manager() -> None:
    case = drive(new_case(), S.RESOLVED)
    first, events = record_follow_up(case, "alice", AGENT, LATER, resolved=True, csat=2)
    assert first.state is S.REOPENED and first.reopen_count == 1 and first.tier is Tier.L2_SUPERVISOR
    assert [e.action for e in events] == [
        CaseAction.FOLLOW_UP_RECORDED,
        CaseAction.STATE_CHANGED,
        CaseAction.TIER_CHANGED,
    ]
    assert first.resolution is None and len(first.prior_resolutions) == 1
    assert first.prior_follow_ups[-1].csat == 2
    again = transition(first, S.IN_PROGRESS, "alice", AGENT, LATER).case
    again = record_resolution(again, ResolutionCode.RESOLVED_REMEDY, "alice", AGENT, LATER).case
    second, _ = record_follow_up(again, "alice", AGENT, LATER, resolved=False, csat=4)
    assert second.state is S.REOPENED and second.reopen_count == 2 and second.tier is Tier.L3_MANAGER


def test_a_satisfied_follow_up_closes_the_case() -> None:
    closed, events = record_follow_up(
        drive(new_case(), S.RESOLVED), "alice", AGENT, LATER, resolved=True, csat=4, nps=9
    )
    assert closed.state is S.CLOSED and closed.follow_up.csat == 4 and closed.tier is Tier.L1_AGENT
    assert events[-1].reason == "follow-up: resolved=yes, CSAT 4"
    with pytest.raises(CaseInputError, match="CSAT 6"):
        record_follow_up(drive(new_case(), S.RESOLVED), "alice", AGENT, LATER, resolved=True, csat=6)


def test_three_unanswered_attempts_over_three_days_close_unconfirmed() -> None:
    case = drive(new_case(), S.RESOLVED)
    same_day = case
    for minutes in (0, 60, 120):
        same_day = record_follow_up_attempt(same_day, "alice", AGENT, at(16, 11, minutes % 60)).case
    assert same_day.state is S.RESOLVED, "three attempts in one day are not three days"
    for day in (16, 17):
        case = record_follow_up_attempt(case, "alice", AGENT, at(day, 11)).case
        assert case.state is S.RESOLVED
    closed, events = record_follow_up_attempt(case, "alice", AGENT, at(18, 11))
    assert closed.state is S.CLOSED_UNCONFIRMED and closed.closed_at == at(18, 11)
    assert "unreachable after 3" in (events[-1].reason or "")


def test_closing_without_a_required_follow_up_needs_a_supervisor_and_reason() -> None:
    case = drive(new_case(Severity.CRITICAL), S.RESOLVED)
    with pytest.raises(CaseTransitionError, match="record_follow_up"):
        transition(case, S.CLOSED, "alice", AGENT, LATER)
    closed, _ = transition(case, S.CLOSED, "sam", SUP, LATER, "customer asked not to be called")
    assert closed.state is S.CLOSED


def test_critical_cases_and_taciturn_customers_are_always_followed_up() -> None:
    ids = [f"case-{i}" for i in range(400)]
    assert all(follow_up_required(new_case(Severity.CRITICAL, case_id=i)) for i in ids)
    taciturn = [new_case(Severity.LOW, case_id=i, customer_type=CustomerType.TACITURN) for i in ids]
    assert all(follow_up_required(c) for c in taciturn)
    assert all(follow_up_required(new_case(Severity.MEDIUM, case_id=i)) for i in ids[:20])


def test_low_severity_follow_up_is_a_stable_twenty_percent_sample() -> None:
    sampled = [in_follow_up_sample(f"case-{i}", 0.2) for i in range(4000)]
    assert 0.17 < sum(sampled) / len(sampled) < 0.23
    assert sampled == [in_follow_up_sample(f"case-{i}", 0.2) for i in range(4000)]
    low = [new_case(Severity.LOW, case_id=f"case-{i}") for i in range(50)]
    assert [follow_up_required(c) for c in low] == sampled[:50]


def test_first_response_records_the_plan_and_starts_work() -> None:
    case = drive(new_case(), S.ACKNOWLEDGED)
    started, events = record_first_response(case, "refund by Friday", "alice", AGENT, LATER)
    assert started.state is S.IN_PROGRESS and started.first_response_at == LATER
    assert [e.action for e in events] == [CaseAction.FIRST_RESPONSE, CaseAction.STATE_CHANGED]
    with pytest.raises(CaseTransitionError, match="acknowledge it first"):
        record_first_response(new_case(), "plan", "alice", AGENT, LATER)


def test_times_must_be_timezone_aware_and_not_before_opening() -> None:
    with pytest.raises(CaseInputError, match="timezone"):
        transition(new_case(), S.ACKNOWLEDGED, "alice", AGENT, LATER.replace(tzinfo=None))
    with pytest.raises(CaseInputError, match="before case"):
        transition(new_case(), S.ACKNOWLEDGED, "alice", AGENT, T0 - timedelta(minutes=1))


def test_escalation_only_raises_the_tier_and_only_in_open_states() -> None:
    case = new_case()
    up, events = escalate(
        case, "alice", AGENT, LATER, "customer asks for manager", trigger=EscalationTrigger.MANAGER_REQUESTED
    )
    assert up.tier is Tier.L2_SUPERVISOR and up.supervisor_visible
    assert events[0].reason == "manager_requested: customer asks for manager"
    assert escalate(up, "system", None, LATER, "again", trigger=EscalationTrigger.REGULATOR_THREAT) == (
        up,
        [],
    )
    with pytest.raises(CaseInputError, match="only raises"):
        escalate(up, "sam", SUP, LATER, "down", to_tier=Tier.L1_AGENT)
    with pytest.raises(CaseTransitionError, match="open states"):
        escalate(drive(new_case(), S.RESOLVED), "alice", AGENT, LATER, "late")


def test_regulator_referrals_go_to_the_external_liaison() -> None:
    case, _ = open_case("r1", "CR-r1", "sam", SUP, T0, severity=Severity.HIGH, channel="regulator_referral")
    assert case.tier is Tier.EXTERNAL_LIAISON and case.origin is CaseOrigin.REGULATOR_REFERRAL


# --- automatic opening, attaching later contacts ------------------------------------------------


def test_cases_open_automatically_at_potential_complaint_or_high_risk() -> None:
    settings = Settings(case_risk_threshold=60)
    assert should_open(assessment(stage=Stage.POTENTIAL_COMPLAINT, risk=60), None, settings)[0]
    assert should_open(assessment(stage=Stage.EXPLICIT_GRUMBLE, risk=65), None, settings)[0]
    assert should_open(assessment(risk=40, context_risk=70), None, settings)[0]
    opens, why = should_open(assessment(risk=40), RiskLevel.HIGH, settings)
    assert opens and "customer risk high" in why
    opens, why = should_open(assessment(risk=40), RiskLevel.MEDIUM, settings)
    assert not opens and "< 60" in why
    assert should_open(assessment(risk=40), None, Settings(case_risk_threshold=30))[0]


def test_auto_open_sets_severity_tier_guidance_and_reason() -> None:
    msg = assessment(
        stage=Stage.FORMAL_COMPLAINT,
        risk=88,
        cues=(CueCode.EXTERNAL_COMPLAINT_FILED, CueCode.MEDIA_THREAT),
        causes=("price_billing",),
        demands=("refund",),
        customer_type=CustomerType.EXTREMELY_ANGRY,
    )
    opened = auto_open(msg, "a1", "CR-a1", T0)
    assert opened is not None
    case, events = opened
    assert (case.severity, case.tier, case.origin) == (
        Severity.CRITICAL,
        Tier.L3_MANAGER,
        CaseOrigin.AUTOMATIC,
    )
    assert case.guidance == msg.recommended_handling and case.supervisor_visible
    assert case.causes == ("price_billing",) and case.message_ids == ("m-1",)
    assert events[0].actor == "system" and events[0].role is None
    assert "external_complaint_filed" in (events[0].reason or "")
    assert auto_open(assessment(risk=20), "a2", "CR-a2", T0) is None


def test_a_later_contact_within_seven_days_attaches_and_after_that_opens_a_new_case() -> None:
    case = new_case(order_id="o-9", causes=("delivery_logistics",))
    six_days = T0 + timedelta(days=6, hours=23)
    assert find_attachable([case], "cust-1", six_days, order_id="o-9") == case
    assert find_attachable([case], "cust-1", six_days, causes=["delivery_logistics"]) == case
    assert find_attachable([case], "cust-1", six_days, order_id="o-10", causes=["delivery_logistics"]) is None
    assert find_attachable([case], "cust-2", six_days, order_id="o-9") is None
    assert find_attachable([case], "cust-1", T0 + timedelta(days=7, minutes=1), order_id="o-9") is None
    attached, events = attach_contact(case, six_days, message_id="m-2")
    assert attached.contact_count == 2 and attached.message_ids == ("m-2",)
    assert find_attachable([attached], "cust-1", six_days + timedelta(days=6), order_id="o-9") == attached
    assert events[0].change("contact_count").new == "2"  # type: ignore[union-attr]
    resolved = drive(new_case(order_id="o-9"), S.RESOLVED)
    assert find_attachable([resolved], "cust-1", LATER, order_id="o-9") is None
    with pytest.raises(CaseTransitionError, match="reopen"):
        attach_contact(resolved, LATER)


def test_later_assessments_raise_severity_but_never_lower_it() -> None:
    case = new_case(Severity.MEDIUM)
    calm, events = attach_contact(case, LATER, assessment=assessment(risk=10))
    assert calm.severity is Severity.MEDIUM
    assert CaseAction.SEVERITY_CHANGED not in [e.action for e in events]
    angry, events = attach_contact(
        calm,
        LATER,
        assessment=assessment(stage=Stage.POTENTIAL_COMPLAINT, risk=85, cues=(CueCode.LEGAL_THREAT,)),
    )
    assert angry.severity is Severity.CRITICAL and angry.tier is Tier.L3_MANAGER
    raised = next(e for e in events if e.action is CaseAction.SEVERITY_CHANGED)
    assert (raised.changes[0].old, raised.changes[0].new, raised.actor) == ("medium", "critical", "system")
    calmer, events = attach_contact(angry, LATER, assessment=assessment(risk=35))
    assert calmer.severity is Severity.CRITICAL and calmer.tier is Tier.L3_MANAGER


def test_assignment_prefers_seniors_continuity_skills_and_light_load() -> None:
    case = new_case(Severity.CRITICAL, product="broadband", language="zh-Hans")
    agents = [
        AgentInfo("junior", channels=frozenset({"chat"}), languages=frozenset({"zh"})),
        AgentInfo(
            "busy-senior", seniority=Seniority.SENIOR, open_critical_cases=2, languages=frozenset({"zh"})
        ),
        AgentInfo("senior-a", seniority=Seniority.SENIOR, open_cases=5, languages=frozenset({"zh"})),
        AgentInfo(
            "senior-b",
            seniority=Seniority.SENIOR,
            products=frozenset({"broadband"}),
            open_cases=7,
            languages=frozenset({"zh"}),
        ),
        AgentInfo("english-only", seniority=Seniority.SPECIALIST, languages=frozenset({"en"})),
    ]
    angry = suggest_assignee(case, CustomerType.EXTREMELY_ANGRY, agents, max_critical_per_agent=2)
    assert angry is not None and angry.agent_id == "senior-b" and angry.supervisor_visible
    again = suggest_assignee(case, CustomerType.EXTREMELY_ANGRY, agents, previous_owner="senior-a")
    assert again is not None and again.agent_id == "senior-a"
    assert "continuity" in " ".join(again.reasons)
    calm = suggest_assignee(new_case(Severity.LOW), CustomerType.TALKATIVE, agents)
    assert calm is not None and calm.agent_id == "junior" and not calm.supervisor_visible
    assert suggest_assignee(case, None, [replace(a, available=False) for a in agents]) is None


# --- property: random operations keep the case valid and fully audited --------------------------

ROLES = [AGENT, SUP, AGENT, SUP, *Role, None]  # weighted towards the people who work cases
operations = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "step",
                "step",
                "transition",
                "resolve",
                "follow_up",
                "attempt",
                "escalate",
                "assign",
                "severity",
                "sla",
            ]
        ),
        st.sampled_from(list(CaseState)),
        st.sampled_from(ROLES),
        st.booleans(),
        st.integers(min_value=0, max_value=60 * 30),
        st.integers(min_value=1, max_value=5),
    ),
    min_size=10,
    max_size=60,
)


Op = tuple[str, CaseState, Role | None, bool, int, int]


def _apply(case: Case, op: Op, now: datetime) -> tuple[Case, list[CaseEvent]]:
    kind, target, role, with_reason, _, number = op
    reason = "because" if with_reason else None
    if kind == "step":  # an allowed next state, so long walks through the lifecycle happen
        allowed = tuple(s for s in allowed_next_states(case) if s is not S.CANCELLED) or (target,)
        chosen = allowed[number % len(allowed)]
        if chosen is S.RESOLVED:
            return record_resolution(case, ResolutionCode.RESOLVED_REMEDY, "u", role, now)
        return transition(case, chosen, "u", role, now, reason)
    if kind == "transition":
        return transition(case, target, "u", role, now, reason)
    if kind == "resolve":
        return record_resolution(case, ResolutionCode.RESOLVED_EXPLANATION, "u", role, now)
    if kind == "follow_up":
        return record_follow_up(case, "u", role, now, resolved=with_reason, csat=number)
    if kind == "attempt":
        return record_follow_up_attempt(case, "u", role, now)
    if kind == "escalate":
        return escalate(case, "u", role, now, "why")
    if kind == "assign":
        return assign(case, f"agent-{number}", "u", role, now, reason=reason)
    if kind == "severity":
        return set_severity(case, list(Severity)[number % 4], "u", role, now, reason)
    return check_sla(case, now)


def _assert_valid(case: Case) -> None:
    assert case.state in set(CaseState)
    assert (case.paused_since is not None) == (case.state is S.AWAITING_CUSTOMER)
    assert (case.closed_at is not None) == (case.state in TERMINAL_STATES)
    assert (case.resolved_at is not None) == (case.state in {S.RESOLVED, S.CLOSED, S.CLOSED_UNCONFIRMED})
    assert (case.resolution is not None) == (case.resolved_at is not None)
    assert case.acknowledged_at is not None or case.state in {S.NEW, S.CANCELLED}
    assert all(p.end > p.start for p in case.pauses)
    if case.reopen_count:
        assert case.tier.rank >= (Tier.L2_SUPERVISOR if case.reopen_count == 1 else Tier.L3_MANAGER).rank


@settings(max_examples=150, deadline=None)
@given(operations)
def test_any_sequence_of_actions_keeps_the_case_valid_and_audits_every_change(ops: list[Op]) -> None:
    case, log = new_case(), []
    now = T0
    for op in ops:
        now += timedelta(minutes=op[4])
        try:
            new, events = _apply(case, op, now)
        except CaseError:
            event(f"{op[0]} refused")
            continue
        event(f"{op[0]} ok")
        event(f"reached {new.state.value}")
        state_events = [e for e in events if e.action is CaseAction.STATE_CHANGED]
        assert len(state_events) == int(new.state is not case.state), "one state event per state change"
        assert bool(events) == (new != case), "an event for every change, none without one"
        assert all(e.case_id == case.id and e.at == now and e.changes for e in events)
        log += events
        case = new
        _assert_valid(case)
    states = [S.NEW.value]
    for entry in log:
        change = entry.change("state")
        if entry.action is CaseAction.STATE_CHANGED and change is not None:
            assert change.old == states[-1]
            states.append(change.new or "")
    assert states[-1] == case.state.value


# --- SPEC.md §8 scenarios that open cases --------------------------------------------------------


def test_s01_formal_complaint_opens_a_case_of_at_least_high_severity(analyzer: Analyzer) -> None:
    text = "你们店服务员态度也太冷漠了吧!叫了三次加水都没人理,上菜直接把盘子往桌上一扔。我要投诉这个服务员!"
    opened = auto_open(
        analyzer.assess(text, channel="review", customer_id="c1", message_id="s01"), "s01", "CR-s01", T0
    )
    assert opened is not None
    assert opened.case.severity.rank >= Severity.HIGH.rank
    assert opened.case.guidance is not None and "follow_up" in opened.case.guidance.steps


def test_s18_external_complaint_opens_a_critical_case_at_the_manager_tier(analyzer: Analyzer) -> None:
    text = (
        "你们每个月都乱扣我20块的增值业务费,我从来没订过!我已经在12315上投诉了,"
        "还要发到网上让大家看看你们是什么骗子公司。"
    )
    opened = auto_open(
        analyzer.assess(text, channel="chat", customer_id="c1", message_id="s18"), "s18", "CR-s18", T0
    )
    assert opened is not None
    assert (opened.case.severity, opened.case.tier) == (Severity.CRITICAL, Tier.L3_MANAGER)


def test_s17_calm_message_opens_no_case(analyzer: Analyzer) -> None:
    calm = analyzer.assess("问题已经解决了,谢谢你们,服务很好!", channel="chat", customer_id="c1")
    assert auto_open(calm, "s17", "CR-s17", T0) is None


def test_the_examples_in_docs_cases_md_run() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "cases.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/cases.md", "exec"), {})
