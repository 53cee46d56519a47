"""The customer risk profile (SPEC.md §4, 投诉预识别): signals combined into risk, stage, trend and action."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from complaint_radar.customers import behaviour_signals as bs
from complaint_radar.customers import contact_signals as cs
from complaint_radar.customers.history import (
    EXPLICIT,
    LATENT,
    POTENTIAL,
    History,
    SignalHit,
    effective_rank,
    evidence_rank,
    noisy_or,
)
from complaint_radar.customers.signals import CaseSignal, MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, EventKind, SkippedEvent
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.types import PUBLIC_CHANNELS, CueCode, Form, RiskLevel, Stage

MAX_REASONS = 5
_EXTERNAL = {CueCode.EXTERNAL_COMPLAINT_FILED, CueCode.REGULATOR_THREAT, CueCode.LEGAL_THREAT}
_PUBLIC = {CueCode.MEDIA_THREAT, CueCode.NEGATIVE_REVIEW_THREAT, CueCode.PUBLIC_APPEAL}
_DECLINE = {"reduced_purchase", "usage_decline", "exit_behaviour"}
_CONVERSATION = {"recent_stage", "negative_trend", "repeat_contact", "public_negative_mention"}
_OPENERS = {
    "repeat_contact": "op_repeat",
    "branch_wait": "op_wait",
    "dissatisfied_resolution": "op_followup",
    "csat_drop": "op_followup",
    "nps_drop": "op_followup",
}


class Trend(StrEnum):
    RISING = "rising"
    STABLE = "stable"
    FALLING = "falling"


class ActionCode(StrEnum):
    """SPEC.md §4 `recommended_action`."""

    SUPERVISOR_REVIEW = "supervisor_review"
    PRIORITY_CALLBACK = "priority_callback"
    PROACTIVE_OUTREACH = "proactive_outreach"
    MONITOR = "monitor"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Reason:
    """One signal behind the risk: its strength p, its share of the score in points, text and evidence ids."""

    code: str
    weight: float
    contribution: float
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...]


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


@dataclass(frozen=True, slots=True)
class CustomerRiskProfile:
    """Everything the pre-identification concludes about one customer at `computed_at` (SPEC.md §4)."""

    customer_id: str
    computed_at: datetime
    risk_score: int
    risk_level: RiskLevel
    trend: Trend
    trend_delta: int
    stage: Stage
    predicted_stage: Stage
    predicted_form: str
    reasons: tuple[Reason, ...]
    next_action: NextAction
    signals: Mapping[str, float]
    complaint_counts: Mapping[str, int]
    satisfaction: Mapping[str, float | None]
    open_cases: tuple[OpenCase, ...]
    dominant_causes: tuple[str, ...]
    customer_type: str
    next_review_at: datetime
    weights_version: str
    skipped_events: tuple[SkippedEvent, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (enums as codes, times as ISO 8601)."""
        return {
            "customer_id": self.customer_id,
            "computed_at": self.computed_at.isoformat(),
            "risk_score": self.risk_score,
            "risk_level": self.risk_level.value,
            "trend": self.trend.value,
            "trend_delta": self.trend_delta,
            "stage": self.stage.value,
            "predicted_stage": self.predicted_stage.value,
            "predicted_form": self.predicted_form,
            "reasons": [
                {
                    "code": r.code,
                    "weight": round(r.weight, 3),
                    "contribution": r.contribution,
                    "reason_zh": r.reason_zh,
                    "reason_en": r.reason_en,
                    "evidence": list(r.evidence),
                }
                for r in self.reasons
            ],
            "next_action": {
                "code": self.next_action.code.value,
                "text_zh": self.next_action.text_zh,
                "text_en": self.next_action.text_en,
                "opener_id": self.next_action.opener_id,
            },
            "signals": dict(self.signals),
            "complaint_counts": dict(self.complaint_counts),
            "satisfaction": dict(self.satisfaction),
            "open_cases": [
                {"case_id": c.case_id, "state": c.state, "severity": c.severity, "hours_left": c.hours_left}
                for c in self.open_cases
            ],
            "dominant_causes": list(self.dominant_causes),
            "customer_type": self.customer_type,
            "next_review_at": self.next_review_at.isoformat(),
            "weights_version": self.weights_version,
            "skipped_events": [{"event_id": s.event_id, "reason": s.reason} for s in self.skipped_events],
        }


@dataclass(frozen=True, slots=True)
class _Scored:
    score: int
    raw_score: int
    hits: tuple[SignalHit, ...]
    repeat_count: float


def compute_profile(
    customer_id: str,
    messages: Iterable[MessageSignal],
    events: Iterable[BehaviourEvent],
    cases: Iterable[CaseSignal],
    now: datetime,
    weights: ProfileWeights | None = None,
    *,
    previous: CustomerRiskProfile | None = None,
) -> CustomerRiskProfile:
    """The customer's risk profile as of `now`, from their timeline (items after `now` are ignored).

    Pure: same inputs and weights give the same profile. The trend compares with `previous` when given,
    else with the same timeline as of `trends.compare_days` earlier. Events of unknown kind are skipped
    and listed in `skipped_events`.
    """
    w = weights or ProfileWeights.default()
    h = History(messages, events, cases, now, w)
    scored = _score(h)
    level = RiskLevel.from_score(scored.score)
    if previous is not None:
        delta = scored.score - previous.risk_score
    else:
        delta = scored.score - _score(h.subset(now - timedelta(days=w.trend.compare_days))).score
    trend = (
        Trend.RISING
        if delta >= w.trend.min_delta
        else Trend.FALLING
        if delta <= -w.trend.min_delta
        else Trend.STABLE
    )
    codes = {hit.code for hit in scored.hits}
    stage = _current_stage(h, scored)
    predicted = stage
    if level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
        predicted = Stage.from_rank(max(stage.rank, POTENTIAL))
    elif level is RiskLevel.MEDIUM and stage.rank >= LATENT:
        predicted = Stage.from_rank(max(stage.rank, EXPLICIT))
    form = _predicted_form(h, level, stage, codes)
    return CustomerRiskProfile(
        customer_id=customer_id,
        computed_at=now,
        risk_score=scored.score,
        risk_level=level,
        trend=trend,
        trend_delta=delta,
        stage=stage,
        predicted_stage=predicted,
        predicted_form=form,
        reasons=_reasons(scored),
        next_action=_next_action(h, scored, level, stage, form, codes),
        signals={hit.code: round(hit.p, 4) for hit in scored.hits},
        complaint_counts=_complaint_counts(h),
        satisfaction=_satisfaction(h),
        open_cases=_open_cases(h),
        dominant_causes=_dominant_causes(h),
        customer_type=_customer_type(h),
        next_review_at=now + timedelta(hours=w.actions.next_review_hours.get(level.value, 24.0)),
        weights_version=w.version,
        skipped_events=h.skipped,
    )


def context_risk_score(message_risk: int, profile: CustomerRiskProfile | None) -> int:
    """A message's risk raised by its customer's profile, never lowered (SPEC.md R7)."""
    return message_risk if profile is None else max(message_risk, profile.risk_score)


def _score(h: History) -> _Scored:
    repeat, repeat_count = cs.repeat_contact(h)
    found = [
        cs.recent_stage(h),
        cs.negative_trend(h),
        repeat,
        cs.public_negative_mention(h),
        cs.unresolved_case_age(h),
        cs.dissatisfied_resolution(h),
        cs.prior_complaints(h),
        bs.survey_drop(h, EventKind.SURVEY_CSAT),
        bs.survey_drop(h, EventKind.SURVEY_NPS),
        bs.exit_behaviour(h),
        bs.complaint_channel_lookup(h),
        bs.online_friction(h),
        bs.branch_wait(h),
        bs.call_tone(h),
        bs.staff_observation(h),
        bs.service_failure(h),
    ]
    hits = [hit for hit in found if hit is not None]
    corroborated = any(hit.code not in ("recent_stage", "complaint_channel_lookup") for hit in hits) or any(
        effective_rank(m) >= EXPLICIT and not h.resolved(m)
        for m in h.recent_messages(h.weights.purchases.recent_days)
    )
    for kind in (EventKind.PURCHASE, EventKind.LOGIN):
        decline = bs.frequency_decline(h, kind, corroborated)
        if decline is not None:
            hits.append(decline)
    raw = round(100.0 * noisy_or(hit.p for hit in hits))
    score = raw
    if repeat_count >= 3.0:
        score = max(score, h.weights.repeat.floor_three)
    return _Scored(min(100, score), min(100, raw), tuple(hits), repeat_count)


def _reasons(scored: _Scored) -> tuple[Reason, ...]:
    """Each signal's share of the score: log-odds-style shares of the noisy-OR, plus any floor lift."""
    logs = {hit.code: -math.log(max(1e-9, 1.0 - min(hit.p, 0.999))) for hit in scored.hits}
    total = sum(logs.values()) or 1.0
    points = {hit.code: scored.raw_score * logs[hit.code] / total for hit in scored.hits}
    if "repeat_contact" in points:
        points["repeat_contact"] += scored.score - scored.raw_score
    top = sorted(scored.hits, key=lambda hit: (-points[hit.code], hit.code))[:MAX_REASONS]
    texts = _texts()["signals"]
    reasons = []
    for hit in top:
        template = texts.get(hit.code, {"zh": hit.code, "en": hit.code})
        reasons.append(
            Reason(
                code=hit.code,
                weight=hit.p,
                contribution=round(points[hit.code], 1),
                reason_zh=_render(template["zh"], hit.facts, "zh"),
                reason_en=_render(template["en"], hit.facts, "en"),
                evidence=hit.evidence,
            )
        )
    return tuple(reasons)


def _current_stage(h: History, scored: _Scored) -> Stage:
    """Max over recent unresolved messages (one rank lower per half-life elapsed) and signals (SPEC §2.3)."""
    w = h.weights.messages
    rank = 0
    for m in h.recent_messages(w.window_days):
        if not h.resolved(m):
            rank = max(rank, evidence_rank(m) - int(h.age(m) // w.half_life_days))
    if scored.repeat_count >= 3.0:
        rank = max(rank, POTENTIAL)
    floor = h.weights.behaviour.stage_min_p
    if any(hit.code not in _CONVERSATION and hit.p >= floor for hit in scored.hits):
        rank = max(rank, LATENT)
    return Stage.from_rank(rank)


def _predicted_form(h: History, level: RiskLevel, stage: Stage, codes: set[str]) -> str:
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
    taciturn = bool(live) and live[-1].customer_type == "taciturn"
    if codes & _DECLINE and (len(dissatisfied) <= 1 or taciturn):
        return Form.SILENT_CHURN.value
    if level is RiskLevel.MEDIUM and any(effective_rank(m) >= EXPLICIT for m in live):
        return Form.DIRECT_COMPLAINT.value
    return "none"


def _next_action(
    h: History, scored: _Scored, level: RiskLevel, stage: Stage, form: str, codes: set[str]
) -> NextAction:
    """SPEC.md §4 recommended_action, with a §5 opener matched to the leading reason."""
    breached = any(
        hit.code == "unresolved_case_age" and hit.p >= h.weights.cases.p_breached for hit in scored.hits
    )
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
        if direct or _open_cases(h) or codes & {"csat_drop", "nps_drop"}:
            code = ActionCode.PRIORITY_CALLBACK
        else:
            code = ActionCode.PROACTIVE_OUTREACH
    else:
        code = ActionCode.MONITOR if scored.hits else ActionCode.NONE
    if stage is Stage.FORMAL_COMPLAINT:
        opener: str | None = "op_formal_ack"
    elif stage is Stage.POTENTIAL_COMPLAINT:
        opener = "op_escalate"
    elif form == Form.SILENT_CHURN.value:
        opener = "op_taciturn_open"
    else:
        top = max(scored.hits, key=lambda hit: hit.p, default=None)
        opener = _OPENERS.get(top.code, "op_apology_exp" if stage.rank >= 2 else None) if top else None
    text = _texts()["actions"][code.value]
    return NextAction(code, str(text["zh"]), str(text["en"]), opener)


def _complaint_counts(h: History) -> dict[str, int]:
    episodes = cs.complaint_episodes(h)
    return {f"{days}d": sum(1 for age, _ in episodes if age <= days) for days in (30, 90, 365)}


def _satisfaction(h: History) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for kind, name in ((EventKind.SURVEY_CSAT, "csat"), (EventKind.SURVEY_NPS, "nps")):
        answers = h.by_kind.get(kind, [])
        last = answers[-1].number if answers else None
        before = answers[-2].number if len(answers) >= 2 else None
        out[f"last_{name}"] = last
        out[f"previous_{name}"] = before
        out[f"{name}_change"] = None if last is None or before is None else last - before
    return out


def _open_cases(h: History) -> tuple[OpenCase, ...]:
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


def _dominant_causes(h: History) -> tuple[str, ...]:
    counts = Counter(c for m in h.recent_messages(h.weights.messages.window_days) for c in m.causes)
    return tuple(code for code, _ in counts.most_common(3))


def _customer_type(h: History) -> str:
    for m in reversed(h.recent_messages(h.weights.messages.window_days)):
        if m.customer_type and m.customer_type != "undetermined":
            return m.customer_type
    return "undetermined"


def _render(template: str, facts: Mapping[str, Any], lang: str) -> str:
    values: dict[str, Any] = {k: v for k, v in facts.items() if not k.endswith(("_zh", "_en"))}
    values.update({k[:-3]: v for k, v in facts.items() if k.endswith(f"_{lang}")})
    values.update({k: v for k, v in facts.items() if k.endswith(("_zh", "_en"))})
    return template.format_map(_Blank(values))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    text = resources.files("complaint_radar.customers").joinpath("data/profile_texts.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded
