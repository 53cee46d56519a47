"""SLA clocks (SPEC.md §6): due times, elapsed share, warnings at 75 %, breaches that escalate once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from complaint_radar.cases.audit import SYSTEM_ACTOR, make_event, require_time
from complaint_radar.cases.calendar import Clock, seconds_between
from complaint_radar.cases.model import (
    Case,
    CaseAction,
    CaseState,
    CaseUpdate,
    EscalationTrigger,
    Milestone,
    Pause,
    SlaMark,
    SlaState,
)
from complaint_radar.cases.policy import SlaConfig, default_sla_config, follow_up_required
from complaint_radar.cases.routing import escalate


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One milestone's clock. `elapsed_fraction` ≥ 1 means late; `source` is `policy` or `regulator`."""

    milestone: Milestone
    cycle: int
    started_at: datetime
    due_at: datetime
    done_at: datetime | None
    elapsed_fraction: float
    state: SlaState
    target: str
    source: str = "policy"


def _pauses(case: Case, end: datetime) -> list[Pause]:
    pauses = list(case.pauses)
    if case.paused_since is not None and end > case.paused_since:
        pauses.append(Pause(case.paused_since, end))
    return pauses


def _clock(
    case: Case,
    milestone: Milestone,
    cycle: int,
    start: datetime,
    done: datetime | None,
    now: datetime,
    config: SlaConfig,
) -> SlaClock:
    target = config.target(case.severity, milestone, case.channel)
    clock: Clock = target.clock(config.calendar)
    budget = target.seconds(config.calendar)
    end = max(start, done or now)
    pauses = [p for p in _pauses(case, end) if p.end > start]
    paused = sum(clock.elapsed_seconds(max(p.start, start), min(p.end, end)) for p in pauses)
    elapsed = clock.elapsed_seconds(start, end) - paused
    due = clock.add_seconds(start, budget)
    # A pause that begins before the due time pushes it back by the pause's length; later ones don't.
    for pause in sorted(pauses, key=lambda p: p.start):
        if max(pause.start, start) >= due:
            break
        due = clock.add_seconds(due, clock.elapsed_seconds(max(pause.start, start), pause.end))
    fraction = elapsed / budget if budget > 0 else (1.0 if elapsed > 0 else 0.0)
    source = "policy"
    deadline = case.regulator_deadline
    if milestone is Milestone.RESOLVE and deadline is not None and deadline < due:
        due, source = deadline, "regulator"
        span = seconds_between(start, deadline)
        wall = seconds_between(start, end)
        fraction = wall / span if span > 0 else (1.0 if end >= deadline else 0.0)
        elapsed_late = end > deadline
    else:
        elapsed_late = fraction > 1.0
    if done is not None:
        state = SlaState.BREACHED if elapsed_late else SlaState.MET
    elif elapsed_late:
        state = SlaState.BREACHED
    elif fraction >= config.warn_at:
        state = SlaState.WARNING
    else:
        state = SlaState.OK
    return SlaClock(milestone, cycle, start, due, done, round(fraction, 6), state, str(target), source)


def sla_status(case: Case, now: datetime, config: SlaConfig | None = None) -> list[SlaClock]:
    """Every SLA clock of the case at `now` (none for a cancelled case).

    Acknowledge and first response count from opening; resolve from opening or the latest reopen;
    follow-up from resolution, when a follow-up is required. Clocks stand still in awaiting_customer.
    Severity is read at `now`, so raising it can put a clock into warning or breach at once.
    """
    require_time(now)
    if case.state is CaseState.CANCELLED:
        return []
    cfg = config or default_sla_config()
    closed = case.closed_at
    clocks = [
        _clock(case, Milestone.ACKNOWLEDGE, 0, case.opened_at, case.acknowledged_at or closed, now, cfg),
        _clock(case, Milestone.FIRST_RESPONSE, 0, case.opened_at, case.first_response_at or closed, now, cfg),
        _clock(case, Milestone.RESOLVE, case.reopen_count, case.cycle_started_at, case.resolved_at, now, cfg),
    ]
    if case.resolved_at is not None and follow_up_required(case, cfg):
        done = case.follow_up.first_contact_at or closed
        clocks.append(_clock(case, Milestone.FOLLOW_UP, case.reopen_count, case.resolved_at, done, now, cfg))
    return clocks


def check_sla(case: Case, now: datetime, config: SlaConfig | None = None) -> CaseUpdate:
    """Record new SLA warnings and breaches as events; a breach of a running clock escalates one tier.

    Idempotent: each (milestone, warning|breach, cycle) is recorded once, so calling it on every tick
    is safe. A milestone met late is recorded as a breach without escalating (the work is done).
    """
    events = []
    current = case
    for clock in sla_status(case, now, config):
        if clock.state not in (SlaState.WARNING, SlaState.BREACHED):
            continue
        if current.has_mark(clock.milestone, clock.state, clock.cycle):
            continue
        before = current
        current = replace(
            current, sla_marks=(*current.sla_marks, SlaMark(clock.milestone, clock.state, clock.cycle, now))
        )
        action = CaseAction.SLA_BREACH if clock.state is SlaState.BREACHED else CaseAction.SLA_WARNING
        reason = (
            f"{clock.milestone.value} due {clock.due_at.isoformat()} ({clock.target}, {clock.source}); "
            f"{clock.elapsed_fraction:.0%} elapsed"
        )
        events.append(make_event(before, current, action, SYSTEM_ACTOR, None, now, reason))
        breached_running = clock.state is SlaState.BREACHED and clock.done_at is None
        if breached_running and current.is_open and current.tier.next_internal() is not current.tier:
            current, more = escalate(
                current,
                SYSTEM_ACTOR,
                None,
                now,
                f"{clock.milestone.value} SLA breached",
                trigger=EscalationTrigger.SLA_BREACH,
            )
            events += more
    return CaseUpdate(current, events)
