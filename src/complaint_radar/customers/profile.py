"""The customer risk profile (SPEC.md §4, 投诉预识别): signals combined into risk, stage, trend and action."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from complaint_radar.customers import behaviour_signals as bs
from complaint_radar.customers import contact_signals as cs
from complaint_radar.customers import profile_parts as parts
from complaint_radar.customers.explain import Reason, reasons
from complaint_radar.customers.features import model_inputs
from complaint_radar.customers.history import (
    EXPLICIT,
    FORMAL,
    LATENT,
    POTENTIAL,
    History,
    SignalHit,
    effective_rank,
)
from complaint_radar.customers.likelihood import ComplaintModel, Prediction, model_of
from complaint_radar.customers.profile_parts import ActionCode, NextAction, OpenCase
from complaint_radar.customers.signals import CaseSignal, MessageSignal
from complaint_radar.customers.timeline import BehaviourEvent, EventKind, SkippedEvent
from complaint_radar.customers.trajectory import Feature
from complaint_radar.customers.weights import ProfileWeights
from complaint_radar.types import RiskLevel, Stage

__all__ = [
    "ActionCode",
    "CustomerRiskProfile",
    "NextAction",
    "OpenCase",
    "Reason",
    "Trend",
    "compute_profile",
    "context_risk_score",
    "trend_baseline",
]

_FILED_DAYS = 7.0
"""A formal complaint this recent is on record: the 7-day probability is 1 (it has happened)."""


class Trend(StrEnum):
    RISING = "rising"
    STABLE = "stable"
    FALLING = "falling"


@dataclass(frozen=True, slots=True)
class CustomerRiskProfile:
    """Everything the pre-identification concludes about one customer at `computed_at` (SPEC.md §4)."""

    customer_id: str
    computed_at: datetime
    risk_score: int
    risk_level: RiskLevel
    complaint_probability_7d: float
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
    model_version: str = ""
    skipped_events: tuple[SkippedEvent, ...] = field(default=())
    features: Mapping[str, float] = field(default_factory=dict)
    """The 7-day model's inputs (for fitting and inspection; not part of the stored record)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (enums as codes, times as ISO 8601)."""
        return {
            "customer_id": self.customer_id,
            "computed_at": self.computed_at.isoformat(),
            "risk_score": self.risk_score,
            "risk_level": self.risk_level.value,
            "complaint_probability_7d": round(self.complaint_probability_7d, 4),
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
            "model_version": self.model_version,
            "skipped_events": [{"event_id": s.event_id, "reason": s.reason} for s in self.skipped_events],
        }


@dataclass(frozen=True, slots=True)
class _Scored:
    score: int
    probability: float
    hits: tuple[SignalHit, ...]
    repeat_count: float
    features: Mapping[str, Feature]
    contributions: Mapping[str, float]
    stage: Stage


def compute_profile(
    customer_id: str,
    messages: Iterable[MessageSignal],
    events: Iterable[BehaviourEvent],
    cases: Iterable[CaseSignal],
    now: datetime,
    weights: ProfileWeights | None = None,
    *,
    previous: CustomerRiskProfile | None = None,
    model: ComplaintModel | None = None,
    baseline: int | None = None,
) -> CustomerRiskProfile:
    """The customer's risk profile as of `now`, from their timeline (items after `now` are ignored).

    Pure: same inputs, weights and model give the same profile. The risk is the 7-day complaint
    probability of `model` (by default the weights' `model_file`, else the bundled model) on a 0–100
    scale whose level boundaries are the model's probability cut-offs. The trend compares with
    `previous` when given, else with `baseline` (the risk score of this same timeline as of
    `trend.compare_days` earlier, when the caller knows it: see `trend_baseline`), else with that score
    worked out here. Events of unknown kind are skipped and listed in `skipped_events`.
    """
    w = weights or ProfileWeights.default()
    m = model or model_of(w)
    h = History(messages, events, cases, now, w)
    scored = _score(h, m)
    level = RiskLevel.from_score(scored.score)
    if previous is not None:
        delta = scored.score - previous.risk_score
    elif baseline is not None:
        delta = scored.score - baseline
    else:
        delta = scored.score - _baseline_score(h.subset(now - timedelta(days=w.trend.compare_days)), m)
    trend = (
        Trend.RISING
        if delta >= w.trend.min_delta
        else Trend.FALLING
        if delta <= -w.trend.min_delta
        else Trend.STABLE
    )
    codes = {hit.code for hit in scored.hits} | set(scored.features)
    stage = scored.stage
    predicted = stage
    if level in (RiskLevel.HIGH, RiskLevel.CRITICAL):
        predicted = Stage.from_rank(max(stage.rank, POTENTIAL))
    elif level is RiskLevel.MEDIUM and stage.rank >= LATENT:
        predicted = Stage.from_rank(max(stage.rank, EXPLICIT))
    form = parts.predicted_form(h, level, stage, codes)
    return CustomerRiskProfile(
        customer_id=customer_id,
        computed_at=now,
        risk_score=scored.score,
        risk_level=level,
        complaint_probability_7d=scored.probability,
        trend=trend,
        trend_delta=delta,
        stage=stage,
        predicted_stage=predicted,
        predicted_form=form,
        reasons=reasons(
            scored.score, scored.contributions, scored.features, {hit.code: hit for hit in scored.hits}
        ),
        next_action=parts.next_action(h, scored.hits, level, stage, form, codes),
        signals={hit.code: round(hit.p, 4) for hit in scored.hits},
        complaint_counts=parts.complaint_counts(h),
        satisfaction=parts.satisfaction_history(h),
        open_cases=parts.open_cases(h),
        dominant_causes=parts.dominant_causes(h),
        customer_type=parts.customer_type(h),
        next_review_at=now + timedelta(hours=w.actions.next_review_hours.get(level.value, 24.0)),
        weights_version=w.version,
        model_version=m.version,
        skipped_events=h.skipped,
        features={name: round(f.value, 6) for name, f in scored.features.items()},
    )


def trend_baseline(profile: CustomerRiskProfile) -> int:
    """The risk score `profile`'s trend compared with (its timeline as of `trend.compare_days` earlier).

    Pass it as `compute_profile(..., baseline=)` for the same customer at the same `now` when only
    items after that earlier moment changed (a case opened since), to skip scoring it again."""
    return profile.risk_score - profile.trend_delta


_EMPTY_SCORES: list[tuple[ComplaintModel, ProfileWeights, int]] = []
"""The score of an empty timeline per (model, weights), held by identity (a handful at most)."""


def _baseline_score(h: History, model: ComplaintModel) -> int:
    """`_score(h, model).score`; an empty timeline (a customer new within the comparison window, the
    common case on a live stream) scores the same at any moment, so it is worked out once."""
    if h.messages or h.events or h.cases:
        return _score(h, model, explain=False).score
    for known_model, known_weights, score in _EMPTY_SCORES:
        if known_model is model and known_weights is h.weights:
            return score
    score = _score(h, model, explain=False).score
    del _EMPTY_SCORES[:-7]  # keep the last few pairs (tests build many weights)
    _EMPTY_SCORES.append((model, h.weights, score))
    return score


def context_risk_score(message_risk: int, profile: CustomerRiskProfile | None) -> int:
    """A message's risk raised by its customer's profile, never lowered (SPEC.md R7)."""
    return message_risk if profile is None else max(message_risk, profile.risk_score)


def signal_hits(h: History) -> tuple[list[SignalHit], float]:
    """The SPEC.md §4 signals that fire, and the weighted count of contacts on one issue in 7 days."""
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
    return hits, repeat_count


def _score(h: History, model: ComplaintModel, *, explain: bool = True) -> _Scored:
    """The score and what it rests on; `explain=False` skips the features' shares (the trend's view)."""
    hits, repeat_count = signal_hits(h)
    counts = None if h.weights.all_inputs else model.reads()
    features = model_inputs(h, {hit.code: hit for hit in hits}, explain=explain, counts=counts)
    values = {name: f.value for name, f in features.items()}
    prediction = model.predict(values) if explain else Prediction(model.probability(values), {})
    probability = 1.0 if _filed(h, model) else prediction.probability
    stage = parts.current_stage(h, hits, repeat_count)
    if stage.rank >= POTENTIAL and _in_words(h):
        # SPEC.md R2/R3: a potential complaint (a threat, or ≥ 3 contacts on one unresolved issue in 7
        # days) is at least high, whatever the fitted model makes of its features, when the customer
        # said so in words (calls and waits alone are weighed in context: a content heavy user is no risk).
        probability = max(probability, model.cutoffs["high"])
    return _Scored(
        model.risk_score(probability),
        probability,
        tuple(hits),
        repeat_count,
        features,
        prediction.contributions,
        stage,
    )


def _in_words(h: History) -> bool:
    """Whether an unresolved message of the last 7 days is at explicit stage or above."""
    return any(effective_rank(m) >= EXPLICIT and not h.resolved(m) for m in h.recent_messages(7.0))


def _filed(h: History, model: ComplaintModel) -> bool:
    """Whether a formal complaint is on record within the model's horizon (unresolved message or case)."""
    horizon = min(_FILED_DAYS, model.horizon_days)
    return any(effective_rank(m) >= FORMAL and not h.resolved(m) for m in h.recent_messages(horizon)) or any(
        c.formal_complaint and h.age_days(c.opened_at) <= horizon for c in h.cases
    )
