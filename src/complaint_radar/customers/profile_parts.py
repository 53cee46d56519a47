"""The descriptive parts of a profile (SPEC.md §4): stage, predicted form, next action, complaint counts,
satisfaction history, open cases, dominant causes and customer type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from complaint_radar.customers import contact_signals as cs
from complaint_radar.customers.explain import action_text
from complaint_radar.customers.history import (
    EXPLICIT,
    LATENT,
    POTENTIAL,
    History,
    SignalHit,
    effective_rank,
    evidence_rank,
)
from complaint_radar.customers.timeline import EventKind
from complaint_radar.types import PUBLIC_CHANNELS, CueCode, CustomerType, Form, RiskLevel, Stage

_EXTERNAL = {CueCode.EXTERNAL_COMPLAINT_FILED, CueCode.REGULATOR_THREAT, CueCode.LEGAL_THREAT}
_PUBLIC = {CueCode.MEDIA_THREAT, CueCode.NEGATIVE_REVIEW_THREAT, CueCode.PUBLIC_APPEAL}
_DECLINE = {"reduced_purchase", "usage_decline", "exit_behaviour", "purchase_overdue"}
_CONVERSATION = {"recent_stage", "negative_trend", "repeat_contact", "public_negative_mention"}
_OPENERS = {
    "repeat_contact": "op_repeat",
    "branch_wait": "op_wait",
    "dissatisfied_resolution": "op_followup",
    "csat_drop": "op_followup",
    "nps_drop": "op_followup",
}


class ActionCode(StrEnum):
    """SPEC.md §4 `recommended_action`."""

    SUPERVISOR_REVIEW = "supervisor_review"
    PRIORITY_CALLBACK = "priority_callback"
    PROACTIVE_OUTREACH = "proactive_outreach"
    MONITOR = "monitor"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class NextAction:
    code: ActionCode
    text_zh: str
    text_en: str
    opener_id: str | None = None


@dataclass(frozen=True, slots=True)
class OpenCase:
    case_id: str
    state: str
    severity: str
    hours_left: float | None


def current_stage(h: History, hits: Collection[SignalHit], repeat_count: float) -> Stage:
    """Max over recent unresolved messages (one rank lower per half-life elapsed) and signals (SPEC §2.3)."""
    w = h.weights.messages
    rank = 0
    for m in h.recent_messages(w.window_days):
        if not h.resolved(m):
            rank = max(rank, evidence_rank(m) - int(h.age(m) // w.half_life_days))
    if repeat_count >= 3.0:
        rank = max(rank, POTENTIAL)
    floor = h.weights.behaviour.stage_min_p
    if any(hit.code not in _CONVERSATION and hit.p >= floor for hit in hits):
        rank = max(rank, LATENT)
    return Stage.from_rank(rank)


def predicted_form(h: History, level: RiskLevel, stage: Stage, codes: set[str]) -> str:
    w = h.weights.messages
    live = [m for m in h.recent_messages(w.window_days) if not h.resolved(m)]
    cues = {c for m in live for c in m.cues}
    if cues & _EXTERNAL:
        return Form.EXTERNAL_COMPLAINT.value
    if cues & _PUBLIC or "public_negative_mention" in codes:
        return Form.NEGATIVE_REVIEW.value
    if level in (RiskLevel.HIGH, RiskLevel.CRITICAL) or stage.rank >= POTENTIAL:
        return Form.DIRECT_COMPLAINT.value
    dissatisfied = [m for m in live if evidence_rank(m) >= LATENT]
    taciturn = bool(live) and live[-1].customer_type == CustomerType.TACITURN
    if codes & _DECLINE and (len(dissatisfied) <= 1 or taciturn):
        return Form.SILENT_CHURN.value
    if level is RiskLevel.MEDIUM and any(effective_rank(m) >= EXPLICIT for m in live):
        return Form.DIRECT_COMPLAINT.value
    return "none"


def next_action(
    h: History, hits: Collection[SignalHit], level: RiskLevel, stage: Stage, form: str, codes: set[str]
) -> NextAction:
    """SPEC.md §4 recommended_action, with a §5 opener matched to the leading signal."""
    breached = any(hit.code == "unresolved_case_age" and hit.p >= h.weights.cases.p_breached for hit in hits)
    if level is RiskLevel.CRITICAL or breached or stage is Stage.FORMAL_COMPLAINT:
        code = ActionCode.SUPERVISOR_REVIEW
    elif level in (RiskLevel.HIGH, RiskLevel.MEDIUM):
        # A customer who reached us directly expects an answer; one seen only through behaviour or public
        # posts has not asked, so we reach out first (D0 case 2).
        horizon = h.weights.actions.recent_contact_days
        direct = any(
            m.channel not in PUBLIC_CHANNELS and evidence_rank(m) >= LATENT
            for m in h.recent_messages(horizon)
        )
        if direct or open_cases(h) or codes & {"csat_drop", "nps_drop"}:
            code = ActionCode.PRIORITY_CALLBACK
        else:
            code = ActionCode.PROACTIVE_OUTREACH
    else:
        code = ActionCode.MONITOR if hits else ActionCode.NONE
    if stage is Stage.FORMAL_COMPLAINT:
        opener: str | None = "op_formal_ack"
    elif stage is Stage.POTENTIAL_COMPLAINT:
        opener = "op_escalate"
    elif form == Form.SILENT_CHURN.value:
        opener = "op_taciturn_open"
    else:
        top = max(hits, key=lambda hit: hit.p, default=None)
        opener = _OPENERS.get(top.code, "op_apology_exp" if stage.rank >= 2 else None) if top else None
    zh, en = action_text(code.value)
    return NextAction(code, zh, en, opener)


def complaint_counts(h: History) -> dict[str, int]:
    episodes = cs.complaint_episodes(h)
    return {f"{days}d": sum(1 for age, _ in episodes if age <= days) for days in (30, 90, 365)}


def satisfaction_history(h: History) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for kind, name in ((EventKind.SURVEY_CSAT, "csat"), (EventKind.SURVEY_NPS, "nps")):
        answers = h.by_kind.get(kind, [])
        last = answers[-1].number if answers else None
        before = answers[-2].number if len(answers) >= 2 else None
        out[f"last_{name}"] = last
        out[f"previous_{name}"] = before
        out[f"{name}_change"] = None if last is None or before is None else last - before
    return out


def open_cases(h: History) -> tuple[OpenCase, ...]:
    return tuple(
        OpenCase(
            c.case_id,
            c.state,
            str(c.severity),
            None if c.due_at is None else round((c.due_at - h.now).total_seconds() / 3600.0, 1),
        )
        for c in h.cases
        if c.open
    )


def dominant_causes(h: History) -> tuple[str, ...]:
    counts = Counter(c for m in h.recent_messages(h.weights.messages.window_days) for c in m.causes)
    return tuple(code for code, _ in counts.most_common(3))


def customer_type(h: History) -> str:
    for m in reversed(h.recent_messages(h.weights.messages.window_days)):
        if m.customer_type and m.customer_type != "undetermined":
            return m.customer_type
    return "undetermined"
