"""Case SLA clocks (SPEC.md §6): business hours across nights and weekends, pauses, warnings, breaches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from case_helpers import AGENT, assessment, at, drive, new_case

from complaint_radar.cases import (
    WALL_CLOCK,
    BusinessCalendar,
    CaseAction,
    CaseState,
    Milestone,
    ResolutionCode,
    Severity,
    SlaClock,
    SlaState,
    Tier,
    attach_contact,
    check_sla,
    load_sla_config,
    record_follow_up_attempt,
    record_resolution,
    sla_status,
    transition,
)
from complaint_radar.cases.model import Case
from complaint_radar.errors import ConfigurationError

FRIDAY_4PM = at(20, 16)


def clock(case: Case, milestone: Milestone, now: datetime) -> SlaClock:
    return next(c for c in sla_status(case, now) if c.milestone is milestone)


def test_business_hours_skip_the_night_and_the_weekend() -> None:
    case = new_case(Severity.MEDIUM, now=FRIDAY_4PM)
    ack = clock(case, Milestone.ACKNOWLEDGE, at(21, 12))  # Saturday noon: still 2 of 4 business hours
    assert ack.due_at == at(23, 11) and ack.elapsed_fraction == 0.5 and ack.state is SlaState.OK
    assert clock(case, Milestone.ACKNOWLEDGE, at(23, 10)).state is SlaState.WARNING  # 3 of 4 h
    assert clock(case, Milestone.ACKNOWLEDGE, at(23, 11, 1)).state is SlaState.BREACHED
    resolve = clock(case, Milestone.RESOLVE, FRIDAY_4PM)
    assert resolve.due_at == at(27, 16)  # five business days of 9 h: Fri 16:00 → next Fri 16:00


def test_a_case_opened_at_night_starts_its_clock_at_opening_time() -> None:
    case = new_case(Severity.MEDIUM, now=at(17, 22))  # Tuesday 22:00
    assert clock(case, Milestone.ACKNOWLEDGE, at(18, 8)).elapsed_fraction == 0.0
    assert clock(case, Milestone.ACKNOWLEDGE, at(18, 8)).due_at == at(18, 13)
    assert clock(case, Milestone.FIRST_RESPONSE, at(18, 8)).due_at == at(18, 18)


def test_critical_cases_run_around_the_clock() -> None:
    case = new_case(Severity.CRITICAL, now=at(21, 3))  # Saturday 03:00
    ack = clock(case, Milestone.ACKNOWLEDGE, at(21, 3, 12))
    assert ack.due_at == at(21, 3, 15) and ack.state is SlaState.WARNING
    assert clock(case, Milestone.RESOLVE, at(21, 3)).due_at == at(22, 3)


def test_holidays_and_make_up_workdays_come_from_the_calendar() -> None:
    cal = BusinessCalendar(
        holidays=frozenset({date(2026, 11, 23)}), extra_workdays=frozenset({date(2026, 11, 22)})
    )
    assert cal.add_seconds(FRIDAY_4PM, 4 * 3600) == at(22, 11)  # Sunday is worked, Monday is a holiday
    assert cal.add_seconds(at(22, 17), 2 * 3600) == at(24, 10)
    assert cal.elapsed_seconds(at(22, 17), at(24, 10)) == 2 * 3600


def test_clocks_stand_still_while_awaiting_the_customer() -> None:
    case = drive(new_case(Severity.HIGH, now=at(16, 9)), CaseState.IN_PROGRESS, at(16, 9))
    waiting = transition(case, CaseState.AWAITING_CUSTOMER, "alice", AGENT, at(16, 10)).case
    frozen = clock(waiting, Milestone.RESOLVE, at(16, 15))
    assert frozen.elapsed_fraction == pytest.approx(1 / 18, abs=1e-6) and frozen.due_at == at(18, 9 + 5)
    back = transition(waiting, CaseState.IN_PROGRESS, "alice", AGENT, at(16, 15)).case
    assert back.paused_since is None and back.paused_seconds == 5 * 3600
    resumed = clock(back, Milestone.RESOLVE, at(16, 16))
    assert resumed.elapsed_fraction == pytest.approx(2 / 18, abs=1e-6)
    assert resumed.due_at == at(18, 14)  # two business days plus the five paused hours


def test_a_pause_after_the_due_time_does_not_move_it() -> None:
    case = drive(new_case(Severity.CRITICAL, now=at(16, 9)), CaseState.IN_PROGRESS, at(16, 9))
    late_wait = transition(case, CaseState.AWAITING_CUSTOMER, "alice", AGENT, at(17, 12)).case
    assert clock(late_wait, Milestone.RESOLVE, at(17, 18)).due_at == at(17, 9)


def test_warning_starts_at_seventy_five_percent() -> None:
    case = new_case(Severity.HIGH, now=at(16, 9))  # acknowledge within 1 h (wall clock)
    assert clock(case, Milestone.ACKNOWLEDGE, at(16, 9, 44)).state is SlaState.OK
    assert clock(case, Milestone.ACKNOWLEDGE, at(16, 9, 45)).state is SlaState.WARNING
    assert clock(case, Milestone.ACKNOWLEDGE, at(16, 10)).state is SlaState.WARNING
    assert clock(case, Milestone.ACKNOWLEDGE, at(16, 10, 1)).state is SlaState.BREACHED


def test_a_breach_is_recorded_and_escalates_one_tier_exactly_once() -> None:
    case = new_case(Severity.HIGH, now=at(16, 9))
    warned, events = check_sla(case, at(16, 9, 50))
    assert [e.action for e in events] == [CaseAction.SLA_WARNING] and warned.tier is Tier.L1_AGENT
    assert check_sla(warned, at(16, 9, 55)) == (warned, [])
    breached, events = check_sla(warned, at(16, 10, 30))
    assert [e.action for e in events] == [CaseAction.SLA_BREACH, CaseAction.TIER_CHANGED]
    assert breached.tier is Tier.L2_SUPERVISOR and breached.supervisor_visible
    assert events[1].actor == "system" and events[1].role is None
    again, events = check_sla(breached, at(16, 11, 30))
    assert events == [] and again.tier is Tier.L2_SUPERVISOR


def test_a_milestone_met_late_is_recorded_as_a_breach_without_escalating() -> None:
    case = new_case(Severity.HIGH, now=at(16, 9))
    late = transition(case, CaseState.ACKNOWLEDGED, "alice", AGENT, at(16, 11)).case
    assert clock(late, Milestone.ACKNOWLEDGE, at(16, 11, 30)).state is SlaState.BREACHED
    checked, events = check_sla(late, at(16, 11, 30))
    assert [e.action for e in events] == [CaseAction.SLA_BREACH] and checked.tier is Tier.L1_AGENT


def test_raising_severity_tightens_the_clocks_at_once() -> None:
    case = new_case(Severity.LOW, now=at(16, 9))
    critical = attach_contact(case, at(16, 9, 20), assessment=assessment(risk=90)).case
    assert critical.severity is Severity.CRITICAL
    assert clock(critical, Milestone.ACKNOWLEDGE, at(16, 9, 20)).state is SlaState.BREACHED


def test_a_regulator_deadline_applies_when_earlier() -> None:
    case = new_case(Severity.MEDIUM, now=at(16, 9), regulator_deadline=at(17, 9))
    resolve = clock(case, Milestone.RESOLVE, at(16, 21))
    assert (resolve.due_at, resolve.source, resolve.state) == (at(17, 9), "regulator", SlaState.OK)
    assert clock(case, Milestone.RESOLVE, at(17, 10)).state is SlaState.BREACHED
    later = new_case(Severity.CRITICAL, now=at(16, 9), regulator_deadline=at(30, 9))
    assert clock(later, Milestone.RESOLVE, at(16, 10)).source == "policy"


def test_follow_up_clock_starts_at_resolution_and_stops_at_the_first_attempt() -> None:
    case = drive(new_case(Severity.CRITICAL, now=at(16, 9)), CaseState.IN_PROGRESS, at(16, 9))
    assert Milestone.FOLLOW_UP not in {c.milestone for c in sla_status(case, at(16, 10))}
    resolved = record_resolution(case, ResolutionCode.RESOLVED_REMEDY, "alice", AGENT, at(16, 10)).case
    follow = clock(resolved, Milestone.FOLLOW_UP, at(17, 4))
    assert follow.due_at == at(17, 10) and follow.state is SlaState.WARNING
    tried = record_follow_up_attempt(resolved, "alice", AGENT, at(17, 9)).case
    assert clock(tried, Milestone.FOLLOW_UP, at(18, 9)).state is SlaState.MET


def test_a_cancelled_case_has_no_clocks() -> None:
    assert sla_status(drive(new_case(), CaseState.CANCELLED), at(30, 9)) == []


def test_channel_overrides_and_calendars_come_from_the_policy_file(tmp_path: Path) -> None:
    bundled = Path(__file__).parents[2] / "src/complaint_radar/cases/data/sla.yaml"
    text = bundled.read_text("utf-8").replace(
        "channel_overrides: {}", "channel_overrides: {social_post: {high: {acknowledge: 30m}}}"
    )
    policy = tmp_path / "sla.yaml"
    policy.write_text(text.replace('closes: "18:00"', 'closes: "17:00"'), "utf-8")
    config = load_sla_config(policy)
    assert str(config.target(Severity.HIGH, Milestone.ACKNOWLEDGE, "social_post")) == "30m"
    assert str(config.target(Severity.HIGH, Milestone.ACKNOWLEDGE, "chat")) == "1h"
    assert config.calendar.day_seconds == 8 * 3600
    case = new_case(Severity.HIGH, now=at(16, 9), channel="social_post")
    ack = next(c for c in sla_status(case, at(16, 9, 25), config) if c.milestone is Milestone.ACKNOWLEDGE)
    assert ack.due_at == at(16, 9, 30) and ack.state is SlaState.WARNING


def test_a_malformed_policy_says_what_to_fix(tmp_path: Path) -> None:
    policy = tmp_path / "sla.yaml"
    policy.write_text("targets:\n  high: {acknowledge: soon}\n", "utf-8")
    with pytest.raises(ConfigurationError, match="not a duration"):
        load_sla_config(policy)
    policy.write_text("targets:\n  high: {acknowledge: 1h}\n", "utf-8")
    with pytest.raises(ConfigurationError, match="no target for"):
        load_sla_config(policy)
    with pytest.raises(ConfigurationError, match="timezone"):
        BusinessCalendar(timezone="Mars/Olympus")


def test_times_in_another_zone_are_the_same_instants() -> None:
    case = new_case(Severity.MEDIUM, now=FRIDAY_4PM.astimezone(UTC))
    ack = clock(case, Milestone.ACKNOWLEDGE, at(23, 10).astimezone(UTC))
    assert ack.due_at == at(23, 11) and ack.elapsed_fraction == 0.75


def test_wall_clock_and_business_hours_survive_a_daylight_saving_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=berlin)  # clocks go forward on Sunday 29 March
    assert WALL_CLOCK.add_seconds(saturday, 24 * 3600) == datetime(2026, 3, 29, 21, 0, tzinfo=berlin)
    cal = BusinessCalendar(timezone="Europe/Berlin")
    assert cal.add_seconds(saturday, 3600) == datetime(2026, 3, 30, 10, 0, tzinfo=berlin)
    assert cal.elapsed_seconds(saturday, datetime(2026, 3, 30, 10, 0, tzinfo=berlin)) == 3600
